"""A real scikit-learn flow recorded through the registry API, then inspected with `python3 ml_utils.py registry`."""

import json
import os
import subprocess
import sys

import pytest
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline


def cli(ml_automation_path, cwd, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_AUTOMATION_")}
    return subprocess.run([sys.executable, str(ml_automation_path), "registry", *args], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture
def recorded_project(mu, project):
    """The diabetes data taken through EDA, features, two experiments and two models, like the agents do."""
    os.mkdir(".claude")
    df = load_diabetes(as_frame=True).frame
    df.to_csv("diabetes.csv", index=False)
    df = mu.load_data("diabetes.csv")
    fingerprint = mu.compute_data_fingerprint(df)
    mu.save_data_version({"fingerprint": fingerprint, "source_path": "diabetes.csv", "rows": len(df), "columns": df.shape[1],
                          "column_schema": {c: {"dtype": str(df[c].dtype)} for c in df.columns}, "detected_task_type": "regression"})
    parts = mu.split_data(df, "target", val_size=0.15)
    kinds = mu.detect_column_types(parts["X_train"])
    mu.save_feature_entries([{"feature_id": c, "source_columns": [c], "dtype": str(df[c].dtype), "domain": "clinical" if c in ("bmi", "bp") else "lab",
                              "statistics": {"mean": parts["X_train"][c].mean()}, "leakage_risk": "none"} for c in kinds["numeric"]])
    for name, estimator in (("ridge", Ridge(alpha=1.0)), ("forest", RandomForestRegressor(n_estimators=60, random_state=0))):
        pipeline = Pipeline([("prep", mu.build_preprocessor(kinds)), ("model", estimator)]).fit(parts["X_train"], parts["y_train"])
        metrics = {split: mu.evaluate_model(pipeline, parts[f"X_{split}"], parts[f"y_{split}"], "regression") for split in ("train", "val", "test")}
        mu.save_experiment({"experiment_id": f"exp_{name}", "name": name, "task_type": "regression", "metrics": metrics,
                            "dataset": {"fingerprint": fingerprint, "rows": len(df), "target": "target"},
                            "model": {"algorithm": type(estimator).__name__, "hyperparameters": estimator.get_params()},
                            "rationale": {"approach_reason": f"{name} on standardised numeric features"}})
        mu.save_model_entry({"model_id": f"model_{name}", "name": name, "task_type": "regression", "algorithm": type(estimator).__name__,
                             "metrics": metrics["test"], "feature_set": kinds["numeric"], "training_experiment_id": f"exp_{name}",
                             "data_fingerprint": fingerprint, "rationale": {"theory_recommendation": f"try {name}"}})
        if mu.compare_with_champion(f"model_{name}")["promote"]:
            mu.promote_model(f"model_{name}")
    return {"fingerprint": fingerprint, "features": kinds["numeric"], "champion": mu.get_champion_model()["model_id"]}


def test_the_flow_is_recorded_with_lineage(ma, mu, recorded_project):
    lineage = ma.get_model_lineage("model_forest")
    assert lineage["complete"], lineage["gaps"]
    assert lineage["data_version"]["used_in_experiments"] == ["exp_ridge", "exp_forest"]
    assert {f["feature_id"] for f in lineage["features"]} == set(recorded_project["features"])
    champion = mu.get_champion_model()
    models = {m["model_id"]: m for m in mu.load_model_registry()["models"]}
    better = min(models.values(), key=lambda m: m["metrics"]["rmse"])
    assert champion["model_id"] == better["model_id"]


def test_cli_summary_tables_and_lineage(ml_automation_path, recorded_project, project):
    summary = cli(ml_automation_path, project)
    assert summary.returncode == 0, summary.stderr
    assert f"MLOps registry: {os.path.join('.claude', 'mlops')}" in summary.stdout
    # ridge is registered first and becomes champion; the forest replaces it only if its rmse is lower
    expected = "0 challenger, 1 archived" if recorded_project["champion"] == "model_forest" else "1 challenger, 0 archived"
    assert f"- Models: 2 (1 champion, {expected})" in summary.stdout
    assert f"- Champion: {recorded_project['champion']} (regression" in summary.stdout
    assert "- Lineage: 2 of 2 models complete" in summary.stdout

    models = cli(ml_automation_path, project, "models").stdout.splitlines()
    assert models[0] == "| Model ID | Name | Task Type | Algorithm | Status | Key Metric | Created |"
    assert len(models) == 4 and any("| champion |" in row and "rmse=" in row for row in models)

    champion = cli(ml_automation_path, project, "models", "--champion").stdout
    assert champion.startswith(f"Champion: {recorded_project['champion']}") and "theory_recommendation=" in champion

    clinical = cli(ml_automation_path, project, "features", "--domain", "clinical").stdout.splitlines()
    assert len(clinical) == 4 and {row.split(" | ")[0].strip("| ") for row in clinical[2:]} == {"bmi", "bp"}
    assert "model_ridge, model_forest" in clinical[2]

    experiments = cli(ml_automation_path, project, "experiments").stdout
    assert "exp_forest | regression | RandomForestRegressor | rmse=" in experiments
    assert "| completed | model_forest |" in experiments

    data = cli(ml_automation_path, project, "data").stdout
    assert f"| {recorded_project['fingerprint'][7:19]} | diabetes.csv | 442 | 11 | regression | exp_ridge, exp_forest |" in data

    lineage = cli(ml_automation_path, project, "lineage", "model_forest")
    assert lineage.returncode == 0
    chain = lineage.stdout.splitlines()
    assert chain[0].startswith("Data: diabetes.csv (sha256:") and "442 rows" in chain[0]
    assert chain[1].startswith("  -> Features: 10 registered")
    assert chain[2].startswith("    -> Experiment: exp_forest (RandomForestRegressor, test rmse=")
    assert chain[3].startswith("      -> Model: model_forest (")
    assert chain[4] == "         Rationale: try forest" and chain[5] == "         Artifact: - (none)"
    assert chain[6].startswith("         Reproduce: ") and "; python 3." in chain[6] and "scikit-learn " in chain[6] and chain[7] == "Lineage: complete"

    as_json = json.loads(cli(ml_automation_path, project, "lineage", "model_ridge", "--json").stdout)
    assert as_json["complete"] is True and as_json["experiment"]["experiment_id"] == "exp_ridge"
    assert json.loads(cli(ml_automation_path, project, "--json").stdout)["champion"] == recorded_project["champion"]


def test_cli_reports_gaps_in_lineage(mu, ml_automation_path, project):
    mu.save_model_entry({"model_id": "lonely", "task_type": "regression", "metrics": {"rmse": 1.0, "mae": 1.0, "r2": 0.1},
                         "feature_set": ["ghost_feature"], "training_experiment_id": "exp_missing"})
    out = cli(ml_automation_path, project, "lineage", "lonely").stdout
    assert "Experiment: not logged (exp_missing)" in out
    assert "- experiment exp_missing is not logged" in out and "ghost_feature" in out
    assert "- Lineage: 0 of 1 models complete" in cli(ml_automation_path, project).stdout


def test_cli_on_an_empty_project_and_unknown_ids(ml_automation_path, project):
    empty = cli(ml_automation_path, project)
    assert empty.returncode == 0 and "Nothing is registered yet" in empty.stdout
    assert os.listdir(project) == []
    unknown = cli(ml_automation_path, project, "lineage", "nope")
    assert unknown.returncode == 1 and "no model 'nope'" in unknown.stderr
    usage = cli(ml_automation_path, project, "bogus")
    assert usage.returncode == 2 and "invalid choice" in usage.stderr


def test_cli_warns_about_an_unreadable_registry_and_shows_the_rest(mu, ml_automation_path, project):
    mu.save_feature_entries([{"feature_id": "f1"}])
    mu.save_model_entry({"model_id": "m1", "task_type": "regression", "metrics": {"rmse": 1.0, "mae": 1.0, "r2": 0.1}})
    with open("mlops/model-registry.json", "a") as handle:
        handle.write("garbage")
    result = cli(ml_automation_path, project, "features")
    assert result.returncode == 3 and "| f1 |" in result.stdout
    assert "DAMAGED: mlops/model-registry.json:" in result.stdout and "unexpected text after the 'models' list" in result.stdout
