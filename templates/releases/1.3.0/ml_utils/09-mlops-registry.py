# =============================================================================
# 9. MLOPS REGISTRY
# =============================================================================

# Models, features, experiments and data versions, in ONE folder per project (_project_registry); reads
# merge every platform folder, newest copy wins, naming each damaged file and line. Writers check every
# value, refuse a damaged file, lock, write atomically, keep two generations in `.generations/` and
# journal each entry (for `registry repair`); hand-written values are kept byte for byte.

import contextlib
import decimal
import getpass
import hashlib
import json
import math
import os
import re
import secrets
import stat
import time
import warnings
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import Any, Callable, NamedTuple, Optional, Union

# --- generated from generator/constants.ts: registry ---
PLATFORM_MLOPS_DIRS = [".claude/mlops", ".cursor/mlops", ".codex/mlops", ".opencode/mlops", "mlops"]
MLOPS_DIR_ENV = "ML_AUTOMATION_MLOPS_DIR"
MLOPS_SCHEMA_VERSION = "1.0"
MODEL_REGISTRY_FILE = "model-registry.json"
FEATURE_STORE_FILE = "feature-store.json"
EXPERIMENTS_DIR = "experiments"
DATA_VERSIONS_DIR = "data-versions"
TASK_TYPE_METRICS = {
    "classification": ["accuracy", "precision", "recall", "f1", "auc_roc"],
    "regression": ["rmse", "mae", "r2"],
    "mmm": ["r2", "mape", "channel_roi", "channel_contribution"],
    "segmentation": ["silhouette_score", "n_clusters"],
    "time_series": ["rmse", "mae", "mape"],
}
TASK_TYPE_PRIMARY_METRIC = {
    "classification": ["f1", "higher"],
    "regression": ["rmse", "lower"],
    "mmm": ["mape", "lower"],
    "segmentation": ["silhouette_score", "higher"],
    "time_series": ["rmse", "lower"],
}
METRIC_DIRECTIONS = {
    "accuracy": "higher",
    "precision": "higher",
    "recall": "higher",
    "f1": "higher",
    "auc_roc": "higher",
    "r2": "higher",
    "silhouette_score": "higher",
    "rmse": "lower",
    "mae": "lower",
    "mape": "lower",
}
# --- end generated ---

MLOPS_STRICT_ENV = "ML_AUTOMATION_REGISTRY_STRICT"
MLOPS_LOCK_TIMEOUT_ENV = "ML_AUTOMATION_LOCK_TIMEOUT"
MODEL_STATUSES = ("champion", "challenger", "archived")
GENERATIONS_DIR = ".generations"
LOCK_FILE = ".registry.lock"
DEFAULT_LOCK_TIMEOUT_S = 60.0

Entry = dict[str, Any]
PathArg = Union[str, "os.PathLike[str]"]
Dirs = Union[PathArg, Sequence[PathArg], None]

_ID_PATTERN = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
# A feature id is a column's name ("mean radius"): no control character, quote or backslash, no space at either end.
_FEATURE_ID_PATTERN = re.compile(r'\A(?=\S)[^\x00-\x1f\x7f"\\]{1,128}(?<=\S)\Z')
_FINGERPRINT_PATTERN = re.compile(r"\A(?:([a-z0-9]{1,16}):)?([0-9A-Za-z]{12,128})\Z")


class RegistryError(Exception):
    """A registry operation was refused (bad id or value, unreadable file, lock held); nothing was written."""


class RegistryDamagedError(RegistryError):
    """A registry file is damaged, so a write to it was refused. `damage` lists what was found."""

    def __init__(self, message: str, damage: Sequence["Damage"] = ()) -> None:
        super().__init__(message)
        self.damage = list(damage)


class RegistryWarning(UserWarning):
    """Stored or read with a caveat: missing metrics, a NaN stored as null, a damaged file read partially."""


class Damage(NamedTuple):
    """A problem in a registry file: path, line (or None), problem, kind: 'damaged' (writes refused),
    'kept' (unusable, kept as is) or 'skipped' (not a file)."""

    path: str
    line: Optional[int]
    problem: str
    kind: str = "damaged"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.problem}"


# --- Hooks for a shared registry

# hook(operation, changed, folder) after every successful write: the public function's name, {'models' /
# 'features' / 'experiments' / 'data_versions': ids written}, the folder. Never raises (used by the mirror).
WriteHook = Callable[[str, dict[str, list[str]], str], None]
_WRITE_HOOKS: list[WriteHook] = []

# The champion of a shared registry for compare_with_champion: None when not configured, else (entry or
# None, where it was read); RegistryError when unreadable (the local champion is used, and why said).
ChampionHook = Callable[[], Optional[tuple[Optional[Entry], str]]]
_CHAMPION_HOOKS: list[ChampionHook] = []


def _written(operation: str, changed: dict[str, list[str]], folder: str) -> None:
    """Tell the write hooks (the MLflow mirror) what a successful write changed."""
    for hook in _WRITE_HOOKS:
        hook(operation, changed, folder)


# --- Folders, ids and values


def _as_dir_list(dirs: Dirs) -> Optional[list[str]]:
    """Accept one folder or a list of folders; return a list (None stays None)."""
    if dirs is None:
        return None
    if isinstance(dirs, (str, os.PathLike)):
        return [os.fspath(dirs)]
    return [os.fspath(d) for d in dirs]


def mlops_dir(output_dirs: Dirs = None) -> str:
    """The folder registry writes go to: `output_dirs`[0], else $ML_AUTOMATION_MLOPS_DIR, else the
    project's (see _project_registry). Creates nothing."""
    explicit = _as_dir_list(output_dirs)
    if explicit:
        return explicit[0]
    return os.environ.get(MLOPS_DIR_ENV) or _project_registry()[0]


# What marks a registry folder above the current one (an empty `mlops/` there is not one).
_REGISTRY_NAMES = (MODEL_REGISTRY_FILE, FEATURE_STORE_FILE, EXPERIMENTS_DIR, DATA_VERSIONS_DIR, GENERATIONS_DIR, LOCK_FILE, ".plugin.json")


def _project_registry(start: str = "") -> tuple[str, str]:
    """(registry folder, project folder) for `start` (default: here): walking up to a git root at most,
    never to home, the first registry folder; else the nearest folder holding .claude (...), else the
    git root, else `start`, with its first platform registry folder, else `mlops`."""
    here = os.path.abspath(start or os.curdir)
    home = os.path.abspath(os.path.expanduser("~"))
    folder, root = here, None
    while True:
        shown = start if folder == here else folder
        for name in PLATFORM_MLOPS_DIRS:
            path = os.path.join(folder, name)
            if os.path.isdir(path) and (folder == here or any(os.path.lexists(os.path.join(path, n)) for n in _REGISTRY_NAMES)):
                return os.path.join(shown, name), shown
        if root is None and any(os.path.isdir(os.path.join(folder, os.path.dirname(name))) for name in PLATFORM_MLOPS_DIRS[:-1]):
            root = shown
        parent = os.path.dirname(folder)
        if os.path.exists(os.path.join(folder, ".git")):
            root = shown if root is None else root
            break
        if folder == home or parent in (folder, home):
            break
        folder = parent
    root = start if root is None else root
    for name in PLATFORM_MLOPS_DIRS[:-1]:
        if os.path.isdir(os.path.join(root, os.path.dirname(name))):
            return os.path.join(root, name), root
    return os.path.join(root, PLATFORM_MLOPS_DIRS[-1]), root


def _read_dirs(search_dirs: Dirs = None) -> list[str]:
    """Folders to read: `search_dirs`, else $ML_AUTOMATION_MLOPS_DIR alone, else every platform registry
    folder of the project (the write folder first)."""
    explicit = _as_dir_list(search_dirs)
    if explicit:
        return explicit
    if os.environ.get(MLOPS_DIR_ENV):
        return [os.environ[MLOPS_DIR_ENV]]
    first, root = _project_registry()
    return [first] + [os.path.join(root, folder) for folder in PLATFORM_MLOPS_DIRS if os.path.join(root, folder) != first]


def _same_dir(a: str, b: str) -> bool:
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def _check_id(kind: str, value: Any) -> str:
    """`value` if it is a safe id (1-128 letters, digits, '.', '_', '-', starting alphanumeric; a
    feature_id: the column's name), else RegistryError."""
    feature = kind == "feature_id"
    if not isinstance(value, str) or not (_FEATURE_ID_PATTERN if feature else _ID_PATTERN).match(value):
        rule = "the column's name (1-128 characters, no control character, quote or backslash)" if feature else "1-128 letters, digits, '.', '_' or '-', starting with a letter or digit"
        raise RegistryError(f"invalid {kind} {value!r}: use {rule}")
    return value


def _new_id(prefix: str) -> str:
    """A fresh id (see new_id): UTC time to the microsecond plus random hex."""
    return f"{prefix}_{datetime.now(timezone.utc).strftime('%Y%m%d_%H%M%S_%f')}_{secrets.token_hex(4)}"


def _fingerprint_key(fingerprint: Any) -> str:
    """The file key of a fingerprint ('sha256:<hex>' -> '<hex>', 'md5:<hex>' -> 'md5-<hex>'); RegistryError if none."""
    match = _FINGERPRINT_PATTERN.match(fingerprint) if isinstance(fingerprint, str) else None
    if not match:
        raise RegistryError(f"invalid data fingerprint {fingerprint!r}: expected e.g. 'sha256:<hex>' from compute_data_fingerprint")
    algorithm, digest = match.group(1), match.group(2)
    return digest if algorithm in (None, "sha256") else f"{algorithm}-{digest}"


def _now() -> str:
    """The current UTC time, ISO 8601 with microseconds (so times sort as strings)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _stamp(entry: Any) -> str:
    """The time an entry was last written, for newest-wins merges."""
    if not isinstance(entry, dict):
        return ""
    return str(entry.get("updated_at") or entry.get("created_at") or "")


def _registry_time(value: Any) -> Optional[datetime]:
    """An ISO 8601 registry time as an aware datetime (no offset: UTC), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


_FLOAT_MAX = 1.7976931348623157e308


