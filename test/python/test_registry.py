"""Section 9, the MLOps registry: storage, atomic locked writes, refusals, semantics, values."""

import json
import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
from conftest import run_python

REGRESSION = {"rmse": 10.0, "mae": 8.0, "r2": 0.5}


def model(model_id, **extra):
    return dict({"model_id": model_id, "task_type": "regression", "metrics": dict(REGRESSION)}, **extra)


# --- storage -------------------------------------------------------------------------


def test_without_platform_folder_writes_to_universal_folder_and_creates_no_platform_folder(mu, project):
    assert mu.save_model_entry(model("m1")) == "m1"
    assert os.path.isfile(os.path.join("mlops", "model-registry.json"))
    assert sorted(os.listdir(project)) == ["mlops"]


def test_writes_go_to_the_first_existing_platform_folder_only(mu, project):
    os.mkdir(".cursor")
    os.mkdir(".opencode")
    mu.save_model_entry(model("m1"))
    mu.save_feature_entries([{"feature_id": "f1"}])
    mu.save_experiment({"experiment_id": "e1"})
    assert sorted(os.listdir(project)) == [".cursor", ".opencode"]
    assert sorted(os.listdir(".cursor/mlops")) == [".generations", ".journal.jsonl", ".registry.lock", "experiments", "feature-store.json", "model-registry.json"]
    assert os.listdir(".opencode") == []
    # A platform folder that appears later does not move the registry: writes stay where it is.
    os.mkdir(".claude")
    assert mu.mlops_dir() == os.path.join(".cursor", "mlops")


def test_a_project_without_a_registry_writes_into_its_first_platform_folder(mu, project):
    os.mkdir(".opencode")
    assert mu.mlops_dir() == os.path.join(".opencode", "mlops")
    os.mkdir(".claude")
    assert mu.mlops_dir() == os.path.join(".claude", "mlops")
    os.mkdir("mlops")
    assert mu.mlops_dir() == "mlops"


def test_environment_variable_and_output_dirs_override(mu, project, monkeypatch):
    monkeypatch.setenv("ML_AUTOMATION_MLOPS_DIR", "shared/registry")
    assert mu.save_model_entry(model("m1")) == "m1" and os.path.isfile(os.path.join("shared/registry", "model-registry.json"))
    assert [m["model_id"] for m in mu.load_model_registry()["models"]] == ["m1"]
    assert mu.save_model_entry(model("m2"), output_dirs=["elsewhere"]) == "m2" and os.path.isfile(os.path.join("elsewhere", "model-registry.json"))
    assert [m["model_id"] for m in mu.load_model_registry(search_dirs=["elsewhere"])["models"]] == ["m2"]


def test_reads_merge_every_platform_folder_newest_entry_winning(mu, project):
    os.mkdir(".claude")
    mu.save_model_entry(model("shared", name="old copy"), output_dirs=[".cursor/mlops"])
    mu.save_model_entry(model("only-cursor"), output_dirs=[".cursor/mlops"])
    time.sleep(0.01)
    mu.save_model_entry(model("shared", name="new copy"), output_dirs=[".claude/mlops"])
    models = {m["model_id"]: m for m in mu.load_model_registry()["models"]}
    assert set(models) == {"shared", "only-cursor"} and models["shared"]["name"] == "new copy"
    time.sleep(0.01)
    mu.save_model_entry(model("shared", name="newest, in cursor"), output_dirs=[".cursor/mlops"])
    assert {m["model_id"]: m["name"] for m in mu.load_model_registry()["models"]}["shared"] == "newest, in cursor"
    # A write merges what other platform folders hold into the canonical folder: nothing is lost.
    mu.save_model_entry(model("m3"))
    canonical = json.load(open(".claude/mlops/model-registry.json"))["models"]
    assert {m["model_id"] for m in canonical} == {"shared", "only-cursor", "m3"}


# --- concurrency and crashes -------------------------------------------------------------


