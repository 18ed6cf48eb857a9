# =============================================================================
# MLFLOW MIRROR CLIENT
# =============================================================================

# The client side of section 10 of ml_utils.py: what a mirrored write does on the MLflow server. This
# code runs inside ml_utils (loaded by _load_mirror) and uses its names. What maps to what:
# - the project (ML_AUTOMATION_MLFLOW_PROJECT, stored in the registry folder at the first mirrored
#   write) is an MLflow experiment and a registered model, both of that name;
# - a data version is a run "data <fingerprint>" whose input is an MLflow dataset (digest: the first
#   36 characters of the fingerprint's hash, MLflow's limit; the whole fingerprint is an input tag);
# - an experiment is a run named by its id: params, metrics per split (test_rmse, ...), tags
#   task_type, agent and data_fingerprint, the dataset as its input;
# - a model entry is a version of the registered model linked to its training run (tags task_type,
#   algorithm, feature_set, rationale, status: archived is a tag); its model file, when artifact_path
#   names one, is uploaded to that run;
# - promote_model moves the `champion` alias; compare_with_champion reads the server's champion;
# - features are tags (ml_automation.feature.<id>) of the runs that use them.
# Every run carries its local key in the tag ml_automation.key and every version its model_id, so
# `registry sync` creates what the server lacks and updates what is older there; a second sync
# changes nothing. Creations hold a lock on the server (a registered model named
# <project>.ml-automation-lock, leased for 60 s and renewed), so processes and machines syncing at
# once create each entry once.

import contextlib
import hashlib
import importlib
import json
import logging
import os
import posixpath
import random
import re
import secrets
import socket
import time
import types
import urllib.parse
import warnings
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from typing import Any, Optional

MLFLOW_PROJECT_ENV = "ML_AUTOMATION_MLFLOW_PROJECT"
MLFLOW_LOCK_WAIT_ENV = "ML_AUTOMATION_MLFLOW_LOCK_WAIT"
MLFLOW_CLIENT_PACKAGE = "mlflow-skinny"
MLFLOW_TESTED_VERSION = "3.17.2"
MLFLOW_LOCK_SUFFIX = ".ml-automation-lock"
MLFLOW_LOCK_LEASE_S = 60.0
DEFAULT_MLFLOW_LOCK_WAIT_S = 120.0
# After a failed call, this process queues writes without calling the server for this long.
MLFLOW_RETRY_AFTER_S = 30.0
_KEY_TAG = "ml_automation.key"
_ENTRY_TAG = "ml_automation.entry"
_UPDATED_TAG = "ml_automation.updated_at"
_FEATURE_TAG = "ml_automation.feature."
# What MLflow takes in a tag's name on every platform (letters, digits, '_', '.', '-', ' ').
_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9_.\- ]")
_MODEL_ID_TAG = "ml_automation.model_id"
_PROMOTED_TAG = "ml_automation.promoted_at"
_FINGERPRINT_INPUT_TAG = "ml_automation.fingerprint"
_RUN_TAG_LIMIT = 8000
_VERSION_TAG_LIMIT = 100_000
_PARAM_LIMIT = 6000
_KEY_LIMIT = 250
# Defaults for MLflow's HTTP client while the mirror calls it (a user's own settings win): fail in
# seconds, not minutes, when the server is away, and print no run links on stdout.
_HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
    "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true",
}
# What a save's calls wait for, whatever the settings: a dead or hung server costs a save about
# MLFLOW_SAVE_TIMEOUT_S (connect, or read, once, no retry); `registry sync` pushes what it queued.
MLFLOW_SAVE_TIMEOUT_S = 2
_SAVE_HTTP = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": str(MLFLOW_SAVE_TIMEOUT_S)}


@contextlib.contextmanager
def _mlflow_calls(save: bool = False) -> Iterator[None]:
    """Set _HTTP_DEFAULTS for the MLflow calls inside (the user's own values win; for a `save`,
    _SAVE_HTTP wins over them), and keep urllib3's retry messages off stderr; restore all after."""
    wanted = dict({k: v for k, v in _HTTP_DEFAULTS.items() if k not in os.environ}, **(_SAVE_HTTP if save else {}))
    before = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    quiet = logging.getLogger("urllib3.connectionpool")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        yield
    finally:
        quiet.setLevel(level)
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- The server's state, remembered across processes (each agent step is a new one) ------------


def _server_down(folder: str, uri: str) -> Optional[str]:
    """Why a save must not call the server at `uri` yet (it failed less than MLFLOW_RETRY_AFTER_S
    ago, in this process or another: MLFLOW_STATE_FILE), or None."""
    if _DOWN_UNTIL.get(uri, 0.0) > time.monotonic():
        return f"MLflow at {uri} failed a moment ago; not retried for {MLFLOW_RETRY_AFTER_S:g} s"
    state = _json_file(os.path.join(folder, MLFLOW_STATE_FILE))
    with contextlib.suppress(KeyError, ValueError, TypeError):
        if state.get("uri") == uri and float(state["retry_at"]) > time.time():
            return (f"MLflow at {uri} failed at {str(state.get('failed_at'))[:19]}; saves do not call it before "
                    f"{datetime.fromtimestamp(float(state['retry_at']), timezone.utc).isoformat(timespec='seconds')} ({MLFLOW_STATE_FILE}): {_clip_text(state.get('error'), 120)}")
    return None


def _unanswered(uri: str) -> Optional[str]:
    """Why the server at an http(s) `uri` does not answer within MLFLOW_SAVE_TIMEOUT_S (asked before
    MLflow's client is imported, which takes a second or two), or None: it answers, or is not http."""
    parts = urllib.parse.urlsplit(uri)
    try:
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        address = (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except ValueError:  # a port that is not a number: MLflow's client names it
        return None
    try:
        with socket.create_connection(address, timeout=MLFLOW_SAVE_TIMEOUT_S) as connection:
            if parts.scheme == "http":  # anything the server answers will do; an https server is only connected to
                connection.sendall(f"GET /health HTTP/1.0\r\nHost: {parts.netloc}\r\n\r\n".encode("ascii", "replace"))
                if not connection.recv(1):
                    return "it closed the connection without answering"
    except OSError as error:
        return str(error) or type(error).__name__
    return None


def _remember_server(folder: str, uri: str, error: Optional[Exception]) -> None:
    """Remember in the registry folder that the server failed (or, with no error, forget it)."""
    path = os.path.join(folder, MLFLOW_STATE_FILE)
    if os.path.islink(path):
        return  # never written through a link
    with contextlib.suppress(OSError):
        if error is None:
            if os.path.exists(path):
                os.unlink(path)
            _DOWN_UNTIL.pop(uri, None)
            return
        _DOWN_UNTIL[uri] = time.monotonic() + MLFLOW_RETRY_AFTER_S
        state = {"uri": uri, "failed_at": _now(), "retry_at": time.time() + MLFLOW_RETRY_AFTER_S, "error": _clip_text(str(error), 300)}
        _write_atomic(path, (json.dumps(state) + "\n").encode("utf-8"), sync=False)


# --- The project's identity on the server ----------------------------------------------------------

_PROJECT_ID_TAG = "ml_automation.project_id"
_PROJECT_FROM_TAG = "ml_automation.project_from"


class _OtherProject(MirrorError):
    """The server's project of this name is another project's, or the settings disagree: refused."""


def _mlflow_project(folder: Optional[str] = None) -> str:
    """The MLflow experiment and registered model name of the project whose registry folder is
    `folder` (default: mlops_dir()): the name that folder records (MLFLOW_PROJECT_FILE, written at the
    first mirrored write: commit it with the folder), else $ML_AUTOMATION_MLFLOW_PROJECT, else the
    name of the project folder holding it; characters other than letters, digits, '.', '_' and '-' become '-'."""
    folder = os.path.abspath(folder or mlops_dir())
    stored = _json_file(os.path.join(folder, MLFLOW_PROJECT_FILE))
    if isinstance(stored.get("project"), str) and stored["project"]:
        return _project_name(stored["project"])
    top = next((folder[: -len(d) - 1] for d in map(os.path.normpath, PLATFORM_MLOPS_DIRS) if folder.endswith(os.sep + d)), os.getcwd())
    return _project_name(os.environ.get(MLFLOW_PROJECT_ENV, "").strip() or os.path.basename(top))


def _project_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:200] or "ml-automation"


