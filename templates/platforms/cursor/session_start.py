"""Cursor session start of the ml-automation plugin: puts the runtime's launcher into the project.

Cursor runs no plugin program from a PATH and expands `${CURSOR_PLUGIN_ROOT}` only in hook and MCP
commands, so the plugin's commands and agents reach its runtime through a project-relative launcher:
`python3 .cursor/ml_automation.py COMMAND ...` (e.g. `registry models`, `copy-runtime`). This hook
writes that launcher (a few lines naming the plugin folder) when it is missing or names another
folder: never through a link, never over a file it did not write (kept aside and named), and not at
all when the editor's input is of the wrong type. It never stops the session: any failure is a
warning on stderr.

    python3 session_start.py < hook-input.json
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
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


# How every launcher this plugin writes starts: a file that does not is not the plugin's to replace.
LAUNCHER_HEAD = TEMPLATE.split("\n", 1)[0]


def project_folder(hook_input: object) -> str | None:
    """The project folder the input names (Cursor's first workspace root, else its cwd), or None.
    Raises ValueError for input of the wrong type (a string of folders is not a list of them)."""
    if not isinstance(hook_input, dict):
        raise ValueError(f"the hook's input is a JSON {type(hook_input).__name__}, not an object")
    roots = hook_input.get("workspace_roots")
    if roots is not None and not (isinstance(roots, list) and all(isinstance(root, str) for root in roots)):
        raise ValueError(f"workspace_roots is a {type(roots).__name__}, not a list of folders")
    cwd = hook_input.get("cwd")
    if cwd is not None and not isinstance(cwd, str):
        raise ValueError(f"cwd is a {type(cwd).__name__}, not a folder")
    return (roots[0] if roots else None) or cwd


def write_launcher(text: str) -> str | None:
    """Write the launcher into the current folder's .cursor/ unless it is there already: never through
    a link (a link there, or .cursor being one, is refused), never over a file the plugin did not write
    (that one is kept aside as ml_automation.py.user, or .user.N, and named). Returns a note for the
    person, or None."""
    folder = LAUNCHER.parent
    if folder.is_symlink():
        raise OSError(f"{folder} is a symbolic link (to {os.readlink(folder)}): the launcher is never written through one")
    folder.mkdir(exist_ok=True)
    kept = None
    if LAUNCHER.is_symlink() or LAUNCHER.exists():
        if not LAUNCHER.is_symlink() and LAUNCHER.is_file():
            with open(LAUNCHER, "rb") as handle:
                current = handle.read(len(text.encode("utf-8")) + 1)
            if current == text.encode("utf-8"):
                return None
            ours = current.decode("utf-8", "replace").startswith(LAUNCHER_HEAD)
        else:
            ours = False
        if not ours:
            kept, number = LAUNCHER.with_name(LAUNCHER.name + ".user"), 1
            while kept.is_symlink() or kept.exists():
                kept, number = LAUNCHER.with_name(f"{LAUNCHER.name}.user.{number}"), number + 1
            os.rename(LAUNCHER, kept)  # the link or file itself, never what a link points to
    handle_fd, fresh = tempfile.mkstemp(prefix=".ml_automation.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle_fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(fresh, LAUNCHER)
    finally:
        if os.path.exists(fresh):
            os.unlink(fresh)
    if kept is not None:
        return f"{LAUNCHER} was not the plugin's launcher: it is kept as {kept}, and the launcher written in its place"
    return None


def main() -> int:
    """Write the launcher into the project (the input's workspace root, or its working folder)."""
    try:
        root = project_folder(json.loads(sys.stdin.read() or "{}"))
        if root:
            os.chdir(root)
        note = write_launcher(launcher_text())
        if note:
            print(f"ml-automation session start: {note}", file=sys.stderr)
    except Exception as error:  # noqa: BLE001 - a session must never be stopped by this hook
        print(f"ml-automation session start skipped: {type(error).__name__}: {error}", file=sys.stderr)
    print("{}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