WRITER = """
import sys, ml_utils
worker = int(sys.argv[1])
for i in range(50):
    ml_utils.save_feature_entries([{"feature_id": f"w{worker}_f{i}", "domain": "d"}])
    ml_utils.save_model_entry({"model_id": f"w{worker}_m{i}", "task_type": "regression",
                               "metrics": {"rmse": 1.0 + i, "mae": 1.0, "r2": 0.5}})
"""


def test_eight_concurrent_processes_lose_nothing(ml_utils_path, project):
    os.mkdir(".claude")
    env = dict(os.environ, PYTHONPATH=str(ml_utils_path.parent))
    env.pop("ML_AUTOMATION_MLOPS_DIR", None)
    workers = [subprocess.Popen([sys.executable, "-c", WRITER, str(w)], cwd=project, env=env, stderr=subprocess.PIPE, text=True) for w in range(8)]
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
    models = json.load(open(".claude/mlops/model-registry.json"))["models"]
    features = json.load(open(".claude/mlops/feature-store.json"))["features"]
    assert len(models) == 400 and len({m["model_id"] for m in models}) == 400
    assert len(features) == 400 and len({f["feature_id"] for f in features}) == 400
    assert not [name for name in os.listdir(".claude/mlops") if name.endswith(".tmp")]


KILLED = """
import sys, ml_utils
for i in range(100000):
    ml_utils.save_model_entry({"model_id": f"m{i}", "task_type": "regression", "metrics": {"rmse": 1.0, "mae": 1.0, "r2": 0.1},
                               "notes": "x" * 4000})
    print(f"m{i}", flush=True)
"""


def test_a_writer_killed_mid_run_keeps_every_acknowledged_entry(ml_utils_path, project):
    env = dict(os.environ, PYTHONPATH=str(ml_utils_path.parent))
    env.pop("ML_AUTOMATION_MLOPS_DIR", None)
    writer = subprocess.Popen([sys.executable, "-c", KILLED], cwd=project, env=env, stdout=subprocess.PIPE, text=True)
    acknowledged = []
    while len(acknowledged) < 60:
        acknowledged.append(writer.stdout.readline().strip())
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    acknowledged += [line.strip() for line in writer.stdout.read().splitlines()]
    stored = {m["model_id"] for m in json.load(open("mlops/model-registry.json"))["models"]}
    assert set(acknowledged) <= stored
    # A later write still works, and cleans up the temporary file the killed writer may have left.
    assert run_python(ml_utils_path, "import ml_utils; ml_utils.save_model_entry({'model_id': 'after', 'task_type': 'regression', 'metrics': {'rmse': 1, 'mae': 1, 'r2': 0}})", project).returncode == 0
    assert "after" in {m["model_id"] for m in json.load(open("mlops/model-registry.json"))["models"]}
    assert not [name for name in os.listdir("mlops") if name.endswith(".tmp")]


def test_a_truncated_registry_is_never_overwritten(mu, project):
    for i in range(5):
        mu.save_model_entry(model(f"m{i}"))
    path = os.path.join("mlops", "model-registry.json")
    intact = open(path, "rb").read()
    truncated = intact[:-40]
    open(path, "wb").write(truncated)
    with pytest.raises(mu.RegistryError, match=r"model-registry\.json is damaged.*left untouched.*registry repair --dry-run"):
        mu.save_model_entry(model("m5"))
    with pytest.raises(mu.RegistryError, match="left untouched"):
        mu.promote_model("m0")
    assert open(path, "rb").read() == truncated
    with pytest.warns(mu.RegistryWarning, match=r"model-registry\.json:8: .*cut short"):
        loaded = mu.load_model_registry()
    assert [m["model_id"] for m in loaded["models"]] == ["m0", "m1", "m2", "m3"]
    assert any(":8:" in problem for problem in loaded["damaged"])
    open(path, "wb").write(intact)
    assert len(mu.load_model_registry()["models"]) == 5


