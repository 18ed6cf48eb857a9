# =============================================================================
# MLFLOW SYNC AND TEAM VIEW
# =============================================================================

# What a person runs against the team's MLflow server, not what a save does (the per-write mirror
# is the library's section 10): `registry sync` pushes every local entry the server lacks, and
# `registry --from mlflow` reads the server's entries back as a registry snapshot.

import contextlib
import os
from datetime import datetime, timezone
from typing import Any


def _queued(folder: str) -> list[dict[str, Any]]:
    """The queued mirror calls of a registry folder (unreadable lines are skipped)."""
    try:
        with open(_queue_path(folder), encoding="utf-8") as handle:
            return [item for item in (_json_object(line) for line in handle) if item is not None]
    except OSError:
        return []


def mlflow_queue_lines(folder: str) -> tuple[int, list[str]]:
    """How many mirror calls wait in `folder`'s queue, and a line for the summary view (none when 0)."""
    waiting = len(_queued(folder))
    if not waiting:
        return 0, []
    return waiting, [f"- MLflow: {count_text(waiting, 'write')} not yet on the team's server (queued in {_queue_path(folder)}): "
                     + (f"to push them, {change_form('registry sync')}" if in_editor() else f"{change_form('registry sync')} pushes them")]


def _dequeue(folder: str, count: int) -> None:
    """Drop the first `count` queued calls of `folder` (those a sync has just pushed)."""
    path = _queue_path(folder)
    if count <= 0 or not os.path.exists(path):
        return
    with _locked(folder):
        with open(path, encoding="utf-8") as handle:
            lines = handle.readlines()
        rest = lines[count:]
        if rest:
            _write_atomic(path, "".join(rest).encode("utf-8"), sync=False)
        else:
            os.unlink(path)


def _size_text(size: int) -> str:
    """A file size for people: 812 bytes, 14.2 KB, 3.1 MB, 1.2 GB."""
    for unit, step in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size >= step:
            return f"{size / step:.1f} {unit}"
    return f"{size} bytes"


# --- Reading the server back -------------------------------------------------------------------


def _list_all(mirror: _Mirror) -> None:
    """Read every run and version of the project once (sync, the team's view)."""
    mirror.runs, mirror.versions = {}, {}
    mirror._keep_oldest_run(mirror._search_runs(""))
    mirror._keep_oldest_version(mirror._search_versions(f"name = '{mirror.project}'"))
    champion = mirror.champion_version() if mirror.versions else None
    mirror.champion_number = champion.version if champion is not None else None
    mirror.listed = True


def _run_entry(run: Any, id_key: str, key_id: str) -> Entry:
    entry = _json_object(run.data.tags.get(_ENTRY_TAG)) or {}
    entry[id_key] = key_id
    entry.setdefault("created_at", datetime.fromtimestamp(run.info.start_time / 1000, timezone.utc).isoformat(timespec="microseconds"))
    entry["mlflow_run_id"] = run.info.run_id
    return entry


