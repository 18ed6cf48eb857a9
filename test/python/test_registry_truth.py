"""What the registry says stays true: ids made by the runtime, one artifact per model with its sha256
and size checked wherever it is used, reproduction facts on every run, reports kept per stage, and
the report check agreeing with the prose (gates, read-only agents)."""

import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from conftest import run_python
from sklearn.datasets import load_diabetes
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import RandomForestRegressor


@pytest.fixture
def diabetes(mu, project):
    df = load_diabetes(as_frame=True).frame
    df.to_csv("diabetes.csv", index=False)
    df = mu.load_data("diabetes.csv")
    parts = mu.split_data(df, target="target", val_size=0.15)
    return df, parts


def train_and_register(mu, parts, estimator, fingerprint=""):
    """The developer's recording steps: fresh ids, the model's own artifact, experiment, entry, the runtime's rule."""
    model_id, experiment_id = mu.new_id("model"), mu.new_id("exp")
    estimator.fit(parts["X_train"], parts["y_train"])
    metrics = {"test": mu.evaluate_model(estimator, parts["X_test"], parts["y_test"], "regression")}
    artifact = mu.save_model_artifact(estimator, model_id)
    assert mu.save_experiment({"experiment_id": experiment_id, "task_type": "regression", "metrics": metrics, "dataset": {"fingerprint": fingerprint},
                               "artifacts": [{"type": "model", "path": artifact}], "registered_model_id": model_id}) == experiment_id
    assert mu.save_model_entry({"model_id": model_id, "task_type": "regression", "metrics": metrics, "artifact_path": artifact,
                                "training_experiment_id": experiment_id, "data_fingerprint": fingerprint}) == model_id
    return model_id, artifact, mu.promote_if_better(model_id)


def cli(ml_automation_path, project, *args):
    return subprocess.run([sys.executable, str(ml_automation_path), "registry", *args], cwd=project, capture_output=True, text=True, timeout=120)


def test_ids_are_fresh_sortable_and_every_save_returns_the_id_it_stored(mu, project):
    ids = [mu.new_id("model") for _ in range(200)]
    assert len(set(ids)) == 200 and ids == sorted(ids) and all(i.startswith("model_") for i in ids)
    assert mu.save_feature_entries([{"feature_id": "f1"}, {"name": "f2"}]) == ["f1", "f2"]
    fingerprint = "sha256:" + "ab" * 32
    assert mu.save_data_version({"fingerprint": fingerprint, "rows": 3}) == fingerprint
    assert mu.save_experiment({"task_type": "regression"}).startswith("exp_")
    with pytest.raises(mu.RegistryError):
        mu.new_id("no spaces")


def test_a_losing_challenger_never_touches_the_champions_artifact(mu, diabetes, ml_automation_path, project):
    _, parts = diabetes
    champion, champion_file, first = train_and_register(mu, parts, RandomForestRegressor(n_estimators=30, random_state=0))
    before = hashlib.sha256(Path(champion_file).read_bytes()).hexdigest()
    dummy, dummy_file, second = train_and_register(mu, parts, DummyRegressor())
    assert first["promoted"] and not second["promoted"] and "not better" in second["reason"]
    assert champion_file == f"models/{champion}.joblib" and dummy_file == f"models/{dummy}.joblib"
    assert mu.get_champion_model()["model_id"] == champion
    assert mu.model_artifact() == champion_file and hashlib.sha256(Path(champion_file).read_bytes()).hexdigest() == before
    entry = mu.get_champion_model()
    assert entry["artifact_sha256"] == before and entry["artifact_bytes"] == os.path.getsize(champion_file)
    # One artifact per model: neither a second save under the same id nor another model naming the file.
    with pytest.raises(mu.RegistryError, match="exists"):
        mu.save_model_artifact(DummyRegressor(), champion)
    with pytest.raises(mu.RegistryError, match=f"is model {champion}'s artifact"):
        mu.save_model_entry({"model_id": mu.new_id("model"), "task_type": "regression", "artifact_path": champion_file})
    assert hashlib.sha256(Path(champion_file).read_bytes()).hexdigest() == before


