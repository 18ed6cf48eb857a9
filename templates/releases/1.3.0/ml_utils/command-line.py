# =============================================================================
# COMMAND LINE
# =============================================================================

# `python3 ml_utils.py COMMAND ...`: each command is a function taking the arguments after its name
# and returning the exit status; none calls sys.exit itself.

import sys
from typing import Callable

_COMMANDS: dict[str, Callable[[list[str]], int]] = {"registry": registry_cli}


def _main(argv: list[str]) -> int:
    """Dispatch `python3 ml_utils.py COMMAND ...` to the command's function; return the exit status."""
    if argv and argv[0] in _COMMANDS:
        return _COMMANDS[argv[0]](argv[1:])
    asked = bool(argv) and argv[0] in ("-h", "--help")
    usage = f"usage: python3 ml_utils.py COMMAND [ARGS]\ncommands: {', '.join(sorted(_COMMANDS))} (add --help for details)"
    if argv and not asked:
        usage += f"\nerror: unknown command {argv[0][:60]!r}"
    print(usage, file=sys.stdout if asked else sys.stderr)
    return 0 if asked else 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
