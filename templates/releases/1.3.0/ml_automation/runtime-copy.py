# =============================================================================
# RUNTIME COPY
# =============================================================================

# `ml-automation copy-runtime [DIR]`: put the plugin's ml_utils.py (the library) into a project, as
# the workflow commands need it (`from ml_utils import ...` in the project's code). Claude Code blocks
# a plain `cp` out of the plugin folder, so the plugin's program does it. It also records the plugin's
# folder in the project's registry folder (PLUGIN_RECORD_FILE), so that `python3 ml_utils.py
# registry ...` finds the plugin from a terminal. A project whose copy is older than the plugin's is
# told so once (runtime_notice), by whichever command runs there first.

import contextlib
import filecmp
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from typing import Any, Optional

_STAMP_LINE = re.compile(r'^RUNTIME_STAMP = "([^"\n]*)"$', re.M)


# How a copy of each of the plugin's files is recognised (the build stamps them), or one made before
# the stamps by its first line: copy-runtime replaces such a copy, and nothing else.
_OURS = {
    "ml_utils.py": (_STAMP_LINE, '"""ml_utils: the Python runtime of the ml-automation plugin.'),
    MLFLOW_MIRROR_FILE: (re.compile(r'^MIRROR_OF = "[^"\n]*"$', re.M), "# ml_utils_mlflow: the client side of the MLflow mirror"),
}


class RuntimeCopyRefused(OSError):
    """copy-runtime found, where it would write, something that is not a copy of the plugin's file
    (a user's own module, a link, a folder): nothing was changed."""


def copy_runtime(folder: str = ".") -> str:
    """Copy the plugin's ml_utils.py into `folder` as ml_utils.py: copied when missing, left alone when
    identical, replaced when it is an earlier copy of the plugin's (recognised by its RUNTIME_STAMP;
    kept as ml_utils.py.bak, or .bak.N). The MLflow mirror's client side (MLFLOW_MIRROR_FILE) goes
    with it, the same way, when the mirror is on or the project already holds it. Records the plugin's
    folder in the project (see _record). Returns what was done, one sentence per file. Raises
    NotADirectoryError when `folder` is not a folder, and RuntimeCopyRefused, changing nothing, when a
    file of that name is not a copy of the plugin's (a user's own ml_utils.py), a symbolic link or not
    a regular file: nothing is ever written through a link or over a file the plugin did not write."""
    if not os.path.isdir(folder):
        raise NotADirectoryError(f"{folder} is not a folder")
    if os.path.abspath(os.path.join(folder, "ml_utils.py")) == os.path.abspath(LIBRARY_PATH):
        return f"ml_utils.py in {folder} is the plugin's own copy"
    mirror = os.path.join(os.path.dirname(LIBRARY_PATH), MLFLOW_MIRROR_FILE)
    sources = [LIBRARY_PATH] + ([mirror] if os.path.isfile(mirror) and (mlflow_mirror_uri() or os.path.lexists(os.path.join(folder, MLFLOW_MIRROR_FILE))) else [])
    plans = [(source, _replaceable(source, folder)) for source in sources]  # every file checked before any is written
    _record(folder)
    return "; ".join(done if done else _copy_beside(source, folder) for source, done in plans)


def _replaceable(source: str, folder: str) -> Optional[str]:
    """What copy-runtime would say about the plugin's file `source` in `folder` without copying it
    (up to date, or a link to the plugin's own), None when it is to be copied; RuntimeCopyRefused when
    what is there must not be replaced."""
    name = os.path.basename(source)
    target = os.path.join(folder, name)
    if os.path.islink(target):
        with contextlib.suppress(OSError):
            if os.path.samefile(target, source):
                return f"{name} in {folder} is a link to the plugin's own copy"
        raise RuntimeCopyRefused(f"{target} is a symbolic link (to {os.readlink(target)}): copy-runtime never writes through a link. "
                                 f"Nothing was changed; replace the link with a plain file (or remove it) and run copy-runtime again")
    if not os.path.lexists(target):
        return None
    if not os.path.isfile(target):
        raise RuntimeCopyRefused(f"{target} is not a regular file: nothing was changed; move it and run copy-runtime again")
    if filecmp.cmp(source, target, shallow=False):
        return f"{name} in {folder} is up to date"
    try:
        with open(target, encoding="utf-8", errors="replace") as handle:
            head = handle.read(1 << 20)
    except OSError as error:
        raise RuntimeCopyRefused(f"{target} cannot be read ({error.strerror or error}): nothing was changed") from error
    marker, first_line = _OURS[name]
    if not (marker.search(head) or head.startswith(first_line)):
        raise RuntimeCopyRefused(
            f"{target} is not a copy of the ml-automation plugin's {name} (it has no RUNTIME_STAMP): it may be your own module, so it was left as it is "
            f"and nothing was copied. Rename your module (a project's own {name} would also shadow the plugin's), then run copy-runtime again")
    return None


def _copy_beside(source: str, folder: str) -> str:
    """Copy the plugin's file `source` into `folder` under its own name, keeping an earlier copy there
    as NAME.bak (see copy_runtime). Written to a temporary file and renamed into place: never through
    a link."""
    name = os.path.basename(source)
    target = os.path.join(folder, name)
    handle, fresh = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out, open(source, "rb") as data:
            shutil.copyfileobj(data, out)
        shutil.copymode(source, fresh)
        if not os.path.lexists(target):
            os.replace(fresh, target)
            return f"copied {name} into {folder}"
        backup, number = f"{target}.bak", 1
        while os.path.lexists(backup):
            backup, number = f"{target}.bak.{number}", number + 1
        os.replace(target, backup)
        os.replace(fresh, target)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(fresh)
    return f"replaced {name} in {folder} with the plugin's (the previous copy is {backup})"