def test_a_registry_of_the_wrong_shape_is_refused_too(mu, project):
    os.makedirs("mlops")
    open("mlops/feature-store.json", "w").write('{"features": {"not": "a list"}}')
    with pytest.raises(mu.RegistryError, match="has no 'features' list"):
        mu.save_feature_entries([{"feature_id": "f1"}])
    assert json.load(open("mlops/feature-store.json")) == {"features": {"not": "a list"}}


@pytest.mark.parametrize("bad_id", ["../../escaped", "a/b", "..", ".hidden", "", "x" * 129, "a\\b", "C:evil", "m 1", None, 7])
def test_path_like_ids_are_refused(mu, project, bad_id):
    with pytest.raises(mu.RegistryError, match="invalid"):
        mu.save_experiment({"experiment_id": bad_id} if bad_id is not None else {"experiment_id": "../x"})
    with pytest.raises(mu.RegistryError, match="invalid"):
        mu.save_model_entry({"model_id": bad_id or "../x"})
    assert not os.path.exists(os.path.join(project.parent, "escaped.json"))
    assert not os.path.exists("mlops/model-registry.json")


@pytest.mark.parametrize("bad_id", ["", " lead", "trail ", "tab\tin", "line\nbreak", 'a "quoted" name', "back\\slash", "x" * 129, 7, ["f"]])
def test_feature_ids_are_column_names_and_only_unprintable_ones_are_refused(mu, project, bad_id):
    with pytest.raises(mu.RegistryError, match="invalid feature_id"):
        mu.save_feature_entries([{"feature_id": "fine"}, {"feature_id": bad_id}])
    assert not os.path.exists("mlops")


def test_real_column_names_are_feature_ids_and_complete_a_models_lineage(ma, mu, project):
    from sklearn.datasets import load_breast_cancer, load_iris

    columns = list(load_breast_cancer(as_frame=True).data.columns) + list(load_iris(as_frame=True).data.columns) + ["café/ratio", "a.b-c_d", ".."]
    assert "mean radius" in columns and "petal length (cm)" in columns
    mu.save_feature_entries([{"feature_id": c, "source_columns": [c]} for c in columns])
    mu.save_model_entry(model("m1", feature_set=columns))
    mu.save_feature_entries([{"feature_id": "mean radius", "leakage_risk": "none"}])  # an update through the store's fast path
    store = {f["feature_id"]: f for f in mu.load_feature_store()["features"]}
    assert list(store) == columns and store["mean radius"]["leakage_risk"] == "none" and store["mean radius"]["used_in_models"] == ["m1"]
    assert ma.get_model_lineage("m1")["missing_features"] == []
    assert ma.check_registry() == []


def test_fingerprints_that_could_name_a_path_are_refused(mu, project):
    for bad in ("../../../etc/passwd", "sha256:../../x", "unknown", None):
        with pytest.raises(mu.RegistryError, match="fingerprint"):
            mu.save_data_version({"fingerprint": bad})
    assert not os.path.exists("mlops")


def test_generated_ids_do_not_collide_within_a_second(mu, project):
    ids = {mu._new_id("model") for _ in range(2000)}
    assert len(ids) == 2000
    for _ in range(3):
        mu.save_model_entry({"task_type": "regression", "metrics": dict(REGRESSION)})
        mu.save_experiment({"name": "run"})
    assert len(mu.load_model_registry()["models"]) == 3
    assert len(mu.load_experiments()) == 3


# --- semantics ----------------------------------------------------------------------------


def test_saving_an_existing_model_updates_it(mu, project):
    mu.save_model_entry(model("m1", tags=["a"]))
    created = mu.load_model_registry()["models"][0]["created_at"]
    time.sleep(0.01)
    mu.save_model_entry({"model_id": "m1", "metrics": {"rmse": 5.0, "mae": 4.0, "r2": 0.7}})
    [entry] = mu.load_model_registry()["models"]
    assert entry["metrics"]["rmse"] == 5.0 and entry["tags"] == ["a"] and entry["task_type"] == "regression"
    assert entry["created_at"] == created and entry["updated_at"] > created


