# =============================================================================
# 10. MLFLOW MIRROR
# =============================================================================

# When MLFLOW_TRACKING_URI (or ML_AUTOMATION_MLFLOW_URI, which wins; "off" switches it off) is set,
# every registry write is also recorded on that MLflow server. A failed mirror call never fails the
# write: it is queued (.mlflow-queue.jsonl), reported once, pushed by `registry sync`. The client side
# is ml_utils_mlflow.py, loaded at the first mirrored write (_load_mirror).

import contextlib
import importlib.machinery
import json
import os
import re
import warnings
from typing import Any, Callable, Optional

MLFLOW_URI_ENV = "ML_AUTOMATION_MLFLOW_URI"
MLFLOW_QUEUE_FILE = ".mlflow-queue.jsonl"
# The project's identity on the server, and when the server failed last (written by the client side).
MLFLOW_PROJECT_FILE = ".mlflow-project.json"
MLFLOW_STATE_FILE = ".mlflow-state.json"

_OFF = ("off", "0", "false", "no", "none")
_DOWN_UNTIL: dict[str, float] = {}


class MirrorError(RegistryError):
    """The MLflow mirror could not do what was asked (no MLflow, server unreachable or refusing, mirror off)."""


class MirrorWarning(RegistryWarning):
    """A registry write was kept locally but could not be mirrored to MLflow (it is queued)."""


def mlflow_mirror_uri() -> Optional[str]:
    """The tracking URI registry writes are mirrored to: $ML_AUTOMATION_MLFLOW_URI when set ("off"
    switches the mirror off), else $MLFLOW_TRACKING_URI; None when the mirror is off."""
    own = os.environ.get(MLFLOW_URI_ENV, "").strip()
    if own:
        return None if own.lower() in _OFF else own
    return os.environ.get("MLFLOW_TRACKING_URI", "").strip() or None


def _uri_source() -> str:
    return MLFLOW_URI_ENV if os.environ.get(MLFLOW_URI_ENV, "").strip() else "MLFLOW_TRACKING_URI"


def _clip_text(value: Any, limit: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_file(path: str) -> dict[str, Any]:
    """The JSON object a small file of the registry folder holds ({} when none, or none readable)."""
    with contextlib.suppress(OSError):
        return _json_object((_read_bytes(path) or b"").decode("utf-8", "replace")) or {}
    return {}


def _json_object(text: Any) -> Optional[dict[str, Any]]:
    if not isinstance(text, str):
        return None
    with contextlib.suppress(ValueError):
        value = json.loads(text)
        return value if isinstance(value, dict) else None
    return None


# --- The queue of writes not yet mirrored --------------------------------------------------


def _queue_path(folder: str) -> str:
    return os.path.join(folder, MLFLOW_QUEUE_FILE)


def _enqueue(folder: str, operation: str, changed: dict[str, list[str]], error: Exception, depth: int = 0) -> None:
    """Queue a mirror call that failed; warn only when the queue was empty (once per outage), at the
    line that called the registry (`depth` more calls down than the write hook)."""
    line = json.dumps({"at": _now(), "operation": operation, "changed": changed, "uri": mlflow_mirror_uri(), "error": _clip_text(str(error), 300)})
    with _locked(folder):
        path = _queue_path(folder)
        first = not os.path.exists(path) or os.path.getsize(path) == 0
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    if first:
        warnings.warn(MirrorWarning(
            f"{operation} was saved in {folder} but not mirrored to MLflow: {error}. It is queued in {path}; "
            "`python3 ml_utils.py registry sync` pushes every local entry the server lacks. Further writes are queued without this warning until then."
        ), stacklevel=5 + depth)


# --- The client side, loaded when the mirror is on -------------------------------------------

# The file holding it: beside ml_utils.py in the plugin, and in a project whose mirror is on
# (`ml-automation copy-runtime` copies it there then). Loaded, it registers its calls here.
MLFLOW_MIRROR_FILE = "ml_utils_mlflow.py"
_MIRROR: dict[str, Callable[..., Any]] = {}


def _load_mirror() -> Optional[str]:
    """Load MLFLOW_MIRROR_FILE built for this ml_utils.py (its MIRROR_OF) into this module, once: the copy
    beside this file, else the plugin's. None once loaded, else why not (tried again at the next write)."""
    if _MIRROR:
        return None
    mismatched = []
    beside = os.path.join(os.path.dirname(os.path.abspath(__file__)), MLFLOW_MIRROR_FILE)
    for path in (beside, None):
        if path is None:  # the plugin is looked for only when nothing usable is beside this file
            root = plugin_root()
            if not root:
                break
            path = os.path.join(root, "templates", MLFLOW_MIRROR_FILE)
        try:
            with open(path, encoding="utf-8") as handle:
                built_for = re.search(r'^MIRROR_OF = "([^"\n]*)"$', handle.read(8192), re.M)
            if not built_for or built_for.group(1) != RUNTIME_STAMP:
                mismatched.append(f"{path} was built for another ml_utils.py")
                continue
            code = importlib.machinery.SourceFileLoader("ml_utils_mlflow", path).get_code("ml_utils_mlflow")
            if code is not None:
                exec(code, globals())
                return None
        except (OSError, UnicodeDecodeError):
            continue
        except Exception as error:  # noqa: BLE001 - named, and the write is queued
            mismatched.append(f"{path} cannot be loaded ({type(error).__name__}: {error})")
    found = "; ".join(mismatched) or f"no {MLFLOW_MIRROR_FILE} is beside ml_utils.py, and no ml-automation plugin was found from here"
    return (f"the MLflow mirror is on, but its client part cannot be loaded: {found}. "
            f"`ml-automation copy-runtime` puts the {MLFLOW_MIRROR_FILE} of this ml_utils.py beside it")


# --- The hooks: after every write, and for the champion --------------------------------------


def _mirror_write(operation: str, changed: dict[str, list[str]], folder: str) -> None:
    """Record a successful registry write in MLflow when the mirror is on (the client side pushes it,
    or queues it on failure); queue it when the client side cannot be loaded."""
    if not mlflow_mirror_uri():
        return
    problem = _load_mirror()
    if problem:
        _enqueue(folder, operation, changed, MirrorError(problem))
        return
    _MIRROR["write"](operation, changed, folder)


def _mlflow_champion() -> Optional[tuple[Optional[Entry], str]]:
    """The champion on the MLflow server, for compare_with_champion: None when the mirror is off or
    the server has no champion yet; MirrorError when the server or the client side cannot be reached
    (the local champion is then used, and the reason given)."""
    if not mlflow_mirror_uri():
        return None
    problem = _load_mirror()
    if problem:
        raise MirrorError(problem)
    found: Optional[tuple[Optional[Entry], str]] = _MIRROR["champion"]()
    return found


_WRITE_HOOKS.append(_mirror_write)
_CHAMPION_HOOKS.append(_mlflow_champion)
