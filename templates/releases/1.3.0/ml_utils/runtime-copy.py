# =============================================================================
# RUNTIME COPY
# =============================================================================

# `python3 ml_utils.py copy-runtime [DIR]`: put this file into a project, as the workflow commands
# need it (`from ml_utils import ...` in the project's code). Claude Code blocks a plain `cp` out of
# the plugin folder, so the plugin's program does it (`ml-automation copy-runtime`).

import filecmp
import os
import shutil
import sys


def copy_runtime(folder: str = ".") -> str:
    """Copy this ml_utils.py into `folder` as ml_utils.py: copied when missing, left alone when
    identical, replaced when it differs (the previous copy is kept as ml_utils.py.bak, or .bak.N).
    Returns what was done, one sentence. Raises NotADirectoryError when `folder` is not a folder."""
    if not os.path.isdir(folder):
        raise NotADirectoryError(f"{folder} is not a folder")
    source = os.path.abspath(__file__)
    target = os.path.join(folder, "ml_utils.py")
    if os.path.abspath(target) == source:
        return f"ml_utils.py in {folder} is the plugin's own copy"
    if os.path.isfile(target) and filecmp.cmp(source, target, shallow=False):
        return f"ml_utils.py in {folder} is up to date"
    if not os.path.lexists(target):
        shutil.copyfile(source, target)
        return f"copied ml_utils.py into {folder}"
    backup, number = f"{target}.bak", 1
    while os.path.lexists(backup):
        backup, number = f"{target}.bak.{number}", number + 1
    os.replace(target, backup)
    try:
        shutil.copyfile(source, target)
    except BaseException:
        os.replace(backup, target)
        raise
    return f"replaced ml_utils.py in {folder} with the plugin's (the previous copy is {backup})"


def copy_runtime_cli(argv: list[str]) -> int:
    """`copy-runtime [DIR]`: see copy_runtime. Exit status 0, or 2 for wrong usage or a bad folder."""
    if argv in (["-h"], ["--help"]):
        print("usage: python3 ml_utils.py copy-runtime [DIR]\nPut this ml_utils.py into DIR (default: the current folder); a different copy there is kept as ml_utils.py.bak.")
        return 0
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print("usage: python3 ml_utils.py copy-runtime [DIR]", file=sys.stderr)
        return 2
    try:
        print(copy_runtime(argv[0] if argv else "."))
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