def test_a_changed_or_vanished_artifact_is_named_and_never_promoted_or_served(mu, diabetes, ml_automation_path, project):
    _, parts = diabetes
    weak, weak_file, _ = train_and_register(mu, parts, DummyRegressor())
    strong = mu.new_id("model")
    forest = RandomForestRegressor(n_estimators=30, random_state=0).fit(parts["X_train"], parts["y_train"])
    strong_file = mu.save_model_artifact(forest, strong)
    mu.save_model_entry({"model_id": strong, "task_type": "regression", "artifact_path": strong_file,
                         "metrics": {"test": mu.evaluate_model(forest, parts["X_test"], parts["y_test"], "regression")}})
    with open(strong_file, "ab") as handle:  # changed after registration
        handle.write(b"\0")
    decision = mu.compare_with_champion(strong)
    assert not decision["promote"] and "changed since it was registered" in decision["reason"]
    with pytest.raises(mu.RegistryError, match="changed since it was registered"):
        mu.promote_model(strong)
    with pytest.raises(mu.RegistryError, match="changed since it was registered"):
        mu.model_artifact(strong)
    # Re-registering the changed file under the same id launders nothing.
    with pytest.raises(mu.RegistryError, match="not the artifact it was registered with"):
        mu.save_model_entry({"model_id": strong, "artifact_path": strong_file})
    assert mu.get_champion_model()["model_id"] == weak
    lineage = cli(ml_automation_path, project, "lineage", strong)
    assert "changed since it was registered" in lineage.stdout and "Lineage gaps:" in lineage.stdout
    os.remove(weak_file)  # the champion's file vanishes
    assert mu.check_artifact(weak)["state"] == "missing"
    with pytest.raises(mu.RegistryError, match=f"the artifact of model {weak}, {weak_file}, is missing"):
        mu.model_artifact()
    report = cli(ml_automation_path, project, "report")
    assert report.returncode == 0, report.stderr
    page = Path("mlops/report.html").read_text(encoding="utf-8")
    assert f"{weak_file} (missing" in page and "an artifact missing or changed" in page


def test_reproduction_facts_are_recorded_unasked_and_shown(mu, diabetes, ml_utils_path, ml_automation_path, project):
    subprocess.run(["git", "init", "-q", "."], check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "diabetes.csv"], check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "data"], check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    _, parts = diabetes
    model_id, _, _ = train_and_register(mu, parts, RandomForestRegressor(n_estimators=10, random_state=7))
    entry = mu.get_champion_model()
    facts = entry["reproduction"]
    import numpy
    import pandas
    import sklearn

    assert facts["git_commit"] == head and facts["git_dirty"] is False  # the registry's own writes do not count
    assert facts["python"] == ".".join(map(str, sys.version_info[:3]))
    assert facts["packages"] == {"scikit-learn": sklearn.__version__, "pandas": pandas.__version__, "numpy": numpy.__version__}
    assert facts["estimator"] == "sklearn.ensemble._forest.RandomForestRegressor" and facts["seeds"] == {"random_state": 7}
    assert mu.load_experiments()[0]["reproduction"]["seeds"] == {"random_state": 7}
    # A tracked file changed: the tree is dirty; a model registered in another process gets its estimator from the file.
    with open("diabetes.csv", "a") as handle:
        handle.write("\n")
    code = ("import ml_utils, warnings; warnings.simplefilter('ignore');"
            "ml_utils.save_model_entry({'model_id': 'later', 'task_type': 'regression', 'artifact_path': 'elsewhere.joblib'});"
            "print(ml_utils.load_model_registry()['models'][-1]['reproduction'])")
    import joblib

    joblib.dump(DummyRegressor(), "elsewhere.joblib")
    later = run_python(ml_utils_path, code, project)
    assert later.returncode == 0, later.stderr
    assert "'git_dirty': True" in later.stdout and "'estimator': 'sklearn.dummy.DummyRegressor'" in later.stdout
    lineage = cli(ml_automation_path, project, "lineage", model_id)
    assert f"Reproduce: git {head}; python " in lineage.stdout and "seeds random_state=7" in lineage.stdout
    shown = json.loads(cli(ml_automation_path, project, "lineage", model_id, "--json").stdout)
    assert shown["reproduction"] == facts and shown["artifact"]["state"] == "ok"
    cli(ml_automation_path, project, "report")
    page = Path("mlops/report.html").read_text(encoding="utf-8")
    assert f"git {head}" in page and "seeds random_state=7" in page


