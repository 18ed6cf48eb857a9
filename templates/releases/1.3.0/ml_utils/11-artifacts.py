# =============================================================================
# 11. IDS, ARTIFACTS AND REPRODUCTION
# =============================================================================

# A model's artifact is models/<model_id>.joblib; its sha256 and size, recorded at registration, are
# checked wherever it is used. Experiments and models record what it takes to reproduce them.

import contextlib
import hashlib
import importlib.metadata as _metadata
import json
import os
import platform as _platform
import subprocess
import time
from typing import Any, Optional, Union

_FACTS: dict[str, Any] = {}  # estimator facts by artifact path
_ENV: dict[str, Any] = {"at": -9.0}  # one project's environment facts, kept 5 s


def new_id(kind: str) -> str:
    """A fresh id for an experiment ('exp') or model ('model'): UTC time and random hex, sorting by
    creation, never repeated."""
    return _new_id(_check_id("kind", kind))


def _root(folder: Optional[str] = None) -> str:
    """The project folder of a registry folder ('' for the current one)."""
    norm = os.path.normpath(folder or mlops_dir())
    for suffix in map(os.path.normpath, PLATFORM_MLOPS_DIRS):
        if norm == suffix or norm.endswith(os.sep + suffix):
            return norm[: -len(suffix)].rstrip(os.sep)
    return ""


def _hash_file(path: str, quick: bool = False) -> Optional[dict[str, Any]]:
    """{'sha256', 'bytes'} of a file or a folder's files (quick: size only); None when missing."""
    if not os.path.exists(path):
        return None
    files = sorted(os.path.join(d, f) for d, _, names in os.walk(path) for f in names) if os.path.isdir(path) else [path]
    if quick:
        return {"sha256": "", "bytes": sum(map(os.path.getsize, files))}
    digest, size = hashlib.sha256(), 0
    for name in files:
        if name != path:
            digest.update(os.path.relpath(name, path).encode() + b"\0")
        with open(name, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):  # noqa: B023 - read at once
                digest.update(block)
                size += len(block)
    return {"sha256": digest.hexdigest(), "bytes": size}


def save_model_artifact(model: Any, model_id: str) -> str:
    """Save a fitted model with joblib as models/<model_id>.joblib; return that path (its
    artifact_path). Never replaces a file: one artifact per model id."""
    import joblib

    path = f"models/{_check_id('model_id', model_id)}.joblib"
    target = os.path.join(_root(), path)
    if os.path.lexists(target):
        raise RegistryError(f"{target} exists: a new model needs a new_id('model')")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    joblib.dump(model, target + ".tmp")
    os.rename(target + ".tmp", target)
    _FACTS[os.path.abspath(target)] = _estimator_facts(model)
    return path


def _artifact_fields(models: Any, old: Entry, model_id: str, given: Any, folder: str, strict: bool) -> Entry:
    """The artifact's path (relative to the project), sha256 and size; refuses another model's artifact or file."""
    if not isinstance(given, str) or not given:
        return {}
    path = os.path.relpath(given, os.path.abspath(_root(folder) or "."))
    path = given if os.path.isabs(given) or path.startswith("..") else path.replace(os.sep, "/") + "/" * (given[-1] in "/" + os.sep and path != ".")
    for other in models.containing(json.dumps(path.rstrip("/"), ensure_ascii=False)[:-1]):  # a folder given with or without its '/'
        if str(other.get("artifact_path")).rstrip("/") == path.rstrip("/") and other.get("model_id") != model_id:
            raise RegistryError(f"model {model_id!r}: {path} is model {other['model_id']}'s artifact; save_model_artifact(model, {model_id!r})")
    now = _hash_file(os.path.join(_root(folder), path))
    if old.get("artifact_sha256") and old.get("artifact_path") == path and now != {"sha256": old["artifact_sha256"], "bytes": old.get("artifact_bytes")}:
        raise RegistryError(f"model {model_id!r}: {path} is not the artifact it was registered with; a new model needs a new_id('model')")
    if now is None:
        _complain(strict, f"model {model_id!r}: artifact {path} does not exist, so its hash is not recorded", "Save it first")
    return {"artifact_path": path, "artifact_sha256": (now or {}).get("sha256", ""), "artifact_bytes": (now or {}).get("bytes")}


