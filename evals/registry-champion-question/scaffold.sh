#!/usr/bin/env bash
# A registry of three regression models, model_ridge_v2 the champion.
exec bash "$(dirname "${BASH_SOURCE[0]}")/../fixtures/scaffold.sh" registry