def _number(value: Any) -> Optional[Union[int, float]]:
    """`value` as an int or float if it is a real number (numpy, Decimal; not bool or str), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # An int beyond float's range cannot be compared or shown as a float: it counts as infinite.
        return value if abs(value) <= _FLOAT_MAX else (math.inf if value > 0 else -math.inf)
    if isinstance(value, float):
        return value
    if isinstance(value, decimal.Decimal):
        return math.nan if value.is_nan() else float(value)  # float() raises on a signaling NaN
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "shape", None) == ():
        kind = getattr(getattr(value, "dtype", None), "kind", "")
        if kind not in ("i", "u", "f"):
            return None
        item = float(value) if kind == "f" else value.item()  # longdouble's item() is not a float
        return _number(item) if isinstance(item, (int, float)) and not isinstance(item, bool) else None
    return None


def _finite(value: Any) -> Optional[Union[int, float]]:
    """`value` as a finite number, or None (missing, NaN, infinite, or not a number)."""
    number = _number(value)
    return number if number is not None and math.isfinite(number) else None


def _to_json(value: Any, field: str) -> Any:
    """A JSON-ready copy: numpy/Decimal numbers as numbers, arrays and tuples as lists, sets sorted, dates
    ISO, NaN/infinity None, other objects their repr. Dict keys must be strings."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    number = _number(value)
    if number is not None:
        return _to_json(number, field)
    if isinstance(value, dict):
        copy = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise RegistryError(f"{field} has the key {key!r} of type {type(key).__name__}: keys must be strings")
            copy[key] = _to_json(item, f"{field}.{key}")
        return copy
    if isinstance(value, (list, tuple)):
        return [_to_json(item, field) for item in value]
    if isinstance(value, (set, frozenset)):
        return [_to_json(item, field) for item in sorted(value, key=repr)]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return _to_json(value.tolist(), field)
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return _to_json(value.item(), field)
    return repr(value)


def _add_unique(values: list[Any], item: Any) -> bool:
    """Append `item` to a list unless it is already there; return whether the list changed."""
    if item in values:
        return False
    values.append(item)
    return True


def _strict(strict: Optional[bool]) -> bool:
    return strict if strict is not None else os.environ.get(MLOPS_STRICT_ENV, "").lower() in ("1", "true", "yes")


def _complain(strict: bool, message: str, advice: str) -> None:
    if strict:
        raise RegistryError(message + " (strict mode)")
    warnings.warn(f"{message}. {advice}", RegistryWarning, stacklevel=4)


# --- Schemas: every field the readers use, checked before anything is written

# Field kinds (see _check_field; "?": or "" / "unknown"); unlisted fields may hold any JSON value.
_MODEL_SCHEMA = {
    "model_id": "id", "name": "str", "task_type": "task_type", "algorithm": "str", "framework": "str",
    "status": "status", "metrics": "metrics", "hyperparameters": "dict", "artifact_path": "str",
    "data_fingerprint": "fingerprint?", "feature_set": "str[]", "training_experiment_id": "id?",
    "predecessor_id": "id|None", "rationale": "dict", "tags": "str[]",
}
_FEATURE_SCHEMA = {
    "feature_id": "id", "name": "str", "description": "str", "dtype": "str", "source_columns": "str[]",
    "transformation": "str", "transformation_params": "dict", "created_by": "str", "domain": "str",
    "task_type_relevance": "str[]", "tags": "str[]", "statistics": "dict", "used_in_models": "id[]",
    "leakage_risk": "str",
}
_EXPERIMENT_SCHEMA = {
    "experiment_id": "id", "name": "str", "status": "str", "task_type": "task_type", "rationale": "dict",
    "dataset": "dict", "model": "dict", "metrics": "metrics", "artifacts": "list", "notes": "str",
    "registered_model_id": "id?",
}
_DATA_VERSION_SCHEMA = {
    "fingerprint": "fingerprint", "source_path": "str", "rows": "count", "columns": "count",
    "column_schema": "dict", "statistics_hash": "str", "detected_task_type": "task_type?",
    "used_in_experiments": "id[]",
}
_MANAGED_FIELDS = ("created_at", "updated_at", "promoted_at", "archived_at", "artifact_sha256", "artifact_bytes", "promotions")


def _describe(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:60] + '...' if len(text) > 60 else text}"


def _check_metrics(what: str, metrics: Any, strict: bool, path: str = "metrics", depth: int = 0) -> Any:
    """A JSON-ready copy of `metrics` (name -> number or None, or split -> such a dict). NaN/infinity:
    RegistryError when strict, else a RegistryWarning and null. Other values are refused."""
    if not isinstance(metrics, dict):
        raise RegistryError(f"{what}: {path} must be a dict of metric name -> number, got {_describe(metrics)}")
    checked: dict[str, Any] = {}
    for name, value in metrics.items():
        if not isinstance(name, str):
            raise RegistryError(f"{what}: {path} has the key {name!r}: metric names must be strings")
        here = f"{path}.{name}"
        if value is None:
            checked[name] = None
        elif isinstance(value, dict) and depth < 2:
            checked[name] = _check_metrics(what, value, strict, here, depth + 1)
        else:
            number = _number(value)
            if number is None:
                raise RegistryError(f"{what}: metric {here} must be a number, got {_describe(value)}")
            if not math.isfinite(number):
                _complain(strict, f"{what}: metric {here} is {number}", "It is stored as null; pass strict=True to refuse such values")
                checked[name] = None
            else:
                checked[name] = number
    return checked


def _check_field(what: str, field: str, kind: str, value: Any, strict: bool) -> Any:
    """The JSON-ready value of one field, or RegistryError naming the field and what it must be."""

    def refuse(expected: str) -> RegistryError:
        return RegistryError(f"{what}: field {field!r} must be {expected}, got {_describe(value)}")

    if kind == "any":
        return _to_json(value, field)
    if kind == "str":
        if not isinstance(value, str):
            raise refuse("a string")
        return value
    if kind in ("id", "id?", "id|None"):
        if (kind == "id?" and value == "") or (kind == "id|None" and value is None):
            return value
        if not isinstance(value, str) or not _ID_PATTERN.match(value):
            raise refuse("an id (1-128 letters, digits, '.', '_' or '-', starting with a letter or digit)" + (" or ''" if kind == "id?" else ""))
        return value
    if kind in ("str[]", "id[]"):
        if not isinstance(value, (list, tuple)):
            raise refuse("a list of strings")
        for item in value:
            if not isinstance(item, str) or (kind == "id[]" and not _ID_PATTERN.match(item)):
                raise RegistryError(f"{what}: field {field!r} must list {'ids' if kind == 'id[]' else 'strings'}, but holds {_describe(item)}")
        return list(value)
    if kind == "dict":
        if not isinstance(value, dict):
            raise refuse("a dict")
        return _to_json(value, field)
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            raise refuse("a list")
        return _to_json(list(value), field)
    if kind == "metrics":
        return _check_metrics(what, value, strict)
    if kind == "count":
        number = _number(value)
        if not isinstance(number, int) or number < 0:
            raise refuse("a whole number >= 0")
        return number
    if kind == "status":
        if value not in MODEL_STATUSES:
            raise refuse(f"one of {', '.join(MODEL_STATUSES)}")
        return value
    if kind in ("task_type", "task_type?"):
        known = list(TASK_TYPE_METRICS) + (["unknown"] if kind == "task_type?" else [])
        if value not in known:
            raise RegistryError(f"{what}: unknown task_type {value!r}; known: {', '.join(known)}")
        return value
    if kind in ("fingerprint", "fingerprint?"):
        if kind == "fingerprint?" and value == "":
            return value
        _fingerprint_key(value)
        return value
    raise AssertionError(f"unknown field kind {kind}")