def test_a_feature_batch_is_deduplicated_and_updates_existing_features(mu, project):
    mu.save_feature_entries([{"feature_id": "f1", "dtype": "int"}, {"feature_id": "f1", "description": "second"}, {"name": "f2"}])
    mu.save_feature_entries([{"feature_id": "f2", "leakage_risk": "high"}])
    features = {f["feature_id"]: f for f in mu.load_feature_store()["features"]}
    assert sorted(features) == ["f1", "f2"]
    assert features["f1"]["dtype"] == "int" and features["f1"]["description"] == "second"
    assert features["f2"]["leakage_risk"] == "high" and features["f2"]["transformation"] == "raw"


def test_promoting_an_unknown_model_changes_nothing(mu, project):
    mu.save_model_entry(model("m1"))
    mu.promote_model("m1")
    before = open("mlops/model-registry.json", "rb").read()
    with pytest.raises(mu.RegistryError, match="cannot promote 'ghost'.*m1.*champion is unchanged"):
        mu.promote_model("ghost")
    assert open("mlops/model-registry.json", "rb").read() == before
    assert mu.get_champion_model()["model_id"] == "m1"


def test_promotion_archives_the_previous_champion(mu, project):
    mu.save_model_entry(model("m1"))
    mu.promote_model("m1")
    mu.save_model_entry(model("m2"))
    mu.promote_model("m2")
    models = {m["model_id"]: m for m in mu.load_model_registry()["models"]}
    assert models["m1"]["status"] == "archived" and models["m2"]["status"] == "champion"
    assert models["m2"]["predecessor_id"] == "m1"
    # Only promote_model makes a champion: a save that says so is refused, nothing written.
    before = open("mlops/model-registry.json", "rb").read()
    with pytest.raises(mu.RegistryError, match=r"only promote_model makes a champion.*promote_model\('m3'\)"):
        mu.save_model_entry(model("m3", status="champion"))
    assert open("mlops/model-registry.json", "rb").read() == before
    mu.save_model_entry(dict(model("m2"), tags=["kept"]))  # the champion itself may be saved again
    assert [m["model_id"] for m in mu.load_model_registry()["models"] if m["status"] == "champion"] == ["m2"]


def test_two_entries_marked_champion_at_the_same_time_give_one_champion_whatever_their_order(mu, project):
    """A hand-made registry (or two folders' copies) with two champions promoted at the same instant:
    which one is the champion, and which counts as archived, does not depend on the order they were written in."""
    stamp = "2026-01-01T00:00:00.000000+00:00"
    entries = [dict(model(name), status="champion", promoted_at=stamp, created_at=stamp) for name in ("m_a", "m_b")]
    for order in (entries, entries[::-1]):
        os.makedirs("mlops", exist_ok=True)
        with open("mlops/model-registry.json", "w") as handle:
            json.dump({"version": "1.0", "models": order}, handle)
        assert mu.get_champion_model()["model_id"] == "m_b"


def test_back_links_are_kept_whichever_side_is_written_first(ma, mu, project):
    fingerprint = "sha256:" + "ab" * 32
    # features, data version and experiment first, model last
    mu.save_feature_entries([{"feature_id": "f1"}, {"feature_id": "f2"}])
    mu.save_data_version({"fingerprint": fingerprint, "rows": 10})
    mu.save_experiment({"experiment_id": "e1", "dataset": {"fingerprint": fingerprint}})
    mu.save_model_entry(model("m1", feature_set=["f1", "f2"], training_experiment_id="e1", data_fingerprint=fingerprint))
    # model first, then a feature and a data version that it names
    other = "sha256:" + "cd" * 32
    mu.save_model_entry(model("m2", feature_set=["f1", "f3"], training_experiment_id="e2", data_fingerprint=other))
    mu.save_feature_entries([{"feature_id": "f3"}])
    mu.save_experiment({"experiment_id": "e2", "dataset": {"fingerprint": other}})
    mu.save_data_version({"fingerprint": other})
    features = {f["feature_id"]: f["used_in_models"] for f in mu.load_feature_store()["features"]}
    assert features == {"f1": ["m1", "m2"], "f2": ["m1"], "f3": ["m2"]}
    versions = {v["fingerprint"]: v["used_in_experiments"] for v in mu.load_data_versions()}
    assert versions == {fingerprint: ["e1"], other: ["e2"]}
    assert ma.get_model_lineage("m1")["experiment"]["experiment_id"] == "e1"


