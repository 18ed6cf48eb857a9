"""A real scikit-learn flow recorded through the registry API, then inspected with `python3 ml_utils.py registry`."""

import json
import os
import re
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
    assert summary.stdout.startswith(f"Registry: {os.path.join('.claude', 'mlops')}\n")
    # ridge is registered first and becomes champion; the forest replaces it only if its rmse is lower
    expected = "0 challengers, 1 archived" if recorded_project["champion"] == "model_forest" else "1 challenger, 0 archived"
    assert f"- Models: 2 (1 champion, {expected})" in summary.stdout
    assert f"- Champion: {recorded_project['champion']} (regression" in summary.stdout
    assert "- Lineage: 2 of 2 models complete" in summary.stdout

    models = cli(ml_automation_path, project, "models").stdout.splitlines()
    assert models[0] == "Registry: .claude/mlops"
    assert models[1] == "| Model ID | Name | Task Type | Algorithm | Status | Primary Metric | Created |"
    # the metric names the split it was measured on; times are one format everywhere
    assert len(models) == 5 and any("| champion | rmse (unknown split) " in row and row.endswith(" UTC |") for row in models)

    champion = cli(ml_automation_path, project, "models", "--champion").stdout
    assert champion.startswith(f"Registry: .claude/mlops\nChampion: {recorded_project['champion']}") and "theory_recommendation=" in champion
    assert "- Primary metric: rmse (unknown split) " in champion and "(lower is better)" in champion
    assert "- Metrics, unknown split: rmse " in champion

    clinical = cli(ml_automation_path, project, "features", "--domain", "clinical").stdout.splitlines()[1:]
    assert len(clinical) == 4 and {row.split(" | ")[0].strip("| ") for row in clinical[2:]} == {"bmi", "bp"}
    assert "model_ridge, model_forest" in clinical[2]

    experiments = cli(ml_automation_path, project, "experiments").stdout
    assert "exp_forest | regression | RandomForestRegressor | rmse (test) " in experiments and "| mae " in experiments
    assert "| completed | model_forest |" in experiments

    data = cli(ml_automation_path, project, "data").stdout
    assert f"| {recorded_project['fingerprint'][7:19]} | diabetes.csv | 442 | 11 | regression | exp_ridge, exp_forest |" in data

    lineage = cli(ml_automation_path, project, "lineage", "model_forest")
    assert lineage.returncode == 0
    chain = lineage.stdout.splitlines()[1:]
    assert chain[0].startswith("Data: diabetes.csv (sha256:") and "442 rows" in chain[0]
    assert chain[1].startswith("  -> Features: 10 registered")
    assert chain[2].startswith("    -> Experiment: exp_forest (RandomForestRegressor, rmse (test) ")
    # the model entry holds flat metrics: the view says their split is unknown instead of guessing
    assert chain[3].startswith("      -> Model: model_forest (") and "rmse (unknown split) " in chain[3]
    assert chain[4] == "         Rationale: try forest" and chain[5] == "         Artifact: - (none)"
    assert chain[6].startswith("         Reproduce: ") and "; python 3." in chain[6] and "scikit-learn " in chain[6] and chain[7] == "Lineage: complete"

    as_json = json.loads(cli(ml_automation_path, project, "lineage", "model_ridge", "--json").stdout)
    assert as_json["complete"] is True and as_json["experiment"]["experiment_id"] == "exp_ridge" and as_json["registry_dir"] == ".claude/mlops"
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


