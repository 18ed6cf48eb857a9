"""`registry diff A B` on two real scikit-learn runs (iris), recorded through the registry API as the
agents record them: each fact the diff shows is checked against what the runs really were."""

import json
import os
import re
import subprocess
import sys

import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression


def cli(ml_automation_path, cwd, *args, editor=False):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_AUTOMATION_")}
    form = ["--editor-args", "registry"] if editor else ["registry"]
    return subprocess.run([sys.executable, str(ml_automation_path), *form, *args], cwd=cwd, env=env, capture_output=True, text=True)


def git(*args):
    subprocess.run(["git", *args], check=True, capture_output=True)


def run(mu, frame, features, estimator, name, fingerprint):
    """Train `estimator` on `features` of `frame`, log the experiment and register the model; returns the facts."""
    parts = mu.split_data(frame[features + ["species"]], "species", val_size=0.2, random_state=0)
    estimator.fit(parts["X_train"], parts["y_train"])
    metrics = {split: mu.evaluate_model(estimator, parts[f"X_{split}"], parts[f"y_{split}"], "classification") for split in ("train", "val", "test")}
    mu._ENV["at"] = float("-inf")  # the environment's facts are cached for 5 s: read them again (a new commit)
    facts = mu.reproduction_facts(estimator)
    mu.save_experiment({"experiment_id": f"exp_{name}", "name": name, "task_type": "classification", "metrics": metrics,
                        "dataset": {"fingerprint": fingerprint, "rows": len(frame), "target": "species", "features_used": features},
                        "model": {"algorithm": type(estimator).__name__, "hyperparameters": estimator.get_params()}, "reproduction": facts})
    mu.save_model_entry({"model_id": f"model_{name}", "name": name, "task_type": "classification", "algorithm": type(estimator).__name__,
                         "metrics": metrics, "hyperparameters": estimator.get_params(), "feature_set": features, "data_fingerprint": fingerprint,
                         "training_experiment_id": f"exp_{name}", "reproduction": facts})
    return {"metrics": metrics, "params": estimator.get_params(), "facts": facts}


@pytest.fixture
def two_runs(mu, project):
    """Run A: logistic regression on four iris measurements (data v1). Run B, one commit later: a
    random forest on data v2 (a column added, one row dropped), one measurement left out and a
    feature flagged high for leakage added. A is promoted; B stays a challenger."""
    os.mkdir(".claude")
    git("init", "-q")
    git("-c", "user.email=t@e", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "one")
    iris = load_iris(as_frame=True)
    first = iris.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_")).rename(columns={"target": "species"})
    second = first.iloc[1:].assign(petal_ratio=lambda f: f.petal_length / f.petal_width, species_code=lambda f: f.species)
    measured = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    versions = []
    for frame in (first, second):
        fingerprint = mu.compute_data_fingerprint(frame)
        mu.save_data_version({"fingerprint": fingerprint, "source_path": "iris.csv", "rows": len(frame), "columns": frame.shape[1],
                              "column_schema": {c: {"dtype": str(frame[c].dtype)} for c in frame.columns}, "detected_task_type": "classification"})
        versions.append(fingerprint)
    mu.save_feature_entries([{"feature_id": c, "source_columns": [c], "leakage_risk": "none"} for c in measured + ["petal_ratio"]]
                            + [{"feature_id": "species_code", "source_columns": ["species"], "leakage_risk": "high"}])
    a = run(mu, first, measured, LogisticRegression(C=1.0, max_iter=500, random_state=0), "logreg", versions[0])
    mu.promote_model("model_logreg")
    git("-c", "user.email=t@e", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "two")
    b_features = ["sepal_length", "petal_length", "petal_width", "petal_ratio", "species_code"]
    b = run(mu, second, b_features, RandomForestClassifier(n_estimators=25, max_depth=3, random_state=1), "forest", versions[1])
    return {"a": a, "b": b, "versions": versions, "frames": (first, second), "b_features": b_features, "measured": measured}


