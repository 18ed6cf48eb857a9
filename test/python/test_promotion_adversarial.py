"""The promotion policy, rollback, history and the model card against what a careless or hostile user
gives them: a damaged or misspelt promotion-policy.json, a model list edited by hand, a rollback twice,
two processes promoting at once, and model fields holding Markdown and HTML."""

import html
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_promotion_policy import cells, cli

POLICY = Path(".claude/mlops/promotion-policy.json")
MODELS = Path(".claude/mlops/model-registry.json")


def scores(f1):
    """Every required classification metric, on validation and test, with the given F1."""
    return {s: {"accuracy": f1, "precision": f1, "recall": f1, "f1": f1, "auc_roc": 0.9} for s in ("val", "test")}


def register(mu, model_id, f1, **fields):
    os.makedirs(".claude", exist_ok=True)
    mu.save_model_entry(dict({"model_id": model_id, "task_type": "classification", "metrics": scores(f1)}, **fields))


def edit_models(change):
    """Edit the model list as a person does in an editor: read, change, write back."""
    data = json.loads(MODELS.read_text())
    for model in data["models"]:
        change(model)
    MODELS.write_text(json.dumps(data, indent=2))


@pytest.mark.parametrize("text, named", [
    ("[1, 2]", "an object"),
    ('"strict"', "an object"),
    ('{"clasification": {"min_improvement": 0.5}}', "clasification"),
    ('{"default": {}, "forecasting": {"no_high_leakage": false}}', "forecasting"),
])
def test_a_policy_file_that_is_not_an_object_of_task_types_is_refused_not_ignored(mu, project, text, named):
    register(mu, "champ", 0.90)
    mu.promote_model("champ")
    register(mu, "next", 0.91)
    os.makedirs(POLICY.parent, exist_ok=True)
    POLICY.write_text(text)
    # A misspelt task type or a list silently meant the defaults: the person's rules were never applied.
    with pytest.raises(mu.RegistryError, match=named) as raised:
        mu.promote_model("next")
    assert str(POLICY) in str(raised.value) and "classification" in str(raised.value)
    assert mu.get_champion_model()["model_id"] == "champ"


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_policy_path_that_is_not_a_file_is_a_clear_error_not_a_traceback(mu, project, ml_automation_path, kind):
    register(mu, "champ", 0.90)
    mu.promote_model("champ")
    register(mu, "next", 0.91)
    os.makedirs(POLICY.parent, exist_ok=True)
    os.mkdir(POLICY) if kind == "folder" else os.mkfifo(POLICY)
    with pytest.raises(mu.RegistryError, match="promotion-policy.json"):
        mu.compare_with_champion("next")
    shown = cli(ml_automation_path, "promote", "next")
    assert shown.returncode == 1 and "Traceback" not in shown.stderr and "promotion-policy.json" in shown.stderr, shown.stderr
    assert mu.get_champion_model()["model_id"] == "champ"


def test_a_rollback_leaves_lineage_alone_and_a_second_one_never_goes_forward(mu, project, ml_automation_path):
    register(mu, "first", 0.90)
    register(mu, "second", 0.93)
    # `first` was made champion before promotions were recorded (a registry from an earlier release).
    edit_models(lambda m: m.update(status="champion", promoted_at="2025-01-01T00:00:00Z") if m["model_id"] == "first" else None)
    mu.promote_model("second")
    back = cli(ml_automation_path, "rollback")
    assert back.returncode == 0 and "first is the champion again" in back.stdout, back.stdout + back.stderr
    models = {m["model_id"]: m for m in mu.load_model_registry()["models"]}
    # `first` came before `second`: a rollback does not make `second` its predecessor.
    assert models["first"].get("predecessor_id") is None and models["second"]["predecessor_id"] == "first"
    again = cli(ml_automation_path, "rollback")
    assert again.returncode == 1 and "nothing to roll back to" in again.stderr, again.stdout + again.stderr
    assert mu.get_champion_model()["model_id"] == "first"
    # Promoting after two rollbacks records the champion it replaced, nothing erased.
    mu.promote_model("second", override_reason="fixed in production")
    history = json.loads(cli(ml_automation_path, "history", "--json").stdout)["promotions"]
    assert [(p["model_id"], p["action"], p["champion_before"]) for p in history] == [
        ("second", "promote", "first"), ("first", "rollback", "second"), ("second", "promote", "first")]


def test_a_hand_edited_feature_set_or_history_does_not_crash_or_vanish(mu, project, ml_automation_path):
    register(mu, "champ", 0.90)
    mu.promote_model("champ")
    register(mu, "next", 0.95, feature_set=["age"])

    def damage(model):
        if model["model_id"] == "next":
            model["feature_set"] = ["age", {"name": "income"}, ["x"]]
            model["promotions"] = "promoted by hand on Monday, see ticket 12"
    edit_models(damage)
    verdict = mu.compare_with_champion("next")
    assert verdict["passed"], verdict["failed"]
    assert cli(ml_automation_path, "promote", "next").returncode == 0
    [model] = [m for m in mu.load_model_registry()["models"] if m["model_id"] == "next"]
    assert model["status"] == "champion" and "promoted by hand on Monday, see ticket 12" in model["promotions"]
    assert [p["champion_before"] for p in model["promotions"] if isinstance(p, dict)] == ["champ"]
    shown = cli(ml_automation_path, "history")
    assert shown.returncode == 0 and "promoted next" in shown.stdout, shown.stdout + shown.stderr