def test_an_empty_feature_store_says_so(mu, ml_automation_path, project):
    mu.save_model_entry({"model_id": "m1", "task_type": "regression"})
    shown = cli(ml_automation_path, project, "features")
    assert shown.returncode == 0 and shown.stdout.splitlines()[1:] == ["No features registered yet (save_feature_entries records them)."]


def test_reports_are_kept_per_stage_and_added_to_within_one(mu, project):
    mu.save_agent_report("developer", {"summary": "split", "split": "stratified"}, stage="stage-3")
    mu.save_agent_report("developer", {"model_id": "m1", "experiment_id": "e1"}, stage="stage-4")
    mu.save_agent_report("developer", {"summary": "trained"}, stage="stage-4")  # adds to the stage's report
    mu.save_eda_report({"shape": [1, 1]})
    stage4 = mu.load_agent_report("developer", stage="stage-4")
    assert (stage4["model_id"], stage4["summary"], stage4["stage"]) == ("m1", "trained", "stage-4")
    assert mu.load_agent_report("developer", stage="stage-3")["split"] == "stratified"
    assert mu.load_agent_report("developer")["summary"] == "trained"  # the newest of any stage
    assert sorted(mu.load_agent_reports()) == ["developer"]  # eda_report.json is no agent
    assert sorted(mu.load_agent_reports(stages=True)) == ["developer@stage-3", "developer@stage-4"]
    status = mu.get_workflow_status(expected_agents=["developer", "mlops-engineer"])
    assert status["completed"] == ["developer"] and status["pending"] == ["mlops-engineer"]
    with pytest.raises(ValueError):
        mu.save_agent_report("developer", {}, stage="../x")


def test_the_report_check_agrees_with_the_prose(ml_utils_path, mu, project):
    plugin = ml_utils_path.parent.parent

    def check(agent):
        payload = {"agent_type": f"ml-automation:{agent}", "cwd": str(project)}
        done = subprocess.run([sys.executable, str(plugin / "hooks" / "report_check.py")], input=json.dumps(payload), cwd=project,
                              capture_output=True, text=True, timeout=60)
        return done.stdout

    assert "no report" in check("ml-theory-advisor")
    mu.save_reflection_report("gate-1", {"verdict": "approve", "summary": "split by date"})  # a gate: that is its report
    assert check("ml-theory-advisor") == ""
    assert check("assigner") == ""  # Read, Glob and Grep only: it cannot save one, so it is not asked
    assert "no report" in check("developer")
    mu.save_agent_report("developer", {"summary": "trained"}, stage="stage-4")
    assert check("developer") == ""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mu.load_reflection_reports()["gate-1"]["agent"] == "ml-theory-advisor"


def test_a_folder_artifact_keeps_its_slash_and_is_one_models_with_or_without_it(mu, project):
    os.makedirs("models/bert")
    Path("models/bert/weights.bin").write_bytes(b"\0" * 64)
    mu.save_model_entry({"model_id": "bert", "task_type": "regression", "artifact_path": "models/bert/"})
    entry = next(m for m in mu.load_model_registry()["models"] if m["model_id"] == "bert")
    # The '/' says "upload the folder" to the MLflow mirror: the recorded path keeps it.
    assert entry["artifact_path"] == "models/bert/" and entry["artifact_bytes"] == 64
    for other in ("models/bert", "models/bert/", "./models/bert/"):
        with pytest.raises(mu.RegistryError, match="is model bert's artifact"):
            mu.save_model_entry({"model_id": mu.new_id("model"), "task_type": "regression", "artifact_path": other})