def _stored_project(folder: str) -> dict[str, Any]:
    """What the registry folder records of its MLflow project ({} when nothing, or nothing readable)."""
    stored = _json_file(os.path.join(folder, MLFLOW_PROJECT_FILE))
    return stored if isinstance(stored.get("project"), str) and isinstance(stored.get("id"), str) else {}


def _ms(stamp: Any) -> Optional[int]:
    """A registry time as milliseconds since the epoch (MLflow's unit), or None."""
    moment = _registry_time(stamp)
    return None if moment is None else int(moment.timestamp() * 1000)

def _feature_tag(feature_id: str) -> str:
    """The run tag naming a feature: a feature id (a column's name, e.g. 'petal length (cm)') with
    characters MLflow refuses in a tag's name made '_', and a hash of the id added when any was, so
    two ids never share a tag. The tag's value holds the entry with its own feature_id."""
    safe = _TAG_UNSAFE.sub("_", feature_id)
    if safe != feature_id:
        safe += "--" + hashlib.sha256(feature_id.encode("utf-8")).hexdigest()[:10]
    return _clip_text(_FEATURE_TAG + safe, _KEY_LIMIT)


def _entry_json(entry: Entry, limit: int, keep: Sequence[str] = ()) -> str:
    """`entry` as compact JSON of at most `limit` characters: the largest fields (never those in
    `keep`) are dropped until it fits, and named in "_clipped"."""
    data = dict(entry)
    clipped: list[str] = []
    while True:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if len(text) <= limit:
            return text
        sizes = sorted(((len(json.dumps(v, ensure_ascii=False)), k) for k, v in data.items() if k not in keep and k != "_clipped"), reverse=True)
        if not sizes:
            return json.dumps(dict({k: data[k] for k in keep if k in data}, _clipped=clipped), ensure_ascii=False)[:limit]
        clipped.append(sizes[0][1])
        del data[sizes[0][1]]
        data["_clipped"] = clipped


# Fields the registry derives or stamps: not mirrored as such (MLflow's own links give the back-links),
# so a back-link added locally leaves the server's copy up to date.
_DERIVED_FIELDS = ("used_in_experiments", "used_in_models", "updated_at")


def _mirrored(entry: Entry) -> Entry:
    return {k: v for k, v in entry.items() if k not in _DERIVED_FIELDS}

def _metric_name(name: str) -> str:
    """`name` as a metric or param key MLflow accepts: letters, digits, '_', '-', '.', ' ', ':' and '/'
    (not as a path that normalises to something else), at most 250 characters."""
    clean = re.sub(r"[^\w./\- :]", "_", name)[:_KEY_LIMIT]
    if "/" in clean and (posixpath.normpath(clean) != clean or clean.startswith("/")):
        clean = clean.replace("/", "_")
    return "_" + clean if clean in ("", ".", "..") else clean


def _flat_metrics(metrics: Any, prefix: str = "") -> dict[str, float]:
    """Metrics as MLflow names them: {'test': {'rmse': 1.2}} -> {'test_rmse': 1.2}; null and
    non-numbers are left out."""
    flat: dict[str, float] = {}
    for name, value in _as_dict(metrics).items():
        key = f"{prefix}_{name}" if prefix else str(name)
        if isinstance(value, dict):
            flat.update(_flat_metrics(value, key))
        else:
            number = _finite(value)
            if number is not None:
                flat[_metric_name(key)] = float(number)
    return flat


def _flat_params(values: Any, prefix: str = "") -> dict[str, str]:
    """Hyperparameters as MLflow params: nested keys joined with '.', values as text (6,000 characters at most)."""
    flat: dict[str, str] = {}
    for name, value in _as_dict(values).items():
        key = f"{prefix}.{name}" if prefix else str(name)
        if isinstance(value, dict) and value:
            flat.update(_flat_params(value, key))
        elif value is not None:
            flat[_metric_name(key)] = _clip_text(value if isinstance(value, str) else json.dumps(value), _PARAM_LIMIT)
    return flat


def _rationale_text(rationale: Any) -> str:
    if isinstance(rationale, dict):
        for key in ("theory_recommendation", "approach_reason", "eda_insights", "decision_source"):
            if isinstance(rationale.get(key), str) and rationale[key]:
                return _clip_text(rationale[key], 500)
        return _clip_text(rationale, 500) if rationale else ""
    return _clip_text(rationale, 500) if rationale else ""


_COLSPEC_TYPES = (("bool", "boolean"), ("int", "long"), ("float", "double"), ("datetime", "datetime"), ("date", "datetime"))


def _reproduction_tags(entry: Entry) -> dict[str, str]:
    """A run's reproduction facts as MLflow tags: the git commit under MLflow's own name
    (mlflow.source.git.commit), the rest under ml_automation.reproduce.*."""
    facts = _as_dict(entry.get("reproduction"))
    tags = {"mlflow.source.git.commit": str(facts["git_commit"])} if facts.get("git_commit") else {}
    for key in ("git_dirty", "python", "estimator"):
        if key in facts:
            tags[f"ml_automation.reproduce.{key}"] = str(facts[key])
    for group in ("packages", "seeds"):
        for name, value in list(_as_dict(facts.get(group)).items())[:20]:
            tags[_clip_text(f"ml_automation.reproduce.{group}.{name}", _KEY_LIMIT)] = _clip_text(str(value), 500)
    return tags


def _colspec(column_schema: Any) -> Optional[str]:
    """A data version's column_schema ({column: dtype}) as MLflow's dataset schema JSON, or None."""
    columns = []
    for name, dtype in _as_dict(column_schema).items():
        text = str(dtype.get("dtype", "") if isinstance(dtype, dict) else dtype).lower()
        kind = next((mlflow_type for prefix, mlflow_type in _COLSPEC_TYPES if text.startswith(prefix) or prefix in text), "string")
        columns.append({"type": kind, "name": str(name), "required": True})
    return json.dumps({"mlflow_colspec": columns}) if columns else None