HOSTILE = "<!-- [click](javascript:alert(1)) ![pixel](http://example.invalid/p.png) <script>alert(1)</script> a|b \\"


def test_a_card_shows_hostile_strings_as_text(mu, project, ml_automation_path):
    os.makedirs(".claude", exist_ok=True)
    metrics = scores(0.9)
    metrics["val"]["odd|<b>metric</b>"] = 1.0
    mu.save_model_entry({"model_id": "evil", "task_type": "classification", "name": HOSTILE, "algorithm": HOSTILE, "metrics": metrics,
                         "hyperparameters": {"<i>c</i>": HOSTILE}, "feature_set": ["f<img src=x>"]})
    mu.promote_model("evil", override_reason=HOSTILE)
    written = cli(ml_automation_path, "card", "evil")
    assert written.returncode == 0, written.stdout + written.stderr
    card = Path("models/evil.card.md").read_text()
    # No HTML from the registry reaches the card (the card's own comments are its only tags), no link or image.
    assert card.count("<!--") == 7 and "<script" not in card and "<b>" not in card and "<img" not in card and "<i>" not in card
    assert "](javascript:" not in card and "](http://example.invalid" not in card
    # Every table keeps its columns, and a cell reads back as the registry's text.
    header = card.split("## Evaluation\n", 1)[1].split("\n| Split | ", 1)[1].split(" |\n", 1)[0]
    assert len(cells(card, "Evaluation")[0]) == 2 + header.count(" | ")
    assert html.unescape(dict(cells(card, "Model details"))["Name"]) == HOSTILE
    # Writing it again keeps it this model's card, with the person's parts where they were.
    assert cli(ml_automation_path, "card", "evil").returncode == 0
    assert Path("models/evil.card.md").read_text() == card


PROMOTER = """
import sys, ml_utils as mu
for i in range(int(sys.argv[2])):
    mu.promote_model(sys.argv[1], override_reason=f"{sys.argv[1]} round {i}")
"""


def test_two_processes_promoting_at_once_keep_one_champion_and_a_whole_history(mu, project, ml_utils_path):
    for model_id, f1 in (("left", 0.90), ("right", 0.91)):
        register(mu, model_id, f1)
    env = dict(os.environ, PYTHONPATH=str(ml_utils_path.parent))
    runs = [subprocess.Popen([sys.executable, "-c", PROMOTER, model_id, "15"], env=env, stderr=subprocess.PIPE, text=True) for model_id in ("left", "right")]
    for run in runs:
        assert run.wait(timeout=300) == 0, run.stderr.read()
    models = mu.load_model_registry()["models"]
    assert [m["model_id"] for m in models if m["status"] == "champion"] == [mu.get_champion_model()["model_id"]]
    history = json.loads(subprocess.run([sys.executable, str(ml_utils_path.parent / "ml_automation.py"), "registry", "history", "--all", "--json"],
                                        capture_output=True, text=True, check=True).stdout)["promotions"][::-1]
    # Each promotion replaced the champion of the one before it: none lost, none recorded twice.
    assert history[0]["champion_before"] is None
    assert all(later["champion_before"] == earlier["model_id"] and later["model_id"] != earlier["model_id"] for earlier, later in zip(history, history[1:]))
    assert history[-1]["model_id"] == mu.get_champion_model()["model_id"]


def test_a_rollback_to_a_changed_artifact_is_refused_in_the_dry_run_too(mu, project, ml_automation_path):
    os.makedirs(".claude", exist_ok=True)
    for model_id, f1 in (("old", 0.90), ("new", 0.93)):
        path = Path("models") / f"{model_id}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(model_id.encode())
        register(mu, model_id, f1, artifact_path=str(path))
        mu.promote_model(model_id)
    Path("models/old.bin").write_bytes(b"retrained in place")
    # The dry run promised a rollback the real one refuses.
    dry = cli(ml_automation_path, "rollback", "--dry-run")
    assert dry.returncode == 4 and "would be refused" in dry.stdout and "changed since it was registered" in dry.stdout, dry.stdout + dry.stderr
    real = cli(ml_automation_path, "rollback")
    assert real.returncode == 4 and "changed since it was registered" in real.stdout and mu.get_champion_model()["model_id"] == "new"


def test_a_history_edited_to_roll_back_to_the_champion_itself_is_an_error(mu, project, ml_automation_path):
    register(mu, "first", 0.90)
    mu.promote_model("first")
    register(mu, "second", 0.93)
    mu.promote_model("second")
    edit_models(lambda m: m["promotions"][-1].update(champion_before="second") if m["model_id"] == "second" else None)
    # It said "second is the champion again, replacing second", recorded nothing, and exited 0.
    back = cli(ml_automation_path, "rollback")
    assert back.returncode == 1 and "Rolled back" not in back.stdout and "second" in back.stderr, back.stdout + back.stderr
    assert len(json.loads(cli(ml_automation_path, "history", "--json").stdout)["promotions"]) == 2