def _team_snapshot(mirror: _Mirror) -> _Snapshot:
    """What the server holds for this project, as registry entries (see mlflow_snapshot)."""
    _list_all(mirror)
    runs_by_id = {run.info.run_id: run for run in mirror.runs.values()}
    experiments: list[Entry] = []
    versions: dict[str, Entry] = {}
    features: dict[str, Entry] = {}
    for key, run in mirror.runs.items():
        kind, _, key_id = key.partition(":")
        if kind == "experiment":
            entry = _run_entry(run, "experiment_id", key_id)
            if run.data.tags.get("ml_automation.placeholder"):
                entry.setdefault("name", key_id)
                entry.setdefault("task_type", run.data.tags.get("task_type"))
                entry.setdefault("notes", run.data.tags["ml_automation.placeholder"])
            experiments.append(entry)
        elif kind == "data_version":
            versions[key_id] = _run_entry(run, "fingerprint", key_id)
        for tag, value in run.data.tags.items():
            if tag.startswith(_FEATURE_TAG):
                feature = _json_object(value)
                if feature is not None:
                    given = feature.get("feature_id")  # the tag's name is the id made safe for MLflow (see _feature_tag)
                    feature["feature_id"] = given if isinstance(given, str) and given else tag[len(_FEATURE_TAG):]
                    old = features.get(feature["feature_id"])
                    if old is None or _stamp(feature) > _stamp(old):
                        features[feature["feature_id"]] = feature
    for run in mirror.runs.values():
        if run.data.tags.get(_KEY_TAG, "").startswith("experiment:"):
            experiment_id = run.data.tags[_KEY_TAG].split(":", 1)[1]
            for fingerprint in mirror._input_fingerprints(run):
                version = versions.setdefault(fingerprint, {"fingerprint": fingerprint, "source_path": "", "created_at": "",
                                                            "notes": "known from the runs that use it"})
                links = version.setdefault("used_in_experiments", [])
                if isinstance(links, list) and experiment_id not in links:
                    links.append(experiment_id)
    models = [mirror.entry_from_version(v, runs_by_id, mirror.champion_number) for v in sorted(mirror.versions.values(), key=lambda v: int(v.version))]
    for feature in features.values():
        feature["used_in_models"] = [m["model_id"] for m in models if feature["feature_id"] in _as_list(m.get("feature_set"))]
    label = f"MLflow {mirror.uri} (experiment and registered model {mirror.project!r})"
    return _Snapshot.of(label, models, list(features.values()), sorted(experiments, key=lambda e: str(e.get("created_at", ""))),
                        sorted(versions.values(), key=lambda v: str(v.get("created_at", ""))))


# --- Sync and the team's view ----------------------------------------------------------------


def mlflow_sync(dry_run: bool = False) -> dict[str, Any]:
    """Push every entry of the local registry that the MLflow server lacks, and update what is older
    there (`python3 ml_utils.py registry sync`). Idempotent: a second sync changes nothing. Holds the
    server's lock throughout, so processes and machines syncing at once create each entry once. The
    champion alias moves only to a local champion promoted after the server's. Clears the queue of
    failed mirror calls. Returns a report dict; raises MirrorError when MLflow cannot be reached."""
    uri = mlflow_mirror_uri()
    snapshot = _Snapshot()
    mirror = _mirror(uri, snapshot.folder)
    local = _LocalEntries(snapshot=snapshot)
    report = _Report()
    folders = [d for d in _read_dirs() if os.path.isdir(d)]
    queued = {folder: len(_queued(folder)) for folder in folders}
    try:
        with _mlflow_calls():
            mirror.check_project(snapshot.folder, not dry_run)
        with _mlflow_calls(), mirror.lock() if not dry_run else contextlib.nullcontext():
            if not dry_run:
                mirror.experiment_id()
            _list_all(mirror)
            refused = mirror.errors.RestException  # the server answered, refusing this entry: name it, push the others
            for version in snapshot.versions:
                try:
                    mirror.push_data_version(version, report, dry_run)
                except refused as error:
                    report.failed.append(f"data version {version['fingerprint']}: {_clip_text(str(error), 200)}")
            for experiment in snapshot.experiments:
                try:
                    mirror.push_experiment(experiment, local, report, dry_run)
                except refused as error:
                    report.failed.append(f"experiment {experiment['experiment_id']}: {_clip_text(str(error), 200)}")
            for model in snapshot.models:
                try:
                    mirror.push_model(model, local, report, dry_run)
                except refused as error:
                    report.failed.append(f"model {model['model_id']}: {_clip_text(str(error), 200)}")
            if snapshot.champion is not None:
                mirror.push_champion(snapshot.champion, False, report, dry_run)
    except Exception as error:  # noqa: BLE001 - named in MirrorError
        raise _wrap(error, str(uri)) from error
    finally:
        mirror.listed = False
    if not dry_run and not report.failed:
        for folder, count in queued.items():
            _dequeue(folder, count)
            _remember_server(folder, str(uri), None)
    used = {f for m in snapshot.models for f in _as_list(m.get("feature_set"))}
    used |= {f for e in snapshot.experiments for f in _as_list(_as_dict(e.get("dataset")).get("features_used"))}
    return {
        "tracking_uri": uri, "project": mirror.project, "dry_run": dry_run,
        "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
        "newer_on_server": report.newer_on_server, "champion": report.champion, "artifacts_uploaded": report.artifacts, "artifacts_not_uploaded": report.not_uploaded,
        "queued_cleared": 0 if dry_run or report.failed else sum(queued.values()), "failed": report.failed,
        "features_on_no_run": sorted(f["feature_id"] for f in snapshot.features if f["feature_id"] not in used),
        "damaged": [str(d) for d in snapshot.damage if d.kind != "skipped"],
    }