class _LocalEntries:
    """The local registry entries a mirror call needs, read on demand from `folders` (or taken from a
    snapshot already read: the command module's _Snapshot, for a sync)."""

    def __init__(self, folders: Optional[list[str]] = None, snapshot: Optional[Any] = None) -> None:
        self.folders = folders
        self._models: Optional[dict[str, Entry]] = None
        self._features: Optional[dict[str, Entry]] = None
        self._experiments: dict[str, Optional[Entry]] = {}
        self._versions: dict[str, Optional[Entry]] = {}
        if snapshot is not None:
            self._models = {m["model_id"]: m for m in snapshot.models}
            self._features = {f["feature_id"]: f for f in snapshot.features}
            self._experiments = {e["experiment_id"]: e for e in snapshot.experiments}
            self._versions = {v["fingerprint"]: v for v in snapshot.versions}
            self.complete = True
        else:
            self.complete = False

    def model(self, model_id: str) -> Optional[Entry]:
        if self._models is None:
            models, _ = _read_lists("models", self.folders)
            self._models = {m["model_id"]: m for m in models or []}
        return self._models.get(model_id)

    def feature(self, feature_id: str) -> Optional[Entry]:
        if self._features is None:
            features, _ = _read_lists("features", self.folders)
            self._features = {f["feature_id"]: f for f in features or []}
        return self._features.get(feature_id)

    def experiment(self, experiment_id: str) -> Optional[Entry]:
        if experiment_id not in self._experiments and not self.complete:
            found = [_read_entry_file(os.path.join(d, EXPERIMENTS_DIR, experiment_id + ".json"), "experiment_id")[0] for d in _read_dirs(self.folders)]
            entries = [e for e in found if e is not None]
            self._experiments[experiment_id] = max(entries, key=_stamp) if entries else None
        return self._experiments.get(experiment_id)

    def data_version(self, fingerprint: str) -> Optional[Entry]:
        if fingerprint not in self._versions and not self.complete:
            try:
                key = _fingerprint_key(fingerprint)
            except RegistryError:
                return None
            found = [_read_entry_file(os.path.join(d, DATA_VERSIONS_DIR, key + ".json"), "fingerprint")[0] for d in _read_dirs(self.folders)]
            entries = [e for e in found if e is not None]
            self._versions[fingerprint] = max(entries, key=_stamp) if entries else None
        return self._versions.get(fingerprint)


def _artifact_files(artifact: Any, folder: str) -> tuple[list[tuple[str, str]], str]:
    """What of a model's artifact_path is uploaded to its run: [(file, sub-folder under the run's
    model path)], and why something was not ('' when nothing was left out). The file itself; a
    folder only when artifact_path ends with '/' (the entry says so), without its dot-files, links
    and dot-folders, and never one holding the registry `folder`; never a dot-file."""
    if not isinstance(artifact, str) or not artifact or not os.path.exists(artifact):
        return [], ""
    if any(part.startswith(".") and part not in (".", "..") for part in re.split(r"[\\/]+", artifact)):
        return [], f"artifact_path {artifact!r} is a dot-file or inside a dot-folder: never uploaded"
    if not os.path.isdir(artifact):
        return [(artifact, "")], ""
    if not artifact.endswith(("/", os.sep)):
        return [], f"artifact_path {artifact!r} is a folder: only a file is uploaded (end artifact_path with '/' to upload the folder)"
    top, registry = os.path.realpath(artifact), os.path.realpath(folder)
    if registry == top or registry.startswith(top.rstrip(os.sep) + os.sep):
        return [], f"artifact_path {artifact!r} holds the registry folder: not uploaded"
    found = []
    for here, folders, names in os.walk(artifact):
        folders[:] = sorted(f for f in folders if not f.startswith(".") and not os.path.islink(os.path.join(here, f)))
        below = os.path.relpath(here, artifact).replace(os.sep, "/")
        for name in sorted(names):
            path = os.path.join(here, name)
            if not name.startswith(".") and not os.path.islink(path) and os.path.isfile(path):
                found.append((path, "" if below == "." else below))
    return found, ""


class _Report:
    """What a mirror call or a sync did (or, in a dry run, would do)."""

    KINDS = ("data_version_runs", "experiment_runs", "model_runs", "model_versions")

    def __init__(self) -> None:
        self.created: dict[str, list[str]] = {kind: [] for kind in self.KINDS}
        self.updated: dict[str, list[str]] = {kind: [] for kind in self.KINDS}
        self.newer_on_server: list[str] = []
        self.unchanged = 0
        self.champion = ""
        self.artifacts: list[dict[str, Any]] = []  # {"path", "bytes", "files"} of each model file uploaded
        self.not_uploaded: list[str] = []
        self.pushed: dict[str, Any] = {}  # run key -> run, for runs already pushed in this pass
        self.failed: list[str] = []


class _RunView:
    """What the mirror knows of a run it has just created: the attributes of an MLflow Run it reads
    (saves reading the run back)."""

    def __init__(self, run_id: str, status: str, tags: dict[str, str], params: dict[str, str], metrics: dict[str, float], inputs: list[Any]) -> None:
        self.info = types.SimpleNamespace(run_id=run_id, status=status)
        self.data = types.SimpleNamespace(tags=dict(tags), params=dict(params), metrics=dict(metrics))
        self.inputs = types.SimpleNamespace(dataset_inputs=list(inputs))