def _validate(what: str, values: Entry, schema: dict[str, str], strict: bool) -> Entry:
    """A JSON-ready copy of `values`, every field of `schema` checked, managed fields dropped."""
    checked: Entry = {}
    for field, value in values.items():
        if not isinstance(field, str):
            raise RegistryError(f"{what}: field names must be strings, got {field!r}")
        if field in _MANAGED_FIELDS:
            continue
        checked[field] = _check_field(what, field, schema.get(field, "any"), value, strict)
    try:
        json.dumps(checked, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise RegistryError(f"{what}: a value cannot be stored as JSON ({error})") from error
    return checked


def _checked_entry(data: Any, argument: str, id_key: str, kind: str, prefix: str, schema: dict[str, str], strict: bool) -> tuple[str, str, Entry]:
    """Check an entry before any write: a dict, an id (fresh from `prefix` when absent), typed fields.
    Returns (id, how messages name it, the checked fields without the id)."""
    if not isinstance(data, dict):
        raise RegistryError(f"{argument} must be a dict, got {type(data).__name__}")
    raw_id = data.get(id_key)
    entry_id = _new_id(prefix) if raw_id is None else _check_id(id_key, raw_id)
    what = f"{kind} {entry_id!r}"
    return entry_id, what, _validate(what, {k: v for k, v in data.items() if k != id_key}, schema, strict)


# --- Reading files: tolerant, naming every damaged line

_CONFLICT_MARK = re.compile(r"\A(<{7}|\|{7}|={7}|>{7})(?:[ \t]+(.*?))?[ \t]*\r?\Z")


class _Item:
    """One JSON value of a list file: `data`, its source text, start line, id (None if unusable), conflict side."""

    __slots__ = ("data", "raw", "line", "key", "side")

    def __init__(self, data: Any, raw: str, line: int, key: Optional[str], side: Optional[str] = None) -> None:
        self.data, self.raw, self.line, self.key, self.side = data, raw, line, key, side


class _ListRead:
    """What a tolerant read of one list registry file (models or features) found."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[_Item] = []
        self.kept: list[_Item] = []
        self.damage: list[Damage] = []
        self.data: Optional[bytes] = None

    @property
    def damaged(self) -> list[Damage]:
        return [d for d in self.damage if d.kind == "damaged"]

    def entries(self) -> list[Entry]:
        """The usable entries, the newest copy of each id, in file order."""
        return _newest(self.items)


def _newest_items(items: Sequence[_Item]) -> list[_Item]:
    """The newest copy (by updated_at / created_at; the first on a tie) of each id among `items`, in
    first-seen order."""
    chosen: dict[str, _Item] = {}
    for item in items:
        if item.key is not None and (item.key not in chosen or _stamp(item.data) > _stamp(chosen[item.key].data)):
            chosen[item.key] = item
    return list(chosen.values())


def _newest(items: Sequence[_Item]) -> list[Entry]:
    """The entries of _newest_items(items)."""
    return [item.data for item in _newest_items(items)]


def _unusable(value: Any, id_key: str) -> Optional[str]:
    """Why `value` is not an entry the registry can use, or None when it is one."""
    if not isinstance(value, dict):
        return f"is a JSON {type(value).__name__}, not an object with a {id_key}"
    if id_key not in value:
        return f"has no {id_key}"
    key = value[id_key]
    if not isinstance(key, str):
        return f"has a {id_key} that is not a string ({_describe(key)})"
    if not {"fingerprint": _FINGERPRINT_PATTERN, "feature_id": _FEATURE_ID_PATTERN}.get(id_key, _ID_PATTERN).match(key):
        return f"has an invalid {id_key} {key!r}"
    return None


def _stat_regular(path: str) -> Optional[str]:
    """None when `path` is a regular file; otherwise why it cannot be read as one ('missing' when
    neither it nor anything in its way exists)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            return f"is a symbolic link to {os.readlink(path)}, which does not exist"
        return "missing"
    except NotADirectoryError:
        return "is below something that is a file, not a folder"
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    if stat.S_ISREG(mode):
        return None
    return "is a folder, not a file" if stat.S_ISDIR(mode) else "is not a regular file (a FIFO, socket or device)"


def _read_bytes(path: str) -> Optional[bytes]:
    """The bytes of a regular file, None when missing. Never blocks on a FIFO; raises OSError with
    a reason when `path` is not a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{path} is not a regular file")
        return handle.read()


def _decode(path: str, data: bytes, damage: list[Damage]) -> tuple[str, set[int]]:
    """The text of a registry file and the lines holding bytes that are not UTF-8 (each reported).
    A UTF-8 byte order mark is accepted and ignored."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), set()
    except UnicodeDecodeError:
        text = data.decode("utf-8", "surrogateescape")
    bad = {number for number, line in enumerate(text.split("\n"), 1) if any("\udc80" <= ch <= "\udcff" for ch in line)}
    for number in sorted(bad):
        damage.append(Damage(path, number, "holds bytes that are not UTF-8 (text saved as latin-1 or cp1252?); the entry there is not shown"))
    return text, bad


def _line_starts(text: str) -> list[int]:
    return [0] + [match.end() for match in re.finditer("\n", text)]


def _sniff_id(text: str, id_key: str) -> str:
    match = re.search('"' + re.escape(id_key) + r'"\s*:\s*"([^"\n]{1,128})"', text)
    return f" ({id_key} {match.group(1)!r} by its text)" if match else ""


def _blank_conflicts(path: str, text: str, id_key: str) -> tuple[str, list[Optional[str]], list[dict[str, Any]]]:
    """Blank git conflict markers (and diff3 bases) keeping offsets; return the text, each line's side, the conflicts."""
    lines = text.split("\n")
    sides: list[Optional[str]] = [None] * len(lines)
    conflicts: list[dict[str, Any]] = []
    current: Optional[dict[str, Any]] = None
    side: Optional[str] = None
    for index, line in enumerate(lines):
        match = _CONFLICT_MARK.match(line)
        mark = match.group(1)[0] if match else ""
        if mark == "<":
            current = {"start": index + 1, "ours": match.group(2) if match and match.group(2) else "ours"}
            side = "ours"
        elif mark == "|" and current is not None:
            side = "base"
        elif mark == "=" and current is not None:
            side = "theirs"
        elif mark == ">" and current is not None:
            current.update(end=index + 1, theirs=match.group(2) if match and match.group(2) else "theirs")
            conflicts.append(current)
            current, side = None, None
        else:
            sides[index] = side
            if side != "base":
                continue
        lines[index] = " " * len(line)
    if current is not None:
        current.update(end=len(lines), theirs="(no end marker)")
        conflicts.append(current)
    return "\n".join(lines), sides, conflicts


def _scan_list(path: str, text: str, list_key: str, id_key: str, result: _ListRead, bad_lines: set[int]) -> None:
    """Recover every value of the file's `list_key` list, naming each damaged place (syntax, truncation,
    text outside the list, conflicts, a wrong shape)."""
    text, sides, conflicts = _blank_conflicts(path, text, id_key)
    starts = _line_starts(text)
    line_of = lambda offset: bisect_right(starts, offset)  # noqa: E731
    decoder = json.JSONDecoder()
    found = re.search('"' + re.escape(list_key) + r'"\s*:\s*\[', text)
    if found:
        pos = found.end()
        head = text[: found.start()].strip()
        if not head.startswith("{"):
            result.damage.append(Damage(path, 1, f"does not start with '{{' (expected {{\"version\": ..., \"{list_key}\": [...]}})"))
    elif text.lstrip().startswith("["):
        pos = text.index("[") + 1
        result.damage.append(Damage(path, 1, f"is a bare JSON list; a registry file is an object {{\"version\": ..., \"{list_key}\": [...]}}"))
    else:
        result.damage.append(Damage(path, 1, f"has no {list_key!r} list (expected {{\"version\": ..., \"{list_key}\": [...]}})"))
        pos = len(text)
        with contextlib.suppress(ValueError):
            whole = json.loads(text)
            if isinstance(whole, dict) and isinstance(whole.get(list_key), dict):
                for value in whole[list_key].values():
                    reason = _unusable(value, id_key)
                    item = _Item(value, json.dumps(value, ensure_ascii=False), 1, None if reason else value[id_key])
                    (result.kept if reason else result.items).append(item)
    closed = False
    size = len(text)
    while pos < size:
        char = text[pos]
        if char in " \t\r\n,":
            pos += 1
            continue
        if char == "]":
            closed = True
            pos += 1
            break
        line = line_of(pos)
        indent = pos - starts[line - 1]
        try:
            value, end = decoder.raw_decode(text, pos)
        except ValueError as error:
            at = line_of(getattr(error, "pos", pos))
            snippet = text[pos:pos + 400].split("\n", 1)[0]
            reason = getattr(error, "msg", str(error))
            if char not in "{[\"-0123456789tfn":
                problem = f"unexpected text {snippet[:40]!r} where an entry should start"
            elif at > line and error.__class__ is json.JSONDecodeError and getattr(error, "pos", 0) >= size - 1:
                problem = f"the entry starting at line {line} is cut short: the file ends inside it (truncated?)"
            else:
                problem = f"not valid JSON ({reason}); the entry starting at line {line}{_sniff_id(snippet, id_key)} is not shown"
            result.damage.append(Damage(path, at, problem))
            pos = _resync(text, starts, line, indent)
            continue
        end_line = line_of(max(pos, end - 1))
        if bad_lines and any(number in bad_lines for number in range(line, end_line + 1)):
            pos = end
            continue
        reason = _unusable(value, id_key)
        side = sides[line - 1] if line - 1 < len(sides) else None
        item = _Item(value, text[pos:end], line, None if reason else value[id_key], side)
        if reason:
            result.kept.append(item)
            result.damage.append(Damage(path, line, f"this entry {reason}: it is kept as it is, but not shown", "kept"))
        else:
            result.items.append(item)
        pos = end
    if found or text.lstrip().startswith("["):
        if not closed:
            result.damage.append(Damage(path, len(starts), f"the file ends before its {list_key!r} list is closed: it was cut short (truncated) or edited"))
        else:
            rest = text[pos:].strip()
            expected = "}" if found else ""
            if rest != expected:
                result.damage.append(Damage(path, line_of(pos), f"unexpected text after the {list_key!r} list: {rest[:40]!r}"))
    for conflict in conflicts:
        inside = [item for item in result.items if conflict["start"] <= item.line <= conflict["end"]]
        ours = [str(item.key) for item in inside if item.side == "ours"]
        theirs = [str(item.key) for item in inside if item.side == "theirs"]
        result.damage.append(Damage(
            path, conflict["start"],
            f"unresolved git merge conflict (lines {conflict['start']}-{conflict['end']}): {conflict['ours']!r} holds {_id_list(ours)}; "
            f"{conflict['theirs']!r} holds {_id_list(theirs)}. Both sides are shown (the newest copy of an id on both); "
            "`python3 ml_utils.py registry repair` keeps the newest copy of each entry",
        ))


def _id_list(ids: Sequence[str], limit: int = 8) -> str:
    if not ids:
        return "no entries"
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _resync(text: str, starts: list[int], line: int, indent: int) -> int:
    """Where to look for the next entry after a damaged one starting at `line`: the next line that
    starts, at no deeper indentation, with '{' or ']'."""
    for number in range(line, len(starts)):
        start = starts[number]
        stripped = text[start:start + indent + 1].lstrip(" \t")
        column = len(text[start:start + indent + 1]) - len(stripped)
        if column <= indent and stripped[:1] in ("{", "]"):
            return start + column
    return len(text)


def _duplicates(result: _ListRead, id_key: str) -> None:
    """Report older copies of an id in one file (outside git conflicts, which report themselves)."""
    seen: dict[str, _Item] = {}
    for item in result.items:
        if item.key is None:
            continue
        first = seen.get(item.key)
        if first is None:
            seen[item.key] = item
        elif not (first.side or item.side):
            # The copy _newest shows: the newer one, the first in the file on a tie (a line copied to edit).
            hidden, shown = (first, item) if _stamp(first.data) < _stamp(item.data) else (item, first)
            seen[item.key] = shown
            result.damage.append(Damage(result.path, hidden.line, f"{id_key} {item.key!r} appears again at line {shown.line}, the copy shown (the newest; the first on a tie); this one is kept", "kept"))


def _read_list_file(path: str, list_key: str, id_key: str) -> Optional[_ListRead]:
    """Read a list registry file (models or features) tolerantly: None when it does not exist,
    else every usable entry and every damaged place."""
    result = _ListRead(path)
    reason = _stat_regular(path)
    if reason == "missing":
        return None
    if reason is not None:
        result.damage.append(Damage(path, None, f"{reason}: the registry cannot read or write it"))
        return result
    try:
        data = _read_bytes(path)
    except OSError as error:
        result.damage.append(Damage(path, None, f"cannot be read ({error})"))
        return result
    if data is None:
        return None
    result.data = data
    text, bad = _decode(path, data, result.damage)
    if not bad:
        try:
            whole = json.loads(text)
        except ValueError:
            whole = None
        if isinstance(whole, dict) and isinstance(whole.get(list_key), list):
            values = whole[list_key]
            keys = [None if _unusable(value, id_key) else value[id_key] for value in values]
            if all(key is not None for key in keys) and len(set(keys)) == len(keys):
                result.items = [_Item(value, "", 0, key) for value, key in zip(values, keys)]
                return result
    if not text.strip():
        result.damage.append(Damage(path, 1, f"is empty (a registry file holds at least {{\"version\": ..., \"{list_key}\": []}})"))
        return result
    _scan_list(path, text, list_key, id_key, result, bad)
    _duplicates(result, id_key)
    return result


def _read_entry_file(path: str, id_key: str) -> tuple[Optional[Entry], list[Damage]]:
    """Read one experiment or data-version file: (entry or None, what is wrong with it)."""
    reason = _stat_regular(path)
    if reason == "missing":
        return None, []
    if reason is not None:
        return None, [Damage(path, None, f"{reason}: skipped", "skipped")]
    try:
        data = _read_bytes(path)
    except OSError as error:
        return None, [Damage(path, None, f"cannot be read ({error})")]
    if data is None:
        return None, []
    damage: list[Damage] = []
    text, bad = _decode(path, data, damage)
    if bad:
        return None, damage
    try:
        value = json.loads(text)
    except ValueError as error:
        line = getattr(error, "lineno", None)
        cut = getattr(error, "pos", 0) >= len(text.rstrip()) - 1 and text.strip() != ""
        problem = "the file is cut short (truncated?)" if cut else f"not valid JSON ({getattr(error, 'msg', error)})"
        return None, [Damage(path, line, problem + "; it is not shown")]
    reason = _unusable(value, id_key)
    if reason:
        return None, [Damage(path, 1, f"this entry {reason}: it is kept as it is, but not shown", "kept")]
    return value, []


# --- Reading across folders

_LIST_FILES = {"models": (MODEL_REGISTRY_FILE, "model_id"), "features": (FEATURE_STORE_FILE, "feature_id")}


def _folder_problem(folder: str, is_write_folder: bool) -> Optional[Damage]:
    """A registry folder that is not a folder (reported for the write folder or one asked for explicitly)."""
    reason = _stat_regular(folder)
    if reason is None and is_write_folder:
        return Damage(folder, None, "is a file, so no registry can be kept there: move it, or set " + MLOPS_DIR_ENV)
    if reason is not None and reason.startswith("is a symbolic link") and is_write_folder:
        return Damage(folder, None, f"{reason}, so its registry cannot be read: mount or restore it, or set {MLOPS_DIR_ENV}")
    return None


def _read_lists(kind: str, search_dirs: Dirs) -> tuple[Optional[list[Entry]], list[Damage]]:
    """Entries of a list registry merged across the read folders (newest copy of each id), or None
    when no folder has the file; and every problem found."""
    filename, id_key = _LIST_FILES[kind]
    explicit = _as_dir_list(search_dirs) is not None
    write_folder = mlops_dir(search_dirs)
    reads: list[_ListRead] = []
    damage: list[Damage] = []
    for folder in _read_dirs(search_dirs):
        problem = _folder_problem(folder, explicit or _same_dir(folder, write_folder))
        if problem:
            damage.append(problem)
            continue
        read = _read_list_file(os.path.join(folder, filename), kind, id_key)
        if read is not None:
            reads.append(read)
            damage += read.damage
    if not reads:
        return None, damage
    if len(reads) == 1:
        return reads[0].entries(), damage
    merged = _newest([_Item(entry, "", 0, entry[id_key]) for read in reads for entry in read.entries()])
    return sorted(merged, key=lambda entry: str(entry.get("created_at", ""))), damage


def _read_entry_files(subdir: str, id_key: str, search_dirs: Dirs) -> tuple[list[Entry], list[Damage]]:
    """Every experiment or data-version entry of the read folders (newest copy per id, oldest first), and problems."""
    items: list[_Item] = []
    damage: list[Damage] = []
    for folder in _read_dirs(search_dirs):
        path = os.path.join(folder, subdir)
        try:
            names = sorted(os.listdir(path))
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as error:
            damage.append(Damage(path, None, f"cannot be listed ({error.strerror or error})"))
            continue
        for name in names:
            if not name.endswith(".json") or name.startswith("."):
                continue
            entry, problems = _read_entry_file(os.path.join(path, name), id_key)
            damage += problems
            if entry is not None:
                items.append(_Item(entry, "", 0, entry[id_key]))
    return sorted(_newest(items), key=lambda entry: str(entry.get("created_at", ""))), damage


def _warn_damage(damage: Sequence[Damage]) -> None:
    shown = [d for d in damage if d.kind != "skipped"]
    if shown:
        listed = "; ".join(str(d) for d in shown[:5]) + (f"; and {len(shown) - 5} more" if len(shown) > 5 else "")
        warnings.warn(
            f"the registry holds damaged or unusable entries, which are not returned: {listed}. "
            "Writes to a damaged file are refused; `python3 ml_utils.py registry repair --dry-run` shows how it would be rebuilt.",
            RegistryWarning, stacklevel=3,
        )


# --- Writing: lock, atomic replace, generations


def _lock_timeout() -> float:
    with contextlib.suppress(ValueError):
        return max(0.0, float(os.environ.get(MLOPS_LOCK_TIMEOUT_ENV, "")))
    return DEFAULT_LOCK_TIMEOUT_S


def _ensure_folder(folder: str) -> None:
    """Create the registry folder; RegistryDamagedError when it (or a parent) is a file."""
    try:
        os.makedirs(folder, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as error:
        raise RegistryDamagedError(
            f"cannot write the registry: {folder} is a file, not a folder ({error.strerror}); nothing was written. "
            f"Move that file, or set {MLOPS_DIR_ENV} to another folder.",
            [Damage(folder, None, "is a file, not a folder")],
        ) from error


def _process_state(pid: int) -> str:
    """'running', 'stopped', 'gone' or 'unknown' for a process id (from /proc where there is one)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
        return {b"T": "stopped", b"t": "stopped (traced)", b"Z": "a zombie"}.get(state, "running")
    except FileNotFoundError:
        return "gone"
    except (OSError, IndexError):
        return "unknown"


@contextlib.contextmanager
def _locked(folder: str) -> Iterator[None]:
    """Hold the folder's cross-process lock (not re-entrant); after $ML_AUTOMATION_LOCK_TIMEOUT s (60),
    RegistryError naming the holder."""
    _ensure_folder(folder)
    path = os.path.join(folder, LOCK_FILE)
    handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666), "r+b", buffering=0)
    deadline = time.monotonic() + _lock_timeout()
    pause = 0.0005
    try:
        while True:
            try:
                if os.name == "nt":
                    import msvcrt

                    handle.seek(0)
                    msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
                else:
                    import fcntl

                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read(32).decode("ascii", "replace").strip()
                    state = _process_state(int(holder)) if holder.isdigit() else "unknown"
                    raise RegistryError(
                        f"the registry folder {folder} has been locked by process {holder or '(unknown)'} ({state}) for more than "
                        f"{_lock_timeout():g} s; nothing was written. If that process is stopped or stuck, end it (or wait), then retry; "
                        f"{MLOPS_LOCK_TIMEOUT_ENV} sets the wait."
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.02)
        with contextlib.suppress(OSError):
            handle.seek(0)
            handle.write(f"{os.getpid():<12}\n".encode("ascii"))  # who holds the lock, for a writer that times out
        _remove_orphan_temp_files(folder)
        yield
    finally:
        if os.name == "nt":
            import msvcrt

            handle.seek(0)
            with contextlib.suppress(OSError):
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        handle.close()


# Folders whose orphaned temporary files (left by a writer that died) this process removed.
_CLEANED_FOLDERS: set[str] = set()


def _remove_orphan_temp_files(folder: str) -> None:
    """Delete temporary files a killed writer left in `folder` (safe: every writer holds the lock)."""
    if folder in _CLEANED_FOLDERS:
        return
    for sub in ("", EXPERIMENTS_DIR, DATA_VERSIONS_DIR, GENERATIONS_DIR):
        with contextlib.suppress(OSError):
            for name in os.listdir(os.path.join(folder, sub)):
                if name.startswith(".") and name.endswith(".tmp"):
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(folder, sub, name))
    _CLEANED_FOLDERS.add(folder)


def _write_atomic(path: str, data: bytes, sync: bool = True) -> str:
    """Write `data` to a temporary file (fsync'd when `sync`) renamed over `path` (a link's target; the link kept)."""
    target = os.path.realpath(path) if os.path.islink(path) else path
    folder = os.path.dirname(target) or "."
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)  # umask applies
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                getattr(os, "fdatasync", os.fsync)(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def _generation_path(folder: str, relative: str) -> str:
    return os.path.join(folder, GENERATIONS_DIR, relative)


def _commit(folder: str, relative: str, data: bytes, previous: Optional[bytes], trusted: bool, sync: bool = True) -> str:
    """Replace `folder/relative` with `data`, keeping this write and the one before in .generations/
    (fsync'd before the rename when `sync`)."""
    path = os.path.join(folder, relative)
    copy = _generation_path(folder, relative)
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    if previous is not None:
        if trusted:
            os.replace(copy, copy + ".1")
        else:
            _write_atomic(copy + ".1", previous, sync=False)
    _write_atomic(path, data, sync=sync)
    _write_atomic(copy, data, sync=False)
    return path


# --- The journal ------------------------------------------------------------------------------

# Each entry written is appended to JOURNAL_FILE (a JSON line: kind, id, time, entry; fsync'd) for
# `registry repair`. A new journal starts with the folder's entries; compacted once it has doubled.
JOURNAL_FILE = ".journal.jsonl"
_JOURNAL_KINDS = {"models": "model_id", "features": "feature_id", "experiments": "experiment_id", "data_versions": "fingerprint"}


def _journal_line(kind: str, key: str, at: str, encoded: str) -> str:
    return f'{{"kind":"{kind}","id":{json.dumps(key)},"at":"{at}","entry":{encoded}}}\n'


def _journal_entries(folder: str, kind: Optional[str] = None) -> dict[tuple[str, str], tuple[str, Entry]]:
    """{(kind, id): (time written, entry)}: the newest journaled copy of each entry (of `kind`) of `folder`."""
    found: dict[tuple[str, str], tuple[str, Entry]] = {}
    prefix = f'{{"kind":"{kind or ""}'.encode()
    data = b""
    with contextlib.suppress(OSError):
        data = _read_bytes(os.path.join(folder, JOURNAL_FILE)) or b""
    for line in data.split(b"\n"):
        if line.startswith(prefix):
            with contextlib.suppress(ValueError):  # a line a killed writer left unfinished
                record = json.loads(line)
                if isinstance(record.get("entry"), dict) and record["kind"] in _JOURNAL_KINDS and isinstance(record.get("id"), str):
                    found[(record["kind"], record["id"])] = (str(record.get("at")), record["entry"])
    return found


def _journal(folder: str, kind: str, records: Sequence[tuple[str, str]]) -> None:
    """Append `records` (id, entry as JSON) of `kind` to the folder's journal, fsync'd (under the lock)."""
    path = os.path.join(folder, JOURNAL_FILE)
    text = "".join(_journal_line(kind, key, _now(), encoded) for key, encoded in records)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0), 0o666)
    except OSError as error:
        raise RegistryDamagedError(f"{path} cannot be appended to ({error.strerror or error}): the registry file was written, not journaled") from error
    with os.fdopen(fd, "r+b", buffering=0) as handle:
        size = os.fstat(fd).st_size
        if size:
            handle.seek(size - 1)
            text = ("" if handle.read(1) == b"\n" else "\n") + text
            handle.seek(0)
            head = re.match(rb'\{"journal":1,"compacted":(\d+)\}', handle.read(40))
        else:
            seed = [(k, e) for k, (f, i) in _LIST_FILES.items() for e in getattr(_read_list_file(os.path.join(folder, f), k, i), "entries", list)()]
            seed += [(k, e) for k, d in (("experiments", EXPERIMENTS_DIR), ("data_versions", DATA_VERSIONS_DIR)) for e in _read_entry_files(d, _JOURNAL_KINDS[k], [folder])[0]]
            text, head = '{"journal":1,"compacted":0}\n' + "".join(_journal_line(k, e[_JOURNAL_KINDS[k]], _stamp(e), _ENCODER.encode(e)) for k, e in seed) + text, None
        handle.write(text.encode("utf-8"))
        getattr(os, "fdatasync", os.fsync)(fd)
    if size > max(2 * int(head.group(1)) if head else 0, 1 << 18):
        _compact_journal(folder)


def _compact_journal(folder: str) -> None:
    """Rewrite the folder's journal with the newest line of each entry (under the lock)."""
    body = "".join(_journal_line(k, key, at, _ENCODER.encode(e)) for (k, key), (at, e) in _journal_entries(folder).items()).encode("utf-8")
    _write_atomic(os.path.join(folder, JOURNAL_FILE), f'{{"journal":1,"compacted":{len(body)}}}\n'.encode() + body)


def _refuse_damaged(path: str, damage: Sequence[Damage]) -> RegistryDamagedError:
    bad = [d for d in damage if d.kind == "damaged"]
    first = "; ".join(str(d) for d in bad[:3]) + (f"; and {len(bad) - 3} more" if len(bad) > 3 else "")
    return RegistryDamagedError(
        f"{path} is damaged, so nothing was written ({first}). It was left untouched. "
        "`python3 ml_utils.py registry repair --dry-run` shows how it would be rebuilt from its intact entries and the kept generations.",
        bad,
    )


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
_LINE_ID = re.compile(r'    \{"([a-z_]+)": "([^"\\]{1,128})", ')


class _ListFile:
    """A list registry (models or features) of the write folder, under the lock: a file it wrote is used
    line by line; any other is read whole and checked. Other read folders are merged in."""

    def __init__(self, folder: str, others: Sequence[str], filename: str, list_key: str, id_key: str) -> None:
        self.folder, self.filename, self.list_key, self.id_key = folder, filename, list_key, id_key
        self.path = os.path.join(folder, filename)
        self.order: list[Optional[str]] = []
        self.raw: list[str] = []
        self.index: dict[str, int] = {}
        self.decoded: dict[str, Entry] = {}
        self.changed: set[str] = set()
        reason = _stat_regular(self.path)
        if reason not in (None, "missing"):
            raise _refuse_damaged(self.path, [Damage(self.path, None, f"{reason}: the registry cannot read or write it")])
        self.previous = _read_bytes(self.path) if reason is None else None
        other_paths = [os.path.join(d, filename) for d in others if _stat_regular(os.path.join(d, filename)) is None]
        self.trusted = False
        if self.previous is not None and not other_paths:
            with contextlib.suppress(OSError):
                if self.previous == _read_bytes(_generation_path(folder, filename)):
                    self.trusted = self._load_trusted(self.previous)
        if not self.trusted:
            self._load_checked(other_paths)

    def _load_trusted(self, data: bytes) -> bool:
        """Use the lines of a file this registry wrote (one entry per line); False if it is not one."""
        text = data.decode("utf-8")
        lines = text.split("\n")
        header = f'  "{self.list_key}": ['
        if len(lines) < 5 or lines[0] != "{" or not lines[1].startswith('  "version": ') or lines[-2:] != ["}", ""]:
            return False
        if len(lines) == 5:
            return lines[2] == f'  "{self.list_key}": []'
        if lines[2] != header or lines[-3] != "  ]":
            return False
        body = lines[3:-3]
        for number, line in enumerate(body):
            match = _LINE_ID.match(line)
            last = number == len(body) - 1
            if not match or match.group(1) != self.id_key or not line.endswith("}" if last else "},") or match.group(2) in self.index:
                self.order, self.raw, self.index = [], [], {}
                return False
            self.index[match.group(2)] = number
            self.order.append(match.group(2))
            self.raw.append(line[4:] if last else line[4:-1])
        return True

    def _load_checked(self, other_paths: Sequence[str]) -> None:
        if self.previous is not None:
            read = _read_list_file(self.path, self.list_key, self.id_key)
            if read is not None:
                if read.damaged:
                    raise _refuse_damaged(self.path, read.damage)
                kept = {id(item) for item in read.kept}
                items = sorted(read.items + read.kept, key=lambda item: item.line)
                newest = {id(item) for item in _newest_items(read.items)}
                for item in items:
                    if id(item) in kept or id(item) not in newest:
                        self.order.append(None)
                        self.raw.append(item.raw or json.dumps(item.data, ensure_ascii=False))
                    else:
                        self.add(item.data)
        lost = [entry for (_, key), (_, entry) in _journal_entries(self.folder, self.list_key).items() if key not in self.index]
        for entry in lost:
            self.add(entry)
        if lost:
            warnings.warn(f"{_id_list([e[self.id_key] for e in lost])} (recorded earlier) were missing from {self.path} (a hand edit, a merge, a deleted file?): "
                          f"put back from the registry's journal ({JOURNAL_FILE})", RegistryWarning, stacklevel=6)
        for path in other_paths:
            read = _read_list_file(path, self.list_key, self.id_key)
            for entry in read.entries() if read else []:
                mine = self.get(entry[self.id_key])
                if mine is None or _stamp(entry) > _stamp(mine):
                    self.add(entry)

    def get(self, key: str) -> Optional[Entry]:
        """The entry with this id (decoded on first use), or None."""
        if key not in self.decoded:
            position = self.index.get(key)
            if position is None:
                return None
            self.decoded[key] = json.loads(self.raw[position])
        return self.decoded[key]

    def add(self, entry: Entry) -> None:
        """Add a new entry, or replace the one with the same id."""
        key = entry[self.id_key]
        if key not in self.index:
            self.index[key] = len(self.order)
            self.order.append(key)
            self.raw.append("")
        self.decoded[key] = entry
        self.changed.add(key)

    def touch(self, key: str) -> None:
        """Mark an entry (already decoded with get) as changed."""
        self.changed.add(key)

    def ids(self) -> list[str]:
        return [key for key in self.order if key is not None]

    def all(self) -> list[Entry]:
        """Every usable entry, decoded, in file order."""
        return [entry for entry in (self.get(key) for key in self.ids()) if entry is not None]

    def containing(self, needle: str) -> list[Entry]:
        """The entries whose text contains `needle` (only those are decoded); a superset filter."""
        found = []
        for key in self.ids():
            position = self.index[key]
            if key in self.decoded or needle in self.raw[position]:
                entry = self.get(key)
                if entry is not None:
                    found.append(entry)
        return found

    def save(self) -> str:
        """Write the file: changed entries encoded one per line, the others as they were read."""
        lines, records = [], []
        for position, key in enumerate(self.order):
            if key is not None and key in self.changed:
                records.append((key, _ENCODER.encode(_id_entry(self.decoded[key], self.id_key))))
                lines.append("    " + records[-1][1])
            else:
                lines.append("    " + self.raw[position])
        body = "\n" + ",\n".join(lines) + "\n  " if lines else ""
        text = "{\n" + f'  "version": {json.dumps(MLOPS_SCHEMA_VERSION)},\n  "{self.list_key}": [{body}]\n' + "}\n"
        data = text.encode("utf-8")
        path = _commit(self.folder, self.filename, data, self.previous, self.trusted)
        _journal(self.folder, self.list_key, records)
        self.previous, self.trusted, self.changed = data, True, set()
        self.raw = [line[4:] for line in lines]
        self.index = {key: position for position, key in enumerate(self.order) if key is not None}
        return path


def _id_entry(entry: Entry, id_key: str) -> Entry:
    """A copy of `entry` with its id first (so every line of a registry file starts with its id)."""
    ordered = {id_key: entry[id_key]}
    ordered.update((key, value) for key, value in entry.items() if key != id_key)
    return ordered


class _Registry:
    """The registries of one write folder under its lock: `models`, `features` (lazy) and the entry files."""

    def __init__(self, folder: str, sources: Sequence[str]) -> None:
        self.folder = folder
        self.sources = [folder] + [d for d in sources if not _same_dir(d, folder)]
        self._lists: dict[str, _ListFile] = {}

    def _list(self, kind: str) -> _ListFile:
        if kind not in self._lists:
            filename, id_key = _LIST_FILES[kind]
            self._lists[kind] = _ListFile(self.folder, self.sources[1:], filename, kind, id_key)
        return self._lists[kind]

    @property
    def models(self) -> _ListFile:
        return self._list("models")

    @property
    def features(self) -> _ListFile:
        return self._list("features")

    def entry_file(self, subdir: str, key: str, id_key: str) -> tuple[Optional[Entry], Optional[bytes]]:
        """An experiment or data-version entry (newest copy across folders) and the write folder's own bytes;
        RegistryDamagedError when that copy is damaged."""
        path = os.path.join(self.folder, subdir, key + ".json")
        own, damage = _read_entry_file(path, id_key)
        if damage:
            raise _refuse_damaged(path, [d._replace(kind="damaged") for d in damage])
        previous = _read_bytes(path) if own is not None else None
        copies = [own] + [_read_entry_file(os.path.join(d, subdir, key + ".json"), id_key)[0] for d in self.sources[1:]]
        found = [copy for copy in copies if isinstance(copy, dict)]
        return (max(found, key=_stamp) if found else None), previous

    def save_entry_file(self, subdir: str, key: str, entry: Entry, previous: Optional[bytes]) -> str:
        data = (json.dumps(entry, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
        path = _commit(self.folder, os.path.join(subdir, key + ".json"), data, previous, trusted=False, sync=previous is not None)
        kind = "experiments" if subdir == EXPERIMENTS_DIR else "data_versions"
        _journal(self.folder, kind, [(entry[_JOURNAL_KINDS[kind]], _ENCODER.encode(entry))])
        return path


@contextlib.contextmanager
def _open_registry(output_dirs: Dirs = None, search_dirs: Dirs = None) -> Iterator[_Registry]:
    """Lock the write folder and yield a _Registry merging it with the folders to read."""
    folder = mlops_dir(output_dirs)
    sources = _as_dir_list(search_dirs) or _as_dir_list(output_dirs) or _read_dirs()
    with _locked(folder):
        yield _Registry(folder, sources)


def _merge_update(existing: Entry, updates: Entry, now: str) -> Entry:
    """Update an entry in place with the (validated) keys given; stamp updated_at."""
    for key, value in updates.items():
        existing[key] = value
    existing["updated_at"] = now
    return existing


# --- Task types and metrics


def _headline_split(metrics: Any) -> Optional[str]:
    """The split _headline_metrics reads ('test'), or None for metrics not given per split."""
    return "test" if isinstance(metrics, dict) and isinstance(metrics.get("test"), dict) else None


def _headline_metrics(metrics: Any) -> dict[str, Any]:
    """The metrics to judge a model by: the 'test' split when metrics are given per split."""
    split = _headline_split(metrics)
    if split:
        return metrics[split]
    return metrics if isinstance(metrics, dict) else {}


def missing_required_metrics(task_type: Any, metrics: Any) -> list[str]:
    """The metrics `task_type` requires that `metrics` lacks or holds as None (per split: the 'test' split)."""
    if not isinstance(task_type, str):
        return []
    flat = _headline_metrics(metrics)
    return [name for name in TASK_TYPE_METRICS.get(task_type, []) if flat.get(name) is None]


def primary_metric(task_type: str) -> tuple[str, str]:
    """Return (metric, direction) deciding champion vs challenger for `task_type`, e.g. ('rmse', 'lower').
    Raises RegistryError for an unknown task type."""
    if not isinstance(task_type, str) or task_type not in TASK_TYPE_PRIMARY_METRIC:
        raise RegistryError(f"unknown task_type {task_type!r}; known: {', '.join(TASK_TYPE_PRIMARY_METRIC)}")
    metric, direction = TASK_TYPE_PRIMARY_METRIC[task_type]
    return metric, direction


def _split_of(metrics: Any, split: str) -> Optional[dict[str, Any]]:
    found = _as_dict(metrics).get(split, _as_dict(metrics).get("validation") if split == "val" else None)
    return found if isinstance(found, dict) else None


def _deciding_split(metric: str, *all_metrics: Any) -> Optional[str]:
    """The split to decide on: 'val' (or 'validation') where all have `metric` there, else 'test' where all are per split."""
    for split in ("val", "test"):
        if all((_split_of(m, split) or {}).get(metric) is not None for m in all_metrics):
            return split
    return "test" if all(_split_of(m, "test") is not None for m in all_metrics) else None


def _metric_at(metrics: Any, split: Optional[str], metric: str) -> Any:
    return ((_split_of(metrics, split) if split else _headline_metrics(metrics)) or {}).get(metric)


def compare_metrics(task_type: str, challenger_metrics: Any, champion_metrics: Any, min_improvement: float = 0) -> dict[str, Any]:
    """Compare two models by `task_type`'s primary metric, on validation where both have it, else test:
    {`better` (gain > `min_improvement`; None if not comparable), `improvement`, `metric`, `direction`,
    `split`, `challenger`, `champion`, `test` (when validation decided), `reason`}."""
    metric, direction = primary_metric(task_type)
    split = _deciding_split(metric, challenger_metrics, champion_metrics)
    raw_new, raw_old = _metric_at(challenger_metrics, split, metric), _metric_at(champion_metrics, split, metric)
    new, old = _finite(raw_new), _finite(raw_old)
    label = f"{metric} ({split})" if split else metric
    result: dict[str, Any] = {"metric": metric, "direction": direction, "split": split, "challenger": new, "champion": old}
    if split == "val":
        result["test"] = {"challenger": _finite(_metric_at(challenger_metrics, "test", metric)), "champion": _finite(_metric_at(champion_metrics, "test", metric))}
    if new is None or old is None:
        side, raw = ("challenger", raw_new) if new is None else ("champion", raw_old)
        what = "no" if raw is None else f"no finite numeric (it holds {_describe(raw)})"
        return dict(result, better=None, improvement=None, reason=f"the {side} has {what} {label}; compare by hand")
    gain = old - new if direction == "lower" else new - old
    better = gain > min_improvement
    symbol = ("<" if new < old else ">=") if direction == "lower" else (">" if new > old else "<=")
    reason = f"{label} {new:g} {symbol} {old:g} ({direction} is better{f', by > {min_improvement:g}' if min_improvement else ''}): {'' if better else 'not '}better"
    if "test" in result:
        reason += "; test (reported): " + " vs ".join("-" if v is None else f"{v:g}" for v in result["test"].values())
    return dict(result, better=better, improvement=gain, reason=reason)


def _promotion_stamp(model: Entry) -> str:
    return str(model.get("promoted_at") or model.get("updated_at") or model.get("created_at") or "")


def _champion_of(models: Sequence[Entry]) -> Optional[Entry]:
    """The champion among `models`: of several, the most recently promoted (on a tie the greater model_id)."""
    champions = [m for m in models if m.get("status") == "champion"]
    return max(champions, key=lambda m: (_promotion_stamp(m), str(m.get("model_id")))) if champions else None


def _shared_champion(local: Optional[Entry]) -> tuple[Optional[Entry], str]:
    """(the champion to compare against: a shared registry's if configured and readable, else `local`; where read)."""
    for hook in _CHAMPION_HOOKS:
        try:
            found = hook()
        except RegistryError as error:
            return local, f"the local registry ({error})"
        if found is not None:
            return found
    return local, "the local registry"


# --- Promotion policy: promotion-policy.json in the registry folder (commit it), {"default": {...},
# "<task type>": {...}} of `required_metrics` (default: the task type's), `min_improvement` (0) and
# `no_high_leakage` (true). The artifact is always checked.
PROMOTION_POLICY_FILE = "promotion-policy.json"


def promotion_policy(task_type: str, search_dirs: Dirs = None) -> dict[str, Any]:
    """The promotion policy of `task_type`: defaults, then the file's "default", then its task type.
    RegistryError names the file (and line and column) when it is not such JSON."""
    path = os.path.join(mlops_dir(search_dirs), PROMOTION_POLICY_FILE)
    policy: dict[str, Any] = {"required_metrics": TASK_TYPE_METRICS.get(task_type, []), "min_improvement": 0, "no_high_leakage": True, "file": None}
    try:
        data = _read_bytes(path)
        if data is None:
            return policy
        stored = json.loads(data.decode("utf-8"))
    except (OSError, ValueError) as error:
        where = f":{error.lineno}:{error.colno}" if isinstance(error, json.JSONDecodeError) else ""
        raise RegistryError(f"{path}{where}: {'not valid JSON' if isinstance(error, ValueError) else 'cannot be read'} ({getattr(error, 'msg', error)})") from error
    unknown = sorted(set(stored) - {"default", *TASK_TYPE_METRICS}) if isinstance(stored, dict) else [_describe(stored)]
    if unknown:
        raise RegistryError(f"{path}: expected an object of \"default\" and task types ({', '.join(TASK_TYPE_METRICS)}); found {', '.join(unknown)}")
    for scope in ("default", task_type):
        rules = stored.get(scope, {})
        for key, value in rules.items() if isinstance(rules, dict) else [("", rules)]:
            if not (key == "no_high_leakage" and isinstance(value, bool) or key == "required_metrics" and isinstance(value, list)
                    and all(isinstance(v, str) for v in value) or key == "min_improvement" and type(_finite(value)) in (int, float) and value >= 0):
                raise RegistryError(f"{path}: {scope}.{key} is {_describe(value)}; expected required_metrics (a list of metric names), "
                                    "min_improvement (a number >= 0) or no_high_leakage (true or false)")
            policy[key] = value
    return dict(policy, file=path)


def compare_with_champion(model_id: str, search_dirs: Dirs = None) -> dict[str, Any]:
    """May `model_id` replace the champion? {`passed`, `failed` (a sentence per failed policy rule), `rules`,
    `policy`, `promote` (passed and better), `reason`, and by the primary metric: `metric`, `direction`,
    `split`, `challenger`, `champion`, `comparison`, `champion_id`, `champion_source`}. RegistryError: unknown model, bad policy."""
    models, damage = _read_lists("models", search_dirs)
    _warn_damage(damage)
    models = models or []
    model = next((m for m in models if m.get("model_id") == model_id), None)
    if model is None:
        raise RegistryError(f"no model {model_id!r} in the registry; registered: {_id_list([str(m.get('model_id')) for m in models]) if models else 'none'}")
    task_type, metrics = model.get("task_type"), model.get("metrics")
    metric, direction = primary_metric(task_type)  # type: ignore[arg-type]
    policy = promotion_policy(task_type, search_dirs)  # type: ignore[arg-type]
    champion, source = _shared_champion(_champion_of(models))
    split = _deciding_split(metric, metrics)
    result = {"model_id": model_id, "champion_id": champion and champion["model_id"], "metric": metric, "direction": direction, "split": split,
              "challenger": _finite(_metric_at(metrics, split, metric)), "champion": None, "champion_source": source, "policy": policy}
    artifact = check_artifact(model, search_dirs)
    missing = [m for m in policy["required_metrics"] if _headline_metrics(metrics).get(m) is None]
    gain: Any = math.inf
    if champion is None:
        reason = "there is no champion yet"
    elif champion["model_id"] == model_id:
        reason, gain = f"{model_id} is already the champion", 0
    elif champion.get("task_type") != task_type:
        reason, gain = f"the champion is a {champion.get('task_type')} model and this one {task_type}: not comparable", None
    else:
        verdict = compare_metrics(task_type, metrics, champion.get("metrics"), policy["min_improvement"])  # type: ignore[arg-type]
        result.update({k: verdict[k] for k in ("split", "challenger", "champion", "test") if k in verdict})
        reason, gain = verdict["reason"], verdict["improvement"]
    features = {f.get("feature_id"): f for f in _read_lists("features", search_dirs)[0] or []} if policy["no_high_leakage"] else {}
    high = [str(f) for f in _as_list(model.get("feature_set")) if str(_as_dict(features.get(str(f))).get("leakage_risk")).lower() == "high"]
    rules = [("artifact", artifact["ok"] or artifact["state"] == "none", artifact["problem"]),
             ("required_metrics", not missing, f"required metrics missing: {', '.join(missing)}"),
             ("no_regression", gain is not None and (gain >= policy["min_improvement"] or result["champion_id"] == model_id), f"against the champion {result['champion_id']}: {reason}"),
             ("no_high_leakage", not high, f"features flagged high for leakage: {', '.join(high)}")]
    failed = [f"{name}: {text}" for name, ok, text in rules if not ok]
    return dict(result, promote=not failed and gain > 0, passed=not failed, failed=failed, rules={name: ok for name, ok, _ in rules},
                comparison=reason, reason="; ".join(failed) or reason)


# --- Model registry

_MODEL_DEFAULTS: Entry = {
    "name": "unnamed_model",
    "algorithm": "",
    "framework": "scikit-learn",
    "status": "challenger",
    "metrics": {},
    "hyperparameters": {},
    "artifact_path": "",
    "data_fingerprint": "",
    "feature_set": [],
    "training_experiment_id": "",
    "predecessor_id": None,
    "rationale": {},
    "tags": [],
}


def save_model_entry(model_entry: Entry, output_dirs: Dirs = None, strict: Optional[bool] = None) -> str:
    """Register a trained model, or update it; returns the model_id. Fields: model_id (generated when
    absent), name, task_type (required when new), algorithm, framework, metrics, hyperparameters,
    artifact_path, data_fingerprint, feature_set, training_experiment_id, predecessor_id, rationale,
    tags, status; each checked first (RegistryError). Back-links, the artifact's sha256 and size and
    `reproduction` are recorded. Missing or non-finite metrics warn; strict=True refuses them."""
    strict = _strict(strict)
    model_id, what, values = _checked_entry(model_entry, "model_entry", "model_id", "model", "model", _MODEL_SCHEMA, strict)

    with _open_registry(output_dirs) as registry:
        models = registry.models
        existing = models.get(model_id)
        if existing is None and "task_type" not in values:
            raise RegistryError(f"{what}: a new model needs a task_type, one of {', '.join(TASK_TYPE_METRICS)}; nothing was written")
        if values.get("status") == "champion" and (existing or {}).get("status") != "champion":
            raise RegistryError(f"{what}: only promote_model makes a champion (the promotion policy decides); save it, then promote_model({model_id!r})")
        values.update(_artifact_fields(models, existing or {}, model_id, values.get("artifact_path"), registry.folder, strict))
        task_type = values.get("task_type", (existing or {}).get("task_type"))
        metrics = values.get("metrics", (existing or {}).get("metrics"))
        missing = missing_required_metrics(task_type, metrics)
        if missing:
            _complain(strict, f"{what} ({task_type}) is registered without required metrics: {', '.join(missing)}",
                      "Add them, or use strict=True to refuse such entries")
        if "reproduction" not in values and not (existing or {}).get("reproduction"):
            values["reproduction"] = _recorded_facts(values.get("artifact_path", (existing or {}).get("artifact_path")), registry.folder)
        now = _now()
        if existing is None:
            entry: Entry = {"model_id": model_id, "created_at": now}
            entry.update(json.loads(json.dumps(_MODEL_DEFAULTS)))
        else:
            entry = existing
        _merge_update(entry, values, now)
        models.add(entry)
        links = _plan_model_links(registry, entry, now)
        changed = [model_id] + sorted(models.changed - {model_id})
        models.save()
        for save in links:
            save()
    _written("save_model_entry", {"models": changed}, registry.folder)
    return model_id


def _archive_other_champions(models: _ListFile, champion_id: str, now: str) -> Optional[str]:
    """Archive every champion but `champion_id`; return the most recently promoted one replaced, if any."""
    replaced: Optional[Entry] = None
    for model in models.containing('"champion"'):
        if model.get("status") == "champion" and model.get("model_id") != champion_id:
            if replaced is None or _promotion_stamp(model) > _promotion_stamp(replaced):
                replaced = dict(model)
            model["status"] = "archived"
            model["archived_at"] = now
            model["updated_at"] = now
            models.touch(model["model_id"])
    return replaced["model_id"] if replaced else None


def _models_for_links(registry: _Registry) -> Optional[_ListFile]:
    """The model list for back-links, or None when it is damaged (the links wait for `registry repair`)."""
    try:
        return registry.models
    except RegistryDamagedError:
        return None


def _plan_model_links(registry: _Registry, model: Entry, now: str) -> list[Callable[[], str]]:
    """Record `model` in its features' and data version's back-links; read (and refuse damage) first,
    return the writes still to do."""
    saves: list[Callable[[], str]] = []
    feature_set = model.get("feature_set") or []
    if feature_set:
        features = registry.features
        changed = False
        for feature_id in feature_set:
            feature = features.get(feature_id) if isinstance(feature_id, str) else None
            if feature is not None:
                links = feature.get("used_in_models")
                if not isinstance(links, list):
                    links = feature["used_in_models"] = []
                if _add_unique(links, model["model_id"]):
                    feature["updated_at"] = now
                    features.touch(feature_id)
                    changed = True
        if changed:
            saves.append(features.save)
    experiment_id = model.get("training_experiment_id")
    fingerprint = model.get("data_fingerprint")
    if fingerprint and experiment_id:
        saves += _plan_data_version_link(registry, fingerprint, experiment_id, now)
    return saves


def _plan_data_version_link(registry: _Registry, fingerprint: str, experiment_id: str, now: str) -> list[Callable[[], str]]:
    """List `experiment_id` in the data version's `used_in_experiments`, if that version is registered."""
    key = _fingerprint_key(fingerprint)
    version, previous = _data_version_entry(registry, fingerprint)
    if version is None:
        return []
    links = version.get("used_in_experiments")
    if not isinstance(links, list):
        links = version["used_in_experiments"] = []
    if not _add_unique(links, experiment_id):
        return []
    version["updated_at"] = now
    return [lambda: registry.save_entry_file(DATA_VERSIONS_DIR, key, version, previous)]


def load_model_registry(search_dirs: Dirs = None) -> Optional[dict[str, Any]]:
    """Return {'version', 'models', 'damaged'} merged from every registry folder (newest copy of each
    model), or None when there is none. `damaged` names damaged files and lines; intact models are returned."""
    models, damage = _read_lists("models", search_dirs)
    _warn_damage(damage)
    if models is None and not damage:
        return None
    return {"version": MLOPS_SCHEMA_VERSION, "models": models or [], "damaged": [str(d) for d in damage]}


def get_champion_model(search_dirs: Dirs = None) -> Optional[Entry]:
    """Return the champion model entry (of several, the most recently promoted), or None."""
    models, damage = _read_lists("models", search_dirs)
    _warn_damage(damage)
    return _champion_of(models or [])


def promote_model(model_id: str, search_dirs: Dirs = None, output_dirs: Dirs = None, override_reason: Optional[str] = None, action: str = "promote") -> list[str]:
    """Make `model_id` the champion (the one replaced archived) if the policy allows it (compare_with_champion)
    or with `override_reason` (not over a changed artifact); recorded in its `promotions`. Else RegistryError
    naming every failed rule. Returns the files written."""
    _check_id("model_id", model_id)
    if override_reason is not None and not (isinstance(override_reason, str) and override_reason.strip()):
        raise RegistryError(f"override_reason must say why (a non-empty string), got {_describe(override_reason)}; the champion is unchanged")
    if action not in ("promote", "rollback"):
        raise RegistryError(f"action must be 'promote' or 'rollback', got {_describe(action)}")
    target = output_dirs if _as_dir_list(output_dirs) else search_dirs
    with _open_registry(target, search_dirs) as registry:
        models = registry.models
        model = models.get(model_id)
        if model is None:
            known = _id_list(models.ids()) if models.ids() else "none"
            raise RegistryError(f"cannot promote {model_id!r}: no such model in {registry.folder} (registered: {known}); the champion is unchanged")
        verdict = compare_with_champion(model_id, registry.sources)
        failed = verdict["failed"]
        if failed and (override_reason is None or failed[0].startswith("artifact")):
            anyway = "" if failed[0].startswith("artifact") else f"; to promote anyway, state why: promote_model({model_id!r}, override_reason=...)"
            raise RegistryError(f"cannot promote {model_id!r}, the champion is unchanged: " + "; ".join(failed) + anyway)
        now = _now()
        replaced = _archive_other_champions(models, model_id, now)
        if model.get("status") != "champion" or replaced:
            if model.get("status") != "champion":
                model["status"] = "champion"
                model["promoted_at"] = now
            if replaced and not model.get("predecessor_id") and action == "promote":
                model["predecessor_id"] = replaced
            history = model.get("promotions")
            model["promotions"] = (history if isinstance(history, list) else [history] if history else []) + [{
                "at": now, "by": _user(), "action": action, "champion_before": replaced, "verdict": "refused, overridden" if failed else "passed",
                "failed": failed, "override_reason": override_reason, "reason": verdict["comparison"], "split": verdict["split"]}]
            model["updated_at"] = now
            models.touch(model_id)
        changed = [model_id] + sorted(models.changed - {model_id})
        written = [models.save()]
    _written("promote_model", {"models": changed}, registry.folder)
    return written


def _user() -> str:
    with contextlib.suppress(Exception):
        return getpass.getuser()
    return "unknown"


# --- Feature store

_FEATURE_DEFAULTS: Entry = {
    "description": "",
    "dtype": "unknown",
    "source_columns": [],
    "transformation": "raw",
    "transformation_params": {},
    "created_by": "feature-engineering-analyst",
    "domain": "general",
    "task_type_relevance": [],
    "tags": [],
    "statistics": {},
    "used_in_models": [],
    "leakage_risk": "unknown",
}


def save_feature_entries(features: Union[Entry, Sequence[Entry]], output_dirs: Dirs = None) -> list[str]:
    """Register or update features (dicts: feature_id or name, description, dtype, source_columns,
    transformation, transformation_params, created_by, domain, task_type_relevance, tags, statistics,
    leakage_risk), each checked first; a repeated id: later values win. Returns the feature ids."""
    if isinstance(features, dict):
        features = [features]
    if not isinstance(features, (list, tuple)) or not all(isinstance(f, dict) for f in features):
        raise RegistryError("features must be a list of dicts, one per feature")
    batch: dict[str, Entry] = {}
    for feature in features:
        given = feature.get("feature_id", feature.get("name"))
        if given is None:
            raise RegistryError(f"a feature needs a feature_id (or a name): {_describe(feature)}")
        feature_id = _check_id("feature_id", given)
        values = _validate(f"feature {feature_id!r}", {k: v for k, v in feature.items() if k != "feature_id"}, _FEATURE_SCHEMA, False)
        batch.setdefault(feature_id, {}).update(values)
    with _open_registry(output_dirs) as registry:
        store = registry.features
        models = _models_for_links(registry)
        now = _now()
        for feature_id, values in batch.items():
            entry = store.get(feature_id)
            if entry is None:
                entry = {"feature_id": feature_id, "name": feature_id, "created_at": now}
                entry.update(json.loads(json.dumps(_FEATURE_DEFAULTS)))
            _merge_update(entry, values, now)
            links = entry.get("used_in_models")
            if not isinstance(links, list):
                links = entry["used_in_models"] = []
            for model in models.containing(f'"{feature_id}"') if models is not None else []:
                if feature_id in (model.get("feature_set") or []):
                    _add_unique(links, model["model_id"])
            store.add(entry)
        store.save()
    _written("save_feature_entries", {"features": list(batch)}, registry.folder)
    return list(batch)


def load_feature_store(search_dirs: Dirs = None) -> Optional[dict[str, Any]]:
    """Return {'version', 'features', 'damaged'} merged from every registry folder, or None."""
    features, damage = _read_lists("features", search_dirs)
    _warn_damage(damage)
    if features is None and not damage:
        return None
    return {"version": MLOPS_SCHEMA_VERSION, "features": features or [], "damaged": [str(d) for d in damage]}


# --- Experiment tracking


def save_experiment(experiment_data: Entry, output_dirs: Dirs = None, strict: Optional[bool] = None) -> str:
    """Log a training run as experiments/<experiment_id>.json, or update it; returns the experiment_id.
    Fields: experiment_id, name, task_type, rationale, dataset (fingerprint, rows, target, split, ...),
    model (algorithm, framework, hyperparameters), metrics (per split), artifacts, notes, status,
    registered_model_id; each checked first. `reproduction` is recorded unless given."""
    strict = _strict(strict)
    experiment_id, what, values = _checked_entry(experiment_data, "experiment_data", "experiment_id", "experiment", "exp", _EXPERIMENT_SCHEMA, strict)
    fingerprint = (values.get("dataset") or {}).get("fingerprint")
    if fingerprint not in (None, ""):
        _check_field(what, "dataset.fingerprint", "fingerprint", fingerprint, strict)
    with _open_registry(output_dirs) as registry:
        entry, previous = registry.entry_file(EXPERIMENTS_DIR, experiment_id, "experiment_id")
        if "reproduction" not in values and not (entry or {}).get("reproduction"):
            models = [a.get("path") for a in values.get("artifacts") or [] if isinstance(a, dict) and a.get("type") == "model"]
            values["reproduction"] = _recorded_facts(models[0] if models else None, registry.folder)
        now = _now()
        if entry is None:
            entry = {
                "experiment_id": experiment_id, "name": "unnamed_experiment", "created_at": now, "status": "completed",
                "rationale": {}, "dataset": {}, "model": {}, "metrics": {}, "artifacts": [], "notes": "", "registered_model_id": "",
            }
        _merge_update(entry, values, now)
        links = _plan_data_version_link(registry, fingerprint, experiment_id, now) if fingerprint else []
        registry.save_entry_file(EXPERIMENTS_DIR, experiment_id, _id_entry(entry, "experiment_id"), previous)
        for save in links:
            save()
    _written("save_experiment", {"experiments": [experiment_id]}, registry.folder)
    return experiment_id


def load_experiments(search_dirs: Dirs = None) -> list[Entry]:
    """Return every logged experiment (newest copy of each id), oldest first; damaged files are warned of."""
    experiments, damage = _read_entry_files(EXPERIMENTS_DIR, "experiment_id", search_dirs)
    _warn_damage(damage)
    return experiments


# --- Data versioning


def _data_version_entry(registry: _Registry, fingerprint: str) -> tuple[Optional[Entry], Optional[bytes]]:
    """The data version of `fingerprint` (its file, else one of the older 12-character layout) and the
    bytes of the write folder's own file."""
    key = _fingerprint_key(fingerprint)
    entry, previous = registry.entry_file(DATA_VERSIONS_DIR, key, "fingerprint")
    if entry is None:
        for folder in registry.sources:
            legacy, _ = _read_entry_file(os.path.join(folder, DATA_VERSIONS_DIR, key[:12] + ".json"), "fingerprint")
            if legacy is not None and legacy.get("fingerprint") == fingerprint:
                return legacy, None
    return entry, previous


def save_data_version(data_version: Entry, output_dirs: Dirs = None) -> str:
    """Record a dataset version as data-versions/<fingerprint hash>.json, or update it; returns the
    fingerprint. Fields: fingerprint (required), source_path, rows, columns, column_schema,
    statistics_hash, detected_task_type; each checked first."""
    if not isinstance(data_version, dict):
        raise RegistryError(f"data_version must be a dict, got {type(data_version).__name__}")
    fingerprint = data_version.get("fingerprint")
    key = _fingerprint_key(fingerprint)
    values = _validate(f"data version {fingerprint!r}", data_version, _DATA_VERSION_SCHEMA, False)
    with _open_registry(output_dirs) as registry:
        entry, previous = _data_version_entry(registry, fingerprint)  # type: ignore[arg-type]
        now = _now()
        if entry is None:
            entry = {
                "fingerprint": fingerprint, "created_at": now, "source_path": "", "rows": 0, "columns": 0, "column_schema": {},
                "statistics_hash": "", "detected_task_type": "unknown", "used_in_experiments": [],
            }
        _merge_update(entry, values, now)
        links = entry.get("used_in_experiments")
        if not isinstance(links, list):
            links = entry["used_in_experiments"] = []
        experiments, _ = _read_entry_files(EXPERIMENTS_DIR, "experiment_id", registry.sources)
        for experiment in experiments:
            dataset = experiment.get("dataset")
            if isinstance(dataset, dict) and dataset.get("fingerprint") == fingerprint:
                _add_unique(links, experiment["experiment_id"])
        models = _models_for_links(registry)
        for model in models.containing(f'"{fingerprint}"') if models is not None else []:
            if model.get("data_fingerprint") == fingerprint and isinstance(model.get("training_experiment_id"), str) and model["training_experiment_id"]:
                _add_unique(links, model["training_experiment_id"])
        registry.save_entry_file(DATA_VERSIONS_DIR, key, _id_entry(entry, "fingerprint"), previous)
    _written("save_data_version", {"data_versions": [str(fingerprint)]}, registry.folder)
    return str(fingerprint)


def load_data_versions(search_dirs: Dirs = None) -> list[Entry]:
    """Return every recorded data version (newest copy of each), oldest first; damaged files are warned of."""
    versions, damage = _read_entry_files(DATA_VERSIONS_DIR, "fingerprint", search_dirs)
    _warn_damage(damage)
    return versions


def compute_data_fingerprint(data: Any, chunk_rows: int = 1_000_000) -> str:
    """Return 'sha256:<hex>' identifying a dataset, stable across processes. A DataFrame (or Series):
    column labels and types, dtypes, row count and every cell with its type (1, '1' and True differ),
    hashed per row in chunks of `chunk_rows`; not the index. A path: the file's bytes. TypeError for
    anything else, ValueError for a `chunk_rows` not a whole number >= 1."""
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ValueError(f"chunk_rows must be a whole number >= 1, got {chunk_rows!r}")
    digest = hashlib.sha256()
    if isinstance(data, (str, os.PathLike)):
        with open(data, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return "sha256:" + digest.hexdigest()

    import pandas as pd

    if isinstance(data, pd.Series):
        data = data.to_frame()
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"compute_data_fingerprint takes a pandas DataFrame or a file path, got {type(data).__name__}")
    header = {"columns": [_typed_text(c) for c in data.columns], "dtypes": [_dtype_text(t) for t in data.dtypes], "rows": len(data)}
    digest.update(json.dumps(header).encode("utf-8"))
    typed = [position for position in range(data.shape[1]) if _needs_typed_hash(data.iloc[:, position])]
    if data.shape[1]:
        for start in range(0, len(data), chunk_rows):
            digest.update(_row_hashes(data.iloc[start:start + chunk_rows], typed))
    return "sha256:" + digest.hexdigest()


def _dtype_text(dtype: Any) -> str:
    """A column's dtype as text; a categorical's with its categories and order."""
    import pandas as pd

    if isinstance(dtype, pd.CategoricalDtype):
        categories = [] if dtype.categories is None else list(dtype.categories)
        return f"category:ordered={dtype.ordered}:" + json.dumps([_typed_text(c) for c in categories])
    return str(dtype)


def _needs_typed_hash(column: Any) -> bool:
    """True for an object column holding non-strings, and a pyarrow nested column."""
    import pandas as pd

    if isinstance(column.dtype, pd.ArrowDtype):
        import pyarrow as pa

        return bool(pa.types.is_nested(column.dtype.pyarrow_dtype))
    return column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) not in ("string", "empty")


def _typed_text(value: Any) -> str:
    """Text that identifies a cell value with its type: equal only for equal values of one type."""
    if isinstance(value, str):
        return "s:" + value
    if value is None:
        return "n:"
    if isinstance(value, bool):
        return f"b:{value}"
    if isinstance(value, int):
        return f"i:{value}"
    if isinstance(value, float):
        return f"f:{value!r}"
    if isinstance(value, (bytes, bytearray)):
        return "y:" + bytes(value).hex()
    if type(value).__module__ == "numpy" and hasattr(value, "dtype") and hasattr(value, "tobytes"):
        if value.dtype.kind == "O":
            return f"A:{getattr(value, 'shape', ())}:" + _typed_text(value.tolist())
        return f"a:{value.dtype.str}:{getattr(value, 'shape', ())}:" + hashlib.sha256(value.tobytes()).hexdigest()
    if isinstance(value, (list, tuple)):
        return ("l:" if isinstance(value, list) else "t:") + json.dumps([_typed_text(item) for item in value])
    if isinstance(value, dict):
        return "d:" + json.dumps(sorted([_typed_text(k), _typed_text(v)] for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return "S:" + json.dumps(sorted(_typed_text(item) for item in value))
    return f"o:{type(value).__module__}.{type(value).__qualname__}:{value!r}"


def _row_hashes(frame: Any, typed: Sequence[int]) -> bytes:
    """pandas' 64-bit hash of every row as bytes; `typed` columns via _typed_text, object columns' NaN masks too."""
    import pandas as pd

    columns: dict[str, Any] = {}
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if position in typed:
            columns[f"v{position}"] = column.map(_typed_text)
        else:
            columns[f"v{position}"] = column
            if column.dtype == object:
                columns[f"m{position}"] = column.isna()
    plain = pd.DataFrame(columns, index=frame.index)
    hashes = pd.util.hash_pandas_object(plain, index=False)
    return hashes.to_numpy(dtype="<u8").tobytes()


# --- Loose values


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
