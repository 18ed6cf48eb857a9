"""ml_utils: the Python runtime of the ml-automation plugin.

Agents copy this file into a project (or import it from the plugin) and call its functions so that
every step of a workflow loads data, splits, evaluates and reports the same way.

Numbered banners divide it into sections: 1 data loading, 2 column types, 3 preprocessing,
4 leakage-safe split, 5 evaluation, 6 EDA reports, 7 agent report bus, 8 reflection reports, and the
sections later releases add after them.

Importing this module needs only the standard library; pandas and scikit-learn are imported inside the
functions that use them.
"""

import importlib
import json
import os
import stat
from typing import TYPE_CHECKING, Any, Optional

# Platform folders a project may have, in order of preference. Reports go into the first one that
# already exists; a project without any of them gets the universal fallback folder instead. No
# function here creates a platform folder.
# --- generated from generator/constants.ts: platform folders ---
PLATFORM_DIRS = [".claude", ".cursor", ".codex", ".opencode"]
# --- end generated ---


class _ModuleOnUse:
    """A module imported when one of its attributes is first read. The hints name frames as
    "_pd.DataFrame" (pandas is not imported with this module); these names let typing.get_type_hints
    resolve them."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)


if not TYPE_CHECKING:
    _pd = _ModuleOnUse("pandas")
    _np = _ModuleOnUse("numpy")
    _sklearn_compose = _ModuleOnUse("sklearn.compose")


def _platform_subdir(subdir: str, env_var: Optional[str] = None) -> str:
    """Return the folder to write `subdir` files to: $env_var if set, else the first of
    `<platform>/<subdir>` and `<subdir>` that already exists (files never move because a platform
    folder appeared later), else `<platform>/<subdir>` for the first platform folder that exists in
    the current directory, else `<subdir>`."""
    if env_var and os.environ.get(env_var):
        return os.environ[env_var]
    for folder in _platform_search_dirs(subdir):
        if os.path.isdir(folder):
            return folder
    for platform in PLATFORM_DIRS:
        if os.path.isdir(platform):
            return os.path.join(platform, subdir)
    return subdir


def _platform_search_dirs(subdir: str) -> list[str]:
    """Return every folder a `subdir` file may have been written to, in preference order."""
    return [os.path.join(platform, subdir) for platform in PLATFORM_DIRS] + [subdir]


def _write_json_atomic(path: str, data: Any) -> str:
    """Write `data` as JSON to `path` through a temporary file and a rename, so readers never see a
    half-written file. Creates the parent folder. Returns `path`."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.urandom(6).hex()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            json.dump(data, handle, indent=2, default=_json_default)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _json_default(value: Any) -> Any:
    """Convert numpy/pandas scalars and timestamps to JSON values; refuse anything else."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in a JSON report: {value!r}")


def _read_json(path: str) -> Any:
    """Read a JSON file; return None when it is missing. A file that exists but does not parse, or is
    not a regular file (a FIFO is never waited on), raises ValueError naming it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    with os.fdopen(fd, encoding="utf-8") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{path} is not a regular file (a FIFO, socket or device); remove it")
        try:
            return json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON ({error}); fix or remove it") from error