def check_artifact(model: Union[str, Entry], search_dirs: Dirs = None, quick: bool = False) -> dict[str, Any]:
    """Check a model's artifact (id or entry) against its registration (quick: size only). Returns
    {'model_id', 'path', 'state': ok, unrecorded (no hash), none (no artifact_path), missing or
    changed, 'ok' (state ok or unrecorded), 'problem'}."""
    entry = model if isinstance(model, dict) else next((m for m in _read_lists("models", search_dirs)[0] or [] if m.get("model_id") == model), None)
    if entry is None:
        raise RegistryError(f"no model {model!r} in the registry")
    name, recorded, sha = entry.get("model_id"), entry.get("artifact_path"), entry.get("artifact_sha256")
    path = os.path.join(_root(mlops_dir(search_dirs)), recorded) if isinstance(recorded, str) and recorded else None
    now = _hash_file(path, quick) if path else None
    same = now and now["bytes"] == entry.get("artifact_bytes") and (quick or now["sha256"] == sha)
    state = "none" if not path else "missing" if not now else "unrecorded" if not sha else "ok" if same else "changed"
    problem = {"none": f"model {name} records no artifact_path", "missing": f"the artifact of model {name}, {path}, is missing",
               "changed": f"the artifact of model {name}, {path}, changed since it was registered ({entry.get('artifact_bytes')} bytes, "
                          f"sha256 {str(sha)[:12]}; now {(now or {}).get('bytes')} bytes)"}.get(state)
    return {"model_id": name, "path": path, "state": state, "ok": state in ("ok", "unrecorded"), "problem": problem}


def model_artifact(model_id: Optional[str] = None, search_dirs: Dirs = None) -> str:
    """The path of the champion's artifact (or `model_id`'s), checked to be the file registered;
    RegistryError names what is wrong."""
    champion = get_champion_model(search_dirs) if model_id is None else {"model_id": model_id}
    if champion is None:
        raise RegistryError("there is no champion yet (promote_if_better)")
    found = check_artifact(champion["model_id"], search_dirs)
    if not found["ok"]:
        raise RegistryError(f"{found['problem']}: it cannot be used")
    return found["path"]


def _git(*args: str) -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(["git", *args], capture_output=True, text=True, timeout=5, cwd=_root() or None)
        return done.stdout.strip() if done.returncode == 0 else ""
    return ""


def _estimator_facts(model: Any) -> dict[str, Any]:
    """The estimator, its package's version and its seeds (parameters *random_state, *seed)."""
    final = getattr(model, "_final_estimator", model)
    module = type(final).__module__
    name = (_metadata.packages_distributions().get(module.split(".")[0]) or [module.split(".")[0]])[0]
    facts: dict[str, Any] = {"estimator": f"{module}.{type(final).__name__}", "packages": {}}
    with contextlib.suppress(_metadata.PackageNotFoundError):
        facts["packages"][name] = _metadata.version(name)
    params = model.get_params() if hasattr(model, "get_params") else {}
    facts["seeds"] = {k: v for k, v in params.items() if k.endswith(("random_state", "seed")) and (v is None or type(v) is int)}
    return facts


def _facts_with(own: dict[str, Any]) -> dict[str, Any]:
    """The environment's reproduction facts with an estimator's (`own`)."""
    root = os.path.abspath(_root() or ".")
    if time.monotonic() - _ENV["at"] > 5 or _ENV.get("root") != root:
        facts: dict[str, Any] = {"python": _platform.python_version(), "packages": {}}
        if _git("rev-parse", "HEAD"):
            facts["git_commit"] = _git("rev-parse", "HEAD")
            facts["git_dirty"] = bool(_git("status", "--porcelain", "-uno", "--", ".", f":(exclude){os.path.abspath(mlops_dir())}"))
        for name in ("scikit-learn", "pandas", "numpy"):
            with contextlib.suppress(_metadata.PackageNotFoundError):
                facts["packages"][name] = _metadata.version(name)
        _ENV.update(facts=facts, at=time.monotonic(), root=root)
    facts = json.loads(json.dumps(_ENV["facts"]))
    facts["packages"].update(own.get("packages", {}))
    return dict(facts, **{k: v for k, v in own.items() if k != "packages"})


def reproduction_facts(model: Any = None) -> dict[str, Any]:
    """What it takes to reproduce a run: git_commit and git_dirty, python, the versions of scikit-learn,
    pandas, numpy and the estimator's package, the estimator and its seeds (recorded unasked)."""
    return _facts_with(_estimator_facts(model) if model is not None else {})


def _recorded_facts(artifact: Any, folder: str) -> dict[str, Any]:
    """reproduction_facts of the model in file `artifact` (loaded when this process did not save it)."""
    path = os.path.abspath(os.path.join(_root(folder), artifact)) if isinstance(artifact, str) and artifact else ""
    if path and path not in _FACTS and os.path.isfile(path):
        with contextlib.suppress(Exception):
            import joblib

            _FACTS[path] = _estimator_facts(joblib.load(path))
    return _facts_with(_FACTS.get(path, {}) if path else {})


def promote_if_better(model_id: str, search_dirs: Dirs = None) -> dict[str, Any]:
    """The runtime's one champion rule: compare_with_champion, then promote_model when it says so.
    Returns the comparison with `promoted`."""
    decision = compare_with_champion(model_id, search_dirs)
    if decision["promote"]:
        promote_model(model_id, search_dirs)
    return dict(decision, promoted=bool(decision["promote"]))
