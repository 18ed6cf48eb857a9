"""Plugin options: the team-server settings a person set with `claude plugin configure` reach the runtime.

A hook of the ml-automation plugin (Claude Code: SessionStart). Claude Code gives a hook the plugin's
options (userConfig in plugin.json) as CLAUDE_PLUGIN_OPTION_<KEY>, and lets a SessionStart hook set
variables for every shell command of the session by appending `export` lines to $CLAUDE_ENV_FILE. This
hook writes the runtime's own settings from the options:

    mlflow_uri      -> ML_AUTOMATION_MLFLOW_URI      (the team's MLflow server)
    mlflow_project  -> ML_AUTOMATION_MLFLOW_PROJECT  (experiment and registered model name)
    mlflow_mirror   -> ML_AUTOMATION_MLFLOW_URI=off  (when false: the registry stays local)

A variable already set where Claude Code runs (the shell, settings.json `env`) wins: it is not
written over. An option left empty writes nothing. The hook never stops a session: any failure is a
warning on stderr and exit 0.

    python3 plugin_options.py    (reads its environment; writes to $CLAUDE_ENV_FILE)
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping

OPTION = "CLAUDE_PLUGIN_OPTION_"
URI, PROJECT = "ML_AUTOMATION_MLFLOW_URI", "ML_AUTOMATION_MLFLOW_PROJECT"
FALSE = ("false", "0", "no", "off")


def settings(environ: Mapping[str, str]) -> dict[str, str]:
    """The runtime variables the options in `environ` set, less those `environ` already sets."""
    option = {name: environ.get(OPTION + name.upper(), "").strip() for name in ("mlflow_uri", "mlflow_project", "mlflow_mirror")}
    wanted: dict[str, str] = {}
    if option["mlflow_mirror"].lower() in FALSE:
        wanted[URI] = "off"
    elif option["mlflow_uri"]:
        wanted[URI] = option["mlflow_uri"]
    if option["mlflow_project"]:
        wanted[PROJECT] = option["mlflow_project"]
    return {name: value for name, value in wanted.items() if not environ.get(name, "").strip()}


def main() -> int:
    """Append the export lines to $CLAUDE_ENV_FILE (nothing when there is no such file or nothing to set)."""
    try:
        target = os.environ.get("CLAUDE_ENV_FILE")
        values = settings(os.environ)
        if target and values:
            with open(target, "a", encoding="utf-8") as env_file:
                env_file.writelines(f"export {name}={shlex.quote(value)}\n" for name, value in sorted(values.items()))
    except Exception as error:  # noqa: BLE001 - a hook must never stop a session because of itself
        print(f"ml-automation plugin options skipped: {type(error).__name__}: {error}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
