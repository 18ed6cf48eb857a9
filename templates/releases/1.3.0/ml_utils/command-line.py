# =============================================================================
# COMMAND LINE
# =============================================================================

# `python3 ml_utils.py COMMAND ...`: each command is a function taking the arguments after its name
# and returning the exit status; none calls sys.exit itself. `python3 ml_utils.py --editor COMMAND`
# runs it for an editor's slash command (arguments on stdin, see editor_main). `--editor-args COMMAND
# ARGS...` is the same for an editor whose model runs the command itself with its arguments on the
# command line (Cursor's rendered commands): the editor's adjustments (a dry run of `registry repair`
# and `sync`) applied, messages and exit status as from a terminal.

import sys
from typing import Callable

_COMMANDS: dict[str, Callable[[list[str]], int]] = {"registry": registry_cli, "copy-runtime": copy_runtime_cli}
# How an editor's slash command runs a command, where it differs from a terminal (see editor_main).
_EDITOR_ADJUST = {"registry": registry_editor_arguments}


def _main(argv: list[str]) -> int:
    """Dispatch `python3 ml_utils.py COMMAND ...` to the command's function; return the exit status."""
    if len(argv) == 2 and argv[0] == "--editor" and argv[1] in _COMMANDS:
        return editor_main(argv[1], _COMMANDS[argv[1]], sys.stdin.read(), _EDITOR_ADJUST.get(argv[1]))
    if len(argv) >= 2 and argv[0] == "--editor-args" and argv[1] in _COMMANDS:
        adjust = _EDITOR_ADJUST.get(argv[1])
        arguments, note = adjust(argv[2:], "run the same command without --editor-args, with the user's consent") if adjust else (argv[2:], None)
        if note:
            print(f"{note}\n")
        return _COMMANDS[argv[1]](arguments)
    if argv and argv[0] in _COMMANDS:
        return _COMMANDS[argv[0]](argv[1:])
    asked = bool(argv) and argv[0] in ("-h", "--help")
    usage = (
        "usage: python3 ml_utils.py COMMAND [ARGS]   (or --editor COMMAND, arguments on stdin; --editor-args COMMAND ARGS)\n"
        f"commands: {', '.join(sorted(_COMMANDS))} (add --help for details)"
    )
    if argv and not asked:
        usage += f"\nerror: unknown command {argv[0][:60]!r}"
    print(usage, file=sys.stdout if asked else sys.stderr)
    return 0 if asked else 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