class _Mirror:
    """One MLflow server and project: lookups of what it holds (cached), the lock, and the pushes."""

    def __init__(self, uri: str, project: str) -> None:
        try:
            mlflow = importlib.import_module("mlflow")
            self.entities = importlib.import_module("mlflow.entities")
            self.errors = importlib.import_module("mlflow.exceptions")
        except ImportError as error:
            raise MirrorError(
                f"the MLflow mirror is on ({_uri_source()}={uri}) but MLflow's client cannot be imported ({error}). "
                f"Install it: pip install {MLFLOW_CLIENT_PACKAGE} (the server's version; tested with {MLFLOW_TESTED_VERSION}), "
                f"or set {MLFLOW_URI_ENV}=off to keep the registry local."
            ) from error
        self.client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
        self.uri, self.project = uri, project
        self._experiment_id: Optional[str] = None
        self._model_ready = False
        self.runs: dict[str, Any] = {}
        self.versions: dict[str, Any] = {}
        self.listed = False
        self.champion_number: Optional[str] = None
        self._lock_depth = 0
        self._lock_token = ""
        self._renew_at = 0.0
        self._identity: dict[str, str] = {}

    # --- what the server holds -------------------------------------------------------------

    def _code(self, error: Exception) -> str:
        return str(getattr(error, "error_code", ""))

    def check_project(self, folder: str, create: bool) -> None:
        """Make sure the server's project of this name is this project: the registry `folder` records
        the project's name and id (MLFLOW_PROJECT_FILE, written at the first mirrored write, when
        `create`), the server's experiment carries that id. A server experiment of another project's
        id, or a name set that differs from the recorded one, raises _OtherProject naming both."""
        if self._identity:
            return
        path = os.path.join(folder, MLFLOW_PROJECT_FILE)
        stored = _stored_project(folder)
        setting = os.environ.get(MLFLOW_PROJECT_ENV, "").strip()
        if stored and setting and _project_name(setting) != stored["project"]:
            raise _OtherProject(f"{MLFLOW_PROJECT_ENV} is {setting!r}, but this project's registry records its MLflow project as {stored['project']!r} "
                                f"(id {stored['id']}, {path}): unset the setting to keep {stored['project']!r}, or delete that file to start {setting!r} as a new project")
        experiment = self.client.get_experiment_by_name(self.project)
        owner = experiment.tags.get(_PROJECT_ID_TAG) if experiment is not None else None
        if owner and owner != stored.get("id"):
            here = f"this project (id {stored['id']}, from {stored.get('from')})" if stored else f"this project ({_project_from(folder)}), which records no MLflow project yet"
            raise _OtherProject(
                f"the MLflow project {self.project!r} on {self.uri} is another project's (id {owner}, from {experiment.tags.get(_PROJECT_FROM_TAG, '?')}), "
                f"not {here}: two projects of one name would share runs and models. Set {MLFLOW_PROJECT_ENV} to a name of this project's own; "
                f"or, if it is the same project on another machine, copy {MLFLOW_PROJECT_FILE} from that machine's registry folder (commit it with the folder)")
        if not create:
            return
        if not stored:
            stored = {"project": self.project, "id": secrets.token_hex(8), "from": _project_from(folder), "created_at": _now()}
            if not os.path.lexists(path):
                _write_atomic(path, (json.dumps(stored, indent=2) + "\n").encode("utf-8"))
        self._identity = {_PROJECT_ID_TAG: stored["id"], _PROJECT_FROM_TAG: str(stored.get("from"))}
        if experiment is not None and not owner:
            for key, value in self._identity.items():
                self.client.set_experiment_tag(experiment.experiment_id, key, value)

    def experiment_id(self, create: bool = True) -> Optional[str]:
        """The project's MLflow experiment (created when missing and `create`)."""
        if self._experiment_id is None:
            experiment = self.client.get_experiment_by_name(self.project)
            if experiment is None and create:
                try:
                    self.client.create_experiment(self.project, tags=dict(self._identity, **{"ml_automation.project": self.project}))
                except self.errors.MlflowException as error:
                    if self._code(error) != "RESOURCE_ALREADY_EXISTS":
                        raise
                experiment = self.client.get_experiment_by_name(self.project)
            if experiment is None:
                return None
            if experiment.lifecycle_stage != "active":
                raise MirrorError(f"the MLflow experiment {self.project!r} on {self.uri} is deleted: restore it in the MLflow UI, or set {MLFLOW_PROJECT_ENV} to another name")
            self._experiment_id = experiment.experiment_id
        return self._experiment_id

    def ensure_model(self) -> None:
        """The project's registered model (created when missing)."""
        if self._model_ready:
            return
        try:
            self.client.create_registered_model(self.project, tags={"ml_automation.project": self.project},
                                                description=f"Models of the project {self.project}, registered by ml-automation.")
        except self.errors.MlflowException as error:
            if self._code(error) != "RESOURCE_ALREADY_EXISTS":
                raise
        self._model_ready = True

    def _search_runs(self, filter_string: str) -> list[Any]:
        experiment_id = self.experiment_id(create=False)
        if experiment_id is None:
            return []
        found: list[Any] = []
        token = None
        while True:
            page = self.client.search_runs([experiment_id], filter_string, max_results=1000, order_by=["attributes.start_time ASC"], page_token=token)
            found += list(page)
            token = page.token
            if not token:
                return found

    def _search_versions(self, filter_string: str) -> list[Any]:
        found: list[Any] = []
        token = None
        while True:
            try:
                page = self.client.search_model_versions(filter_string, max_results=1000, page_token=token)
            except self.errors.MlflowException as error:
                if self._code(error) == "RESOURCE_DOES_NOT_EXIST":
                    return found
                raise
            found += list(page)
            token = page.token
            if not token:
                return found

    def _keep_oldest_run(self, runs: list[Any]) -> None:
        for run in runs:
            key = run.data.tags.get(_KEY_TAG)
            if key and key not in self.runs:
                self.runs[key] = run

    def _keep_oldest_version(self, versions: list[Any]) -> None:
        for version in sorted(versions, key=lambda v: int(v.version)):
            model_id = version.tags.get(_MODEL_ID_TAG)
            if model_id and model_id not in self.versions:
                self.versions[model_id] = version

    def run(self, key: str, fresh: bool = False) -> Optional[Any]:
        """The run holding the local entry `key` ('experiment:<id>', ...), or None."""
        if fresh or (key not in self.runs and not self.listed):
            self.runs.pop(key, None)
            self._keep_oldest_run(self._search_runs(f"tags.`{_KEY_TAG}` = '{key}'"))
        return self.runs.get(key)

    def version(self, model_id: str, fresh: bool = False) -> Optional[Any]:
        """The model version of local model `model_id`, or None."""
        if fresh or (model_id not in self.versions and not self.listed):
            self.versions.pop(model_id, None)
            self._keep_oldest_version(self._search_versions(f"name = '{self.project}' and tags.`{_MODEL_ID_TAG}` = '{model_id}'"))
        return self.versions.get(model_id)

    def champion_version(self) -> Optional[Any]:
        """The version the project's `champion` alias points to, or None."""
        try:
            return self.client.get_model_version_by_alias(self.project, "champion")
        except self.errors.MlflowException as error:
            if self._code(error) in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
                return None
            raise

    # --- the lock ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the project's creation lock on the server: a registered model named
        <project>.ml-automation-lock, which only one client can create. Its lease (60 s) is renewed
        by renew(); a lock whose lease ran out (its holder was killed) is taken over. Waits at most
        $ML_AUTOMATION_MLFLOW_LOCK_WAIT seconds (120), then raises MirrorError naming the holder.
        Re-entrant within this object."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        name = self.project + MLFLOW_LOCK_SUFFIX
        token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        wait = DEFAULT_MLFLOW_LOCK_WAIT_S
        with contextlib.suppress(ValueError):
            wait = max(0.0, float(os.environ.get(MLFLOW_LOCK_WAIT_ENV, "")))
        deadline = time.monotonic() + wait
        pause = 0.05
        while True:
            expires = str(int(time.time() * 1000 + MLFLOW_LOCK_LEASE_S * 1000))
            try:
                self.client.create_registered_model(name, tags={"ml_automation.lock": token, "ml_automation.lock_expires_ms": expires},
                                                    description="Held by ml-automation while it creates runs and versions; deleted after.")
                break
            except self.errors.MlflowException as error:
                if self._code(error) != "RESOURCE_ALREADY_EXISTS":
                    raise
            try:
                held = self.client.get_registered_model(name)
            except self.errors.MlflowException as error:
                if self._code(error) == "RESOURCE_DOES_NOT_EXIST":
                    continue
                raise
            holder = held.tags.get("ml_automation.lock", "?")
            if holder == token:  # our own create, answered twice by a retry
                break
            expiry = int(held.tags.get("ml_automation.lock_expires_ms", "0") or 0)
            if expiry < time.time() * 1000:
                with contextlib.suppress(self.errors.MlflowException):
                    self.client.delete_registered_model(name)
                continue
            if time.monotonic() >= deadline:
                raise MirrorError(f"the MLflow lock {name!r} on {self.uri} is held by {holder} (lease until {datetime.fromtimestamp(expiry / 1000, timezone.utc).isoformat(timespec='seconds')}) "
                                  f"for more than {wait:g} s; {MLFLOW_LOCK_WAIT_ENV} sets the wait")
            time.sleep(pause * (0.5 + random.random()))
            pause = min(pause * 2, 1.0)
        self._lock_depth, self._lock_token = 1, token
        self._renew_at = time.monotonic() + MLFLOW_LOCK_LEASE_S / 3
        try:
            yield
        finally:
            self._lock_depth = 0
            with contextlib.suppress(Exception):
                self.client.delete_registered_model(name)

    def renew(self) -> None:
        """Extend the lock's lease when a third of it has passed (long syncs call this often)."""
        if self._lock_depth and time.monotonic() >= self._renew_at:
            expires = str(int(time.time() * 1000 + MLFLOW_LOCK_LEASE_S * 1000))
            self.client.set_registered_model_tag(self.project + MLFLOW_LOCK_SUFFIX, "ml_automation.lock_expires_ms", expires)
            self._renew_at = time.monotonic() + MLFLOW_LOCK_LEASE_S / 3

    # --- pushing runs --------------------------------------------------------------------------

    def _dataset_input(self, fingerprint: str, version: Optional[Entry], dataset: Entry, context: str) -> Any:
        """The MLflow dataset input of a data version (or of what an experiment says of its data)."""
        entities = self.entities
        source_path = str((version or {}).get("source_path") or dataset.get("source_path") or dataset.get("source") or "")
        rows = _number((version or {}).get("rows", dataset.get("rows")))
        columns = _number((version or {}).get("columns", dataset.get("columns")))
        profile: dict[str, Any] = {}
        if isinstance(rows, int):
            profile["num_rows"] = rows
            if isinstance(columns, int):
                profile["num_elements"] = rows * columns
        name = os.path.basename(source_path.rstrip("/\\")) or "data"
        digest = _fingerprint_key(fingerprint).split("-")[-1][:36]
        data = entities.Dataset(name=name[:500], digest=digest, source_type="local" if source_path else "code",
                                source=json.dumps({"uri": source_path} if source_path else {"tags": {"ml_automation": "registry"}}),
                                schema=_colspec((version or {}).get("column_schema")), profile=json.dumps(profile) if profile else None)
        tags = [entities.InputTag("mlflow.data.context", context), entities.InputTag(_FINGERPRINT_INPUT_TAG, fingerprint)]
        return entities.DatasetInput(data, tags=tags)

    def _feature_tags(self, feature_ids: Any, local: _LocalEntries) -> dict[str, str]:
        tags = {}
        for feature_id in _as_list(feature_ids):
            feature = local.feature(feature_id) if isinstance(feature_id, str) else None
            if feature is not None:
                entry = {k: v for k, v in feature.items() if k != "used_in_models"}
                tags[_feature_tag(feature_id)] = _entry_json(entry, _RUN_TAG_LIMIT, ("feature_id", "name"))
        return tags

    def _push_run(self, key: str, name: str, entry: Optional[Entry], tags: dict[str, str], params: dict[str, str], metrics: dict[str, float],
                  inputs: list[Any], status: str, kind: str, report: _Report, dry_run: bool) -> Optional[Any]:
        """Create the run of local entry `key`, or bring an existing one up to date (tags, params not
        yet logged, changed metrics, missing inputs). A run whose entry is newer on the server than
        here is left as it is. Returns the run (None in a dry run that would create it). A run
        already pushed in this pass (an experiment, then its model) is not pushed again."""
        if key in report.pushed:
            return report.pushed[key]
        run = self._push_run_once(key, name, entry, tags, params, metrics, inputs, status, kind, report, dry_run)
        report.pushed[key] = run
        return run

    def _push_run_once(self, key: str, name: str, entry: Optional[Entry], tags: dict[str, str], params: dict[str, str], metrics: dict[str, float],
                       inputs: list[Any], status: str, kind: str, report: _Report, dry_run: bool) -> Optional[Any]:
        stamp = _stamp(entry) if entry else ""
        tags = dict(tags, **{_KEY_TAG: key})
        if entry is not None:
            tags[_ENTRY_TAG] = _entry_json(_mirrored(entry), _RUN_TAG_LIMIT, ("experiment_id", "fingerprint", "model_id"))
        held = self._lock_depth > 0  # looked up under the lock: no need to look again before creating
        run = self.run(key)
        if run is None:
            if dry_run:
                report.created[kind].append(key.split(":", 1)[1])
                return None
            with self.lock():
                run = None if held else self.run(key, fresh=True)
                if run is None:
                    experiment_id = self.experiment_id()
                    start = _ms((entry or {}).get("created_at")) or int(time.time() * 1000)
                    if stamp:
                        tags[_UPDATED_TAG] = stamp
                    created = self.client.create_run(experiment_id, start_time=start, run_name=name, tags={_KEY_TAG: key})
                    run_id = created.info.run_id
                    self._log(run_id, tags, params, metrics)
                    if inputs:
                        self.client.log_inputs(run_id, datasets=inputs)
                    if status != "RUNNING":
                        self.client.set_terminated(run_id, status, end_time=max(start, _ms(stamp) or start))
                    report.created[kind].append(key.split(":", 1)[1])
                    self.renew()
                    self.runs[key] = _RunView(run_id, status, tags, params, metrics, inputs)
                    return self.runs[key]
        server_stamp = run.data.tags.get(_UPDATED_TAG, "")
        if entry is not None and server_stamp > stamp:
            report.newer_on_server.append(key)
            return run
        if entry is None and run.data.tags.get(_ENTRY_TAG):
            return run  # a placeholder never overwrites a run that holds its entry
        new_tags = {k: v for k, v in tags.items() if run.data.tags.get(k) != v}
        if new_tags and stamp:
            new_tags[_UPDATED_TAG] = stamp
        new_params = {k: v for k, v in params.items() if k not in run.data.params}
        new_metrics = {k: v for k, v in metrics.items() if run.data.metrics.get(k) != v}
        logged = {tag.value for d in run.inputs.dataset_inputs for tag in d.tags if tag.key == _FINGERPRINT_INPUT_TAG} if run.inputs else set()
        new_inputs = [i for i in inputs if not any(t.key == _FINGERPRINT_INPUT_TAG and t.value in logged for t in i.tags)]
        new_status = status if status != run.info.status and status != "RUNNING" else None
        stale = entry is not None and "ml_automation.placeholder" in run.data.tags
        if not (new_tags or new_params or new_metrics or new_inputs or new_status or stale):
            report.unchanged += 1
            return run
        report.updated[kind].append(key.split(":", 1)[1])
        if dry_run:
            return run
        self._log(run.info.run_id, new_tags, new_params, new_metrics)
        if stale:
            self.client.delete_tag(run.info.run_id, "ml_automation.placeholder")
        if new_inputs:
            self.client.log_inputs(run.info.run_id, datasets=new_inputs)
        if new_status:
            self.client.set_terminated(run.info.run_id, new_status, end_time=_ms(stamp))
        self.renew()
        return self.run(key, fresh=True)

    def _log(self, run_id: str, tags: dict[str, str], params: dict[str, str], metrics: dict[str, float]) -> None:
        """log_batch within MLflow's limits (100 params or tags, 1,000 metrics a call)."""
        entities = self.entities
        now = int(time.time() * 1000)
        tag_items = [entities.RunTag(k[:_KEY_LIMIT], _clip_text(v, _RUN_TAG_LIMIT)) for k, v in tags.items()]
        param_items = [entities.Param(k, v) for k, v in params.items()]
        metric_items = [entities.Metric(k, v, now, 0) for k, v in metrics.items()]
        while tag_items or param_items or metric_items:
            self.client.log_batch(run_id, metrics=metric_items[:1000], params=param_items[:100], tags=tag_items[:100])
            tag_items, param_items, metric_items = tag_items[100:], param_items[100:], metric_items[1000:]

    def push_data_version(self, entry: Entry, report: _Report, dry_run: bool) -> Optional[Any]:
        fingerprint = entry["fingerprint"]
        tags = {"data_fingerprint": fingerprint, "task_type": str(entry.get("detected_task_type") or "unknown"), "ml_automation.kind": "data_version",
                "agent": str(entry.get("created_by") or "eda-analyst")}
        params = {k: _clip_text(entry[k], _PARAM_LIMIT) for k in ("source_path",) if entry.get(k)}
        params.update({k: str(entry[k]) for k in ("rows", "columns") if isinstance(entry.get(k), int)})
        inputs = [self._dataset_input(fingerprint, entry, {}, "data_version")]
        name = f"data {_fingerprint_key(fingerprint)[:12]}"
        return self._push_run(f"data_version:{fingerprint}", name, entry, tags, params, {}, inputs, "FINISHED", "data_version_runs", report, dry_run)

    def push_experiment(self, entry: Entry, local: _LocalEntries, report: _Report, dry_run: bool) -> Optional[Any]:
        experiment_id = entry["experiment_id"]
        dataset = _as_dict(entry.get("dataset"))
        model = _as_dict(entry.get("model"))
        fingerprint = dataset.get("fingerprint") if isinstance(dataset.get("fingerprint"), str) else ""
        tags = {"task_type": str(entry.get("task_type") or ""), "agent": str(entry.get("agent") or entry.get("created_by") or "developer"),
                "data_fingerprint": fingerprint or "", "ml_automation.kind": "experiment", "ml_automation.name": str(entry.get("name") or "")}
        rationale = _rationale_text(entry.get("rationale"))
        if rationale:
            tags["rationale"] = rationale
        if entry.get("notes"):
            tags["mlflow.note.content"] = _clip_text(entry["notes"], _RUN_TAG_LIMIT)
        if entry.get("registered_model_id"):
            tags["ml_automation.registered_model_id"] = str(entry["registered_model_id"])
        tags.update(_reproduction_tags(entry))
        tags.update(self._feature_tags(dataset.get("features_used"), local))
        params = {k: _clip_text(model[k], _PARAM_LIMIT) for k in ("algorithm", "framework") if isinstance(model.get(k), str) and model[k]}
        params.update(_flat_params(model.get("hyperparameters")))
        if isinstance(dataset.get("target"), str):
            params["target"] = _clip_text(dataset["target"], _PARAM_LIMIT)
        inputs = []
        if fingerprint:
            with contextlib.suppress(RegistryError):
                inputs.append(self._dataset_input(fingerprint, local.data_version(fingerprint), dataset, "training"))
        status = {"completed": "FINISHED", "failed": "FAILED", "running": "RUNNING", "killed": "KILLED"}.get(str(entry.get("status")), "FINISHED")
        return self._push_run(f"experiment:{experiment_id}", experiment_id, entry, tags, params, _flat_metrics(entry.get("metrics")), inputs, status,
                              "experiment_runs", report, dry_run)

    # --- pushing model versions -------------------------------------------------------------

    def _training_run(self, model: Entry, local: _LocalEntries, report: _Report, dry_run: bool) -> Optional[Any]:
        """The run a model version links to: its training experiment's (created from the local
        experiment, or as a placeholder naming the model when that is not logged here), else a run
        of its own ('model:<model_id>')."""
        experiment_id = model.get("training_experiment_id")
        feature_tags = self._feature_tags(model.get("feature_set"), local)
        if isinstance(experiment_id, str) and experiment_id:
            experiment = local.experiment(experiment_id)
            if experiment is not None:
                run = self.push_experiment(experiment, local, report, dry_run)
            else:
                tags = {"task_type": str(model.get("task_type") or ""), "ml_automation.kind": "experiment",
                        "ml_automation.placeholder": f"created for model {model['model_id']}: experiment {experiment_id} is not logged in its registry"}
                run = self._push_run(f"experiment:{experiment_id}", experiment_id, None, tags, {}, {}, [], "FINISHED", "experiment_runs", report, dry_run)
        else:
            tags = dict(_reproduction_tags(model), **{"task_type": str(model.get("task_type") or ""), "agent": "mlops-engineer", "ml_automation.kind": "model"})
            run = self._push_run(f"model:{model['model_id']}", str(model["model_id"]), None, tags, {}, _flat_metrics(model.get("metrics")), [],
                                 "FINISHED", "model_runs", report, dry_run)
        if run is not None and not dry_run:
            missing = {k: v for k, v in feature_tags.items() if run.data.tags.get(k) != v}
            if missing:
                self._log(run.info.run_id, missing, {}, {})
        return run

    def _version_tags(self, model: Entry) -> dict[str, str]:
        status = str(model.get("status") or "challenger")
        tags = {
            _MODEL_ID_TAG: str(model["model_id"]), "task_type": str(model.get("task_type") or ""),
            "algorithm": str(model.get("algorithm") or ""), "feature_set": _clip_text(", ".join(str(f) for f in _as_list(model.get("feature_set"))), 5000),
            "rationale": _rationale_text(model.get("rationale")), "ml_automation.name": str(model.get("name") or ""),
            _ENTRY_TAG: _entry_json(_mirrored(model), _VERSION_TAG_LIMIT, ("model_id",)),
        }
        if status != "champion":
            tags["status"] = status
        if model.get("artifact_sha256"):
            tags.update({"ml_automation.artifact_sha256": str(model["artifact_sha256"]), "ml_automation.artifact_bytes": str(model.get("artifact_bytes"))})
        return dict(_reproduction_tags(model), **tags)

    def push_model(self, model: Entry, local: _LocalEntries, report: _Report, dry_run: bool) -> Optional[Any]:
        """Create the model version of `model`, linked to its training run, or update its tags."""
        model_id = model["model_id"]
        if not dry_run:
            self.ensure_model()
        held = self._lock_depth > 0
        version = self.version(model_id)
        run = self._training_run(model, local, report, dry_run)
        tags = self._version_tags(model)
        if version is None:
            report.created["model_versions"].append(model_id)
            if dry_run or run is None:
                return None
            source_path = f"models/{model_id}"
            files, skipped = _artifact_files(model.get("artifact_path"), local.folders[0] if local.folders else mlops_dir())
            for path, below in files:
                self.client.log_artifact(run.info.run_id, path, posixpath.join(source_path, below) if below else source_path)
            if files:
                size = sum(os.path.getsize(path) for path, _ in files)
                report.artifacts.append({"path": model["artifact_path"], "bytes": size, "files": len(files)})
            if skipped:
                report.not_uploaded.append(f"model {model_id}: {skipped}")
            with self.lock():
                version = None if held else self.version(model_id, fresh=True)
                if version is None:
                    description = _clip_text(f"{model.get('name') or model_id}: {model.get('algorithm') or '?'} ({model.get('task_type')}). "
                                             + _rationale_text(model.get("rationale")), 5000)
                    version = self.client.create_model_version(
                        self.project, f"runs:/{run.info.run_id}/{source_path}", run_id=run.info.run_id, description=description, await_creation_for=0,
                        tags=dict(tags, **{"status": tags.get("status", "challenger"), _UPDATED_TAG: _stamp(model)}))
                    self.versions[model_id] = version
                    self.renew()
                    return version
            report.created["model_versions"].remove(model_id)
        if version.tags.get(_UPDATED_TAG, "") > _stamp(model):
            report.newer_on_server.append(f"model:{model_id}")
            return version
        changed = {k: v for k, v in tags.items() if version.tags.get(k) != v}
        if not changed:
            report.unchanged += 1
            return version
        changed[_UPDATED_TAG] = _stamp(model)
        report.updated["model_versions"].append(model_id)
        if not dry_run:
            for key, value in changed.items():
                self.client.set_model_version_tag(self.project, version.version, key, value)
            version = self.version(model_id, fresh=True)
        return version

    def push_champion(self, model: Entry, force: bool, report: _Report, dry_run: bool) -> None:
        """Move the `champion` alias to `model`'s version when `force` (promote_model) or when its
        promotion is newer than the one of the version the alias points to; tag the version it
        leaves archived."""
        model_id = model["model_id"]
        promoted = str(model.get("promoted_at") or _stamp(model))
        with self.lock() if not dry_run else contextlib.nullcontext():
            target = self.version(model_id, fresh=not dry_run)
            current = self.champion_version()
            if target is None:
                report.champion = f"would move @champion to {model_id}" if dry_run else f"@champion not moved: {model_id} has no version"
                return
            if current is not None and current.version == target.version:
                report.champion = f"@champion already on version {target.version} ({model_id})"
                if not dry_run and target.tags.get("status") != "champion":
                    self.client.set_model_version_tag(self.project, target.version, "status", "champion")
                return
            current_stamp = current.tags.get(_PROMOTED_TAG, "") if current is not None else ""
            current_id = current.tags.get(_MODEL_ID_TAG, f"version {current.version}") if current is not None else ""
            if current is not None and not force and (not current_stamp or current_stamp >= promoted):
                when = f"promoted {current_stamp[:19]} on the server, after {model_id} here ({promoted[:19]})" if current_stamp else \
                    "the alias was set outside ml-automation; only promote_model moves it"
                report.champion = f"@champion kept on version {current.version} ({current_id}): {when}"
                return
            report.champion = f"@champion {'would move' if dry_run else 'moved'} to version {target.version} ({model_id})" + (
                f", from version {current.version} ({current_id}), now tagged archived" if current is not None else "")
            if dry_run:
                return
            now = _now()
            self.client.set_registered_model_alias(self.project, "champion", target.version)
            self.client.set_model_version_tag(self.project, target.version, "status", "champion")
            self.client.set_model_version_tag(self.project, target.version, _PROMOTED_TAG, now if force else promoted)
            if current is not None:
                self.client.set_model_version_tag(self.project, current.version, "status", "archived")
                self.client.set_model_version_tag(self.project, current.version, _UPDATED_TAG, now)

    # --- reading back -------------------------------------------------------------------------

    def _input_fingerprints(self, run: Any) -> list[str]:
        found = []
        for dataset_input in (run.inputs.dataset_inputs if run.inputs else []):
            for tag in dataset_input.tags:
                if tag.key == _FINGERPRINT_INPUT_TAG:
                    found.append(tag.value)
        return found

    def entry_from_version(self, version: Any, runs_by_id: Optional[dict[str, Any]] = None, champion: Optional[str] = None) -> Entry:
        """The model entry a version holds, with lineage from MLflow's own links: the run it was
        created from (its training experiment) and that run's dataset input (its data)."""
        entry = _json_object(version.tags.get(_ENTRY_TAG)) or {
            "name": version.tags.get("ml_automation.name") or version.name, "task_type": version.tags.get("task_type"),
            "algorithm": version.tags.get("algorithm"), "feature_set": [f.strip() for f in version.tags.get("feature_set", "").split(",") if f.strip()],
            "created_at": datetime.fromtimestamp(version.creation_timestamp / 1000, timezone.utc).isoformat(timespec="microseconds"),
        }
        entry["model_id"] = version.tags.get(_MODEL_ID_TAG) or f"{version.name}-v{version.version}"
        entry["mlflow_version"] = version.version
        entry["mlflow_run_id"] = version.run_id
        if "champion" in (version.aliases or []) or (champion is not None and str(champion) == str(version.version)):
            entry["status"] = "champion"
            entry["promoted_at"] = version.tags.get(_PROMOTED_TAG) or entry.get("promoted_at")
        else:
            tagged = version.tags.get("status") or entry.get("status")
            entry["status"] = "challenger" if tagged == "challenger" else "archived" if tagged in ("archived", "champion") else "challenger"
        run = (runs_by_id or {}).get(version.run_id)
        if run is not None:
            key = run.data.tags.get(_KEY_TAG, "")
            if key.startswith("experiment:"):
                entry["training_experiment_id"] = key.split(":", 1)[1]
            fingerprints = self._input_fingerprints(run)
            if fingerprints and not entry.get("data_fingerprint"):
                entry["data_fingerprint"] = fingerprints[0]
        return entry

