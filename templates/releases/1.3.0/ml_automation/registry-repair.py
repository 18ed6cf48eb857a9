# =============================================================================
# REGISTRY CHECKS AND REPAIR
# =============================================================================

# What a person (or the plugin's registry guard) runs on a registry, not what a project's code calls:
# `check_registry_text` judges a hand-made write before it lands (the guard hook), `repair_registry`
# rebuilds damaged files (`ml-automation registry repair`). They read and write through the
# library's own readers, lock and generations.

import contextlib
import json
import math
import os
import re
import tempfile
import warnings
from collections.abc import Iterator, Sequence
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
# journal, the lock, the MLflow queue: every name starting with a dot), which only ml_utils writes.
REGISTRY_INTERNAL = "internal"
# How a recorded entry of each registry file is changed: through the runtime, never by hand.
_CHANGE_WITH = {
    MODEL_REGISTRY_FILE: "save_model_entry({'model_id': ID, ...}) updates a model, promote_model(ID) makes it the champion, "
                         "save_model_entry({'model_id': ID, 'status': 'archived'}) archives it",
    FEATURE_STORE_FILE: "save_feature_entries([{'feature_id': ID, ...}]) updates a feature",
    EXPERIMENTS_DIR: "save_experiment({'experiment_id': ID, ...}) updates an experiment",
    DATA_VERSIONS_DIR: "save_data_version({'fingerprint': FINGERPRINT, ...}) updates a data version",
}
_JOURNAL_KIND_OF = {MODEL_REGISTRY_FILE: "models", FEATURE_STORE_FILE: "features", EXPERIMENTS_DIR: "experiments", DATA_VERSIONS_DIR: "data_versions"}


@contextlib.contextmanager
def _run_from(folder: str) -> Iterator[None]:
    """Run the block with `folder` as the current folder (the runtime finds its registry from there)."""
    here = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def _registry_place(path: str, search_dirs: Dirs = None) -> Optional[tuple[str, str, str]]:
    """(kind, registry folder, file name) of `path` when it is a registry file (see
    registry_file_kind), else None."""
    candidates = [os.path.abspath(path), os.path.realpath(path)]
    folders = [os.path.abspath(folder) for folder in _read_dirs(search_dirs)]
    if _as_dir_list(search_dirs) is None:
        # Code run from a folder above the file (a notebook's sub-folder) finds its registry from there.
        for start in dict.fromkeys(os.path.dirname(candidate) for candidate in candidates):
            while True:
                with contextlib.suppress(OSError), _run_from(start):
                    folders += [os.path.abspath(folder) for folder in _read_dirs()]
                if os.path.dirname(start) == start:
                    break
                start = os.path.dirname(start)
    for folder in dict.fromkeys(folders):
        for candidate, base in ((candidates[0], folder), (candidates[1], os.path.realpath(folder))):
            relative = os.path.relpath(candidate, base)
            parts = relative.split(os.sep)
            if parts[0] == os.pardir or relative == os.curdir:
                continue
            if any(part.startswith(".") for part in parts):
                return REGISTRY_INTERNAL, folder, parts[-1]
            if len(parts) == 1 and parts[0] in (MODEL_REGISTRY_FILE, FEATURE_STORE_FILE):
                return parts[0], folder, parts[0]
            if len(parts) == 2 and parts[0] in (EXPERIMENTS_DIR, DATA_VERSIONS_DIR) and parts[1].endswith(".json"):
                return parts[0], folder, parts[1]
    return None


def registry_file_kind(path: str, search_dirs: Dirs = None) -> Optional[str]:
    """The kind of registry file `path` is (MODEL_REGISTRY_FILE, FEATURE_STORE_FILE, EXPERIMENTS_DIR,
    DATA_VERSIONS_DIR, or REGISTRY_INTERNAL for the runtime's own dot-files), or None when it is not
    one: in the registry folders the runtime uses from the current folder, or from any folder above
    `path` (code run from a sub-folder). A link is one by its own path or by the file it leads to."""
    place = _registry_place(path, search_dirs)
    return place[0] if place else None


def _canonical(value: Any) -> str:
    """A JSON value as text that is equal only for equal values of equal types (keys in any order)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _not_finite(value: Any, where: str) -> Optional[str]:
    """The first place in a parsed JSON value holding NaN or an infinity (`1e999` parses as one)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where} is {value}"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _not_finite(item, f"{where}.{key}")
        if found:
            return found
    return None