def test_every_fact_of_the_diff_is_what_the_runs_were(ma, mu, two_runs):
    diff = ma.registry_diff(ma._Snapshot(), "champion", "best-challenger")
    a, b = two_runs["a"], two_runs["b"]
    assert (diff["a"]["id"], diff["a"]["status"], diff["b"]["id"], diff["b"]["status"]) == ("model_logreg", "champion", "model_forest", "challenger")
    # parameters: exactly the keys whose values differ, each side's value as the estimator had it
    expected = {k for k in set(a["params"]) | set(b["params"]) if a["params"].get(k, "absent") != b["params"].get(k, "absent")}
    assert {row["name"] for row in diff["params"]["changed"]} == expected
    rows = {row["name"]: row for row in diff["params"]["changed"]}
    assert (rows["random_state"]["a"], rows["random_state"]["b"]) == (0, 1)
    assert rows["n_estimators"]["only"] == "b" and rows["C"]["only"] == "a"
    # metrics: every split and metric, the delta B - A, and the side each metric's direction favours
    for row in diff["metrics"]:
        left, right = a["metrics"][row["split"]][row["metric"]], b["metrics"][row["split"]][row["metric"]]
        assert (row["a"], row["b"]) == (left, right)
        if row["metric"] in mu.METRIC_DIRECTIONS:
            assert row["delta"] == pytest.approx(right - left)
            better = "tie" if left == right else ("b" if (right > left) == (mu.METRIC_DIRECTIONS[row["metric"]] == "higher") else "a")
            assert row["favours"] == better, row
    assert {(r["split"], r["metric"]) for r in diff["metrics"]} == {(s, m) for s in ("train", "val", "test") for m in a["metrics"][s]}
    f1_a, f1_b = a["metrics"]["test"]["f1"], b["metrics"]["test"]["f1"]
    assert diff["primary"] == pytest.approx({"metric": "f1", "direction": "higher", "split": "test", "a": f1_a, "b": f1_b, "delta": f1_b - f1_a,
                                             "favours": "tie" if f1_a == f1_b else "b" if f1_b > f1_a else "a"})
    # data: two versions, their rows, and the schema change
    first, second = two_runs["frames"]
    assert not diff["data"]["same"]
    assert (diff["data"]["a"]["fingerprint"], diff["data"]["b"]["fingerprint"]) == tuple(two_runs["versions"])
    assert (diff["data"]["a"]["rows"], diff["data"]["b"]["rows"]) == (len(first), len(second)) == (150, 149)
    assert diff["data"]["schema"] == {"added": ["petal_ratio", "species_code"], "removed": [], "dtype_changed": []}
    # features: added and removed, with the store's leakage flags
    assert diff["features"]["added"] == [{"feature": "petal_ratio", "leakage_risk": "none"}, {"feature": "species_code", "leakage_risk": "high"}]
    assert diff["features"]["removed"] == [{"feature": "sepal_width", "leakage_risk": "none"}]
    # reproduction: the commit, the estimator and the seed differ; the packages do not
    changed = {row["name"]: row for row in diff["reproduction"]["changed"]}
    assert changed["git_commit"]["a"] == a["facts"]["git_commit"] != changed["git_commit"]["b"] == b["facts"]["git_commit"]
    assert changed["estimator"]["b"].endswith("RandomForestClassifier")
    assert diff["reproduction"]["seeds"] == [{"name": "random_state", "a": 0, "b": 1, "only": None}]
    assert diff["reproduction"]["packages"] == []


def test_the_text_names_each_change_within_the_editor_bound(ml_automation_path, two_runs, project):
    shown = cli(ml_automation_path, project, "diff", "champion", "best-challenger", editor=True)
    assert shown.returncode == 0
    text = shown.stdout
    assert len(text.encode("utf-8")) <= 4096 + 200  # the view's 4 KB and the editor's own lines
    assert "Diff: A model_logreg (model, champion, classification, LogisticRegression)" in text
    assert "  vs B model_forest (model, challenger, classification, RandomForestClassifier)" in text
    f1_a, f1_b = two_runs["a"]["metrics"]["test"]["f1"], two_runs["b"]["metrics"]["test"]["f1"]
    side = "favours B (model_forest)" if f1_b > f1_a else "favours A (model_logreg)" if f1_a > f1_b else "a tie"
    assert "Primary metric: f1 (weighted, test), higher is better: " in text and text.split("Primary metric: ")[1].split("\n")[0].endswith(side)
    assert "- random_state: 0 -> 1" in text
    assert "Metrics, train: " in text and "Metrics, val: " in text and "Metrics, test: " in text
    assert f"Data: A sha256:{two_runs['versions'][0][7:19]} (iris.csv, 150 rows) -> B sha256:{two_runs['versions'][1][7:19]} (iris.csv, 149 rows)" in text
    assert "- columns: added petal_ratio, species_code" in text
    assert "- added in B (2): petal_ratio (leakage none), species_code (leakage high)" in text
    assert "- removed in B (1): sepal_width (leakage none)" in text
    assert "- WARNING: B adds 1 feature(s) flagged for leakage risk: species_code" in text
    assert "git_commit: " in text and "seed random_state: 0 -> 1" in text