# --- task types ---------------------------------------------------------------------------


def test_missing_required_metrics_warn_by_name_and_strict_mode_refuses(mu, project, monkeypatch):
    with pytest.warns(mu.RegistryWarning, match=r"\(classification\) is registered without required metrics: precision, recall, auc_roc"):
        mu.save_model_entry({"model_id": "c1", "task_type": "classification", "metrics": {"accuracy": 0.9, "f1": 0.8}})
    with pytest.raises(mu.RegistryError, match="without required metrics: mae, r2"):
        mu.save_model_entry({"model_id": "r1", "task_type": "regression", "metrics": {"rmse": 1.0}}, strict=True)
    monkeypatch.setenv("ML_AUTOMATION_REGISTRY_STRICT", "1")
    with pytest.raises(mu.RegistryError, match="unknown task_type 'ranking'"):
        mu.save_model_entry({"model_id": "x1", "task_type": "ranking"})
    assert [m["model_id"] for m in mu.load_model_registry()["models"]] == ["c1"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mu.save_model_entry({"model_id": "r2", "task_type": "regression", "metrics": {"test": {"rmse": 1.0, "mae": 1.0, "r2": 0.3}}})


def test_champion_comparison_follows_each_task_types_primary_metric(mu, project):
    mu.save_model_entry(model("r_champion", metrics={"rmse": 10.0, "mae": 8.0, "r2": 0.5}))
    assert mu.compare_with_champion("r_champion")["promote"] is True  # no champion yet
    mu.promote_model("r_champion")
    mu.save_model_entry(model("r_better", metrics={"rmse": 9.5, "mae": 9.0, "r2": 0.4}))
    mu.save_model_entry(model("r_worse", metrics={"rmse": 10.5, "mae": 1.0, "r2": 0.9}))
    mu.save_model_entry(model("r_tie", metrics={"rmse": 10.0, "mae": 1.0, "r2": 0.9}))
    better = mu.compare_with_champion("r_better")
    assert better["promote"] is True and better["metric"] == "rmse" and better["direction"] == "lower"
    assert "9.5 < 10" in better["reason"]
    assert mu.compare_with_champion("r_worse")["promote"] is False
    assert mu.compare_with_champion("r_tie")["promote"] is False
    assert mu.compare_with_champion("r_champion")["promote"] is False
    assert mu.compare_metrics("classification", {"f1": 0.8}, {"f1": 0.7})["better"] is True
    assert mu.compare_metrics("classification", {"f1": 0.6, "accuracy": 0.99}, {"f1": 0.7})["better"] is False
    assert mu.compare_metrics("segmentation", {"silhouette_score": 0.4}, {"silhouette_score": 0.3})["better"] is True
    assert mu.compare_metrics("regression", {"mae": 1.0}, {"rmse": 2.0})["better"] is None
    with pytest.warns(mu.RegistryWarning, match="accuracy, precision, recall, auc_roc"):
        mu.save_model_entry({"model_id": "c1", "task_type": "classification", "metrics": {"f1": 0.99}})
    assert "not comparable" in mu.compare_with_champion("c1")["reason"]
    with pytest.raises(mu.RegistryError, match="no model 'ghost'"):
        mu.compare_with_champion("ghost")


# --- values -------------------------------------------------------------------------------


def test_numpy_and_pandas_values_are_stored_as_json_numbers_and_times_in_utc(mu, project):
    import pandas as pd

    mu.save_model_entry({"model_id": "m1", "task_type": "regression",
                         "metrics": {"rmse": np.float64(1.5), "mae": np.float32(0.5), "r2": np.nan, "n": np.int64(7)},
                         "hyperparameters": {"depth": np.int32(4), "trained_on": pd.Timestamp("2026-01-01T00:00:00Z"), "grid": np.array([1, 2])}})
    raw = json.loads(open("mlops/model-registry.json").read())["models"][0]
    assert raw["metrics"] == {"rmse": 1.5, "mae": 0.5, "r2": None, "n": 7}
    assert type(raw["metrics"]["n"]) is int and type(raw["hyperparameters"]["depth"]) is int
    assert raw["hyperparameters"]["grid"] == [1, 2] and raw["hyperparameters"]["trained_on"].startswith("2026-01-01T00:00:00")
    assert raw["created_at"].endswith("+00:00") and raw["updated_at"].endswith("+00:00")


def test_a_registry_written_in_the_plans_layout_is_merged_not_lost(mu, project):
    """The plan wrote five pretty-printed copies; the first write through ml_utils merges them into one."""
    legacy = {"version": "1.0", "models": [
        {"model_id": "old_1", "task_type": "regression", "status": "champion", "metrics": {"rmse": 3.0, "mae": 2.0, "r2": 0.1}, "created_at": "2026-02-23T14:30:22+00:00"},
        {"model_id": "old_2", "task_type": "regression", "status": "challenger", "metrics": {"rmse": 4.0, "mae": 2.0, "r2": 0.1}, "created_at": "2026-02-23T14:31:00+00:00"},
    ]}
    for folder in (".claude/mlops", ".cursor/mlops", "mlops"):
        os.makedirs(folder)
        with open(os.path.join(folder, "model-registry.json"), "w") as handle:
            json.dump(legacy, handle, indent=2, default=str)
    mu.save_model_entry(model("new_1", metrics={"rmse": 2.0, "mae": 1.0, "r2": 0.3}))
    assert mu.compare_with_champion("new_1")["promote"] is True
    mu.promote_model("new_1")
    stored = json.load(open(".claude/mlops/model-registry.json"))["models"]
    assert [(m["model_id"], m["status"]) for m in stored] == [("old_1", "archived"), ("old_2", "challenger"), ("new_1", "champion")]
    assert open(".claude/mlops/model-registry.json").read().count("\n") == len(stored) + 5  # one entry per line now


def test_an_entry_that_does_not_parse_hides_nothing_else_and_stops_every_write(mu, project):
    for name in ("m1", "m2", "m3"):
        mu.save_model_entry(model(name))
    path = "mlops/model-registry.json"
    lines = open(path).read().split("\n")
    lines[4] = lines[4].replace('"metrics": {', '"metrics": {{')  # m2, broken by a hand edit
    broken = "\n".join(lines)
    open(path, "w").write(broken)
    with pytest.warns(mu.RegistryWarning, match=r"model-registry\.json:5: not valid JSON"):
        assert [m["model_id"] for m in mu.load_model_registry()["models"]] == ["m1", "m3"]
    for write in (lambda: mu.save_model_entry(model("m4")), lambda: mu.promote_model("m1"), lambda: mu.promote_model("m2")):
        with pytest.raises(mu.RegistryDamagedError, match=r"model-registry\.json:5: not valid JSON.*model_id 'm2' by its text"):
            write()
    assert open(path).read() == broken


def test_registry_times_read_the_same_everywhere(ma, mu):
    # The registry writes UTC; a hand-written time without an offset is read as UTC by the report and
    # by the MLflow mirror alike (the mirror read it as the machine's local time).
    assert mu._ms("2026-01-01T00:00:00") == mu._ms("2026-01-01T00:00:00+00:00") == mu._ms("2026-01-01T00:00:00Z") == 1767225600000
    assert mu._ms("2026-01-01T02:00:00+02:00") == 1767225600000
    assert ma.when_text("2026-01-01T02:00:00+02:00") == "2026-01-01 00:00 UTC"
    assert mu._ms("yesterday") is None and mu._ms(None) is None