def test_a_card_is_not_written_through_a_linked_folder_below_the_project(mu, project, ml_automation_path, tmp_path_factory):
    os.makedirs(".claude", exist_ok=True)
    elsewhere = tmp_path_factory.mktemp("shared-disk")
    (elsewhere / "run1").mkdir()
    (elsewhere / "run1" / "m.bin").write_bytes(b"model")
    os.symlink(elsewhere, "models")
    register(mu, "linked", 0.9, artifact_path="models/run1/m.bin")
    written = cli(ml_automation_path, "card", "linked")
    assert written.returncode == 2 and "symbolic link" in written.stderr and "models" in written.stderr, written.stdout + written.stderr
    assert sorted(p.name for p in (elsewhere / "run1").iterdir()) == ["m.bin"]


def test_promote_reports_the_champion_it_replaced_when_another_agent_promoted_meanwhile(mu, ma, project, monkeypatch):
    for model_id, f1 in (("a", 0.90), ("b", 0.92), ("c", 0.95)):
        register(mu, model_id, f1)
    mu.promote_model("a")
    checked = ma.compare_with_champion

    def another_agent_promotes_meanwhile(model_id, *args):
        verdict = checked(model_id, *args)
        mu.promote_model("b")  # between the verdict shown and the promotion, which takes the lock
        return verdict
    monkeypatch.setattr(ma, "compare_with_champion", another_agent_promotes_meanwhile)
    data, lines, status = ma.promote_view("c", None, False)
    [record] = next(m for m in mu.load_model_registry()["models"] if m["model_id"] == "c")["promotions"]
    assert status == 0 and record["champion_before"] == "b" and mu.get_champion_model()["model_id"] == "c"
    # It said "champion before: a": a champion the history never shows c replacing.
    assert "champion before: b" in lines[0] and data["champion_id"] == "b", lines
    assert any("0.95 > 0.92" in line for line in lines), lines


def test_a_history_record_cannot_claim_another_model(mu, project, ml_automation_path):
    register(mu, "real", 0.90)
    mu.promote_model("real")
    edit_models(lambda m: m["promotions"][0].update(model_id="ghost") if m["model_id"] == "real" else None)
    # The record sits on model `real`: that is the model promoted, whatever a key inside it says.
    history = json.loads(cli(ml_automation_path, "history", "--json").stdout)["promotions"]
    assert [p["model_id"] for p in history] == ["real"]
    assert "promoted real by" in cli(ml_automation_path, "history").stdout


def test_rollback_reports_the_champion_it_replaced_when_another_agent_promoted_meanwhile(mu, ma, project, monkeypatch):
    for model_id, f1 in (("a", 0.90), ("b", 0.92), ("c", 0.95)):
        register(mu, model_id, f1)
    mu.promote_model("a")
    mu.promote_model("b")
    chosen = ma.rollback_target

    def another_agent_promotes_meanwhile(models):
        found = chosen(models)
        mu.promote_model("c")
        return found
    monkeypatch.setattr(ma, "rollback_target", another_agent_promotes_meanwhile)
    data, lines, status = ma.rollback_view(None, False)
    record = next(m for m in mu.load_model_registry()["models"] if m["model_id"] == "a")["promotions"][-1]
    assert status == 0 and record["action"] == "rollback" and record["champion_before"] == "c"
    # It said "replacing b": b was no longer the champion, c was, and c is the one archived.
    assert data["replaced"] == "c" and "replacing c (the champion had changed from b to c while this ran)" in lines[0], lines


def test_a_dry_run_with_a_reason_tells_what_the_promotion_with_that_reason_would_do(mu, project, ml_automation_path):
    register(mu, "champ", 0.95)
    mu.promote_model("champ")
    register(mu, "worse", 0.90)
    # It said "would be refused" (exit 4) though the same command without --dry-run promotes.
    dry = cli(ml_automation_path, "promote", "worse", "--reason", "the clinic needs it", "--dry-run")
    assert dry.returncode == 0 and "would be promoted anyway, the reason recorded" in dry.stdout, dry.stdout + dry.stderr
    assert mu.get_champion_model()["model_id"] == "champ"
    Path("models").mkdir()
    Path("models/worse.bin").write_bytes(b"v1")
    register(mu, "worse", 0.90, artifact_path="models/worse.bin")
    Path("models/worse.bin").write_bytes(b"v2")
    changed = cli(ml_automation_path, "promote", "worse", "--reason", "the clinic needs it", "--dry-run")
    assert changed.returncode == 4 and "would be refused" in changed.stdout, changed.stdout + changed.stderr
    assert cli(ml_automation_path, "promote", "worse", "--reason", "the clinic needs it").returncode == 4