def check_registry_text(path: str, text: str, search_dirs: Dirs = None) -> Optional[list[str]]:
    """Check `text` as the new content of `path` before it is written by hand: None when `path` is
    not a registry file (see registry_file_kind); else every problem the runtime would have with it,
    [] when none. Refused: a file the runtime would not read or write (text that is not UTF-8, an
    entry it could not show, a field of the wrong type, NaN or an infinity, a file named unlike its
    entry), and a write that drops or changes an entry the file (or the journal) records: those
    change only through the runtime. Entries the write leaves as they are, and values already kept
    unshown, are not judged again. The plugin's registry guard calls this before a model's Write or
    Edit of a registry file lands."""
    place = _registry_place(path, search_dirs)
    if place is None:
        return None
    kind, folder, name = place
    if kind == REGISTRY_INTERNAL:
        return [f"{path}: a file the runtime keeps for itself (kept generations, the journal, the lock, the MLflow queue); only ml_utils writes it"]
    surrogate = re.search("[\ud800-\udfff]", text)
    if surrogate:
        at = surrogate.start()
        return [f"{path}:{text.count(chr(10), 0, at) + 1}:{at - text.rfind(chr(10), 0, at)}: holds {surrogate.group()!r}, a lone surrogate "
                "(half of a character), which is not text: the file could not be saved as UTF-8"]
    id_key, schema = _FILE_KINDS[kind]
    with tempfile.TemporaryDirectory(prefix="ml-utils-check-") as scratch:
        copy = os.path.join(scratch, name)
        with open(copy, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        if kind in (MODEL_REGISTRY_FILE, FEATURE_STORE_FILE):
            read = _read_list_file(copy, "models" if kind == MODEL_REGISTRY_FILE else "features", id_key)
            damage, items = (read.damage, read.items + read.kept) if read else ([], [])
            entries = read.entries() if read else []
        else:
            entry, damage = _read_entry_file(copy, id_key)
            entries, items = ([entry] if entry is not None else []), []
    disk, raws = _entries_on_disk(path, kind, id_key)
    at_line = {item.line: item.raw.strip() for item in items if item.raw}
    problems = [f"{path}:{d.line}: {d.problem}" if d.line else f"{path}: {d.problem}" for d in damage
                if not (d.kind == "kept" and at_line.get(d.line or 0) in raws)]  # a value kept unshown before is no news
    recorded = _journaled(folder, kind, name)
    recorded.update(disk)
    changed = []
    for entry in entries:
        key = entry[id_key]
        if key in recorded:
            if _canonical(recorded[key]) == _canonical(entry):
                continue  # the write leaves this entry as it is: only what it adds or changes is checked
            changed.append(key)
        what = f"{id_key} {key!r}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RegistryWarning)
                _validate(what, {k: v for k, v in entry.items() if k != id_key}, schema, False)
            wrong = _not_finite(entry, "")
            if wrong:
                raise RegistryError(f"{what}: {wrong[1:]} (NaN or an infinity such as 1e999), which JSON has no number for: write null")
        except RegistryError as error:
            problems.append(f"{path}: {error}")
    kept = {entry[id_key] for entry in entries}
    dropped = [key for key in disk if key not in kept]
    for verb, keys in (("drops", dropped), ("changes", changed)):
        if keys:
            problems.append(f"{path}: this write {verb} {id_key} {_id_list([repr(k) for k in keys], 10)}, recorded by the runtime: a recorded entry "
                            f"is never removed or edited by hand; {_CHANGE_WITH[kind]}")
    if kind in (EXPERIMENTS_DIR, DATA_VERSIONS_DIR) and len(entries) == 1:
        key = entries[0][id_key]
        expected = f"{_fingerprint_key(key) if kind == DATA_VERSIONS_DIR else key}.json"
        if name != expected:
            problems.append(f"{path}: the file of {id_key} {key!r} must be named {expected}")
    return problems


def _file_name(kind: str, key: str) -> str:
    """The file name an experiment or a data version is kept under."""
    with contextlib.suppress(RegistryError):
        return f"{_fingerprint_key(key) if kind == DATA_VERSIONS_DIR else key}.json"
    return ""


def _journaled(folder: str, kind: str, name: str) -> dict[str, Entry]:
    """The entries of the registry file `name` of `kind` that the folder's journal records, by id."""
    logged = {key: entry for (_, key), (_, entry) in _journal_entries(folder, _JOURNAL_KIND_OF[kind]).items()}
    if kind in (MODEL_REGISTRY_FILE, FEATURE_STORE_FILE):
        return logged
    return {key: entry for key, entry in logged.items() if _file_name(kind, key) == name}


def _entries_on_disk(path: str, kind: str, id_key: str) -> tuple[dict[str, Entry], set[str]]:
    """The entries the registry file `path` holds now, by id, and the text of each value it keeps
    ({} and nothing when it cannot be read): a write is judged against them."""
    try:
        if kind not in (MODEL_REGISTRY_FILE, FEATURE_STORE_FILE):
            entry, _ = _read_entry_file(path, id_key)
            return ({entry[id_key]: entry} if entry is not None else {}), set()
        read = _read_list_file(path, "models" if kind == MODEL_REGISTRY_FILE else "features", id_key)
    except (OSError, ValueError):
        return {}, set()
    if read is None:
        return {}, set()
    return {entry[id_key]: entry for entry in read.entries()}, {item.raw.strip() for item in read.items + read.kept if item.raw}


def _recover_list(path: str, folder: str, filename: str, list_key: str, id_key: str, read: Optional[_ListRead], logged: dict[str, Entry]) -> dict[str, Any]:
    """What repairing one list file does: the entries of the file that can be read, merged with the
    kept generations and the journal (`logged`; the newest copy of each id), the values kept byte for
    byte, and the damaged places whose entry is nowhere else."""
    sources: dict[str, list[_Item]] = {"the damaged file": read.items if read else []}
    for label, relative in (("the last generation", filename), ("the generation before", filename + ".1")):
        kept = _read_list_file(_generation_path(folder, relative), list_key, id_key)
        sources[label] = kept.items if kept is not None else []
    sources["the journal"] = [_Item(entry, "", 0, key) for key, entry in logged.items()]
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
    for problem in read.damaged if read else []:
        sniffed = re.search(re.escape(id_key) + r" '([^']+)' by its text", problem.problem)
        if sniffed and sniffed.group(1) not in chosen:
            lost.append(f"line {problem.line}: {id_key} {sniffed.group(1)!r}")
    return {"entries": entries, "origin": origin, "kept": [item.raw for item in read.kept] if read else [], "lost": lost}


def _aside(path: str, stamp: str) -> str:
    """A free name to keep `path` as before a repair replaces it (never one that is taken)."""
    aside, number = f"{path}.damaged-{stamp}", 1
    while os.path.lexists(aside):
        aside, number = f"{path}.damaged-{stamp}-{number}", number + 1
    return aside


def _brought_back(kind: str, keys: Sequence[str], logged: dict[str, tuple[str, Entry]]) -> str:
    """One sentence naming each entry a repair brings back (with when it was recorded, if journaled)."""
    named = [f"{key} (recorded {logged[key][0][:19]})" if key in logged else key for key in keys]
    return f"Brought back {len(keys)} {kind}: {_id_list(named, 20)}." if keys else ""


def repair_registry(search_dirs: Dirs = None, dry_run: bool = False) -> dict[str, Any]:
    """Rebuild every registry file of the read folders that is damaged, missing, or lacks an entry
    its folder's journal records, from what can still be read: the intact entries of the file (both
    sides of a git conflict), the two generations kept in .generations/, the journal (the newest copy
    of each id wins), and, for models no copy holds, the experiment files that name them
    (registered_model_id). Values that are not usable entries are kept byte for byte; the file as it
    was is kept aside as <file>.damaged-<time> (a file reached through a link is repaired where it
    is, the link kept). With dry_run=True nothing is changed. Returns {'actions': [one sentence per
    file], 'written': [...], 'kept_aside': [...], 'restored': ['<kind> <id>' brought back],
    'lost': [damaged places whose entry no copy holds]}."""
    report: dict[str, Any] = {"actions": [], "written": [], "kept_aside": [], "restored": [], "lost": []}
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
        journal = _journal_entries(folder)
        experiments, _ = _read_entry_files(EXPERIMENTS_DIR, "experiment_id", [folder])
        for kind, (filename, id_key) in _LIST_FILES.items():
            path = os.path.join(folder, filename)
            read = _read_list_file(path, kind, id_key)
            logged = {key: found for (k, key), found in journal.items() if k == kind}
            readable = {item.key for item in read.items} if read else set()
            if (read is None or not read.damaged) and all(key in readable for key in logged):
                continue
            plan = _recover_list(path, folder, filename, kind, id_key, read, {key: entry for key, (_, entry) in logged.items()})
            if kind == "models":
                known = {entry["model_id"] for entry in plan["entries"]}
                for experiment in experiments:
                    model_id = experiment.get("registered_model_id")
                    if isinstance(model_id, str) and _ID_PATTERN.match(model_id) and model_id not in known:
                        known.add(model_id)
                        stub = _model_from_experiment(model_id, experiment)
                        plan["entries"].append(stub)
                        plan["origin"].setdefault("experiment files", []).append(model_id)
            target = os.path.realpath(path) if os.path.islink(path) else path
            aside = _aside(target, stamp)
            back = [entry[id_key] for entry in plan["entries"] if entry[id_key] not in readable]
            origin = "; ".join(f"{len(ids)} from {label} ({_id_list(ids, 5)})" for label, ids in plan["origin"].items() if ids)
            if read is not None and read.damaged:
                what = f"{len(read.damaged)} damaged place(s), first {read.damaged[0]}"
            else:
                what = "missing" if read is None else f"lacks {len(back)} recorded {kind}"
            action = (f"{path}: {what}. {'Would rebuild' if dry_run else 'Rebuilt'} it with {len(plan['entries'])} {kind}: {origin or 'none'}"
                      + (f"; {len(plan['kept'])} value(s) kept as they were" if plan["kept"] else "")
                      + (f"; the file as it was {'would be' if dry_run else 'is'} kept as {aside}." if read is not None else ".")
                      + (" " + _brought_back(kind, back, logged) if back else ""))
            if plan["lost"]:
                action += f" Not in any copy (re-register them): {'; '.join(plan['lost'])}."
                report["lost"] += [f"{path} {lost}" for lost in plan["lost"]]
            report["actions"].append(action)
            if dry_run:
                continue
            with _locked(folder):
                if not (_unchanged_since(path, read.data) if read is not None else _stat_regular(path) == "missing"):
                    report["actions"][-1] = _changed_while_repairing(path)
                    continue
                lines = ["    " + _ENCODER.encode(_id_entry(entry, id_key)) for entry in plan["entries"]]
                lines += ["    " + raw for raw in plan["kept"]]
                body = "\n" + ",\n".join(lines) + "\n  " if lines else ""
                text = "{\n" + f'  "version": {json.dumps(MLOPS_SCHEMA_VERSION)},\n  "{kind}": [{body}]\n' + "}\n"
                if read is not None:
                    aside = _aside(target, stamp)
                    os.rename(target, aside)  # the file itself, also when reached through a link (kept)
                    report["kept_aside"].append(aside)
                report["written"].append(_commit(folder, filename, text.encode("utf-8"), None, False))
                report["restored"] += [f"{kind} {key}" for key in back]
        for subdir, id_key, journal_kind in ((EXPERIMENTS_DIR, "experiment_id", "experiments"), (DATA_VERSIONS_DIR, "fingerprint", "data_versions")):
            logged = {key: found for (k, key), found in journal.items() if k == journal_kind}
            _repair_entry_files(folder, subdir, id_key, stamp, dry_run, report, logged)
    if not report["actions"]:
        report["actions"].append("nothing to repair: every registry file reads whole, with every entry its journal records")
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


def _repair_entry_files(folder: str, subdir: str, id_key: str, stamp: str, dry_run: bool, report: dict[str, Any],
                        logged: dict[str, tuple[str, Entry]]) -> None:
    """Restore damaged experiment or data-version files of `folder` from their kept generations and
    the journal (`logged`: the newest copy wins), and bring back those the journal records that no
    file holds any more."""
    path = os.path.join(folder, subdir)
    names: list[str] = []
    with contextlib.suppress(OSError):
        names = os.listdir(path)
    readable = {entry[id_key] for entry in _read_entry_files(subdir, id_key, [folder])[0]}
    missing = {_file_name(subdir, key): key for key in logged if key not in readable}
    for name in sorted(set(names) | set(missing)):
        if not name.endswith(".json") or name.startswith("."):
            continue
        file_path = os.path.join(path, name)
        data = None
        with contextlib.suppress(OSError):
            data = _read_bytes(file_path) if _stat_regular(file_path) is None else None
        entry, damage = _read_entry_file(file_path, id_key)
        gone = entry is None and not damage
        if not any(d.kind == "damaged" for d in damage) and not (gone and name in missing):
            continue
        relative = os.path.join(subdir, name)
        copies = [("its last kept generation", _read_entry_file(_generation_path(folder, generation), id_key)[0]) for generation in (relative, relative + ".1")]
        copies += [(f"the journal (recorded {found[0][:19]})", found[1]) for key, found in logged.items() if _file_name(subdir, key) == name]
        found = [(label, c) for label, c in copies if isinstance(c, dict)]
        problem = f"{file_path}: missing" if gone else str(damage[0])
        if not found:
            report["actions"].append(f"{problem}: no kept generation holds it; left as it is (fix it by hand)")
            report["lost"].append(file_path)
            continue
        label, copy = max(found, key=lambda pair: _stamp(pair[1]))  # the first on a tie
        target = os.path.realpath(file_path) if os.path.islink(file_path) else file_path
        aside = _aside(target, stamp)
        key = copy.get(id_key)
        report["actions"].append(f"{problem}: {'would be restored' if dry_run else 'restored'} from {label}"
                                 + ("" if gone else f"; the damaged file {'would be' if dry_run else 'is'} kept as {aside}"))
        if not dry_run:
            with _locked(folder):
                if not (_unchanged_since(file_path, data) if not gone else _stat_regular(file_path) == "missing"):
                    report["actions"][-1] = _changed_while_repairing(file_path)
                    continue
                if not gone:
                    aside = _aside(target, stamp)
                    os.rename(target, aside)
                    report["kept_aside"].append(aside)
                data = (json.dumps(copy, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
                report["written"].append(_commit(folder, relative, data, None, False))
                report["restored"].append(f"{subdir.replace('-', '_')} {key}")