def test_json_experiments_and_unknown_names(ml_automation_path, two_runs, project):
    data = json.loads(cli(ml_automation_path, project, "diff", "model_logreg", "exp_forest", "--json").stdout)
    assert data["a"]["kind"] == "model" and data["b"]["kind"] == "experiment" and data["b"]["id"] == "exp_forest"
    assert data["features"]["added"][1] == {"feature": "species_code", "leakage_risk": "high"}  # an experiment's features: its model's set
    bounded = cli(ml_automation_path, project, "diff", "exp_logreg", "exp_forest", "--json", editor=True).stdout
    assert len(bounded.encode("utf-8")) <= 4096 + 200
    unknown = cli(ml_automation_path, project, "diff", "champion", "model_nope")
    assert unknown.returncode == 1 and "no model or experiment 'model_nope'" in unknown.stderr and "model_forest" in unknown.stderr
    missing = cli(ml_automation_path, project, "diff", "champion")
    assert missing.returncode == 2 and "the following arguments are required: B" in missing.stderr
    shell = cli(ml_automation_path, project, "diff", "champion", "$(touch x)")
    assert shell.returncode == 2 and "is not a model id" in shell.stderr and not os.path.exists("x")


def test_the_report_shows_champion_vs_best_challenger(ml_automation_path, two_runs, project):
    shown = cli(ml_automation_path, project, "report")
    assert shown.returncode == 0, shown.stderr
    page = open(os.path.join(".claude", "mlops", "report.html"), encoding="utf-8").read()
    section = page.split('<section id="diff">')[1].split("</section>")[0]
    assert '<b id="diff-challenger">model_forest</b>' in section and "<b>model_logreg</b> (champion" in section
    assert "<td>random_state</td><td>0</td><td>1</td>" in section
    assert 'class="warn">WARNING: B adds 1 feature(s) flagged for leakage risk: species_code' in section


def test_nothing_to_compare_says_why(ml_automation_path, mu, project):
    os.mkdir(".claude")
    mu.save_model_entry({"model_id": "only_one", "task_type": "regression", "metrics": {"rmse": 1.0, "mae": 1.0, "r2": 0.5}})
    shown = cli(ml_automation_path, project, "diff", "champion", "best-challenger")
    assert shown.returncode == 1 and "there is no champion yet" in shown.stderr


def test_a_diff_of_large_runs_stays_within_the_view(ml_automation_path, tmp_path):
    """200 parameters, 6 splits of 30 metrics, 300 features each side: the editor's text and JSON stay
    within about 4 KB, the primary metric first; --all shows every changed parameter."""
    def big(name, shift):
        metrics = {f"split_{s}": {f"metric_{k}": k + shift for k in range(30)} for s in range(5)}
        metrics["test"] = {"rmse": 10.0 + shift, "mae": 5.0, "r2": 0.5}
        return {"model_id": name, "task_type": "regression", "status": "challenger", "metrics": metrics,
                "hyperparameters": {f"parameter_with_a_long_name_{k}": "x" * 50 + str(k + shift) for k in range(200)},
                "feature_set": [f"{name}_feature_{k}" for k in range(300)]}
    (tmp_path / "mlops").mkdir()
    (tmp_path / "mlops" / "model-registry.json").write_text(json.dumps({"version": "1.0", "models": [big("left", 0), big("right", 1)]}))
    text = cli(ml_automation_path, tmp_path, "diff", "left", "right", editor=True).stdout
    assert len(text.encode("utf-8")) <= 4096 + 200
    assert "Primary metric: rmse (test), lower is better: A 10 -> B 11 (+1, +10.0%): favours A (left)" in text
    assert "Parameters: 200 changed, 0 the same:" in text and re.search(r"^- and 1\d\d more \(--all\)$", text, re.M) and "Metrics, test: rmse 10 -> 11 (+1, +10.0%) A better" in text
    assert "Features: A 300, B 300, 0 in both" in text and "- removed in B (300): left_feature_0 (leakage not in the feature store)" in text
    assert "Reproduction: not recorded for A and B" in text and "output cut" not in text
    data = cli(ml_automation_path, tmp_path, "diff", "left", "right", "--json", editor=True).stdout
    assert len(data.encode("utf-8")) <= 4096 + 200 and json.loads(data)["truncated"]
    everything = cli(ml_automation_path, tmp_path, "diff", "left", "right", "--all").stdout
    assert all(f"- parameter_with_a_long_name_{k}: " in everything for k in range(200))
