# =============================================================================
# COMMAND LINE
# =============================================================================

# `python3 ml_utils.py COMMAND ...`: each command is a function taking the arguments after its name
# and returning the exit status; none calls sys.exit itself. `python3 ml_utils.py --editor COMMAND`
# runs it for an editor's slash command (arguments on stdin, see editor_main).

import sys
from typing import Callable

_COMMANDS: dict[str, Callable[[list[str]], int]] = {"registry": registry_cli, "copy-runtime": copy_runtime_cli}
# How an editor's slash command runs a command, where it differs from a terminal (see editor_main).
_EDITOR_ADJUST = {"registry": registry_editor_arguments}


def _main(argv: list[str]) -> int:
    """Dispatch `python3 ml_utils.py COMMAND ...` to the command's function; return the exit status."""
    if len(argv) == 2 and argv[0] == "--editor" and argv[1] in _COMMANDS:
        return editor_main(argv[1], _COMMANDS[argv[1]], sys.stdin.read(), _EDITOR_ADJUST.get(argv[1]))
    if argv and argv[0] in _COMMANDS:
        return _COMMANDS[argv[0]](argv[1:])
    asked = bool(argv) and argv[0] in ("-h", "--help")
    usage = (
        "usage: python3 ml_utils.py COMMAND [ARGS]   (or --editor COMMAND, arguments on stdin)\n"
        f"commands: {', '.join(sorted(_COMMANDS))} (add --help for details)"
    )
    if argv and not asked:
        usage += f"\nerror: unknown command {argv[0][:60]!r}"
    print(usage, file=sys.stdout if asked else sys.stderr)
    return 0 if asked else 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
