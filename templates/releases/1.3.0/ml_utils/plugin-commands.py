# =============================================================================
# PLUGIN COMMANDS
# =============================================================================

# The commands (registry views, report, repair, sync, copy-runtime, api) stay in the plugin's
# templates/ml_automation.py; `python3 ml_utils.py COMMAND` finds the plugin and runs it there, or
# says what to run instead, writing nothing. RUNTIME_STAMP (set by the build: release and hash) tells
# the plugin that a project's copy is older.

import ast
import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
from typing import Optional

RUNTIME_STAMP = "unbuilt"
PLUGIN_ROOT_ENV = "ML_AUTOMATION_PLUGIN_ROOT"
# The file of a project's registry folder where the plugin records its folder (see plugin_root).
PLUGIN_RECORD_FILE = ".plugin.json"
COMMAND_MODULE = os.path.join("templates", "ml_automation.py")
# How the plugin's command module names itself (its first lines hold this).
COMMAND_MODULE_MARK = "ML_AUTOMATION_COMMAND_MODULE = True"
_CALLED_AS_ENV = "ML_AUTOMATION_CALLED_AS"


def _command_module(root: Optional[str]) -> Optional[str]:
    """The plugin's command module under `root` (a plugin folder), or None when `root` holds none."""
    if not root:
        return None
    path = os.path.join(root, COMMAND_MODULE)
    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(4096)
    except (OSError, UnicodeDecodeError):
        return None
    return os.path.abspath(path) if COMMAND_MODULE_MARK in head else None


def _recorded_roots(search_dirs: Dirs = None) -> list[str]:
    """Plugin folders this project names: recorded in a registry folder, or by Cursor's launcher (read, never run)."""
    roots = []
    for folder in _read_dirs(search_dirs):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            with open(os.path.join(folder, PLUGIN_RECORD_FILE), encoding="utf-8") as handle:
                roots.append(str(json.load(handle).get("plugin_root") or ""))
    with contextlib.suppress(OSError, ValueError, SyntaxError):
        with open(os.path.join(_project_registry()[1], ".cursor", "ml_automation.py"), encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PLUGIN_ROOT" for t in node.targets):
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    roots.append(node.value.value)
    return [root for root in roots if root]


def plugin_root(search_dirs: Dirs = None) -> Optional[str]:
    """The plugin folder whose commands this copy runs, or None: the first holding templates/ml_automation.py
    of $ML_AUTOMATION_PLUGIN_ROOT, this file's plugin, $CLAUDE_PLUGIN_ROOT or $CURSOR_PLUGIN_ROOT,
    `ml-automation` on PATH, and the folders this project recorded (_recorded_roots)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    program = shutil.which("ml-automation")
    candidates = [os.environ.get(PLUGIN_ROOT_ENV), here, os.environ.get("CLAUDE_PLUGIN_ROOT"), os.environ.get("CURSOR_PLUGIN_ROOT"),
                  os.path.dirname(os.path.dirname(os.path.realpath(program))) if program else None]
    for root in candidates + _recorded_roots(search_dirs):
        if _command_module(root):
            return os.path.abspath(str(root))
    return None


def _plugin_command(argv: list[str]) -> int:
    """`python3 ml_utils.py COMMAND ...`: the plugin's command's exit status; without a plugin, what to run instead (127)."""
    module = _command_module(plugin_root())
    if module:
        env = dict(os.environ)
        # Messages name the command as typed: `python3 ml_utils.py`, `python3 ../ml_utils.py`, `python3 -m ml_utils`.
        env.setdefault(_CALLED_AS_ENV, "python3 -m ml_utils" if __spec__ is not None else f"python3 {shlex.quote(sys.argv[0])}")
        try:
            return subprocess.call([sys.executable, module] + argv, env=env)
        except KeyboardInterrupt:  # the command got the same Ctrl-C and has stopped
            return 130
    asked = argv in ([], ["-h"], ["--help"])
    words = shlex.join(argv or ["registry"])
    given = os.environ.get(PLUGIN_ROOT_ENV)
    lines = [
        "ml_utils.py is the library your project's code imports (`from ml_utils import ...`). Its commands "
        "(registry views, report, repair, sync, copy-runtime, api) run from the ml-automation plugin"
        + (f"; {PLUGIN_ROOT_ENV}={given} holds no {COMMAND_MODULE}." if given else ", which was not found from here."),
        "Run instead:",
        f"  in Claude Code:  /registry (the workflow), or ask the assistant to run ml-automation {words}",
        f"  in Cursor:       /registry (the workflow), or ask the assistant to run python3 .cursor/ml_automation.py {words}",
        f"  in a terminal:   python3 PLUGIN/{COMMAND_MODULE.replace(os.sep, '/')} {words}",
        f"where PLUGIN is the plugin's folder (Claude Code keeps it under ~/.claude/plugins/). With {PLUGIN_ROOT_ENV}=PLUGIN set, "
        f"`python3 ml_utils.py {words}` works here too.",
    ]
    print("\n".join(lines), file=sys.stdout if asked else sys.stderr)
    return 0 if asked else 127


if __name__ == "__main__":
    sys.exit(_plugin_command(sys.argv[1:]))
