# =============================================================================
# REGISTRY CHECKS AND REPAIR
# =============================================================================

# What a person (or the plugin's registry guard) runs on a registry, not what a project's code calls:
# `check_registry_text` judges a hand-made write before it lands (the guard hook), `repair_registry`
# rebuilds damaged files (`ml-automation registry repair`). They read and write through the
# library's own readers, lock and generations.

import contextlib
import json
import os
import re
import tempfile
import warnings
from datetime import datetime, timezone
from typing import Any, Optional

# What each registry file holds: its id field and the schema of its entries (list files hold many).
_FILE_KINDS: dict[str, tuple[str, dict[str, str]]] = {
    MODEL_REGISTRY_FILE: ("model_id", _MODEL_SCHEMA),
    FEATURE_STORE_FILE: ("feature_id", _FEATURE_SCHEMA),
    EXPERIMENTS_DIR: ("experiment_id", _EXPERIMENT_SCHEMA),
    DATA_VERSIONS_DIR: ("fingerprint", _DATA_VERSION_SCHEMA),
}


# What `registry_file_kind` calls the runtime's own files in a registry folder (kept generations, the
# lock, the MLflow queue: every name starting with a dot), which only ml_utils writes.
REGISTRY_INTERNAL = "internal"


def registry_file_kind(path: str, search_dirs: Dirs = None) -> Optional[str]:
    """The kind of registry file `path` is in this project's registry folders (MODEL_REGISTRY_FILE,
    FEATURE_STORE_FILE, EXPERIMENTS_DIR, DATA_VERSIONS_DIR, or REGISTRY_INTERNAL for the runtime's own
    dot-files), or None when it is not one. Symbolic links are followed on both sides."""
    target = os.path.realpath(path)
    for folder in _read_dirs(search_dirs):
        relative = os.path.relpath(target, os.path.realpath(folder))
        parts = relative.split(os.sep)
        if parts[0] == os.pardir or relative == os.curdir:
            continue
        if any(part.startswith(".") for part in parts):
            return REGISTRY_INTERNAL
        if len(parts) == 1 and parts[0] in (MODEL_REGISTRY_FILE, FEATURE_STORE_FILE):
            return parts[0]
        if len(parts) == 2 and parts[0] in (EXPERIMENTS_DIR, DATA_VERSIONS_DIR) and parts[1].endswith(".json"):
            return parts[0]
    return None