def _project_from(folder: str) -> str:
    """Where this project is, as the server's record names it: its folder's name and the machine."""
    top = os.path.dirname(os.path.abspath(folder))
    top = os.path.dirname(top) if os.path.basename(top).startswith(".") else top
    return f"folder {os.path.basename(top)!r} on {socket.gethostname()}"


_MIRRORS: dict[tuple[str, str], _Mirror] = {}


def _mirror(uri: Optional[str] = None, folder: Optional[str] = None) -> _Mirror:
    """The mirror for the configured server and the project of the registry `folder` (one per
    process); MirrorError when it is off, its URI is not one MLflow can use, or MLflow's client
    cannot be imported."""
    uri = uri or mlflow_mirror_uri()
    if not uri:
        own = os.environ.get(MLFLOW_URI_ENV, "").strip()
        why = f"{MLFLOW_URI_ENV}={own}" if own else "MLFLOW_TRACKING_URI is not set"
        raise MirrorError(f"the MLflow mirror is off ({why}): set MLFLOW_TRACKING_URI (or {MLFLOW_URI_ENV}) to the team's tracking server, e.g. http://127.0.0.1:5000")
    key = (uri, _mlflow_project(folder))
    if key not in _MIRRORS:
        try:
            _MIRRORS[key] = _Mirror(*key)
        except MirrorError:
            raise
        except Exception as error:  # noqa: BLE001 - MLflow refuses the URI itself: said in one sentence, no traceback
            scheme = "" if "://" in uri else " It has no scheme: a tracking server is http://HOST:PORT (or https://)."
            raise MirrorError(f"the MLflow tracking URI {uri!r} ({_uri_source()}) cannot be used: {_clip_text(' '.join(str(error).split()), 300)}.{scheme}") from None
    return _MIRRORS[key]


