# =============================================================================
# COMMAND LINE
# =============================================================================

# `ml-automation COMMAND ...` (this file run as a program): each command is a function taking the
# arguments after its name and returning the exit status; none calls sys.exit itself. `--editor
# COMMAND` runs it for an editor's slash command (arguments on stdin, see editor_main). `--editor-args
# COMMAND ARGS...` is the same for an editor whose model runs the command itself with its arguments on
# the command line (Cursor's rendered commands): the editor's adjustments (a dry run of `registry
# repair` and `sync`) applied, messages naming what works in the editor (see editor_place), exit
# status as from a terminal. Before a command runs in a project whose ml_utils.py is older than the
# plugin's, the note of runtime_notice is shown (once).

import sys
from typing import Callable, TextIO

_COMMANDS: dict[str, Callable[[list[str]], int]] = {"registry": registry_cli, "copy-runtime": copy_runtime_cli, "api": api_cli}
# How an editor's slash command runs a command, where it differs from a terminal (see editor_main).
_EDITOR_ADJUST = {"registry": registry_editor_arguments}


def _notify(command: str, stream: TextIO) -> None:
    """Show the note about an older ml_utils.py in the current project (see runtime_notice), unless
    the command is the one that updates it. Never fails the command."""
    if command == "copy-runtime":
        return
    try:
        note = runtime_notice(".")
    except Exception:  # noqa: BLE001 - a note must never stop a command
        note = None
    if note:
        print(f"{note}\n", file=stream)


def _main(argv: list[str]) -> int:
    """Dispatch `ml-automation COMMAND ...` to the command's function; return the exit status."""
    if len(argv) == 2 and argv[0] == "--editor" and argv[1] in _COMMANDS:
        with editor_place():
            _notify(argv[1], sys.stdout)
        return editor_main(argv[1], _COMMANDS[argv[1]], sys.stdin.read(), _EDITOR_ADJUST.get(argv[1]))
    if len(argv) >= 2 and argv[0] == "--editor-args" and argv[1] in _COMMANDS:
        with editor_place():
            _notify(argv[1], sys.stdout)
            adjust = _EDITOR_ADJUST.get(argv[1])
            arguments, note = adjust(argv[2:], "run the same command without --editor-args, with the user's consent") if adjust else (argv[2:], None)
            if note:
                print(f"{note}\n")
            return _COMMANDS[argv[1]](arguments)
    if argv and argv[0] in _COMMANDS:
        if argv[1:] not in (["-h"], ["--help"]):
            _notify(argv[0], sys.stderr)
        return _COMMANDS[argv[0]](argv[1:])
    asked = bool(argv) and argv[0] in ("-h", "--help")
    usage = (
        f"usage: {_program()} COMMAND [ARGS]   (or --editor COMMAND, arguments on stdin; --editor-args COMMAND ARGS)\n"
        f"commands: {', '.join(sorted(_COMMANDS))} (add --help for details)"
    )
    if argv and not asked:
        usage += f"\nerror: unknown command {argv[0][:60]!r}"
    print(usage, file=sys.stdout if asked else sys.stderr)
    return 0 if asked else 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