@pytest.fixture
def classified_project(mu, project):
    """Two classifiers on the breast-cancer data, each with validation and test metrics, recorded from
    the table as load_data reads it; the first is promoted."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    load_breast_cancer(as_frame=True).frame.to_csv("cancer.csv", index=False)
    df = mu.load_data("cancer.csv")
    fingerprint = mu.compute_data_fingerprint(df)
    mu.save_data_version({"fingerprint": fingerprint, "source_path": "cancer.csv", "rows": len(df), "columns": df.shape[1]})
    parts = mu.split_data(df, "target", val_size=0.2)
    for name, estimator in (("logreg", LogisticRegression(max_iter=5000)), ("forest", RandomForestClassifier(n_estimators=50, random_state=0))):
        estimator.fit(parts["X_train"], parts["y_train"])
        metrics = {split: mu.evaluate_model(estimator, parts[f"X_{split}"], parts[f"y_{split}"], "classification") for split in ("val", "test")}
        mu.save_experiment({"experiment_id": f"exp_{name}", "task_type": "classification", "metrics": metrics, "dataset": {"fingerprint": fingerprint}})
        mu.save_model_entry({"model_id": f"model_{name}", "task_type": "classification", "metrics": metrics, "training_experiment_id": f"exp_{name}",
                             "data_fingerprint": fingerprint, "feature_set": list(parts["X_train"].columns)})
    mu.promote_model("model_logreg")
    return fingerprint


ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def test_every_view_labels_splits_and_averaging_and_says_each_thing_one_way(ml_automation_path, classified_project, project):
    outputs = {" ".join(view): cli(ml_automation_path, project, *view) for view in
               ([], ["models"], ["models", "--champion"], ["experiments"], ["data"], ["lineage", "model_forest"], ["report"])}
    for view, shown in outputs.items():
        assert shown.returncode == 0, (view, shown.stderr)
        assert not ISO_TIME.search(shown.stdout), view  # every time as YYYY-MM-DD HH:MM UTC
        assert "1 data versions" not in shown.stdout and "Key Metric" not in shown.stdout, view
    assert "1 data version)" in outputs["report"].stdout
    # The metric that decides the champion is named with its averaging and its split, wherever it is shown.
    assert "- Champion: model_logreg (classification, ?, f1 (weighted, test) 0." in outputs[""].stdout
    models = outputs["models"].stdout
    assert "| Primary Metric |" in models and models.count("| f1 (weighted, test) 0.") == 2
    champion = outputs["models --champion"].stdout
    assert "- Primary metric: f1 (weighted, test) 0." in champion and "(higher is better)" in champion
    assert "- Metrics, val: accuracy 0." in champion and "- Metrics, test: accuracy 0." in champion
    assert "precision (weighted) 0." in champion and "auc_roc (weighted one-vs-rest) 0." in champion
    # The experiments table never cuts the metric that decides the champion: it has a column of its own.
    experiments = outputs["experiments"].stdout.splitlines()
    assert experiments[1].startswith("| Experiment ID | Task Type | Algorithm | Primary Metric | Other Metrics (same split) |")
    assert all("| f1 (weighted, test) 0." in row for row in experiments[3:])
    assert "-> Experiment: exp_forest (-, f1 (weighted, test) 0." in outputs["lineage model_forest"].stdout


def test_data_check_tells_which_recorded_version_a_file_is(ml_automation_path, classified_project, project):
    same = cli(ml_automation_path, project, "data", "--check", "cancer.csv")
    assert same.returncode == 0, same.stderr
    assert f"- its table, as load_data reads it: {classified_project[7:19]}, recorded " in same.stdout and "(2 experiments used it)" in same.stdout
    assert "- its bytes: " in same.stdout and "not recorded" in same.stdout  # the file's bytes hash differently from its table
    # The same table saved another way (other float text, other column order of bytes) is still the recorded version.
    import pandas as pd

    pd.read_csv("cancer.csv").to_csv("copy.tsv", sep="\t", index=False)
    assert cli(ml_automation_path, project, "data", "--check", "copy.tsv").returncode == 0
    # One changed cell: no recorded version, and the versions recorded from a file of that name are listed.
    os.mkdir("new")
    lines = open("cancer.csv").read().splitlines()
    lines[200] = lines[200].replace(lines[200].split(",")[0], "99.5", 1)
    open("new/cancer.csv", "w").write("\n".join(lines) + "\n")
    changed = cli(ml_automation_path, project, "data", "--check", "new/cancer.csv")
    assert changed.returncode == 1 and "No recorded data version is this file" in changed.stdout
    assert f"- recorded from a file named cancer.csv: {classified_project[7:19]}, " in changed.stdout
    checked = json.loads(cli(ml_automation_path, project, "data", "--check", "cancer.csv", "--json").stdout)
    assert checked["matches"] == {"table": classified_project}
    missing = cli(ml_automation_path, project, "data", "--check", "nope.csv")
    assert missing.returncode == 2 and "no file 'nope.csv'" in missing.stderr
