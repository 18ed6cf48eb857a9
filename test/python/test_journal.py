"""Issue 18: nothing once acknowledged is ever lost.

Every write the runtime acknowledges is appended to the registry folder's journal; a hand rewrite the
guard lets through, one that goes around it, damage, a deleted file: afterwards `registry repair`
brings back every acknowledged entry, naming each, and a second repair has nothing to do.
"""

import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from conftest import run_python

REG = {"rmse": 1.0, "mae": 1.0, "r2": 0.5}
MODELS = Path("mlops", "model-registry.json")
JOURNAL = Path("mlops", ".journal.jsonl")


def model(model_id, rmse=1.0, **extra):
    return dict({"model_id": model_id, "task_type": "regression", "metrics": dict(REG, rmse=rmse)}, **extra)


def ids(mu):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [m["model_id"] for m in (mu.load_model_registry() or {"models": []})["models"]]


def guard(plugin, path, content, cwd):
    """The registry guard run as Claude Code runs it on a Write: (exit status, stderr)."""
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Write", "tool_input": {"file_path": str(path), "content": content}, "cwd": str(cwd)}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "ML_AUTOMATION_", "MLFLOW_"))}
    done = subprocess.run([sys.executable, str(plugin / "hooks" / "registry_guard.py")], input=json.dumps(payload), cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stderr


def cli(ml_automation_path, cwd, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ML_AUTOMATION_", "MLFLOW_"))}
    return subprocess.run([sys.executable, str(ml_automation_path), "registry", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def keep_only(text, kept):
    data = json.loads(text)
    data["models"] = [m for m in data["models"] if m["model_id"] in kept]
    return json.dumps(data, indent=2)


# --- The careless rewrite ------------------------------------------------------------------------


def test_a_rewrite_that_keeps_one_model_of_three_is_refused_and_loses_nothing_when_it_lands_anyway(mu, ml_utils_path, ml_automation_path, project):
    plugin = ml_utils_path.parent.parent
    for name in "abc":
        mu.save_model_entry(model(name))
    text = MODELS.read_text()
    # Through the guard: a model rewriting the registry from memory is refused, naming what it drops.
    status, err = guard(plugin, project / MODELS, keep_only(text, {"a"}), project)
    assert status == 2, err
    assert "drops model_id 'b', 'c'" in err and "promote_model" in err and "'status': 'archived'" in err
    assert MODELS.read_text() == text
    # Around it (a shell redirection): the next ordinary save puts b and c back and says so.
    MODELS.write_text(keep_only(text, {"a"}))
    with pytest.warns(mu.RegistryWarning, match=r"b, c \(recorded earlier\) were missing from .*journal"):
        mu.save_model_entry(model("d"))
    assert ids(mu) == ["a", "b", "c", "d"]
    # Again around it, and this time repair (no save in between) names each model it brings back.
    MODELS.write_text(keep_only(MODELS.read_text(), {"d"}))
    shown = cli(ml_automation_path, project)
    assert shown.returncode == 3 and "model 'a' (recorded " in shown.stdout and "is in no registry file" in shown.stdout
    repaired = cli(ml_automation_path, project, "repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "lacks 3 recorded models" in repaired.stdout and "Brought back 3 models: a (recorded 20" in repaired.stdout and ", c (recorded " in repaired.stdout
    assert sorted(ids(mu)) == ["a", "b", "c", "d"]
    again = cli(ml_automation_path, project, "repair")
    assert again.returncode == 0 and "nothing to repair" in again.stdout


def test_a_hand_edit_of_a_recorded_entry_is_refused_naming_it_and_the_runtime_function(mu, ml_utils_path, project):
    plugin = ml_utils_path.parent.parent
    mu.save_model_entry(model("a"))
    mu.save_feature_entries([{"feature_id": "f1", "description": "one"}])
    mu.save_experiment({"experiment_id": "e1", "task_type": "regression", "notes": "n"})
    text = MODELS.read_text()
    status, err = guard(plugin, project / MODELS, text.replace('"status": "challenger"', '"status": "champion"'), project)
    assert status == 2 and "changes model_id 'a'" in err and "promote_model(ID) makes it the champion" in err
    features = Path("mlops", "feature-store.json")
    status, err = guard(plugin, project / features, features.read_text().replace('"one"', '"two"'), project)
    assert status == 2 and "changes feature_id 'f1'" in err and "save_feature_entries" in err
    experiment = Path("mlops", "experiments", "e1.json")
    status, err = guard(plugin, project / experiment, experiment.read_text().replace('"notes": "n"', '"notes": "m"'), project)
    assert status == 2 and "changes experiment_id 'e1'" in err and "save_experiment" in err
    # Leaving every entry as it is (spacing aside) and adding one by hand passes.
    added = json.loads(text)
    added["models"].append(model("hand"))
    assert guard(plugin, project / MODELS, json.dumps(added, sort_keys=True), project) == (0, "")


def test_a_registry_made_before_the_journal_is_journaled_whole_at_its_first_write(mu, project):
    os.makedirs("mlops/experiments")
    entries = [dict(model(f"old{i}"), created_at="2025-01-01T00:00:00+00:00") for i in range(3)]
    MODELS.write_text(json.dumps({"version": "1.0", "models": entries}))
    Path("mlops/experiments/e0.json").write_text(json.dumps({"experiment_id": "e0", "task_type": "regression"}))
    mu.save_feature_entries([{"feature_id": "f1"}])
    assert sorted(mu._journal_entries("mlops")) == [("experiments", "e0"), ("features", "f1"), ("models", "old0"), ("models", "old1"), ("models", "old2")]
    MODELS.write_text(json.dumps({"version": "1.0", "models": []}))
    os.unlink("mlops/experiments/e0.json")
    with pytest.warns(mu.RegistryWarning, match="old0, old1, old2"):
        mu.save_model_entry(model("new"))
    assert sorted(ids(mu)) == ["new", "old0", "old1", "old2"]


def test_deleted_files_of_every_kind_come_back_from_repair_named(mu, ma, project):
    fingerprint = "sha256:" + "ab" * 32
    mu.save_data_version({"fingerprint": fingerprint, "source_path": "d.csv", "rows": 3, "columns": 2})
    mu.save_experiment({"experiment_id": "e1", "task_type": "regression", "dataset": {"fingerprint": fingerprint}})
    mu.save_feature_entries([{"feature_id": "f1"}])
    mu.save_model_entry(model("m1", training_experiment_id="e1", data_fingerprint=fingerprint, feature_set=["f1"]))
    before = ma._Snapshot()
    for path in ("mlops/model-registry.json", "mlops/feature-store.json", "mlops/experiments/e1.json", f"mlops/data-versions/{'ab' * 32}.json"):
        os.unlink(path)
    shutil.rmtree("mlops/.generations")  # the kept generations gone too (a `git clean -X`)
    missing = [str(d) for d in ma._Snapshot().damage]
    assert len(missing) == 4 and all("is in no registry file" in d for d in missing), missing
    report = ma.repair_registry()
    assert sorted(report["restored"]) == sorted(["models m1", "features f1", "experiments e1", f"data_versions {fingerprint}"]), report
    assert any("missing. Rebuilt it with 1 models" in action and "Brought back 1 models: m1 (recorded 20" in action for action in report["actions"])
    assert any("e1.json: missing: restored from the journal (recorded 20" in action for action in report["actions"])
    after = ma._Snapshot()
    assert after.damage == [] and after.lineage(after.models[0])["complete"]
    assert [m["metrics"] for m in after.models] == [m["metrics"] for m in before.models]
    assert ma.repair_registry()["actions"] == ["nothing to repair: every registry file reads whole, with every entry its journal records"]


def test_two_repairs_in_one_second_keep_both_damaged_copies(mu, ma, project):
    for name in "ab":
        mu.save_model_entry(model(name))
    first = MODELS.read_bytes()[:-40]
    MODELS.write_bytes(first)
    ma.repair_registry()
    second = MODELS.read_bytes()[:-30]
    MODELS.write_bytes(second)
    ma.repair_registry()  # within the same second: its copy gets a name of its own
    asides = sorted(name for name in os.listdir("mlops") if name.startswith("model-registry.json.damaged-"))
    assert len(asides) == 2, asides
    assert sorted(Path("mlops", name).read_bytes() for name in asides) == sorted([first, second])


def test_a_registry_file_that_is_a_link_is_repaired_where_it_is(mu, ma, tmp_path, project):
    shared = tmp_path / "shared" / "model-registry.json"
    shared.parent.mkdir()
    shared.write_text('{"version": "1.0", "models": []}\n')  # a registry file shared between projects
    os.makedirs("mlops")
    os.symlink(shared, MODELS)
    for name in "ab":
        mu.save_model_entry(model(name))
    assert MODELS.is_symlink() and shared.is_file()
    shared.write_bytes(shared.read_bytes()[:-50])
    report = ma.repair_registry()
    assert MODELS.is_symlink() and os.readlink(MODELS) == str(shared)  # the link kept
    assert ids(mu) == ["a", "b"] and json.loads(shared.read_text())["models"][1]["model_id"] == "b"  # the shared file repaired
    assert [str(shared.parent / name) for name in os.listdir(shared.parent) if ".damaged-" in name] == report["kept_aside"]


def test_the_journal_is_compacted_to_the_newest_copy_of_each_entry(mu, project):
    notes = "x" * 4000
    for i in range(150):  # 150 saves of 3 models: about 1.8 MB of lines, 20 KB of live entries
        mu.save_model_entry(model(f"m{i % 3}", rmse=float(i), hyperparameters={"notes": notes}))
    size = JOURNAL.stat().st_size
    assert size < 600_000, size
    head = JOURNAL.read_text().split("\n", 1)[0]
    assert json.loads(head)["journal"] == 1
    latest = mu._journal_entries("mlops")
    assert sorted(latest) == [("models", "m0"), ("models", "m1"), ("models", "m2")]
    assert latest[("models", "m2")][1]["metrics"]["rmse"] == 149.0


def test_a_journal_line_cut_by_a_killed_writer_is_skipped_and_the_next_starts_on_its_own_line(mu, project):
    mu.save_model_entry(model("a"))
    with open(JOURNAL, "ab") as handle:
        handle.write(b'{"kind":"models","id":"half","at":"2026')
    mu.save_model_entry(model("b"))
    assert sorted(key for _, key in mu._journal_entries("mlops")) == ["a", "b"]
    assert JOURNAL.read_bytes().count(b"\n") == JOURNAL.read_bytes().count(b'"kind"') + 1


# --- Every sequence ------------------------------------------------------------------------------

OPS = "WGADR"  # runtime write, hand rewrite through the guard, around it, damage, repair


class Flow:
    """One project driven through a sequence of operations, remembering what the runtime acknowledged."""

    def __init__(self, mu, ma, variant):
        self.mu, self.ma, self.variant = mu, ma, variant
        self.acked = {}  # (kind, id) -> value of the field this test sets, as acknowledged
        self.altered = set()  # acknowledged entries since changed by hand around the guard
        self.step = 0
        self.write()
        self.write()

    def pick(self, options):
        self.step += 1
        return options[(self.step + self.variant) % len(options)]

    def write(self):
        mu, n = self.mu, len(self.acked)
        kind = self.pick(["model", "experiment", "feature", "update", "promote"])
        try:
            if kind == "model" or not any(k == "models" for k, _ in self.acked):
                key, value = f"m{n}", float(n)
                mu.save_model_entry(model(key, rmse=value, training_experiment_id=f"e{n}", feature_set=[f"f{n}"]))
                self.acked[("models", key)] = value
            elif kind == "experiment":
                mu.save_experiment({"experiment_id": f"e{n}", "task_type": "regression", "notes": f"run {n}"})
                self.acked[("experiments", f"e{n}")] = f"run {n}"
            elif kind == "feature":
                mu.save_feature_entries([{"feature_id": f"f{n}", "description": f"feature {n}"}])
                self.acked[("features", f"f{n}")] = f"feature {n}"
            else:
                key = sorted(k for k in self.acked if k[0] == "models")[0][1]
                if kind == "update":
                    mu.save_model_entry({"model_id": key, "metrics": dict(REG, rmse=100.0 + n)})
                    self.acked[("models", key)] = 100.0 + n
                else:
                    mu.promote_model(key)
                self.altered.discard(("models", key))
        except self.mu.RegistryDamagedError:
            pass  # refused, nothing written: nothing acknowledged

    def hand(self, through_guard):
        path = MODELS if self.pick([True, True, False]) else Path("mlops", "feature-store.json")
        if not path.is_file():
            return
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            data = json.loads(text)
        except ValueError:
            return
        key = "models" if path == MODELS else "features"
        entries = data.get(key) if isinstance(data, dict) else None
        if not isinstance(entries, list) or not entries:
            return
        how = self.pick(["drop", "alter", "add"])
        if how == "drop":
            del entries[len(entries) // 2]
        elif how == "alter" and isinstance(entries[0], dict):
            entries[0]["name"] = "renamed by hand"
        else:
            entries.append({"model_id": f"hand{self.step}", "task_type": "regression"} if key == "models" else {"feature_id": f"hand{self.step}"})
        new = json.dumps(data, indent=2)
        if through_guard and self.ma.check_registry_text(str(path), new):
            return  # refused: nothing written
        if how == "alter" and isinstance(entries[0], dict):
            self.altered.add((key, entries[0].get("model_id") or entries[0].get("feature_id")))
        path.write_text(new)

    def damage(self):
        how = self.pick(["truncate", "conflict", "delete", "garble", "latin-1", "delete-experiment"])
        if how == "delete-experiment":
            files = sorted(Path("mlops/experiments").glob("*.json")) if Path("mlops/experiments").is_dir() else []
            if files:
                files[0].unlink()
            return
        path = MODELS if how != "garble" else Path("mlops", "feature-store.json")
        if not path.is_file():
            return
        data = path.read_bytes()
        if how == "truncate":
            path.write_bytes(data[: len(data) * 2 // 3])
        elif how == "conflict":
            lines = data.split(b"\n")
            path.write_bytes(b"\n".join(lines[:3] + [b"<<<<<<< HEAD"] + lines[3:-3] + [b"=======", b">>>>>>> other"] + lines[-3:]))
        elif how == "delete":
            path.unlink()
        elif how == "garble":
            path.write_bytes(data.replace(b'"feature_id"', b'"feature_id" :: ', 1))
        else:
            path.write_bytes(data.replace(b'"status"', '"stätus"'.encode("latin-1"), 1))

    def repair(self):
        return self.ma.repair_registry()

    def run(self, sequence):
        for op in sequence:
            {"W": self.write, "G": lambda: self.hand(True), "A": lambda: self.hand(False), "D": self.damage, "R": self.repair}[op]()

    def check(self, sequence):
        self.repair()
        second = self.repair()
        assert second["actions"][0].startswith("nothing to repair"), (sequence, second)
        snapshot = self.ma._Snapshot()
        assert not [d for d in snapshot.damage if d.kind == "damaged"], (sequence, snapshot.damage)
        found = {("models", m["model_id"]): m.get("metrics", {}).get("rmse") for m in snapshot.models}
        found.update({("experiments", e["experiment_id"]): e.get("notes") for e in snapshot.experiments})
        found.update({("features", f["feature_id"]): f.get("description") for f in snapshot.features})
        for key, value in self.acked.items():
            assert key in found, (sequence, key, sorted(found))
            if key not in self.altered:
                assert found[key] == value, (sequence, key, found[key], value)


SEQUENCES = ["".join(s) for n in range(4) for s in itertools.product(OPS, repeat=n)]


def test_after_every_sequence_of_writes_hand_rewrites_damage_and_repairs_every_acknowledged_entry_is_readable(mu, ma, tmp_path, monkeypatch):
    for name in ("ML_AUTOMATION_MLOPS_DIR", "MLFLOW_TRACKING_URI", "ML_AUTOMATION_MLFLOW_URI"):
        monkeypatch.delenv(name, raising=False)
    longer = ["".join(random.Random(seed).choice(OPS) for _ in range(8)) for seed in range(40)]
    runs = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for variant in range(2):
            for number, sequence in enumerate(SEQUENCES + longer):
                folder = tmp_path / f"v{variant}-{number}"
                folder.mkdir()
                monkeypatch.chdir(folder)
                flow = Flow(mu, ma, variant)
                flow.run(sequence)
                flow.check(sequence)
                runs += 1
    assert runs == 2 * (len(SEQUENCES) + 40) == 392


def test_a_write_killed_after_its_file_and_before_its_journal_line_is_not_acknowledged_but_kept(mu, ml_utils_path, ma, project):
    # The journal line is appended once the file is written: a process killed in between returned
    # nothing (not acknowledged); its entry is still in the file and in the kept generation.
    mu.save_model_entry(model("a"))
    code = ("import os, ml_utils\n"
            "ml_utils._journal = lambda *args: os._exit(9)\n"
            "ml_utils.save_model_entry({'model_id': 'b', 'task_type': 'regression', 'metrics': {'rmse': 1, 'mae': 1, 'r2': 0}})\n")
    assert run_python(ml_utils_path, code, project).returncode == 9
    assert ids(mu) == ["a", "b"] and sorted(key for _, key in mu._journal_entries("mlops")) == ["a"]
    MODELS.write_bytes(MODELS.read_bytes()[:-20])
    ma.repair_registry()
    assert ids(mu) == ["a", "b"]