def _wrap(error: Exception, uri: str) -> MirrorError:
    if isinstance(error, MirrorError):
        return error
    text = " ".join(str(error).split())
    return MirrorError(f"MLflow at {uri} did not answer as expected ({type(error).__name__}: {_clip_text(text, 300)})")

# --- A write, and the champion, as the hooks of section 10 ask for them ------------------------


class _Skipped(MirrorError):
    """A save did not call the server: it failed a moment ago (see _server_down)."""


def _save_mirror(folder: str, uri: str) -> _Mirror:
    """The mirror a save may call (or the champion it compares with): _Skipped when the server failed
    lately, MirrorError when it does not answer now (asked before MLflow's client is imported)."""
    down = _server_down(folder, uri)
    if down:
        raise _Skipped(down)
    silent = _unanswered(uri)
    if silent:
        raise MirrorError(f"MLflow at {uri} does not answer within {MLFLOW_SAVE_TIMEOUT_S} s ({silent})")
    return _mirror(uri, folder)


def _remember_failure(folder: str, uri: str, error: Exception) -> None:
    """Remember that the server failed (for the saves of every process), unless it was not called or
    refused this project (which the next call must say again)."""
    if not isinstance(error, (_Skipped, _OtherProject)):
        _remember_server(folder, uri, error)


