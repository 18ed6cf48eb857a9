# =============================================================================
# WHERE OUTPUT IS READ
# =============================================================================

# One way to run a command per place, and every message names the one that works where it is read:
# - in an editor's chat (a slash command's output, `--editor` / `--editor-args`), the person types the
#   workflow, `/registry VIEW`; what changes files (repair, sync, copy-runtime) they ask the assistant
#   to run, in the form its shell has (`ml-automation ...` in Claude Code, Cursor's launcher);
# - in a shell (a terminal, a script, the assistant's Bash tool), the command as it was started
#   (`python3 ml_utils.py registry ...` in a project, see _program).
# JSON is bounded in the editor's views, where the prompt is at stake, and complete in a shell.

import contextlib
import os
from collections.abc import Iterator

_EDITOR = {"on": False}  # True while a command runs for an editor's slash command
# The one form a person types in a terminal, in the project folder (the project's copy of the library
# finds the plugin and runs its command there): what a page read outside any shell names.
TERMINAL_FORM = "python3 ml_utils.py"


@contextlib.contextmanager
def editor_place() -> Iterator[None]:
    """Run what follows as an editor's slash command: messages name `/registry ...`, JSON is bounded."""
    before = _EDITOR["on"]
    _EDITOR["on"] = True
    try:
        yield
    finally:
        _EDITOR["on"] = before


def in_editor() -> bool:
    """True while a command runs for an editor's slash command (see editor_place)."""
    return _EDITOR["on"]


def run_form(words: str) -> str:
    """How to run `words` (e.g. 'registry lineage MODEL_ID') where this output is read: `/registry
    lineage MODEL_ID` in an editor's chat, else the command this one was started as."""
    return f"/{words}" if in_editor() else f"{_program()} {words}"


def change_form(words: str) -> str:
    """How to run `words`, a command that changes files, where this output is read: in an editor's
    chat, asking the assistant to run it in its shell; else the command itself (in backticks)."""
    if in_editor():
        return f"ask the assistant to run `{_program()} {words}`"
    return f"`{_program()} {words}`"


def commands_text(words: str) -> str:
    """Both places' forms of `words`, for what is read outside both (the HTML report): `/registry ...`
    in the editor, `python3 ml_utils.py registry ...` in a terminal in the project folder."""
    return f"`/{words}` in the editor, `{TERMINAL_FORM} {words}` in a terminal in the project folder"


def registry_line(folder: str, source: str = "local") -> str:
    """The first line of every registry view: which registry it shows, and why that one."""
    if source != "local":
        return f"Registry: {folder}"
    if os.environ.get(MLOPS_DIR_ENV):
        how = f" (set by {MLOPS_DIR_ENV})"
    elif os.path.isabs(folder):
        how = f" (this project's, found above the current folder {os.getcwd()})"
    else:
        how = ""
    if not os.path.isdir(folder):
        how += " (not created yet: the first write creates it)"
    return f"Registry: {folder}{how}"
