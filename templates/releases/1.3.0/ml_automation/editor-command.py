# =============================================================================
# EDITOR COMMANDS
# =============================================================================

# `python3 ml_utils.py --editor COMMAND`: COMMAND run for an editor's slash command. The command
# file passes what the user typed on stdin, in a quoted here-document, followed by a line `!END`: the
# shell never reads that text, so `;`, `&&`, `$(...)` or a newline are only words here. Every message,
# errors included, goes to stdout and the exit status is 0: Claude Code sends the model nothing when a
# `!` line fails, so this is how an error reaches the model.

import contextlib
import re
import shlex
import sys
import traceback
from typing import Callable, Optional

# The last line of the argument text an editor command passes on stdin.
EDITOR_END_LINE = "!END"


def editor_arguments(text: str) -> list[str]:
    """Split the argument text of a slash command (see EDITOR_END_LINE) into arguments.

    Claude Code ends a `!` command at the first backtick, which shows as a missing `!END` line, and
    writes `\\!` for a `!` after a space, which is undone here. Raises ValueError with a message for
    the user when the text was cut short or its quotes do not close.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or lines[-1].strip() != EDITOR_END_LINE:
        raise ValueError("the arguments were cut short: a backtick (`) ends the command in the editor, so leave backticks out")
    typed = re.sub(r"(^|(?<=\s))\\!", "!", "\n".join(lines[:-1]))
    try:
        return shlex.split(typed)
    except ValueError as error:
        raise ValueError(f"the arguments cannot be read ({error}): close every quote") from error


def editor_main(
    name: str,
    command: Callable[[list[str]], int],
    text: str,
    adjust: Optional[Callable[[list[str]], tuple[list[str], Optional[str]]]] = None,
) -> int:
    """Run `command` (named `name`) on the arguments in `text` (see editor_arguments), with stderr sent
    to stdout; return 0. `adjust` may change the arguments for an editor (e.g. a dry run of a view
    that changes files) and give a note printed first. A failure adds a last line with the status the
    command would have exited with. Messages name what works in the editor (see editor_place)."""
    with editor_place():
        return _editor_run(name, command, text, adjust)


def _editor_run(name: str, command: Callable[[list[str]], int], text: str,
                adjust: Optional[Callable[[list[str]], tuple[list[str], Optional[str]]]]) -> int:
    """editor_main's work, in the editor's place (see editor_place)."""
    try:
        arguments = editor_arguments(text)
        if adjust:
            arguments, note = adjust(arguments)
            if note:
                print(f"{note}\n")
    except ValueError as error:
        print(f"error: {error}\n")
        with contextlib.redirect_stderr(sys.stdout):
            command(["--help"])
        return 0
    status = 1
    with contextlib.redirect_stderr(sys.stdout):
        try:
            status = command(arguments)
        except SystemExit as stop:
            status = stop.code if isinstance(stop.code, int) else 1
        except Exception:  # noqa: BLE001 - an editor command must still answer the model
            print(f"error: {run_form(name)} failed unexpectedly:\n{traceback.format_exc(limit=3)}")
    if status:
        print(f"\n({run_form(name)} exited with status {status})")
    return 0
