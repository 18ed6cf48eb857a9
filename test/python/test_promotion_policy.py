"""The promotion policy promote_model enforces, promotions as history, rollback, and the model card:
real scikit-learn models on the breast-cancer data, the commands run as a person runs them, and the
MLflow mirror against the session's real tracking server (conftest.mlflow_server)."""

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from test_mlflow_mirror import Team, unique

SPLITS = ("val", "test")


def cli(ml_automation_path, *args, env=None, editor=False):
    """`registry ARGS` in the current folder, as a person runs it (or as the editor's /registry does)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("ML_AUTOMATION_") or k == "ML_AUTOMATION_MLFLOW_PROJECT"}
    full.update(env or {})
    command = [sys.executable, str(ml_automation_path)] + (["--editor-args", "registry"] if editor else ["registry"]) + list(args)
    return subprocess.run(command, env=full, capture_output=True, text=True, timeout=300)


@pytest.fixture
def cancer(mu, project):
    """The breast-cancer data split into train, validation and test, recorded as a data version, with
    its first six columns as features (one flagged high for leakage)."""
    os.makedirs(".claude", exist_ok=True)
    features, target = load_breast_cancer(return_X_y=True, as_frame=True)
    frame = features.assign(target=target)
    parts = mu.split_data(frame, "target", "classification", val_size=0.2)
    fingerprint = mu.save_data_version({"fingerprint": mu.compute_data_fingerprint(frame), "source_path": "cancer.csv", "rows": len(frame),
                                        "columns": frame.shape[1], "detected_task_type": "classification"})
    columns = list(features.columns[:6])
    mu.save_feature_entries([{"feature_id": c, "source_columns": [c], "leakage_risk": "high" if c == "mean area" else "low"} for c in columns])
    return {"parts": parts, "fingerprint": fingerprint, "safe": [c for c in columns if c != "mean area"]}


def record(mu, cancer, model_id, estimator, features=None, metrics=None, drop=()):
    """Train `estimator` on `features`, save its artifact, log the experiment and register the model
    with validation and test metrics (leaving out the metric names in `drop`)."""
    parts, features = cancer["parts"], features or cancer["safe"]
    estimator.fit(parts["X_train"][features], parts["y_train"])
    if metrics is None:
        metrics = {s: mu.evaluate_model(estimator, parts[f"X_{s}"][features], parts[f"y_{s}"], "classification") for s in SPLITS}
    metrics = {s: {k: v for k, v in values.items() if k not in drop} for s, values in metrics.items()}
    artifact = mu.save_model_artifact(estimator, model_id)
    experiment = mu.save_experiment({"experiment_id": f"exp_{model_id}", "task_type": "classification", "metrics": metrics,
                                     "dataset": {"fingerprint": cancer["fingerprint"], "target": "target", "split": "stratified 60/20/20"},
                                     "model": {"algorithm": type(estimator).__name__}})
    mu.save_model_entry({"model_id": model_id, "name": model_id.replace("_", " "), "task_type": "classification", "algorithm": type(estimator).__name__,
                         "metrics": metrics, "artifact_path": artifact, "data_fingerprint": cancer["fingerprint"], "feature_set": features,
                         "training_experiment_id": experiment, "hyperparameters": estimator.get_params()})
    return metrics


def scores(f1_val, f1_test):
    """Hand-set metrics (every required one present) with the given validation and test F1."""
    return {s: {"accuracy": f1, "precision": f1, "recall": f1, "f1": f1, "auc_roc": 0.9} for s, f1 in (("val", f1_val), ("test", f1_test))}


def refusal(mu, model_id):
    with pytest.raises(mu.RegistryError) as raised:
        mu.promote_model(model_id)
    return str(raised.value)


def test_each_rule_refuses_names_every_failure_and_a_stated_reason_promotes_anyway(mu, cancer):
    record(mu, cancer, "champ", LogisticRegression(max_iter=5000), metrics=scores(0.95, 0.95))
    mu.promote_model("champ")
    record(mu, cancer, "worse", DummyClassifier(), metrics=scores(0.90, 0.90))
    record(mu, cancer, "partial", DummyClassifier(), metrics=scores(0.97, 0.97), drop=("auc_roc",))
    record(mu, cancer, "leaky", DecisionTreeClassifier(random_state=0), features=cancer["safe"] + ["mean area"], metrics=scores(0.97, 0.97))
    record(mu, cancer, "all_three", DummyClassifier(), features=["mean area"], metrics=scores(0.90, 0.90), drop=("auc_roc",))
    record(mu, cancer, "fine", DecisionTreeClassifier(random_state=0), metrics=scores(0.96, 0.96))

    assert "no_regression: against the champion champ: f1 (val) 0.9 <= 0.95" in refusal(mu, "worse")
    assert "required_metrics: required metrics missing: auc_roc" in refusal(mu, "partial")
    assert "no_high_leakage: features flagged high for leakage: mean area" in refusal(mu, "leaky")
    every = refusal(mu, "all_three")
    assert all(rule in every for rule in ("required_metrics:", "no_regression:", "no_high_leakage:")) and "artifact:" not in every, every
    assert "override_reason" in every and mu.get_champion_model()["model_id"] == "champ"

    verdict = mu.compare_with_champion("all_three")
    assert verdict["rules"] == {"artifact": True, "required_metrics": False, "no_regression": False, "no_high_leakage": False}
    assert not verdict["passed"] and not verdict["promote"] and len(verdict["failed"]) == 3

    for blank in ("", "   ", 42):
        with pytest.raises(mu.RegistryError, match="override_reason must say why"):
            mu.promote_model("leaky", override_reason=blank)
    mu.promote_model("leaky", override_reason="the leakage flag is a false alarm: mean area is measured before diagnosis")
    champion = mu.get_champion_model()
    assert champion["model_id"] == "leaky" and champion["predecessor_id"] == "champ"
    [entry] = champion["promotions"]
    assert entry["action"] == "promote" and entry["champion_before"] == "champ" and entry["verdict"] == "refused, overridden"
    assert entry["failed"] == ["no_high_leakage: features flagged high for leakage: mean area"]
    assert entry["override_reason"].startswith("the leakage flag is a false alarm") and entry["by"] and entry["split"] == "val"
    assert entry["reason"].startswith("f1 (val) 0.97 > 0.95")

    # A policy that passes promotes without a reason, and the record says so.
    mu.save_feature_entries([{"feature_id": "mean area", "leakage_risk": "low"}])
    record(mu, cancer, "better", DecisionTreeClassifier(random_state=0), metrics=scores(0.99, 0.99))
    mu.promote_model("better")
    entry = mu.get_champion_model()["promotions"][-1]
    assert entry["verdict"] == "passed" and entry["failed"] == [] and entry["override_reason"] is None and entry["champion_before"] == "leaky"
    # save_model_entry cannot write the history (it is the runtime's own record).
    mu.save_model_entry({"model_id": "better", "promotions": []})
    assert len(mu.get_champion_model()["promotions"]) == 1


def test_a_changed_artifact_is_refused_even_with_a_reason(mu, cancer):
    record(mu, cancer, "champ", LogisticRegression(max_iter=5000), metrics=scores(0.95, 0.95))
    mu.promote_model("champ")
    record(mu, cancer, "tampered", DecisionTreeClassifier(random_state=0), metrics=scores(0.99, 0.99))
    artifact = next(m for m in mu.load_model_registry()["models"] if m["model_id"] == "tampered")["artifact_path"]
    with open(artifact, "ab") as handle:
        handle.write(b"\0")
    message = refusal(mu, "tampered")
    assert message.startswith("cannot promote 'tampered'") and "artifact: the artifact of model tampered" in message and "override_reason" not in message
    with pytest.raises(mu.RegistryError, match="changed since it was registered"):
        mu.promote_model("tampered", override_reason="I know")
    assert mu.get_champion_model()["model_id"] == "champ"


def test_the_policy_file_sets_the_rules_per_task_type_and_a_bad_one_is_named(mu, cancer):
    record(mu, cancer, "champ", LogisticRegression(max_iter=5000), metrics=scores(0.95, 0.95))
    mu.promote_model("champ")
    record(mu, cancer, "slightly", DecisionTreeClassifier(random_state=0), features=cancer["safe"] + ["mean area"], metrics=scores(0.952, 0.96))
    policy = Path(".claude/mlops/promotion-policy.json")
    policy.write_text(json.dumps({"default": {"min_improvement": 0.01}, "classification": {"no_high_leakage": False}}))
    verdict = mu.compare_with_champion("slightly")
    assert verdict["policy"]["min_improvement"] == 0.01 and verdict["policy"]["no_high_leakage"] is False
    assert verdict["failed"] == [verdict["failed"][0]] and verdict["failed"][0].startswith("no_regression: against the champion champ: f1 (val) 0.952 > 0.95")
    assert "by > 0.01" in verdict["failed"][0] and "not better" in verdict["failed"][0]
    policy.write_text(json.dumps({"classification": {"min_improvement": 0.001, "no_high_leakage": False, "required_metrics": ["f1"]}}))
    mu.promote_model("slightly")
    assert mu.get_champion_model()["model_id"] == "slightly"

    policy.write_text('{\n  "default": {"min_improvement": 0.01,}\n}\n')
    with pytest.raises(mu.RegistryError, match=re.escape(str(policy)) + r":2:39: not valid JSON") as raised:
        mu.promote_model("champ")
    assert mu.get_champion_model()["model_id"] == "slightly", raised.value
    for bad, named in (({"default": {"min_improvment": 0}}, "default.min_improvment"), ({"classification": {"min_improvement": -1}}, "classification.min_improvement"),
                       ({"default": {"no_high_leakage": "no"}}, "default.no_high_leakage"), ({"default": {"min_improvement": float("nan")}}, "default.min_improvement")):
        policy.write_text(json.dumps(bad))
        with pytest.raises(mu.RegistryError, match=re.escape(named)):
            mu.compare_with_champion("champ")


def test_the_champion_is_chosen_on_validation_and_test_is_reported(mu, cancer, ml_automation_path):
    record(mu, cancer, "champ", LogisticRegression(max_iter=5000), metrics=scores(0.95, 0.93))
    mu.promote_model("champ")
    # Worse on validation, better on test: choosing on test would crown it.
    record(mu, cancer, "test_lucky", DecisionTreeClassifier(random_state=0), metrics=scores(0.94, 0.99))
    verdict = mu.compare_with_champion("test_lucky")
    assert verdict["split"] == "val" and verdict["challenger"] == 0.94 and verdict["champion"] == 0.95
    assert verdict["test"] == {"challenger": 0.99, "champion": 0.93} and not verdict["promote"]
    assert mu.promote_if_better("test_lucky")["promoted"] is False and mu.get_champion_model()["model_id"] == "champ"
    assert "no_regression" in refusal(mu, "test_lucky")
    # Where one side has no validation metrics, test decides, and says so.
    assert mu.compare_metrics("classification", {"test": {"f1": 0.9}}, {"val": {"f1": 0.95}, "test": {"f1": 0.8}})["split"] == "test"

    shown = cli(ml_automation_path, "promote", "test_lucky", "--dry-run")
    assert shown.returncode == 4, shown.stdout + shown.stderr
    assert "f1 (val) 0.94 <= 0.95" in shown.stdout and "test (reported): 0.99 vs 0.93" in shown.stdout
    assert "decided on the val split; test metrics are reported, not used to choose" in shown.stdout
    champion = cli(ml_automation_path, "models", "--champion")
    assert re.search(r"- Metrics, val: .*f1 \(weighted\) 0\.95", champion.stdout) and re.search(r"- Metrics, test: .*f1 \(weighted\) 0\.93", champion.stdout), champion.stdout


def test_promote_rollback_and_history_as_commands(mu, cancer, ml_automation_path):
    for model_id, val in (("first", 0.90), ("second", 0.93), ("third", 0.96)):
        record(mu, cancer, model_id, DecisionTreeClassifier(random_state=0), metrics=scores(val, val))
    record(mu, cancer, "leaky", DecisionTreeClassifier(random_state=0), features=["mean area"], metrics=scores(0.80, 0.80), drop=("auc_roc",))
    for model_id in ("first", "second", "third"):
        done = cli(ml_automation_path, "promote", model_id)
        assert done.returncode == 0 and f"Promoted {model_id}" in done.stdout, done.stdout + done.stderr
    refused = cli(ml_automation_path, "promote", "leaky")
    assert refused.returncode == 4 and all(rule in refused.stdout for rule in ("required_metrics: FAILED", "no_regression: FAILED", "no_high_leakage: FAILED"))
    assert "registry promote leaky --reason TEXT" in refused.stdout and mu.get_champion_model()["model_id"] == "third"
    # From the editor, promote and rollback only show what they would do.
    editor = cli(ml_automation_path, "promote", "leaky", "--reason", "demo", editor=True)
    assert "only shows what it would do" in editor.stdout and "Dry run, nothing changed" in editor.stdout and mu.get_champion_model()["model_id"] == "third"

    back = cli(ml_automation_path, "rollback", "--reason", "third misbehaves in production")
    assert back.returncode == 0 and "second is the champion again, replacing third" in back.stdout, back.stdout + back.stderr
    again = cli(ml_automation_path, "rollback")
    assert again.returncode == 0 and "first is the champion again, replacing second" in again.stdout
    nothing = cli(ml_automation_path, "rollback")
    assert nothing.returncode == 1 and "nothing to roll back to" in nothing.stderr

    history = json.loads(cli(ml_automation_path, "history", "--json").stdout)
    assert history["total"] == 5 and [(p["model_id"], p["action"], p["champion_before"]) for p in history["promotions"]] == [
        ("first", "rollback", "second"), ("second", "rollback", "third"), ("third", "promote", "second"), ("second", "promote", "first"), ("first", "promote", None)]
    assert history["promotions"][1]["override_reason"] == "third misbehaves in production"
    text = cli(ml_automation_path, "history", "--limit", "2")
    assert text.stdout.count("\n- ") == 2 and "and 3 more" in text.stdout and "override reason: rollback: second replaced by the champion before it" in text.stdout
    # Bounded like every view, however long the history.
    for _ in range(40):
        mu.promote_model("second", override_reason="x" * 200)
        mu.promote_model("first", override_reason="y" * 200)
    bounded = cli(ml_automation_path, "history")
    assert len(bounded.stdout.encode()) <= 4096 and "output cut at 4 KB: use --limit N or --all" in bounded.stdout


def test_three_promotions_and_a_rollback_move_the_mlflow_champion(mu, cancer, ml_automation_path, mlflow_server, monkeypatch):
    name = unique("policy")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_server.uri)
    monkeypatch.setenv("ML_AUTOMATION_MLFLOW_PROJECT", name)
    mu._DOWN_UNTIL.clear()
    team = Team(mlflow_server.uri, name)
    for model_id, val in (("one", 0.90), ("two", 0.93), ("three", 0.96)):
        record(mu, cancer, model_id, DecisionTreeClassifier(random_state=0), metrics=scores(val, val))
        mu.promote_model(model_id)
        assert team.champion() == model_id
    result = cli(ml_automation_path, "rollback", env={"MLFLOW_TRACKING_URI": mlflow_server.uri, "ML_AUTOMATION_MLFLOW_PROJECT": name})
    assert result.returncode == 0, result.stdout + result.stderr
    assert mu.get_champion_model()["model_id"] == "two" and team.champion() == "two"
    history = json.loads(cli(ml_automation_path, "history", "--json").stdout)["promotions"]
    assert [(p["model_id"], p["action"]) for p in history] == [("two", "rollback"), ("three", "promote"), ("two", "promote"), ("one", "promote")]
    # Nothing erased: every model keeps its promotions, and the server's versions keep their tags.
    assert {v.tags["ml_automation.model_id"]: v.tags.get("status") for v in team.versions()} == {"one": "archived", "two": "champion", "three": "archived"}

    card = cli(ml_automation_path, "card", "two", env={"MLFLOW_TRACKING_URI": mlflow_server.uri, "ML_AUTOMATION_MLFLOW_PROJECT": name})
    assert card.returncode == 0 and "MLflow: uploaded to" in card.stdout, card.stdout + card.stderr
    [version] = [v for v in team.versions() if v.tags["ml_automation.model_id"] == "two"]
    assert version.tags["ml_automation.card"] == f"runs:/{version.run_id}/models/two/two.card.md"
    os.mkdir("downloaded")
    downloaded = team.client.download_artifacts(version.run_id, "models/two/two.card.md", str(Path("downloaded").resolve()))
    assert Path(downloaded).read_bytes() == Path("models/two.card.md").read_bytes()


def cells(card, heading):
    """The rows of the first table under `heading` in a card, as lists of cell texts (as the registry holds them)."""
    part = card.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in part.splitlines() if line.startswith("| ")]
    return [[html.unescape(cell.strip().replace("\\|", "|")) for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows[1:]]


def test_the_card_holds_what_the_registry_holds_and_keeps_what_a_person_wrote(mu, ma, cancer, ml_automation_path):
    record(mu, cancer, "champ", LogisticRegression(max_iter=5000))
    mu.promote_model("champ")
    record(mu, cancer, "tree", DecisionTreeClassifier(random_state=0, max_depth=3), features=cancer["safe"] + ["mean area"])
    mu.promote_model("tree", override_reason="needs to be explainable | to the clinic")
    written = cli(ml_automation_path, "card", "tree")
    assert written.returncode == 0, written.stdout + written.stderr
    path = Path("models/tree.card.md")
    card = path.read_text()
    model = next(m for m in mu.load_model_registry()["models"] if m["model_id"] == "tree")
    version = mu.load_data_versions()[0]
    features = {f["feature_id"]: f for f in mu.load_feature_store()["features"]}

    details = dict(cells(card, "Model details"))
    assert details["Model ID"] == "tree" and details["Name"] == model["name"] and details["Task type"] == "classification"
    assert details["Algorithm"] == "DecisionTreeClassifier" and details["Framework"] == model["framework"] and details["Status"] == "champion"
    assert details["Predecessor"] == "champ" and details["Artifact"].startswith(f"{model['artifact_path']} (sha256 {model['artifact_sha256']}, {model['artifact_bytes']} bytes; ok)")
    assert all(f"{k}={v}" in details["Hyperparameters"] for k, v in model["hyperparameters"].items()) and "max_depth=3" in details["Hyperparameters"]
    data = dict(cells(card, "Training data"))
    assert data["Data version (fingerprint)"] == version["fingerprint"] == model["data_fingerprint"] and data["Source"] == "cancer.csv"
    assert data["Rows"] == str(version["rows"]) and data["Columns"] == str(version["columns"]) and data["Target"] == "target"
    assert data["Training experiment"] == model["training_experiment_id"] and data["Split"] == "stratified 60/20/20"
    header = card.split("## Evaluation\n", 1)[1].split("\n| Split | ", 1)[1].split(" |\n", 1)[0].split(" | ")
    for row in cells(card, "Evaluation"):
        for name, shown in zip(header, row[1:]):
            value = model["metrics"][row[0]][name.split(" (")[0]]
            assert float(shown) == pytest.approx(value, rel=1e-4), (row[0], name)
    assert [r[0] for r in cells(card, "Evaluation")] == ["val", "test"] and "f1 (weighted)" in header
    assert [(r[0], r[3]) for r in cells(card, "Features")] == [(f, features[f]["leakage_risk"]) for f in model["feature_set"]]
    assert ("mean area", "high") in [(r[0], r[3]) for r in cells(card, "Features")]
    facts = dict(cells(card, "Reproduction"))
    assert facts["Python"] == model["reproduction"]["python"] and facts["Estimator"] == model["reproduction"]["estimator"]
    assert all(f"{k} {v}" in facts["Packages"] for k, v in model["reproduction"]["packages"].items())
    [promoted] = cells(card, "Promotion history and policy verdict")
    entry = model["promotions"][0]
    assert promoted[1] == "promote tree" and promoted[2] == entry["by"] and promoted[3] == "champ" and promoted[5] == entry["reason"]
    assert promoted[4] == "; ".join(["refused, overridden"] + entry["failed"]) and "no_high_leakage" in promoted[4]
    assert promoted[6] == "needs to be explainable | to the clinic"
    assert "Policy verdict now, against the champion tree:" in card
    assert ma.get_model_lineage("tree")["complete"] and "model tree: complete." in card

    # A person fills in the intended use; writing the card again keeps it, and refreshes the rest.
    mine = "For triage research only; never for a diagnosis.\n"
    path.write_text(re.sub(r"(<!-- person: intended-use -->\n).*?(<!-- end person: intended-use -->)", r"\g<1>" + mine + r"\g<2>", card, flags=re.S))
    mu.save_model_entry({"model_id": "tree", "name": "shallow tree"})
    assert cli(ml_automation_path, "card", "tree").returncode == 0
    again = path.read_text()
    assert mine in again and dict(cells(again, "Model details"))["Name"] == "shallow tree" and "## Limitations" in again
    # The HTML report links the champion's card, and says why it is champion.
    assert cli(ml_automation_path, "report").returncode == 0
    page = Path(".claude/mlops/report.html").read_text()
    assert f'<a id="model-card" href="{path.resolve().as_uri()}">Model card</a>' in page and "override reason: needs to be explainable | to the clinic" in page


def test_the_card_is_never_written_over_a_file_of_the_users_or_through_a_link(mu, cancer, ml_automation_path, tmp_path):
    record(mu, cancer, "champ", LogisticRegression(max_iter=5000))
    Path("models/champ.card.md").write_text("# My own notes\n")
    refused = cli(ml_automation_path, "card", "champ")
    assert refused.returncode == 2 and "is not this model's card" in refused.stderr and Path("models/champ.card.md").read_text() == "# My own notes\n"
    os.remove("models/champ.card.md")
    outside = tmp_path / "elsewhere.md"
    outside.write_text("keep")
    os.symlink(outside, "models/champ.card.md")
    linked = cli(ml_automation_path, "card", "champ")
    assert linked.returncode == 2 and "symbolic link" in linked.stderr and outside.read_text() == "keep"
    missing = cli(ml_automation_path, "card", "nobody")
    assert missing.returncode == 1 and "no model 'nobody'" in missing.stderr