def _push_write(operation: str, changed: dict[str, list[str]], folder: str) -> None:
    """Record a successful registry write in MLflow (when the mirror is on); queue it on failure."""
    uri = mlflow_mirror_uri()
    if not uri:
        return
    try:
        mirror = _save_mirror(folder, uri)
        local = _LocalEntries([folder])
        report = _Report()
        creates = any(changed.get(kind) for kind in ("data_versions", "experiments", "models"))
        with _mlflow_calls(save=True):
            mirror.check_project(folder, True)
        with _mlflow_calls(save=True), mirror.lock() if creates else contextlib.nullcontext():
            for fingerprint in changed.get("data_versions", []):
                entry = local.data_version(fingerprint)
                if entry is not None:
                    mirror.push_data_version(entry, report, False)
            for experiment_id in changed.get("experiments", []):
                entry = local.experiment(experiment_id)
                if entry is not None:
                    mirror.push_experiment(entry, local, report, False)
            if changed.get("features"):
                _push_feature_tags(mirror, changed["features"], local, folder)
            for model_id in changed.get("models", []):
                entry = local.model(model_id)
                if entry is not None:
                    mirror.push_model(entry, local, report, False)
            first = local.model(changed["models"][0]) if changed.get("models") else None
            if first is not None and first.get("status") == "champion":
                mirror.push_champion(first, operation == "promote_model", report, False)
    except Exception as error:  # noqa: BLE001 - the local write has happened; the mirror must not undo or fail it
        _remember_failure(folder, uri, error)
        _enqueue(folder, operation, changed, _wrap(error, uri), depth=1)
        return
    _remember_server(folder, uri, None)
    for skipped in report.not_uploaded:
        warnings.warn(MirrorWarning(f"{operation}: {skipped}"), stacklevel=4)