def mlflow_snapshot() -> _Snapshot:
    """What the team's MLflow server holds for this project, as registry entries (`registry --from
    mlflow`): models from the registered model's versions (champion: the @champion alias), experiments
    and data versions from runs, features from the tags of the runs that use them. Lineage follows
    MLflow's links: a version's source run and that run's dataset inputs."""
    uri = mlflow_mirror_uri()
    folder = mlops_dir()
    mirror = _mirror(uri, folder)
    try:
        with _mlflow_calls():
            mirror.check_project(folder, False)
            return _team_snapshot(mirror)
    except Exception as error:  # noqa: BLE001 - named in MirrorError
        raise _wrap(error, str(uri)) from error
    finally:
        mirror.listed = False


def mlflow_sync_lines(report: dict[str, Any]) -> list[str]:
    """The text of `registry sync` for people (bounded: ids are listed up to 8 per kind)."""
    verb = "would create" if report["dry_run"] else "created"
    names = {"data_version_runs": "data-version runs", "experiment_runs": "experiment runs", "model_runs": "model runs", "model_versions": "model versions"}
    lines = [f"MLflow sync{' (dry run, nothing changed)' if report['dry_run'] else ''}: {report['tracking_uri']}, "
             f"experiment and registered model {report['project']!r}"]
    if report["damaged"]:
        lines[:0] = [f"DAMAGED: {_clip_text(d, 400)}" for d in report["damaged"][:8]] + [
            f"Entries in damaged places were not pushed (the intact ones were). To see how to rebuild: {run_form('registry repair --dry-run')}", ""]
    for title, group in ((verb, report["created"]), ("would update" if report["dry_run"] else "updated", report["updated"])):
        parts = [f"{len(ids)} {names[kind]} ({_id_list(ids, 8)})" for kind, ids in group.items() if ids]
        lines.append(f"- {title}: {'; '.join(parts) if parts else 'nothing'}")
    lines.append(f"- already up to date: {report['unchanged']} entries")
    if report["newer_on_server"]:
        lines.append(f"- newer on the server, left as they are: {_id_list(report['newer_on_server'], 8)}")
    if report["champion"]:
        lines.append(f"- {report['champion']}")
    if report["artifacts_uploaded"]:
        uploaded = [f"{a['path']} ({_size_text(a['bytes'])}" + (f", {a['files']} files)" if a["files"] > 1 else ")") for a in report["artifacts_uploaded"]]
        lines.append(f"- model files uploaded: {_id_list(uploaded, 5)}")
    if report["artifacts_not_uploaded"]:
        lines.append(f"- model files not uploaded: {'; '.join(report['artifacts_not_uploaded'][:5])}")
    if report["failed"]:
        lines.append(f"- NOT PUSHED, refused by MLflow ({len(report['failed'])}; fix the entry, then sync again; the queue is kept): "
                     + "; ".join(report["failed"][:5]) + (f"; and {len(report['failed']) - 5} more" if len(report["failed"]) > 5 else ""))
    if report["queued_cleared"]:
        lines.append(f"- {report['queued_cleared']} queued write(s) are now on the server (queue cleared)")
    if report["features_on_no_run"]:
        lines.append(f"- {len(report['features_on_no_run'])} feature(s) no model or experiment uses yet stay local "
                     f"(they reach MLflow with the run that uses them): {_id_list(report['features_on_no_run'], 8)}")
    return lines
