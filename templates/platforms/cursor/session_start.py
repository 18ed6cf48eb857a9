"""Cursor session start of the ml-automation plugin: puts the runtime's launcher into the project.

Cursor runs no plugin program from a PATH and expands `${CURSOR_PLUGIN_ROOT}` only in hook and MCP
commands, so the plugin's commands and agents reach its runtime through a project-relative launcher:
`python3 .cursor/ml_automation.py COMMAND ...` (e.g. `registry models`, `copy-runtime`). This hook
writes that launcher (a few lines naming the plugin folder) when it is missing or names another
folder. It never stops the session: any failure is a warning on stderr.

    python3 session_start.py < hook-input.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

PLUGIN_ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = Path(".cursor") / "ml_automation.py"
TEMPLATE = '''"""Launcher of the ml-automation plugin's commands, written by the plugin at each Cursor session start.

    python3 .cursor/ml_automation.py COMMAND [ARGS]   e.g. registry models, copy-runtime
    python3 .cursor/ml_automation.py --plugin-root     the plugin's folder
"""
import runpy
import sys

PLUGIN_ROOT = {root!r}
RUNTIME = PLUGIN_ROOT + {runtime!r}
if sys.argv[1:] == ["--plugin-root"]:
    print(PLUGIN_ROOT)
else:
    sys.argv[0] = RUNTIME
    runpy.run_path(RUNTIME, run_name="__main__")
'''


def launcher_text() -> str:
    """The launcher for this plugin folder."""
    return TEMPLATE.format(root=str(PLUGIN_ROOT), runtime=os.sep + os.path.join("templates", "ml_automation.py"))


def main() -> int:
    """Write the launcher into the project (the hook's working folder, or the input's workspace root)."""
    try:
        hook_input = json.loads(sys.stdin.read() or "{}")
        root = next(iter(hook_input.get("workspace_roots") or []), None) or hook_input.get("cwd")
        if root:
            os.chdir(root)
        text = launcher_text()
        if not LAUNCHER.is_file() or LAUNCHER.read_text(encoding="utf-8") != text:
            LAUNCHER.parent.mkdir(exist_ok=True)
            LAUNCHER.write_text(text, encoding="utf-8")
    except Exception as error:  # noqa: BLE001 - a session must never be stopped by this hook
        print(f"ml-automation session start skipped: {type(error).__name__}: {error}", file=sys.stderr)
    print("{}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