def check_registry_text(path: str, text: str, search_dirs: Dirs = None) -> Optional[list[str]]:
    """Check `text` as the new content of `path` before it is written by hand: None when `path` is
    not a registry file (see registry_file_kind); else every problem the runtime would have with it
    (a file it would refuse to write to, an entry it could not show, a field of the wrong type, a
    file named unlike its entry), [] when it can read and use every entry. An entry the write leaves
    exactly as `path` holds it now is not checked again: a hand edit is judged by what it changes.
    The plugin's registry guard calls this before a model's Write or Edit of a registry file lands."""
    kind = registry_file_kind(path, search_dirs)
    if kind is None:
        return None
    if kind == REGISTRY_INTERNAL:
        return [f"{path}: a file the runtime keeps for itself (kept generations, the lock, the MLflow queue); only ml_utils writes it"]
    id_key, schema = _FILE_KINDS[kind]
    name = os.path.basename(path)
    with tempfile.TemporaryDirectory(prefix="ml-utils-check-") as scratch:
        copy = os.path.join(scratch, name)
        with open(copy, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        if kind in (MODEL_REGISTRY_FILE, FEATURE_STORE_FILE):
            read = _read_list_file(copy, "models" if kind == MODEL_REGISTRY_FILE else "features", id_key)
            damage = read.damage if read else []
            entries = read.entries() if read else []
        else:
            entry, damage = _read_entry_file(copy, id_key)
            entries = [entry] if entry is not None else []
    problems = [f"{path}:{d.line}: {d.problem}" if d.line else f"{path}: {d.problem}" for d in damage]
    unchanged = _entries_on_disk(path, kind, id_key) if entries else {}
    for entry in entries:
        if _same_json(unchanged.get(entry[id_key]), entry):
            continue  # the write leaves this entry as it is: only what it changes is checked
        what = f"{id_key} {entry.get(id_key)!r}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RegistryWarning)
                _validate(what, {k: v for k, v in entry.items() if k != id_key}, schema, False)
        except RegistryError as error:
            problems.append(f"{path}: {error}")
    if kind in (EXPERIMENTS_DIR, DATA_VERSIONS_DIR) and len(entries) == 1:
        key = entries[0][id_key]
        expected = f"{_fingerprint_key(key) if kind == DATA_VERSIONS_DIR else key}.json"
        if name != expected:
            problems.append(f"{path}: the file of {id_key} {key!r} must be named {expected}")
    return problems


def _same_json(a: Any, b: Any) -> bool:
    """True when two parsed JSON values are the same value of the same types (== alone counts
    true == 1 == 1.0, so a metric changed to `true` would pass for unchanged)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _entries_on_disk(path: str, kind: str, id_key: str) -> dict[str, Entry]:
    """The entries a list registry file holds now, by id ({} for any other file, or one that
    cannot be read): the registry guard checks only the entries a write adds or changes."""
    if kind not in (MODEL_REGISTRY_FILE, FEATURE_STORE_FILE):
        return {}
    try:
        read = _read_list_file(path, "models" if kind == MODEL_REGISTRY_FILE else "features", id_key)
    except (OSError, ValueError):
        return {}
    return {} if read is None else {entry[id_key]: entry for entry in read.entries()}


def _recover_list(path: str, folder: str, filename: str, list_key: str, id_key: str, read: _ListRead) -> dict[str, Any]:
    """What repairing one damaged list file does: the entries of the damaged file that can be read,
    merged with the kept generations (newest copy of each id), the values kept byte for byte, and
    the damaged places whose entry is nowhere else."""
    sources: dict[str, list[_Item]] = {"the damaged file": read.items}
    for label, relative in (("the last generation", filename), ("the generation before", filename + ".1")):
        kept = _read_list_file(_generation_path(folder, relative), list_key, id_key)
        sources[label] = kept.items if kept is not None else []
    chosen: dict[str, tuple[str, _Item]] = {}
    order: list[str] = []
    for label, items in sources.items():
        for item in items:
            key = item.key
            if key is None:
                continue
            if key not in chosen:
                order.append(key)
                chosen[key] = (label, item)
            elif _stamp(item.data) > _stamp(chosen[key][1].data):
                chosen[key] = (label, item)
    entries = [chosen[key][1].data for key in order]
    origin: dict[str, list[str]] = {}
    for key in order:
        origin.setdefault(chosen[key][0], []).append(key)
    lost = []
    for problem in read.damaged:
        sniffed = re.search(re.escape(id_key) + r" '([^']+)' by its text", problem.problem)
        if sniffed and sniffed.group(1) not in chosen:
            lost.append(f"line {problem.line}: {id_key} {sniffed.group(1)!r}")
    return {"entries": entries, "origin": origin, "kept": [item.raw for item in read.kept], "lost": lost}


def repair_registry(search_dirs: Dirs = None, dry_run: bool = False) -> dict[str, Any]:
    """Rebuild every damaged registry file of the read folders from what can still be read: the
    intact entries of the damaged file (both sides of a git conflict), the two generations kept in
    .generations/ (the newest copy of each id wins), and, for models no copy holds, the experiment
    files that name them (registered_model_id). Values that are not usable entries are kept byte for
    byte; the damaged original is kept aside as <file>.damaged-<time>. With dry_run=True nothing is
    changed. Returns {'actions': [one sentence per file], 'written': [...], 'kept_aside': [...],
    'lost': [...]} ('lost': damaged places whose entry no copy holds)."""
    report: dict[str, Any] = {"actions": [], "written": [], "kept_aside": [], "lost": []}
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    explicit = _as_dir_list(search_dirs) is not None
    write_folder = mlops_dir(search_dirs)
    for folder in _read_dirs(search_dirs):
        problem = _folder_problem(folder, explicit or _same_dir(folder, write_folder))
        if problem:
            report["actions"].append(f"{problem}: not repaired (move that file, or set {MLOPS_DIR_ENV})")
            continue
        if not os.path.isdir(folder):
            continue
        experiments, _ = _read_entry_files(EXPERIMENTS_DIR, "experiment_id", [folder])
        for kind, (filename, id_key) in _LIST_FILES.items():
            path = os.path.join(folder, filename)
            read = _read_list_file(path, kind, id_key)
            if read is None or not read.damaged:
                continue
            plan = _recover_list(path, folder, filename, kind, id_key, read)
            if kind == "models":
                known = {entry["model_id"] for entry in plan["entries"]}
                for experiment in experiments:
                    model_id = experiment.get("registered_model_id")
                    if isinstance(model_id, str) and _ID_PATTERN.match(model_id) and model_id not in known:
                        known.add(model_id)
                        stub = _model_from_experiment(model_id, experiment)
                        plan["entries"].append(stub)
                        plan["origin"].setdefault("experiment files", []).append(model_id)
            aside = f"{path}.damaged-{stamp}"
            origin = "; ".join(f"{len(ids)} from {label} ({_id_list(ids, 5)})" for label, ids in plan["origin"].items() if ids)
            action = (f"{path}: {len(read.damaged)} damaged place(s), first {read.damaged[0]}. "
                      f"{'Would rebuild' if dry_run else 'Rebuilt'} it with {len(plan['entries'])} {kind}: {origin or 'none'}"
                      + (f"; {len(plan['kept'])} value(s) kept as they were" if plan["kept"] else "")
                      + f"; the damaged original {'would be' if dry_run else 'is'} kept as {aside}.")
            if plan["lost"]:
                action += f" Not in any copy (re-register them): {'; '.join(plan['lost'])}."
                report["lost"] += [f"{path} {lost}" for lost in plan["lost"]]
            report["actions"].append(action)
            if dry_run:
                continue
            with _locked(folder):
                if not _unchanged_since(path, read.data):
                    report["actions"][-1] = _changed_while_repairing(path)
                    continue
                lines = ["    " + _ENCODER.encode(_id_entry(entry, id_key)) for entry in plan["entries"]]
                lines += ["    " + raw for raw in plan["kept"]]
                body = "\n" + ",\n".join(lines) + "\n  " if lines else ""
                text = "{\n" + f'  "version": {json.dumps(MLOPS_SCHEMA_VERSION)},\n  "{kind}": [{body}]\n' + "}\n"
                os.replace(path, aside)
                report["kept_aside"].append(aside)
                report["written"].append(_commit(folder, filename, text.encode("utf-8"), None, False))
        for subdir, id_key in ((EXPERIMENTS_DIR, "experiment_id"), (DATA_VERSIONS_DIR, "fingerprint")):
            _repair_entry_files(folder, subdir, id_key, stamp, dry_run, report)
    if not report["actions"]:
        report["actions"].append("nothing to repair: every registry file reads whole")
    return report


def _unchanged_since(path: str, data: Optional[bytes]) -> bool:
    """True when `path` still holds the bytes `data` that a repair was planned from (None: it was not
    a regular file and still is not one). Checked under the lock, so a repair never replaces what
    another repair, or a write after it, has put there since."""
    reason = _stat_regular(path)
    if data is None:
        return reason not in (None, "missing")
    if reason is not None:
        return False
    try:
        return _read_bytes(path) == data
    except OSError:
        return False


def _changed_while_repairing(path: str) -> str:
    return f"{path}: changed while it was being repaired (another repair, or a write after one): left as it is; run `registry repair` again"


def _model_from_experiment(model_id: str, experiment: Entry) -> Entry:
    """A model entry rebuilt from the experiment that registered it (marked `rebuilt_from`)."""
    model = _as_dict(experiment.get("model"))
    return {
        "model_id": model_id, "name": str(experiment.get("name") or model_id), "task_type": experiment.get("task_type"),
        "algorithm": str(model.get("algorithm") or ""), "framework": str(model.get("framework") or ""), "status": "challenger",
        "metrics": _headline_metrics(experiment.get("metrics")), "hyperparameters": _as_dict(model.get("hyperparameters")),
        "training_experiment_id": experiment["experiment_id"], "data_fingerprint": str(_as_dict(experiment.get("dataset")).get("fingerprint") or ""),
        "created_at": experiment.get("created_at"), "rebuilt_from": f"{EXPERIMENTS_DIR}/{experiment['experiment_id']}.json",
    }


def _repair_entry_files(folder: str, subdir: str, id_key: str, stamp: str, dry_run: bool, report: dict[str, Any]) -> None:
    """Restore damaged experiment or data-version files of `folder` from their last kept generation."""
    path = os.path.join(folder, subdir)
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return
    for name in names:
        if not name.endswith(".json") or name.startswith("."):
            continue
        file_path = os.path.join(path, name)
        data = None
        with contextlib.suppress(OSError):
            data = _read_bytes(file_path) if _stat_regular(file_path) is None else None
        entry, damage = _read_entry_file(file_path, id_key)
        if not any(d.kind == "damaged" for d in damage):
            continue
        relative = os.path.join(subdir, name)
        copy = None
        for generation in (relative, relative + ".1"):
            copy, _ = _read_entry_file(_generation_path(folder, generation), id_key)
            if copy is not None:
                break
        if copy is None:
            report["actions"].append(f"{damage[0]}: no kept generation holds it; left as it is (fix it by hand)")
            report["lost"].append(file_path)
            continue
        aside = f"{file_path}.damaged-{stamp}"
        report["actions"].append(f"{damage[0]}: {'would be restored' if dry_run else 'restored'} from its last kept generation; "
                                 f"the damaged file {'would be' if dry_run else 'is'} kept as {aside}")
        if not dry_run:
            with _locked(folder):
                if not _unchanged_since(file_path, data):
                    report["actions"][-1] = _changed_while_repairing(file_path)
                    continue
                os.replace(file_path, aside)
                report["kept_aside"].append(aside)
                data = (json.dumps(copy, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
                report["written"].append(_commit(folder, relative, data, None, False))