def _push_feature_tags(mirror: _Mirror, feature_ids: list[str], local: _LocalEntries, folder: str) -> None:
    """Update the feature tags of the runs (already on the server) that use these features: the
    training runs of the models that list them, and the experiments whose dataset.features_used does."""
    keys = set()
    wanted = set(feature_ids)
    experiments, _ = _read_entry_files(EXPERIMENTS_DIR, "experiment_id", [folder])
    for experiment in experiments:
        if wanted & {f for f in _as_list(_as_dict(experiment.get("dataset")).get("features_used")) if isinstance(f, str)}:
            keys.add(f"experiment:{experiment['experiment_id']}")
    for feature_id in feature_ids:
        feature = local.feature(feature_id)
        for model_id in _as_list((feature or {}).get("used_in_models")):
            model = local.model(model_id) if isinstance(model_id, str) else None
            experiment_id = (model or {}).get("training_experiment_id")
            keys.add(f"experiment:{experiment_id}" if experiment_id else f"model:{model_id}")
    for key in sorted(keys):
        run = mirror.run(key)
        if run is not None:
            tags = mirror._feature_tags(feature_ids, local)
            changed = {k: v for k, v in tags.items() if run.data.tags.get(k) != v}
            if changed:
                mirror._log(run.info.run_id, changed, {}, {})


def _server_champion() -> Optional[tuple[Optional[Entry], str]]:
    """The champion on the MLflow server, for compare_with_champion: None when the mirror is off or
    the server has no champion yet (the local one is then used)."""
    uri = mlflow_mirror_uri()
    if not uri:
        return None
    folder = mlops_dir()
    try:
        mirror = _save_mirror(folder, uri)
        with _mlflow_calls(save=True):
            mirror.check_project(folder, False)
            version = mirror.champion_version()
    except Exception as error:  # noqa: BLE001 - reported through RegistryError, the local champion is used
        _remember_failure(folder, uri, error)
        raise _wrap(error, uri) from error
    if version is None:
        return None
    entry = mirror.entry_from_version(version)
    return entry, f"MLflow {uri} (@champion of {mirror.project!r}: version {version.version})"


def _push_card(folder: str, model_id: str, path: str) -> str:
    """Upload a model card (`registry card`) into the artifact folder of `model_id`'s model version,
    beside the model, and tag the version with it; returns what was done, or why not (never raises)."""
    uri = mlflow_mirror_uri() or ""
    name = os.path.basename(path)
    try:
        mirror = _save_mirror(folder, uri)
        with _mlflow_calls(save=True):
            mirror.check_project(folder, False)
            version = mirror.version(model_id, fresh=True)
            if version is None or not version.run_id:
                return f"the card was not uploaded: model {model_id} has no version on {uri} yet (`registry sync` creates it; then write the card again)"
            mirror.client.log_artifact(version.run_id, path, f"models/{model_id}")
            mirror.client.set_model_version_tag(mirror.project, version.version, _CARD_TAG, f"runs:/{version.run_id}/models/{model_id}/{name}")
    except Exception as error:  # noqa: BLE001 - the card is written locally; say why it is not on the server
        return f"the card was not uploaded: {_wrap(error, uri)}"
    return f"uploaded to {uri} with version {version.version} of {mirror.project!r} (runs:/{version.run_id}/models/{model_id}/{name}; tag {_CARD_TAG})"


_CARD_TAG = "ml_automation.card"
_MIRROR.update(write=_push_write, champion=_server_champion, card=_push_card)