def copy_runtime_cli(argv: list[str]) -> int:
    """`copy-runtime [DIR]`: see copy_runtime. Exit status 0; 1 when a file there is not the plugin's
    to replace (nothing changed); 2 for wrong usage or a bad folder."""
    if argv in (["-h"], ["--help"]):
        print(f"usage: {_program()} copy-runtime [DIR]\nPut the plugin's ml_utils.py into DIR (default: the current folder); an earlier copy of the plugin's there is kept as ml_utils.py.bak,\n"
              "a file of that name that is not the plugin's (your own module, a link) is left alone and nothing is copied.\n"
              f"With the MLflow mirror on (MLFLOW_TRACKING_URI), or when DIR holds one, {MLFLOW_MIRROR_FILE} (the mirror's client side) goes with it.")
        return 0
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print(f"usage: {_program()} copy-runtime [DIR]", file=sys.stderr)
        return 2
    try:
        print(copy_runtime(argv[0] if argv else "."))
    except RuntimeCopyRefused as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _program() -> str:
    """How the person (or the model) started this command, for messages naming another one:
    `ml-automation` (the plugin's program), `python3 ml_utils.py` (a project's copy), Cursor's launcher,
    or this file."""
    called = os.environ.get(_CALLED_AS_ENV, "").strip()
    if called:
        return called
    if os.path.isfile(os.path.join(".cursor", "ml_automation.py")):
        return "python3 .cursor/ml_automation.py"
    return f"python3 {os.path.abspath(__file__)}"


def _registry_folder_of(folder: str) -> str:
    """The registry folder of the project at `folder`, as mlops_dir() picks it when run there."""
    return os.environ.get(MLOPS_DIR_ENV) or _project_registry(folder)[0]


def _read_record(folder: str) -> dict[str, Any]:
    """What the plugin recorded in the project at `folder` ({} when nothing, or nothing readable)."""
    try:
        with open(os.path.join(_registry_folder_of(folder), PLUGIN_RECORD_FILE), encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _record(folder: str, **changes: Any) -> None:
    """Record the plugin's folder (and `changes`) in the registry folder of the project at `folder`,
    creating that folder (the registry's own) when needed. Never fails a command: a folder that cannot
    take it (a file in its place, no permission) is left as it is, and a record that is a link is never
    written through."""
    record = _read_record(folder)
    wanted = dict(record, plugin_root=os.path.dirname(os.path.dirname(LIBRARY_PATH)), **changes)
    if wanted == record:
        return
    registry = _registry_folder_of(folder)
    path = os.path.join(registry, PLUGIN_RECORD_FILE)
    if os.path.islink(path) or (os.path.lexists(path) and not os.path.isfile(path)):
        return  # never written through a link, nor over something that is not the plugin's file
    with contextlib.suppress(OSError, RegistryError):
        _ensure_folder(registry)
        _write_atomic(path, (json.dumps(wanted, indent=2) + "\n").encode("utf-8"), sync=False)


def _stamp_of(text: str) -> tuple[Optional[str], str]:
    """The RUNTIME_STAMP a copy of the library declares (None for copies made before it had one), and
    the stamp its content gives (the hash the build computes, over the text with the stamp blanked)."""
    match = _STAMP_LINE.search(text)
    blank = _STAMP_LINE.sub('RUNTIME_STAMP = "unbuilt"', text, count=1)
    digest = hashlib.sha256(blank.encode("utf-8")).hexdigest()[:16]
    return (match.group(1) if match else None), digest


def _version(stamp: Optional[str]) -> tuple[int, ...]:
    """The release of a stamp ('1.3.0+<hash>' -> (1, 3, 0)); () when there is none."""
    numbers = re.match(r"(\d+)\.(\d+)\.(\d+)", stamp or "")
    return tuple(int(n) for n in numbers.groups()) if numbers else ()


def runtime_notice(folder: str = ".") -> Optional[str]:
    """A note for the project at `folder` when its ml_utils.py is older than the plugin's (or edited,
    or from another build), naming the command that updates it; None when the copy is the plugin's,
    newer, absent, or when this project was already told about this very copy (the registry folder's
    PLUGIN_RECORD_FILE remembers it, so the note is shown once)."""
    target = os.path.join(folder, "ml_utils.py")
    try:
        if not os.path.isfile(target) or os.path.samefile(target, LIBRARY_PATH):
            return None
        with open(target, encoding="utf-8", errors="replace") as handle:
            declared, content = _stamp_of(handle.read())
    except OSError:
        return None
    ours = str(_LIBRARY.RUNTIME_STAMP)
    if declared == ours and ours.endswith("+" + content):
        return None
    if _version(declared) > _version(ours):
        return None
    told = f"{content}>{ours}"
    if _read_record(folder).get("told") == told:
        return None
    _record(folder, told=told)
    if declared is None or _version(declared) < _version(ours):
        what = f"older than the plugin's ({declared.split('+')[0] if declared else 'from before 1.3.0'}; the plugin has {ours.split('+')[0]})"
    elif declared.endswith("+" + content):
        what = f"from another build of {ours.split('+')[0]} than the plugin's"
    else:
        what = "edited since it was copied from the plugin"
    update = change_form("copy-runtime")
    return (f"note: ml_utils.py in this project is {what}. To update it, {update}" if in_editor() else f"note: ml_utils.py in this project is {what}. {update} updates it") + (
        " (the copy there now is kept as ml_utils.py.bak). This note is shown once.")
