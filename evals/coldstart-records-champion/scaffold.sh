#!/usr/bin/env bash
# A weekly marketing table: data/sales.csv, target Revenue.
exec bash "$(dirname "${BASH_SOURCE[0]}")/../fixtures/scaffold.sh" sales
