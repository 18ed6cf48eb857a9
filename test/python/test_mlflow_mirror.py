"""The MLflow mirror against a real tracking server: `mlflow server` on 127.0.0.1 with a SQLite store
and a local artifact folder, started once for the session (conftest.mlflow_server). No mocks of
MLflow: what the mirror wrote is read back with MLflow's own client. Each test uses its own project
name, so tests never see each other's runs and versions."""

import itertools
import json
import os
import pickle
import platform
import re
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import run_python

_names = itertools.count()
LOCK_SUFFIX = ".ml-automation-lock"


def unique(prefix):
    return f"{prefix}-{os.getpid()}-{next(_names)}"


class Team:
    """What the server holds for one project, read with MLflow's client."""

    def __init__(self, uri, project):
        from mlflow import MlflowClient

        self.uri, self.project = uri, project
        self.client = MlflowClient(tracking_uri=uri, registry_uri=uri)

    def runs(self, kind=None):
        experiment = self.client.get_experiment_by_name(self.project)
        if experiment is None:
            return []
        runs = list(self.client.search_runs([experiment.experiment_id], max_results=5000))
        return [r for r in runs if kind is None or r.data.tags.get("ml_automation.key", "").startswith(kind + ":")]

    def keys(self):
        return [r.data.tags.get("ml_automation.key") for r in self.runs()]

    def run(self, key):
        matching = [r for r in self.runs() if r.data.tags.get("ml_automation.key") == key]
        assert len(matching) == 1, f"{len(matching)} runs hold {key}"
        return matching[0]

    def versions(self):
        try:
            return sorted(self.client.search_model_versions(f"name = '{self.project}'"), key=lambda v: int(v.version))
        except Exception:  # noqa: BLE001 - no registered model yet
            return []

    def model_ids(self):
        return [v.tags.get("ml_automation.model_id") for v in self.versions()]

    def champion(self):
        try:
            version = self.client.get_model_version_by_alias(self.project, "champion")
        except Exception:  # noqa: BLE001 - no alias yet
            return None
        return version.tags.get("ml_automation.model_id")

    def lock_held(self):
        try:
            self.client.get_registered_model(self.project + LOCK_SUFFIX)
            return True
        except Exception:  # noqa: BLE001 - RESOURCE_DOES_NOT_EXIST
            return False


@pytest.fixture
def team(mu, project, mlflow_server, monkeypatch):
    """A project folder (with .claude/) whose registry is mirrored to the session's server under a
    project name of its own."""
    name = unique("team")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.uri)
    monkeypatch.setenv("ML_AUTOMATION_MLFLOW_PROJECT", name)
    mu._DOWN_UNTIL.clear()
    os.mkdir(".claude")
    return Team(mlflow_server.uri, name)


def cli(ml_automation_path, cwd, *args, env=None):
    """`python3 ml_utils.py registry ARGS` as a person runs it, with this process's environment."""
    full = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, str(ml_automation_path), "registry", *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=300)


def sync_json(ml_automation_path, cwd, *extra, env=None):
    result = cli(ml_automation_path, cwd, "sync", "--json", *extra, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def created(report):
    return {kind: sorted(ids) for kind, ids in report["created"].items() if ids}


def changed_nothing(report):
    return not any(report["created"].values()) and not any(report["updated"].values())


def regression_model(model_id, rmse, **extra):
    return dict({"model_id": model_id, "task_type": "regression", "algorithm": "Ridge", "metrics": {"rmse": rmse, "mae": rmse / 2, "r2": 0.5}}, **extra)


FINGERPRINT = "sha256:" + "5e" * 32


# --- A scikit-learn flow -----------------------------------------------------------------------


def test_a_scikit_learn_flow_appears_as_dataset_run_model_version_and_champion(mu, team, ml_automation_path, project, tmp_path):
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import RandomForestRegressor

    df = load_diabetes(as_frame=True).frame
    df.to_csv("diabetes.csv", index=False)
    df = mu.load_data("diabetes.csv")
    fingerprint = mu.compute_data_fingerprint(df)
    features = ["bmi", "bp", "s5"]
    parts = mu.split_data(df[features + ["target"]], "target", val_size=0.15)
    forest = RandomForestRegressor(n_estimators=40, max_depth=6, random_state=0).fit(parts["X_train"], parts["y_train"])
    metrics = {split: mu.evaluate_model(forest, parts[f"X_{split}"], parts[f"y_{split}"], "regression") for split in ("train", "val", "test")}
    os.mkdir("models")
    with open("models/forest.pkl", "wb") as handle:
        pickle.dump(forest, handle)
    with warnings.catch_warnings():
        warnings.simplefilter("error", mu.MirrorWarning)  # any mirror failure fails the test
        mu.save_data_version({"fingerprint": fingerprint, "source_path": "diabetes.csv", "rows": len(df), "columns": df.shape[1],
                              "column_schema": {c: {"dtype": str(df[c].dtype)} for c in df.columns}, "detected_task_type": "regression"})
        mu.save_feature_entries([{"feature_id": f, "source_columns": [f], "transformation": "raw", "domain": "clinical",
                                  "statistics": {"mean": parts["X_train"][f].mean()}} for f in features])
        mu.save_experiment({"experiment_id": "exp_forest", "name": "forest", "task_type": "regression", "metrics": metrics, "notes": "first forest",
                            "dataset": {"fingerprint": fingerprint, "rows": len(df), "target": "target", "features_used": features},
                            "model": {"algorithm": "RandomForestRegressor", "framework": "scikit-learn", "hyperparameters": forest.get_params()},
                            "rationale": {"approach_reason": "non-linear effects of bmi"}})
        mu.save_model_entry({"model_id": "model_forest", "name": "forest", "task_type": "regression", "algorithm": "RandomForestRegressor",
                             "metrics": metrics["test"], "feature_set": features, "training_experiment_id": "exp_forest", "data_fingerprint": fingerprint,
                             "artifact_path": "models/forest.pkl", "rationale": {"theory_recommendation": "forest over ridge for the bmi curve"}})
        verdict = mu.compare_with_champion("model_forest")
        assert verdict["promote"] and verdict["champion_id"] is None
        mu.promote_model("model_forest")

    # The data version: an MLflow dataset with the fingerprint as digest, its source, schema and rows.
    data_run = team.run(f"data_version:{fingerprint}")
    (data_input,) = data_run.inputs.dataset_inputs
    assert data_input.dataset.digest == fingerprint.split(":")[1][:36]
    assert json.loads(data_input.dataset.source) == {"uri": "diabetes.csv"}
    assert json.loads(data_input.dataset.profile)["num_rows"] == len(df)
    assert {c["name"] for c in json.loads(data_input.dataset.schema)["mlflow_colspec"]} == set(df.columns)
    assert {t.key: t.value for t in data_input.tags}["ml_automation.fingerprint"] == fingerprint

    # The experiment: a run with params, metrics per split, tags, and the same dataset as its input.
    run = team.run("experiment:exp_forest")
    assert run.info.run_name == "exp_forest" and run.info.status == "FINISHED"
    assert run.data.params["n_estimators"] == "40" and run.data.params["algorithm"] == "RandomForestRegressor"
    for split in ("train", "val", "test"):
        assert run.data.metrics[f"{split}_rmse"] == pytest.approx(metrics[split]["rmse"])
    tags = run.data.tags
    assert (tags["task_type"], tags["agent"], tags["data_fingerprint"]) == ("regression", "developer", fingerprint)
    assert tags["mlflow.note.content"] == "first forest" and tags["rationale"] == "non-linear effects of bmi"
    (training_input,) = run.inputs.dataset_inputs
    assert training_input.dataset.digest == data_input.dataset.digest
    assert {t.key: t.value for t in training_input.tags}["mlflow.data.context"] == "training"
    # Features are recorded on the run that uses them.
    for feature in features:
        assert json.loads(tags[f"ml_automation.feature.{feature}"])["source_columns"] == [feature]

    # The model: a version linked to its training run, tagged, holding the model file; @champion.
    (version,) = team.versions()
    assert version.run_id == run.info.run_id
    assert version.source == f"runs:/{run.info.run_id}/models/model_forest"
    assert (version.tags["task_type"], version.tags["algorithm"], version.tags["feature_set"]) == ("regression", "RandomForestRegressor", "bmi, bp, s5")
    assert version.tags["rationale"] == "forest over ridge for the bmi curve"
    # What it takes to reproduce the run, as tags: on the run and on the version (the estimator's seed there).
    import hashlib

    import sklearn

    assert tags["ml_automation.reproduce.python"] == platform.python_version()
    assert tags["ml_automation.reproduce.packages.scikit-learn"] == sklearn.__version__
    assert version.tags["ml_automation.reproduce.seeds.random_state"] == "0"
    assert version.tags["ml_automation.reproduce.estimator"] == "sklearn.ensemble._forest.RandomForestRegressor"
    assert version.tags["ml_automation.artifact_sha256"] == hashlib.sha256(Path("models/forest.pkl").read_bytes()).hexdigest()
    assert team.champion() == "model_forest"
    downloaded = team.client.download_artifacts(run.info.run_id, "models/model_forest/forest.pkl", str(tmp_path))
    with open(downloaded, "rb") as handle:
        restored = pickle.load(handle)  # noqa: S301 - the file this test wrote
    np.testing.assert_array_equal(restored.predict(parts["X_test"]), forest.predict(parts["X_test"]))

    # The team's view through the command line, and nothing left for sync to do.
    summary = cli(ml_automation_path, project, "--from", "mlflow")
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout.startswith(f"Registry: MLflow {team.uri} ") and "- Champion: model_forest (regression, RandomForestRegressor, rmse (" in summary.stdout
    lineage = cli(ml_automation_path, project, "lineage", "model_forest", "--from", "mlflow")
    assert lineage.returncode == 0, lineage.stderr
    assert "Experiment: exp_forest (RandomForestRegressor" in lineage.stdout and "Lineage: complete" in lineage.stdout
    assert "Features: 3 registered (bmi, bp, s5)" in lineage.stdout and "diabetes.csv" in lineage.stdout
    feature_view = cli(ml_automation_path, project, "features", "--from", "mlflow", "--json")
    assert {f["feature_id"]: f["used_in_models"] for f in json.loads(feature_view.stdout)["features"]} == {f: ["model_forest"] for f in features}
    report = sync_json(ml_automation_path, project)
    assert changed_nothing(report), report
    assert report["unchanged"] == 3 and len(team.runs()) == 2 and len(team.versions()) == 1


# --- Two machines ------------------------------------------------------------------------------

MACHINE_STEP = """
import json, ml_utils
ml_utils.save_model_entry({model!r})
verdict = ml_utils.compare_with_champion({model_id!r})
if verdict["promote"]:
    ml_utils.promote_model({model_id!r})
print(json.dumps(verdict))
"""


def test_two_machines_promote_in_turn_and_each_sees_the_others_champion(ml_utils_path, ml_automation_path, mlflow_server, tmp_path, monkeypatch):
    name = unique("churn")
    monkeypatch.delenv("ML_AUTOMATION_MLFLOW_PROJECT", raising=False)  # the project is named after its folder
    machines = {}
    for machine in ("a", "b"):
        folder = tmp_path / f"machine-{machine}" / name
        (folder / ".claude").mkdir(parents=True)
        machines[machine] = folder
    env = {"MLFLOW_TRACKING_URI": mlflow_server.uri}
    team = Team(mlflow_server.uri, name)

    def step(machine, model_id, rmse):
        code = MACHINE_STEP.format(model=regression_model(model_id, rmse), model_id=model_id)
        result = run_python(ml_utils_path, code, machines[machine], env=env, timeout=300)
        assert result.returncode == 0 and "MirrorWarning" not in result.stderr, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    first = step("a", "a1", 10.0)
    assert first["promote"] and first["champion_id"] is None and team.champion() == "a1"
    # A's first mirrored write recorded the project's identity in its registry folder; B gets it as a
    # team does, with the registry folder (git). Without it B is refused (another project of that name?).
    (machines["b"] / ".claude" / "mlops").mkdir()
    shutil.copy(machines["a"] / ".claude" / "mlops" / ".mlflow-project.json", machines["b"] / ".claude" / "mlops")
    second = step("b", "b1", 8.0)  # B has no local champion: it compares with A's, on the server
    assert second["champion_id"] == "a1" and second["champion_source"].startswith(f"MLflow {mlflow_server.uri}") and second["promote"]
    assert team.champion() == "b1"
    third = step("a", "a2", 9.0)  # better than A's own champion a1, not than B's b1: not promoted
    assert third["champion_id"] == "b1" and not third["promote"] and "9 >= 8" in third["reason"]
    fourth = step("a", "a3", 7.0)
    assert fourth["champion_id"] == "b1" and fourth["promote"] and team.champion() == "a3"

    for machine in ("a", "b"):
        view = cli(ml_automation_path, machines[machine], "models", "--champion", "--from", "mlflow", env=env)
        assert view.returncode == 0 and view.stdout.split("\n", 1)[1].startswith("Champion: a3"), view.stdout + view.stderr
    table = json.loads(cli(ml_automation_path, machines["b"], "models", "--all", "--json", "--from", "mlflow", env=env).stdout)
    assert {m["model_id"]: m["status"] for m in table["models"]} == {"a1": "archived", "b1": "archived", "a2": "challenger", "a3": "champion"}
    local = cli(ml_automation_path, machines["b"], "models", "--champion", env=env)
    assert local.stdout.split("\n", 1)[1].startswith("Champion: b1")  # B's own folder still holds its promotion

    # B's sync pushes nothing new and leaves the team's champion (promoted later, on A) where it is.
    report = sync_json(ml_automation_path, machines["b"], env=env)
    assert changed_nothing(report) and report["champion"].startswith("@champion kept on version"), report
    assert team.champion() == "a3" and sorted(team.model_ids()) == ["a1", "a2", "a3", "b1"]
    assert json.loads(team.client.get_model_version(name, team.versions()[1].version).tags["ml_automation.entry"])["model_id"] == "b1"
    assert team.versions()[1].tags["status"] == "archived"


# --- The server away ---------------------------------------------------------------------------


def test_the_server_stopped_mid_flow_loses_nothing_and_sync_levels_it(mu, team, mlflow_server, ml_automation_path, project):
    queue = Path(".claude/mlops/.mlflow-queue.jsonl")
    mu.save_data_version({"fingerprint": FINGERPRINT, "source_path": "sales.csv", "rows": 120, "columns": 4})
    assert team.keys() == [f"data_version:{FINGERPRINT}"]
    mlflow_server.stop()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mu.save_experiment({"experiment_id": "exp_1", "task_type": "regression", "dataset": {"fingerprint": FINGERPRINT},
                                "metrics": {"test": {"rmse": 3.0, "mae": 1.0, "r2": 0.4}}})
            mu.save_model_entry(regression_model("m1", 3.0, training_experiment_id="exp_1", data_fingerprint=FINGERPRINT))
            mu.save_model_entry(regression_model("m2", 4.0, training_experiment_id="exp_1", data_fingerprint=FINGERPRINT))
            mu.promote_model("m1")
        reported = [w for w in caught if issubclass(w.category, mu.MirrorWarning)]
        assert len(reported) == 1, [str(w.message) for w in caught]
        assert "registry sync" in str(reported[0].message) and str(queue) in str(reported[0].message)
        assert [m["model_id"] for m in mu.load_model_registry()["models"]] == ["m1", "m2"]
        assert mu.get_champion_model()["model_id"] == "m1"
        queued = [json.loads(line) for line in queue.read_text().splitlines()]
        assert [q["operation"] for q in queued] == ["save_experiment", "save_model_entry", "save_model_entry", "promote_model"]
    finally:
        mlflow_server.start(timeout=120)
    mu._DOWN_UNTIL.clear()
    assert team.keys() == [f"data_version:{FINGERPRINT}"] and team.versions() == []
    summary = cli(ml_automation_path, project)
    assert "- MLflow: 4 writes not yet on the team's server" in summary.stdout and "registry sync" in summary.stdout
    preview = sync_json(ml_automation_path, project, "--dry-run")
    assert created(preview) == {"experiment_runs": ["exp_1"], "model_versions": ["m1", "m2"]} and preview["queued_cleared"] == 0, preview
    assert preview["champion"] == "would move @champion to m1"
    assert team.keys() == [f"data_version:{FINGERPRINT}"] and team.versions() == [] and queue.exists()

    first = sync_json(ml_automation_path, project)
    assert created(first) == {"experiment_runs": ["exp_1"], "model_versions": ["m1", "m2"]}, first
    assert first["queued_cleared"] == 4 and not queue.exists()
    assert first["champion"].startswith("@champion moved to version")
    second = sync_json(ml_automation_path, project)
    assert changed_nothing(second) and second["unchanged"] == 4, second
    assert sorted(team.keys()) == sorted([f"data_version:{FINGERPRINT}", "experiment:exp_1"])
    assert team.model_ids() == ["m1", "m2"] and team.champion() == "m1"
    assert {v.run_id for v in team.versions()} == {team.run("experiment:exp_1").info.run_id}
    assert "MLflow:" not in cli(ml_automation_path, project).stdout


def test_four_processes_syncing_at_once_create_each_entry_once(mu, team, ml_automation_path, project, monkeypatch):
    monkeypatch.setenv("ML_AUTOMATION_MLFLOW_URI", "off")  # recorded locally first, as on a machine without the server
    fingerprints = ["sha256:" + f"{i:x}" * 64 for i in (1, 2)]
    for fingerprint in fingerprints:
        mu.save_data_version({"fingerprint": fingerprint, "source_path": f"part-{fingerprint[7]}.csv", "rows": 10, "columns": 2})
    mu.save_feature_entries([{"feature_id": f"f{i}", "source_columns": ["x"]} for i in range(4)])
    for i in range(6):
        mu.save_experiment({"experiment_id": f"exp_{i}", "task_type": "regression", "dataset": {"fingerprint": fingerprints[i % 2], "features_used": ["f0", "f1"]},
                            "metrics": {"test": {"rmse": 10.0 - i, "mae": 1.0, "r2": 0.5}}})
        mu.save_model_entry(regression_model(f"m{i}", 10.0 - i, training_experiment_id=f"exp_{i}", data_fingerprint=fingerprints[i % 2], feature_set=["f2", "f3"]))
    mu.promote_model("m5")
    monkeypatch.delenv("ML_AUTOMATION_MLFLOW_URI")
    assert team.runs() == []

    command = [sys.executable, str(ml_automation_path), "registry", "sync", "--json"]
    processes = [subprocess.Popen(command, cwd=project, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], [err for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    totals: dict[str, list[str]] = {}
    for report in reports:
        for kind, ids in report["created"].items():
            totals.setdefault(kind, []).extend(ids)
    assert sorted(totals["data_version_runs"]) == sorted(fingerprints)
    assert sorted(totals["experiment_runs"]) == [f"exp_{i}" for i in range(6)]
    assert sorted(totals["model_versions"]) == [f"m{i}" for i in range(6)]
    keys = team.keys()
    assert len(keys) == len(set(keys)) == 8
    assert sorted(team.model_ids()) == [f"m{i}" for i in range(6)] and team.champion() == "m5"
    assert not team.lock_held()
    run = team.run("experiment:exp_3")
    assert {"ml_automation.feature.f0", "ml_automation.feature.f2"} <= set(run.data.tags)


def test_a_lock_left_by_a_killed_holder_is_taken_over_and_a_live_one_waited_for(mu, team, ml_automation_path, project, monkeypatch):
    lock = team.project + LOCK_SUFFIX
    past = str(int(time.time() * 1000) - 1000)
    team.client.create_registered_model(lock, tags={"ml_automation.lock": "ghost-host:4242:dead", "ml_automation.lock_expires_ms": past})
    with warnings.catch_warnings():
        warnings.simplefilter("error", mu.MirrorWarning)
        mu.save_model_entry(regression_model("m1", 2.0))
    assert team.model_ids() == ["m1"] and not team.lock_held()

    future = str(int(time.time() * 1000) + 600_000)
    team.client.create_registered_model(lock, tags={"ml_automation.lock": "busy-host:77:live", "ml_automation.lock_expires_ms": future})
    monkeypatch.setenv("ML_AUTOMATION_MLFLOW_LOCK_WAIT", "1")
    with pytest.warns(mu.MirrorWarning, match="busy-host:77:live"):
        mu.save_model_entry(regression_model("m2", 1.0))
    assert [m["model_id"] for m in mu.load_model_registry()["models"]] == ["m1", "m2"]  # kept locally
    blocked = cli(ml_automation_path, project, "sync")
    assert blocked.returncode == 1 and "busy-host:77:live" in blocked.stderr and "ML_AUTOMATION_MLFLOW_LOCK_WAIT" in blocked.stderr
    assert team.model_ids() == ["m1"]
    team.client.delete_registered_model(lock)
    report = sync_json(ml_automation_path, project)
    assert created(report) == {"model_runs": ["m2"], "model_versions": ["m2"]} and report["queued_cleared"] == 1
    assert team.model_ids() == ["m1", "m2"] and not team.lock_held()


def test_a_sync_killed_midway_is_completed_by_the_next_with_nothing_twice(mu, team, ml_automation_path, project, monkeypatch):
    monkeypatch.setenv("ML_AUTOMATION_MLFLOW_URI", "off")
    for i in range(24):
        mu.save_experiment({"experiment_id": f"exp_{i:02d}", "task_type": "regression", "metrics": {"test": {"rmse": 1.0 + i}}})
    monkeypatch.delenv("ML_AUTOMATION_MLFLOW_URI")
    process = subprocess.Popen([sys.executable, str(ml_automation_path), "registry", "sync"], cwd=project, env=dict(os.environ),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(team.runs()) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.kill()
    process.wait()
    partial = len(team.runs())
    assert 3 <= partial < 24, partial
    if team.lock_held():  # what the killed process held: its lease would run out; end it now
        team.client.delete_registered_model(team.project + LOCK_SUFFIX)
    report = sync_json(ml_automation_path, project)
    assert len(report["created"]["experiment_runs"]) + report["unchanged"] + len(report["updated"]["experiment_runs"]) == 24
    keys = team.keys()
    assert len(keys) == len(set(keys)) == 24
    assert all(r.data.tags.get("ml_automation.entry") and r.info.status == "FINISHED" for r in team.runs())
    assert changed_nothing(sync_json(ml_automation_path, project))


# --- Odd values, updates, the server's newer copy ---------------------------------------------


def test_odd_values_from_notebooks_reach_mlflow_and_sync_stays_idempotent(mu, team, ml_automation_path, project):
    from sklearn.linear_model import Ridge

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mu.RegistryWarning)  # the NaN metrics are stored as null, with a warning
        warnings.simplefilter("error", mu.MirrorWarning)
        mu.save_experiment({
            "experiment_id": "exp_mmm", "task_type": "mmm", "notes": "n" * 20_000,
            "metrics": {"test": {"r2": np.float64(0.81), "mape": np.float32(0.125), "R² adj": 0.7,
                                 "channel_roi": {"tv": 1.2, "radio": np.nan}, "channel_contribution": {"tv": np.int64(3)}}},
            "model": {"algorithm": "Ridge", "hyperparameters": {"estimator": Ridge(alpha=0.5), "grid": {"alpha": [0.1, 1.0]}, "long": "x" * 7000, "seed": None}},
        })
    run = team.run("experiment:exp_mmm")
    assert run.data.metrics["test_r2"] == 0.81 and run.data.metrics["test_mape"] == 0.125 and run.data.metrics["test_channel_contribution_tv"] == 3.0
    assert run.data.metrics["test_channel_roi_tv"] == 1.2 and "test_channel_roi_radio" not in run.data.metrics
    assert run.data.metrics["test_R² adj"] == 0.7
    assert run.data.params["estimator"] == "Ridge(alpha=0.5)" and run.data.params["grid.alpha"] == "[0.1, 1.0]"
    assert len(run.data.params["long"]) == 6000 and run.data.params["long"].endswith("…") and "seed" not in run.data.params
    entry = json.loads(run.data.tags["ml_automation.entry"])
    assert "notes" in entry["_clipped"] and len(run.data.tags["ml_automation.entry"]) <= 8000
    assert len(run.data.tags["mlflow.note.content"]) == 8000
    assert changed_nothing(sync_json(ml_automation_path, project))
    shown = cli(ml_automation_path, project, "experiments", "--from", "mlflow")
    assert shown.returncode == 0 and "exp_mmm" in shown.stdout


def test_local_updates_are_pushed_and_a_newer_copy_on_the_server_is_kept(mu, team, ml_automation_path, project, tmp_path, monkeypatch):
    mu.save_experiment({"experiment_id": "exp_1", "task_type": "regression", "metrics": {"test": {"rmse": 5.0}}})
    mu.save_experiment({"experiment_id": "exp_1", "metrics": {"test": {"rmse": 4.0}}})  # updated here: the same run follows
    run = team.run("experiment:exp_1")
    assert run.data.metrics["test_rmse"] == 4.0
    assert [m.value for m in team.client.get_metric_history(run.info.run_id, "test_rmse")] == [5.0, 4.0]

    other = tmp_path / "colleague" / "project"  # a colleague with a copy of this registry (git) updates exp_1 later
    shutil.copytree(project / ".claude", other / ".claude")
    monkeypatch.chdir(other)
    mu.save_experiment({"experiment_id": "exp_1", "metrics": {"test": {"rmse": 3.0}}})
    assert team.run("experiment:exp_1").data.metrics["test_rmse"] == 3.0
    monkeypatch.chdir(project)
    report = sync_json(ml_automation_path, project)  # our copy is older: left as the server has it
    assert changed_nothing(report) and report["newer_on_server"] == ["experiment:exp_1"], report
    assert team.run("experiment:exp_1").data.metrics["test_rmse"] == 3.0 and len(team.runs()) == 1


def test_a_feature_updated_later_is_updated_on_the_runs_that_use_it(mu, team):
    mu.save_feature_entries([{"feature_id": "tenure_log", "source_columns": ["tenure"], "transformation": "log"}])
    mu.save_experiment({"experiment_id": "exp_1", "task_type": "regression", "dataset": {"features_used": ["tenure_log"]}, "metrics": {"test": {"rmse": 2.0}}})
    mu.save_model_entry(regression_model("m1", 2.0, training_experiment_id="exp_1", feature_set=["tenure_log"]))
    before = json.loads(team.run("experiment:exp_1").data.tags["ml_automation.feature.tenure_log"])
    assert before["transformation"] == "log" and "leakage_risk" in before
    mu.save_feature_entries([{"feature_id": "tenure_log", "leakage_risk": "high", "description": "log of tenure, months"}])
    after = json.loads(team.run("experiment:exp_1").data.tags["ml_automation.feature.tenure_log"])
    assert (after["leakage_risk"], after["description"], after["transformation"]) == ("high", "log of tenure, months", "log")
    assert len(team.runs()) == 1


def test_features_named_as_their_columns_reach_the_runs_and_read_back_as_they_are(mu, team, ml_automation_path, project):
    names = ["petal length (cm)", "mean radius", "ratio/area", "café"]  # MLflow refuses '(', ')' and 'é' in a tag's name
    with warnings.catch_warnings():
        warnings.simplefilter("error", mu.MirrorWarning)  # nothing queued: every call reached the server
        mu.save_feature_entries([{"feature_id": name, "source_columns": [name]} for name in names])
        mu.save_experiment({"experiment_id": "exp_1", "task_type": "regression", "dataset": {"features_used": names}, "metrics": {"test": {"rmse": 2.0}}})
        mu.save_model_entry(regression_model("m1", 2.0, training_experiment_id="exp_1", feature_set=names))
    tags = team.run("experiment:exp_1").data.tags
    named = {key: json.loads(value)["feature_id"] for key, value in tags.items() if key.startswith("ml_automation.feature.")}
    assert sorted(named.values()) == sorted(names) and named["ml_automation.feature.mean radius"] == "mean radius"
    assert all(re.fullmatch(r"ml_automation\.feature\.[A-Za-z0-9_.\- ]+", key) for key in named)
    shown = cli(ml_automation_path, project, "features", "--from", "mlflow", "--json")
    assert shown.returncode == 0, shown.stderr
    assert sorted(feature["feature_id"] for feature in json.loads(shown.stdout)["features"]) == sorted(names)


def test_a_project_experiment_deleted_on_the_server_is_named_not_recreated(mu, team, ml_automation_path, project):
    mu.save_experiment({"experiment_id": "exp_1", "task_type": "regression", "metrics": {"test": {"rmse": 2.0}}})
    team.client.delete_experiment(team.client.get_experiment_by_name(team.project).experiment_id)
    refused = cli(ml_automation_path, project, "sync")
    assert refused.returncode == 1 and f"the MLflow experiment {team.project!r}" in refused.stderr and "is deleted: restore it" in refused.stderr
    assert mu.load_experiments()[0]["experiment_id"] == "exp_1"


# --- Switched off, not installed, misused -------------------------------------------------------


def test_with_the_mirror_off_mlflow_is_never_imported(ml_utils_path, project):
    code = ("import sys, ml_utils\n"
            "ml_utils.save_model_entry({'model_id': 'm', 'task_type': 'regression', 'metrics': {'rmse': 1, 'mae': 1, 'r2': 0}})\n"
            "ml_utils.promote_model('m'); ml_utils.compare_with_champion('m')\n"
            "import ml_automation; ml_automation.registry_cli([])\n"
            "print('mlflow imported:', 'mlflow' in sys.modules)")
    result = run_python(ml_utils_path, code, project)
    assert result.returncode == 0 and result.stdout.strip().endswith("mlflow imported: False"), result.stdout + result.stderr
    off = run_python(ml_utils_path, code, project, env={"MLFLOW_TRACKING_URI": "http://127.0.0.1:9", "ML_AUTOMATION_MLFLOW_URI": "off"})
    assert off.returncode == 0 and off.stdout.strip().endswith("mlflow imported: False") and not (project / "mlops" / ".mlflow-queue.jsonl").exists()


def test_without_mlflow_installed_writes_stay_local_and_the_message_says_what_to_install(ml_utils_path, project):
    code = ("import sys; sys.modules['mlflow'] = None  # as if MLflow were not installed\n"
            "import ml_utils\n"
            "ml_utils.save_model_entry({'model_id': 'm', 'task_type': 'regression', 'metrics': {'rmse': 1, 'mae': 1, 'r2': 0}})\n"
            "ml_utils.save_model_entry({'model_id': 'n', 'task_type': 'regression', 'metrics': {'rmse': 1, 'mae': 1, 'r2': 0}})\n"
            "print([m['model_id'] for m in ml_utils.load_model_registry()['models']])\n"
            "import ml_automation; print('sync status', ml_automation.registry_cli(['sync']))")
    result = run_python(ml_utils_path, code, project, env={"MLFLOW_TRACKING_URI": "http://127.0.0.1:9"})
    assert result.returncode == 0, result.stderr
    assert "['m', 'n']" in result.stdout and "sync status 1" in result.stdout
    assert result.stderr.count("MirrorWarning") == 1 and "pip install mlflow-skinny" in result.stderr
    assert "Error: the MLflow mirror is on (MLFLOW_TRACKING_URI=http://127.0.0.1:9) but MLflow's client cannot be imported" in result.stderr
    assert len((project / "mlops" / ".mlflow-queue.jsonl").read_text().splitlines()) == 2


def test_team_views_and_sync_refuse_what_they_cannot_do(ml_automation_path, project):
    off = cli(ml_automation_path, project, "models", "--from", "mlflow")
    assert off.returncode == 1 and "the MLflow mirror is off (MLFLOW_TRACKING_URI is not set): set MLFLOW_TRACKING_URI" in off.stderr
    switched = cli(ml_automation_path, project, "models", "--from", "mlflow", env={"MLFLOW_TRACKING_URI": "http://127.0.0.1:9", "ML_AUTOMATION_MLFLOW_URI": "off"})
    assert switched.returncode == 1 and "the MLflow mirror is off (ML_AUTOMATION_MLFLOW_URI=off)" in switched.stderr
    assert cli(ml_automation_path, project, "sync").returncode == 1
    for args in (["repair", "--from", "mlflow"], ["sync", "--from", "mlflow"]):
        refused = cli(ml_automation_path, project, *args)
        assert refused.returncode == 2 and "works on the local registry folder" in refused.stderr
    wrong = cli(ml_automation_path, project, "--from", "s3")
    assert wrong.returncode == 2 and "invalid choice: 's3'" in wrong.stderr
    assert not (project / "mlops").exists()


# --- Issue 18: one project per name, a bounded save, only the model file ---------------------------

PROMOTE_STEP = """
import json, ml_utils, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    ml_utils.save_model_entry({model!r})
    verdict = ml_utils.compare_with_champion({model_id!r})
    if verdict["promote"]:
        ml_utils.promote_model({model_id!r})
print(json.dumps({{"verdict": verdict, "warnings": [str(w.message) for w in caught]}}))
"""


def test_two_projects_in_folders_of_one_name_never_share_the_team_registry(ml_utils_path, ml_automation_path, mlflow_server, tmp_path, monkeypatch):
    name = unique("churn")
    monkeypatch.delenv("ML_AUTOMATION_MLFLOW_PROJECT", raising=False)
    folders = {}
    for owner in ("alice", "bob"):
        folders[owner] = tmp_path / owner / name
        (folders[owner] / ".claude").mkdir(parents=True)
    env = {"MLFLOW_TRACKING_URI": mlflow_server.uri}
    team = Team(mlflow_server.uri, name)

    def step(owner, model_id, rmse, **more):
        code = PROMOTE_STEP.format(model=regression_model(model_id, rmse), model_id=model_id)
        done = run_python(ml_utils_path, code, folders[owner], env=dict(env, **more), timeout=300)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    first = step("alice", "m1", 10.0)
    assert first["warnings"] == [] and team.model_ids() == ["m1"] and team.champion() == "m1"
    stored = json.loads((folders["alice"] / ".claude" / "mlops" / ".mlflow-project.json").read_text())
    assert stored["project"] == name and len(stored["id"]) == 16
    # Bob's unrelated project, in a folder of the same name: refused, naming both; kept and queued locally.
    second = step("bob", "m1", 3.0)
    refused = [w for w in second["warnings"] if "is another project's" in w]
    assert len(refused) == 1 and f"the MLflow project {name!r} on {mlflow_server.uri} is another project's (id {stored['id']}" in refused[0]
    assert "which records no MLflow project yet" in refused[0] and "ML_AUTOMATION_MLFLOW_PROJECT" in refused[0]
    assert second["verdict"]["champion_source"].startswith("the local registry (") and second["verdict"]["champion_id"] is None
    assert team.model_ids() == ["m1"] and team.champion() == "m1"
    assert json.loads(team.versions()[0].tags["ml_automation.entry"])["metrics"]["rmse"] == 10.0  # Alice's m1, untouched
    assert not (folders["bob"] / ".claude" / "mlops" / ".mlflow-project.json").exists()
    synced = cli(ml_automation_path, folders["bob"], "sync", env=env)
    assert synced.returncode == 1 and "is another project's" in synced.stderr and "Traceback" not in synced.stderr
    viewed = cli(ml_automation_path, folders["bob"], "models", "--from", "mlflow", env=env)
    assert viewed.returncode == 1 and "is another project's" in viewed.stderr
    assert team.model_ids() == ["m1"]
    # A project name of its own: Bob's registry goes there.
    third = step("bob", "m2", 4.0, ML_AUTOMATION_MLFLOW_PROJECT=name + "-bob")
    assert not [w for w in third["warnings"] if "MirrorWarning" in w or "another project" in w], third["warnings"]
    assert Team(mlflow_server.uri, name + "-bob").model_ids() == ["m2"]
    # Once recorded, a setting that says otherwise is refused, naming both; nothing is created under it.
    fourth = step("alice", "m3", 9.0, ML_AUTOMATION_MLFLOW_PROJECT=name + "-renamed")
    assert any(f"ML_AUTOMATION_MLFLOW_PROJECT is '{name}-renamed', but this project's registry records its MLflow project as {name!r}" in w
               for w in fourth["warnings"]), fourth["warnings"]
    assert Team(mlflow_server.uri, name + "-renamed").runs() == [] and team.model_ids() == ["m1"]


class HungServer:
    """A server on 127.0.0.1 that accepts connections and never answers (counting them)."""

    def __init__(self):
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.uri = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self):
        self.sock.close()
        for connection in self.accepted:
            connection.close()


SAVE = "import ml_utils; ml_utils.save_model_entry({'model_id': %r, 'task_type': 'regression', 'metrics': {'rmse': 1, 'mae': 1, 'r2': 0}})"


def test_a_hung_server_costs_one_bounded_call_and_later_saves_in_new_processes_skip_it(ml_utils_path, ml_automation_path, project):
    server = HungServer()
    try:
        env = {"MLFLOW_TRACKING_URI": server.uri, "ML_AUTOMATION_MLFLOW_PROJECT": unique("hung"), "MLFLOW_HTTP_REQUEST_TIMEOUT": "120"}
        first = run_python(ml_utils_path, SAVE % "m1", project, env=env, timeout=60)  # the user's 120 s is not a save's
        assert first.returncode == 0 and "MirrorWarning" in first.stderr and "does not answer within 2 s (timed out)" in first.stderr, first.stderr
        assert len(server.accepted) == 1  # one call, no retry
        state = json.loads((project / "mlops" / ".mlflow-state.json").read_text())
        assert state["uri"] == server.uri and state["retry_at"] > time.time()
        second = run_python(ml_utils_path, SAVE % "m2", project, env=env, timeout=60)  # another process, as every agent step is
        assert second.returncode == 0 and len(server.accepted) == 1
        queued = [json.loads(line) for line in (project / "mlops" / ".mlflow-queue.jsonl").read_text().splitlines()]
        assert [q["changed"]["models"] for q in queued] == [["m1"], ["m2"]] and "saves do not call it before" in queued[1]["error"]
        assert [m["model_id"] for m in json.loads((project / "mlops" / "model-registry.json").read_text())["models"]] == ["m1", "m2"]
    finally:
        server.close()


@pytest.mark.parametrize("uri", ["htp://127.0.0.1:5", "ftp://127.0.0.1:5", "127.0.0.1:5000"])
def test_a_tracking_uri_mlflow_cannot_use_is_one_error_line_not_a_traceback(ml_utils_path, ml_automation_path, project, uri):
    env = {"MLFLOW_TRACKING_URI": uri}
    for args in (["sync"], ["models", "--from", "mlflow"]):
        shown = cli(ml_automation_path, project, *args, env=env)
        assert shown.returncode == 1 and f"Error: the MLflow tracking URI {uri!r} (MLFLOW_TRACKING_URI) cannot be used" in shown.stderr, shown.stderr
        assert "Traceback" not in shown.stderr
    assert ("It has no scheme: a tracking server is http://HOST:PORT" in shown.stderr) == ("://" not in uri)
    saved = run_python(ml_utils_path, SAVE % "m1", project, env=env, timeout=120)
    assert saved.returncode == 0 and "Traceback" not in saved.stderr and "cannot be used" in saved.stderr


def test_only_the_model_file_is_uploaded_never_the_project_or_dot_files(mu, team, ml_automation_path, project, monkeypatch):
    Path(".env").write_text("SECRET=1\n")
    os.makedirs("models/bert/.cache")
    Path("models/forest.pkl").write_bytes(b"\x80" * 2048)
    Path("models/bert/config.json").write_text("{}")
    Path("models/bert/weights.bin").write_bytes(b"\0" * 4096)
    Path("models/bert/.env").write_text("TOKEN=2\n")
    Path("models/bert/.cache/blob").write_text("x")
    # One artifact per model: the later saves get files and folders of their own, alike.
    shutil.copytree("models/bert", "models/bert_later")
    shutil.copytree("models/bert", "models/bert_folder")
    for name in ("later", "last"):
        shutil.copy("models/forest.pkl", f"models/{name}.pkl")
    os.makedirs("notes")

    def uploaded(model_id):
        run_id = team.versions()[[v.tags["ml_automation.model_id"] for v in team.versions()].index(model_id)].run_id
        found, pending = [], [f"models/{model_id}"]
        while pending:
            for item in team.client.list_artifacts(run_id, pending.pop()):
                (pending if item.is_dir else found).append(item.path)
        return sorted(path.split(f"models/{model_id}/", 1)[1] for path in found)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for model_id, artifact in (("whole", "."), ("folder", "models/bert_folder"), ("env", ".env"), ("bert", "models/bert/"), ("forest", "models/forest.pkl")):
            mu.save_model_entry(regression_model(model_id, 1.0, artifact_path=artifact))
    said = [str(w.message) for w in caught if issubclass(w.category, mu.MirrorWarning)]
    assert said == ["save_model_entry: model whole: artifact_path '.' is a folder: only a file is uploaded (end artifact_path with '/' to upload the folder)",
                    "save_model_entry: model folder: artifact_path 'models/bert_folder' is a folder: only a file is uploaded (end artifact_path with '/' to upload the folder)",
                    "save_model_entry: model env: artifact_path '.env' is a dot-file or inside a dot-folder: never uploaded"], said
    assert [uploaded(m) for m in ("whole", "folder", "env", "bert", "forest")] == [[], [], [], ["config.json", "weights.bin"], ["forest.pkl"]]
    # A sync names each file it uploads with its size.
    monkeypatch.setenv("ML_AUTOMATION_MLFLOW_URI", "off")  # recorded locally first, pushed by the sync
    mu.save_model_entry(regression_model("later", 1.0, artifact_path="models/later.pkl"))
    mu.save_model_entry(regression_model("later_bert", 1.0, artifact_path="models/bert_later/"))
    monkeypatch.delenv("ML_AUTOMATION_MLFLOW_URI")
    report = sync_json(ml_automation_path, project)
    assert report["artifacts_uploaded"] == [{"path": "models/later.pkl", "bytes": 2048, "files": 1}, {"path": "models/bert_later/", "bytes": 4098, "files": 2}]
    assert report["artifacts_not_uploaded"] == []
    monkeypatch.setenv("ML_AUTOMATION_MLFLOW_URI", "off")
    mu.save_model_entry(regression_model("last", 1.0, artifact_path="models/last.pkl"))
    mu.save_model_entry(regression_model("last_dot", 1.0, artifact_path="notes"))
    monkeypatch.delenv("ML_AUTOMATION_MLFLOW_URI")
    text = cli(ml_automation_path, project, "sync")
    assert text.returncode == 0 and "- model files uploaded: models/last.pkl (2.0 KB)" in text.stdout, text.stdout
    assert "- model files not uploaded: model last_dot: artifact_path 'notes' is a folder" in text.stdout
