"""Issue 10: a registry that never hides or drops what was recorded.

Each damaged file keeps its intact entries readable and is named (file and line); writers refuse it
without changing a byte; `registry repair` gives back every entry an earlier call acknowledged.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import run_python

REG = {"rmse": 10.0, "mae": 8.0, "r2": 0.5}
PATH = os.path.join("mlops", "model-registry.json")


def cli(ml_automation_path, cwd, *args, timeout=60):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_AUTOMATION_")}
    return subprocess.run([sys.executable, str(ml_automation_path), "registry", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def tree_bytes(root="."):
    """Every file below `root` with its bytes (to prove nothing changed)."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if name != ".registry.lock":
                found[path] = open(path, "rb").read()
    return found


@pytest.fixture
def five(mu, project):
    """Five models m0..m4 with m2 the champion, written by the runtime."""
    for i in range(5):
        mu.save_model_entry({"model_id": f"m{i}", "task_type": "regression", "metrics": dict(REG, rmse=10.0 - i), "name": "café" if i == 3 else f"n{i}"})
    mu.promote_model("m2")
    return open(PATH, "rb").read()


def broken_line(data):
    lines = data.split(b"\n")
    lines[4] = lines[4].replace(b'"metrics": {', b'"metrics": {{')  # m1
    return b"\n".join(lines)


def conflict(data):
    lines = data.decode().split("\n")
    body = lines[3:-3]
    ours = [line.rstrip(",") for line in body]
    theirs = [line.rstrip(",") for line in body[:2]] + ['    {"model_id": "x9", "task_type": "regression", "status": "challenger", "created_at": "2030-01-01T00:00:00+00:00"}']
    merged = lines[:3] + ["<<<<<<< HEAD"] + [line + "," for line in ours[:-1]] + [ours[-1]] + ["======="] + \
        [line + "," for line in theirs[:-1]] + [theirs[-1]] + [">>>>>>> feature/tuning"] + lines[-3:]
    return "\n".join(merged).encode()


DAMAGE = {
    "broken line": (broken_line, ["m0", "m2", "m3", "m4"], ":5: not valid JSON"),
    "truncated": (lambda data: data[:-60], ["m0", "m1", "m2", "m3"], ":8: "),
    "git conflict": (conflict, ["m0", "m1", "m2", "m3", "m4", "x9"], "unresolved git merge conflict (lines 4-14): 'HEAD' holds m0, m1, m2, m3, m4; 'feature/tuning' holds m0, m1, x9"),
    "latin-1 bytes": (lambda data: data.replace("café".encode(), "café".encode("latin-1")), ["m0", "m1", "m2", "m4"], ":7: holds bytes that are not UTF-8"),
    "bare list": (lambda data: json.dumps(json.loads(data)["models"]).encode(), ["m0", "m1", "m2", "m3", "m4"], ":1: is a bare JSON list"),
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_one_damaged_file_hides_nothing_else_and_names_the_damage(mu, five, ml_automation_path, project, kind):
    change, readable, named = DAMAGE[kind]
    damaged = change(five)
    open(PATH, "wb").write(damaged)
    with pytest.warns(mu.RegistryWarning, match="damaged"):
        loaded = mu.load_model_registry()
    assert sorted(m["model_id"] for m in loaded["models"]) == readable
    assert any(named in problem for problem in loaded["damaged"]), loaded["damaged"]
    with pytest.warns(mu.RegistryWarning):
        assert mu.get_champion_model()["model_id"] == "m2"
    shown = cli(ml_automation_path, project)
    assert shown.returncode == 3
    assert f"DAMAGED: {PATH}" in shown.stdout and named in shown.stdout
    assert "- Champion: m2" in shown.stdout and f"- Models: {len(readable)}" in shown.stdout
    before = tree_bytes()
    for write in (lambda: mu.save_model_entry({"model_id": "new", "task_type": "regression", "metrics": REG}), lambda: mu.promote_model("m0")):
        with pytest.raises(mu.RegistryDamagedError, match=r"model-registry\.json is damaged, so nothing was written"):
            write()
    assert tree_bytes() == before


def test_a_byte_order_mark_is_read_and_written_like_the_file_without_it(mu, five, ml_automation_path, project):
    open(PATH, "wb").write(b"\xef\xbb\xbf" + five)
    assert [m["model_id"] for m in mu.load_model_registry()["models"]] == ["m0", "m1", "m2", "m3", "m4"]
    assert cli(ml_automation_path, project).returncode == 0
    mu.save_model_entry({"model_id": "m5", "task_type": "regression", "metrics": REG})
    assert len(mu.load_model_registry()["models"]) == 6


def test_a_registry_file_that_is_a_folder_or_a_registry_folder_that_is_a_file_is_named(mu, ml_automation_path, project):
    os.makedirs(PATH)
    with pytest.warns(mu.RegistryWarning, match="is a folder, not a file"):
        assert mu.load_model_registry()["damaged"]
    shown = cli(ml_automation_path, project)
    assert shown.returncode == 3 and f"DAMAGED: {PATH}: is a folder, not a file" in shown.stdout
    with pytest.raises(mu.RegistryDamagedError, match="is a folder, not a file"):
        mu.save_model_entry({"model_id": "m", "task_type": "regression", "metrics": REG})
    shutil.rmtree("mlops")
    open("mlops", "w").write("my notes")
    shown = cli(ml_automation_path, project)
    assert shown.returncode == 3 and "DAMAGED: mlops: is a file, so no registry can be kept there" in shown.stdout
    with pytest.raises(mu.RegistryDamagedError, match="mlops is a file, not a folder"):
        mu.save_model_entry({"model_id": "m", "task_type": "regression", "metrics": REG})
    assert open("mlops").read() == "my notes"


def test_a_registry_file_that_is_a_symbolic_link_is_written_through_and_a_dangling_one_is_named(mu, ml_automation_path, project):
    # A registry file linked from a shared folder: writes reach the linked file and keep the link.
    mu.save_model_entry({"model_id": "shared1", "task_type": "regression", "metrics": REG}, output_dirs="shared")
    os.makedirs("mlops")
    os.symlink(os.path.abspath(os.path.join("shared", "model-registry.json")), PATH)
    mu.save_model_entry({"model_id": "local1", "task_type": "regression", "metrics": REG})
    assert os.path.islink(PATH)
    assert [m["model_id"] for m in mu.load_model_registry(search_dirs="shared")["models"]] == ["shared1", "local1"]
    # The link's target gone (a drive not mounted): named, never "nothing registered", never replaced.
    os.remove(PATH)
    os.symlink(os.path.abspath("unmounted/model-registry.json"), PATH)
    with pytest.warns(mu.RegistryWarning, match="is a symbolic link to .*unmounted/model-registry.json, which does not exist"):
        assert mu.load_model_registry()["damaged"]
    shown = cli(ml_automation_path, project)
    assert shown.returncode == 3 and f"DAMAGED: {PATH}: is a symbolic link to" in shown.stdout, shown.stdout
    with pytest.raises(mu.RegistryDamagedError, match="which does not exist"):
        mu.save_model_entry({"model_id": "m", "task_type": "regression", "metrics": REG})
    assert os.path.islink(PATH) and not os.path.exists("unmounted")
    # The registry folder itself a link to nothing: named too.
    shutil.rmtree("mlops")
    os.symlink(os.path.abspath("unmounted"), "mlops")
    shown = cli(ml_automation_path, project)
    assert shown.returncode == 3 and "DAMAGED: mlops: is a symbolic link to" in shown.stdout, shown.stdout


def test_a_damaged_experiment_file_is_named_and_the_others_are_read(mu, ml_automation_path, project):
    for name in ("e1", "e2"):
        mu.save_experiment({"experiment_id": name, "task_type": "regression"})
    open("mlops/experiments/e1.json", "w").write('{"experiment_id": "e1", "name": ')
    with pytest.warns(mu.RegistryWarning, match=r"e1\.json:1: the file is cut short"):
        assert [e["experiment_id"] for e in mu.load_experiments()] == ["e2"]
    with pytest.raises(mu.RegistryDamagedError, match=r"e1\.json"):
        mu.save_experiment({"experiment_id": "e1", "notes": "again"})
    shown = cli(ml_automation_path, project, "experiments")
    assert shown.returncode == 3 and "DAMAGED: mlops/experiments/e1.json:1" in shown.stdout and "| e2 |" in shown.stdout


# --- hand-written entries -------------------------------------------------------------------------


def test_hand_added_entries_the_runtime_cannot_use_are_kept_byte_for_byte(mu, five, ml_automation_path, project):
    lines = five.decode().split("\n")
    odd = ['{"name": "no id, added by hand", "status": "challenger"}', '{"model_id": 42, "name": "numeric id"}']
    lines[7] = lines[7] + ","
    lines[8:8] = ["    " + odd[0] + ",", "    " + odd[1]]
    open(PATH, "w").write("\n".join(lines))
    shown = cli(ml_automation_path, project, "models")
    assert shown.returncode == 3 and "NOT SHOWN: mlops/model-registry.json:9: this entry has no model_id" in shown.stdout
    mu.save_model_entry({"model_id": "m5", "task_type": "regression", "metrics": REG})
    mu.promote_model("m5", override_reason="a write beside hand-added entries")
    text = open(PATH).read()
    assert all(entry in text for entry in odd)
    assert {m["model_id"] for m in mu.load_model_registry()["models"]} == {"m0", "m1", "m2", "m3", "m4", "m5"}


def test_a_duplicated_entry_is_named_with_the_copy_actually_shown(mu, five, ml_automation_path, project):
    lines = five.decode().split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith('    {"model_id": "m1"'))
    # A line copied to edit it (same timestamps), then one edited later (a newer updated_at).
    tie = lines[at].replace('"name": "n1"', '"name": "copied"')
    later = json.loads(lines[at].rstrip(","))
    later.update(name="edited", updated_at="2999-01-01T00:00:00+00:00")
    lines[at + 1:at + 1] = [tie + ",", "    " + json.dumps(later) + ","]
    open(PATH, "w").write("\n".join(lines))
    with pytest.warns(mu.RegistryWarning):
        loaded = mu.load_model_registry()
    assert [m["name"] for m in loaded["models"] if m["model_id"] == "m1"] == ["edited"]
    first, copy, edited = at + 1, at + 2, at + 3
    assert f"{PATH}:{copy}: model_id 'm1' appears again at line {first}, the copy shown" in "\n".join(loaded["damaged"])
    assert f"{PATH}:{first}: model_id 'm1' appears again at line {edited}, the copy shown" in "\n".join(loaded["damaged"])
    lines[at + 2] = lines[at + 2].replace("2999", "1999")  # the edit now older than the original
    open(PATH, "w").write("\n".join(lines))
    with pytest.warns(mu.RegistryWarning):
        loaded = mu.load_model_registry()
    assert [m["name"] for m in loaded["models"] if m["model_id"] == "m1"] == ["n1"]
    shown = cli(ml_automation_path, project)
    assert f"{PATH}:{copy}: model_id 'm1' appears again at line {first}, the copy shown" in shown.stdout
    assert f"{PATH}:{edited}: model_id 'm1' appears again at line {first}, the copy shown" in shown.stdout


def test_a_hand_edited_champion_without_spaces_is_archived_by_the_next_promotion(mu, five, project):
    lines = five.decode().split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith('    {"model_id": "m4"'))
    lines[at] = lines[at].replace('"status": "challenger"', '"status":"champion"')
    open(PATH, "w").write("\n".join(lines))
    assert sum(1 for m in mu.load_model_registry()["models"] if m["status"] == "champion") == 2
    mu.promote_model("m0", override_reason="a promotion over a hand-edited champion")
    assert [m["model_id"] for m in mu.load_model_registry()["models"] if m["status"] == "champion"] == ["m0"]


def test_a_damaged_champion_entry_makes_the_champion_unknown_not_absent(mu, five, ml_automation_path, project):
    lines = five.decode().split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith('    {"model_id": "m2"'))
    lines[at] = lines[at].replace('"metrics": {', '"metrics": {{')  # the champion's own line no longer parses
    open(PATH, "w").write("\n".join(lines))
    shown = cli(ml_automation_path, project, "models", "--champion")
    assert shown.returncode == 3 and "DAMAGED: mlops/model-registry.json:" in shown.stdout
    assert "Champion unknown: the model registry is damaged (mlops/model-registry.json:" in shown.stdout
    assert "No champion yet" not in shown.stdout and "registry repair" in shown.stdout
    summary = cli(ml_automation_path, project).stdout
    assert "- Champion: unknown: the model registry is damaged" in summary and "none yet" not in summary
    assert json.loads(cli(ml_automation_path, project, "models", "--champion", "--json").stdout)["view"]["champion"] == "unknown"
    summary_json = json.loads(cli(ml_automation_path, project, "--json").stdout)["view"]
    assert summary_json["champion"] is None and summary_json["champion_unknown"][0].startswith("mlops/model-registry.json:")
    # An intact registry without a champion still says so plainly.
    open(PATH, "wb").write(five)
    mu.save_model_entry({"model_id": "m2", "status": "archived"})
    assert "No champion yet: 5 models registered" in cli(ml_automation_path, project, "models", "--champion").stdout


# --- values refused before any byte changes -------------------------------------------------------

BAD_VALUES = [
    ("save_model_entry", {"model_id": "b", "task_type": "regression", "metrics": REG, "rationale": "because"}, "'rationale' must be a dict"),
    ("save_model_entry", {"model_id": "b", "task_type": "regression", "metrics": REG, "hyperparameters": [1, 2]}, "'hyperparameters' must be a dict"),
    ("save_model_entry", {"model_id": "b", "task_type": "regression", "metrics": REG, "feature_set": [1, 2]}, "'feature_set' must list strings"),
    ("save_model_entry", {"model_id": "b", "task_type": "regression", "metrics": REG, "training_experiment_id": ["e1"]}, "'training_experiment_id' must be an id"),
    ("save_model_entry", {"model_id": "b", "task_type": "regression", "metrics": REG, "data_fingerprint": 12345}, "invalid data fingerprint 12345"),
    ("save_model_entry", {"model_id": "b", "task_type": "regression", "metrics": dict(REG, r2="0.9")}, "metric metrics.r2 must be a number, got str"),
    ("save_model_entry", {"model_id": "b", "task_type": "regression", "metrics": dict(REG, r2=True)}, "metric metrics.r2 must be a number, got bool"),
    ("save_model_entry", {"model_id": "b", "metrics": REG}, "a new model needs a task_type, one of classification, regression"),
    ("save_model_entry", {"model_id": "b", "task_type": "ranking", "metrics": REG}, "unknown task_type 'ranking'; known: classification, regression, mmm"),
    ("save_model_entry", {"model_id": "b\n", "task_type": "regression", "metrics": REG}, "invalid model_id 'b\\\\n'"),
    ("save_experiment", {"experiment_id": "e", "dataset": "sales.csv"}, "'dataset' must be a dict"),
    ("save_experiment", {"experiment_id": "e", "model": "RandomForest"}, "'model' must be a dict"),
    ("save_feature_entries", [{"feature_id": "f", "domain": None}], "'domain' must be a string"),
    ("save_data_version", {"fingerprint": "sha256:" + "a" * 64, "rows": "many"}, "'rows' must be a whole number"),
]


@pytest.mark.parametrize("function, value, message", BAD_VALUES, ids=[m for _, _, m in BAD_VALUES])
def test_each_bad_value_is_refused_with_its_field_named_before_any_byte_changes(mu, five, project, function, value, message):
    mu.save_feature_entries([{"feature_id": "f"}])
    mu.save_experiment({"experiment_id": "e", "task_type": "regression"})
    before = tree_bytes()
    with pytest.raises(mu.RegistryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        getattr(mu, function)(value)
    assert tree_bytes() == before


def test_numbers_nan_infinity_decimal_numpy_and_bool(mu, project):
    import decimal

    import numpy as np

    with pytest.raises(mu.RegistryError, match=r"metric metrics.rmse is nan \(strict mode\)"):
        mu.save_model_entry({"model_id": "n", "task_type": "regression", "metrics": dict(REG, rmse=float("nan"))}, strict=True)
    with pytest.raises(mu.RegistryError, match=r"metric metrics.test.r2 is inf"):
        mu.save_model_entry({"model_id": "n", "task_type": "regression", "metrics": {"test": dict(REG, r2=np.inf)}}, strict=True)
    assert not os.path.exists(PATH)
    with pytest.warns(mu.RegistryWarning, match="metric metrics.r2 is -inf. It is stored as null"):
        mu.save_model_entry({"model_id": "n", "task_type": "regression", "metrics": dict(REG, r2=-np.inf)})
    mu.save_model_entry({"model_id": "d", "task_type": "regression", "metrics": {"rmse": decimal.Decimal("0.95"), "mae": np.float32(0.5), "r2": np.int64(1)}})
    raw = json.load(open(PATH))["models"][1]["metrics"]
    assert raw == {"rmse": 0.95, "mae": 0.5, "r2": 1} and type(raw["rmse"]) is float
    assert mu.compare_metrics("regression", {"rmse": np.float32(1.0)}, {"rmse": 2.0})["better"] is True
    assert mu.compare_metrics("regression", {"rmse": float("nan")}, {"rmse": 2.0})["better"] is None
    assert mu.compare_metrics("regression", {"rmse": float("-inf")}, {"rmse": 2.0})["better"] is None
    assert mu.compare_metrics("classification", {"f1": True}, {"f1": 0.5})["better"] is None
    # Values a notebook can hold that float() or math.isfinite() choke on: a RegistryError or a
    # warning naming the metric, never a bare ValueError or OverflowError; long doubles are numbers.
    for odd in (decimal.Decimal("sNaN"), 10**400):
        with pytest.raises(mu.RegistryError, match=r"metric metrics.rmse is (nan|inf) \(strict mode\)"):
            mu.save_model_entry({"model_id": "o", "task_type": "regression", "metrics": dict(REG, rmse=odd)}, strict=True)
        assert mu.compare_metrics("regression", {"rmse": odd}, {"rmse": 2.0})["better"] is None
    mu.save_model_entry({"model_id": "l", "task_type": "regression", "metrics": dict(REG, rmse=np.longdouble(0.25))})
    assert json.load(open(PATH))["models"][2]["metrics"]["rmse"] == 0.25
    assert mu.compare_metrics("regression", {"rmse": np.longdouble(1.0)}, {"rmse": 10**20})["better"] is True


# --- fingerprints ---------------------------------------------------------------------------------


def test_fingerprints_differ_whenever_the_data_differs(mu):
    import numpy as np
    import pandas as pd

    fp = mu.compute_data_fingerprint
    assert fp(pd.DataFrame({"a": [1, "x"]})) != fp(pd.DataFrame({"a": ["1", "x"]}))
    assert fp(pd.DataFrame({"a": [True, "x"]})) != fp(pd.DataFrame({"a": ["True", "x"]}))
    assert fp(pd.DataFrame({"a": [[1, 2], "x"]})) != fp(pd.DataFrame({"a": ["[1, 2]", "x"]}))
    assert fp(pd.DataFrame({"a": [None, "x"]})) != fp(pd.DataFrame({"a": ["None", "x"]}))
    embedding = np.linspace(0, 1, 1536)
    changed = embedding.copy()
    changed[700] += 1e-6
    assert fp(pd.DataFrame({"e": [embedding, embedding]})) != fp(pd.DataFrame({"e": [embedding, changed]}))
    assert fp(pd.DataFrame({1: [1.0]})) != fp(pd.DataFrame({"1": [1.0]}))
    # Categoricals: the same values with other categories (an unused level, another order) are other data.
    assert fp(pd.DataFrame({"c": pd.Categorical(["x", "y"])})) != fp(pd.DataFrame({"c": pd.Categorical(["x", "y"], categories=["x", "y", "z"])}))
    assert fp(pd.DataFrame({"c": pd.Categorical(["x", "y"])})) != fp(pd.DataFrame({"c": pd.Categorical(["x", "y"], categories=["y", "x"], ordered=True)}))
    assert fp(pd.DataFrame({"c": pd.Categorical(["x", "y"])})) == fp(pd.DataFrame({"c": pd.Categorical(["x", "y"])}))
    # pyarrow list and struct columns (read_parquet(dtype_backend="pyarrow")) are hashed cell by cell.
    import pyarrow as pa

    lists = pa.list_(pa.float64())
    assert fp(pd.DataFrame({"e": pd.Series([[1.0, 2.0], [3.0]], dtype=pd.ArrowDtype(lists))})) != fp(pd.DataFrame({"e": pd.Series([[1.0, 2.0], [4.0]], dtype=pd.ArrowDtype(lists))}))
    assert fp(pd.DataFrame({"e": pd.Series([[1.0], None], dtype=pd.ArrowDtype(lists))})) == fp(pd.DataFrame({"e": pd.Series([[1.0], None], dtype=pd.ArrowDtype(lists))}))
    struct = pa.struct([("k", pa.int64())])
    assert fp(pd.DataFrame({"s": pd.Series([{"k": 1}], dtype=pd.ArrowDtype(struct))})) != fp(pd.DataFrame({"s": pd.Series([{"k": 2}], dtype=pd.ArrowDtype(struct))}))
    frame = pd.DataFrame({"a": [1, 2, 3]})
    assert fp(frame) == fp(frame.copy())
    for bad in (-1, 0, 2.5, True):
        with pytest.raises(ValueError, match="chunk_rows must be a whole number >= 1"):
            fp(frame, chunk_rows=bad)


def test_data_versions_sharing_a_prefix_do_not_overwrite_each_other(mu, project):
    first, second = "sha256:" + "ab" * 6 + "0" * 52, "sha256:" + "ab" * 6 + "1" * 52
    mu.save_data_version({"fingerprint": first, "rows": 1})
    mu.save_data_version({"fingerprint": second, "rows": 2})
    assert sorted((v["fingerprint"], v["rows"]) for v in mu.load_data_versions()) == [(first, 1), (second, 2)]
    assert os.path.exists(os.path.join("mlops", "data-versions", first[7:] + ".json"))


# --- the rest ---------------------------------------------------------------------------------------


def test_promote_model_writes_where_it_read(mu, project):
    mu.save_model_entry({"model_id": "m1", "task_type": "regression", "metrics": REG}, output_dirs=["team/reg"])
    written = mu.promote_model("m1", search_dirs=["team/reg"])
    assert written == [os.path.join("team/reg", "model-registry.json")]
    assert not os.path.exists("mlops")
    assert mu.get_champion_model(search_dirs=["team/reg"])["model_id"] == "m1"


def test_a_stopped_lock_holder_makes_writers_fail_naming_it_after_a_bounded_wait(ml_utils_path, project):
    import signal

    code = "import ml_utils, os, signal\nwith ml_utils._locked('mlops'):\n    print('locked', flush=True)\n    os.kill(os.getpid(), signal.SIGSTOP)\n"
    env = dict(os.environ, PYTHONPATH=str(ml_utils_path.parent))
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=project, env=env, stdout=subprocess.PIPE, text=True)
    save = "import ml_utils; ml_utils.save_model_entry({'model_id': 'm1', 'task_type': 'regression', 'metrics': {'rmse': 1, 'mae': 1, 'r2': 0}})"
    try:
        assert holder.stdout.readline().strip() == "locked"
        try:
            writer = run_python(ml_utils_path, save, project, env={"ML_AUTOMATION_LOCK_TIMEOUT": "1"}, timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("the writer waited for the stopped lock holder for 30 s")
        assert writer.returncode == 1
        assert f"locked by process {holder.pid} (stopped) for more than 1 s" in writer.stderr
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert run_python(ml_utils_path, save, project, timeout=30).returncode == 0


def test_a_fifo_among_the_experiments_does_not_hang_the_readers(mu, ml_utils_path, ml_automation_path, project):
    mu.save_experiment({"experiment_id": "e1", "task_type": "regression"})
    os.mkfifo("mlops/experiments/e2.json")
    try:
        shown = cli(ml_automation_path, project, "experiments", timeout=30)
        loaded = run_python(ml_utils_path, "import ml_utils; print([e['experiment_id'] for e in ml_utils.load_experiments()])", project, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("reading the registry hangs on a FIFO")
    assert shown.returncode == 0 and "| e1 |" in shown.stdout
    assert loaded.stdout.strip() == "['e1']"


def test_one_champion_across_platform_folders(mu, ml_automation_path, project):
    os.mkdir(".claude")
    for model_id, folder in (("old", ".cursor/mlops"), ("new", ".claude/mlops")):  # each the champion of its own folder
        mu.save_model_entry({"model_id": model_id, "task_type": "regression", "metrics": REG}, output_dirs=[folder])
        mu.promote_model(model_id, search_dirs=[folder], output_dirs=[folder])
    assert mu.get_champion_model()["model_id"] == "new"
    shown = cli(ml_automation_path, project).stdout
    assert "- Models: 2 (1 champion, 0 challengers, 1 archived)" in shown and "- Champion: new" in shown
    assert "also marked champion, counted as archived: old" in shown


# --- repair -----------------------------------------------------------------------------------------


def test_repair_gives_back_every_acknowledged_entry(mu, five, ml_automation_path, project):
    mu.save_model_entry({"model_id": "m5", "task_type": "regression", "metrics": REG})
    mu.save_experiment({"experiment_id": "e1", "task_type": "regression", "registered_model_id": "m6", "model": {"algorithm": "Ridge"}})
    acknowledged = {m["model_id"]: m for m in mu.load_model_registry()["models"]}
    intact = open(PATH, "rb").read()
    lines = intact.split(b"\n")
    lines[8] = lines[8][:30]  # m5, the newest entry, cut by a hand edit
    damaged = b"\n".join(lines[:9])  # and the end of the file lost
    open(PATH, "wb").write(damaged)
    dry = cli(ml_automation_path, project, "repair", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "Would rebuild it with 7 models" in dry.stdout and "from the last generation (m5)" in dry.stdout and "experiment files (m6)" in dry.stdout
    assert open(PATH, "rb").read() == damaged
    done = cli(ml_automation_path, project, "repair")
    assert done.returncode == 0 and "Rebuilt it with 7 models" in done.stdout
    repaired = {m["model_id"]: m for m in mu.load_model_registry()["models"]}
    assert {k: v for k, v in repaired.items() if k != "m6"} == acknowledged
    assert repaired["m6"]["rebuilt_from"] == "experiments/e1.json" and repaired["m6"]["algorithm"] == "Ridge"
    aside = [name for name in os.listdir("mlops") if name.startswith("model-registry.json.damaged-")]
    assert len(aside) == 1 and open(os.path.join("mlops", aside[0]), "rb").read() == damaged
    assert cli(ml_automation_path, project).returncode == 0
    mu.save_model_entry({"model_id": "m7", "task_type": "regression", "metrics": REG})


def test_a_repair_never_replaces_what_another_repair_and_a_write_put_there_meanwhile(ma, mu, five, ml_utils_path, ml_automation_path, project, monkeypatch):
    import contextlib

    damaged = broken_line(five)
    open(PATH, "wb").write(damaged)
    real_locked = ma._locked  # the repair's own binding of the library's _locked
    save_m9 = "import ml_utils; ml_utils.save_model_entry({'model_id': 'm9', 'task_type': 'regression', 'metrics': {'rmse': 1, 'mae': 1, 'r2': 0}})"

    @contextlib.contextmanager
    def others_first(folder):
        # Between this repair's reading of the damaged file and its lock: another process repairs
        # it, and a third registers m9 into the repaired file.
        monkeypatch.setattr(ma, "_locked", real_locked)
        assert cli(ml_automation_path, project, "repair").returncode == 0
        assert run_python(ml_utils_path, save_m9, project).returncode == 0
        with real_locked(folder):
            yield

    monkeypatch.setattr(ma, "_locked", others_first)
    report = ma.repair_registry()
    assert any("changed while it was being repaired" in action for action in report["actions"]), report
    assert report["written"] == [] and report["kept_aside"] == []
    assert "m9" in [m["model_id"] for m in mu.load_model_registry()["models"]]
    aside = [name for name in os.listdir("mlops") if name.startswith("model-registry.json.damaged-")]
    assert len(aside) == 1 and open(os.path.join("mlops", aside[0]), "rb").read() == damaged


def test_a_writer_killed_before_its_generation_copy_still_leaves_the_generation_before(mu, five, ml_utils_path, ml_automation_path, project):
    # Killed after renaming the new registry file into place, before copying it to .generations/:
    # only the generation before (.1) holds the entries; a later damage must still be repairable.
    code = (
        "import os, ml_utils\n"
        "real = ml_utils._write_atomic\n"
        "def write(path, data, sync=True):\n"
        "    done = real(path, data, sync)\n"
        "    if os.sep + '.generations' + os.sep not in path and path.endswith('model-registry.json'):\n"
        "        os._exit(9)\n"
        "    return done\n"
        "ml_utils._write_atomic = write\n"
        "ml_utils.save_model_entry({'model_id': 'm5', 'task_type': 'regression', 'metrics': {'rmse': 1, 'mae': 1, 'r2': 0}})\n"
    )
    assert run_python(ml_utils_path, code, project).returncode == 9
    assert not os.path.exists(os.path.join("mlops", ".generations", "model-registry.json")), os.listdir("mlops/.generations")
    damaged = broken_line(open(PATH, "rb").read())  # m1's line damaged by a hand edit
    open(PATH, "wb").write(damaged)
    done = cli(ml_automation_path, project, "repair")
    assert done.returncode == 0 and "1 from the generation before (m1)" in done.stdout, done.stdout
    assert sorted(m["model_id"] for m in mu.load_model_registry()["models"]) == ["m0", "m1", "m2", "m3", "m4", "m5"]


def test_repair_resolves_a_git_conflict_keeping_both_sides(ma, mu, five, project):
    open(PATH, "wb").write(conflict(five))
    result = ma.repair_registry()
    assert len(result["actions"]) == 1 and not result["lost"]
    assert sorted(m["model_id"] for m in mu.load_model_registry()["models"]) == ["m0", "m1", "m2", "m3", "m4", "x9"]
    assert ma.check_registry() == []


def test_repair_restores_a_damaged_experiment_from_its_kept_generation(mu, ml_automation_path, project):
    mu.save_experiment({"experiment_id": "e1", "task_type": "regression", "notes": "kept"})
    open("mlops/experiments/e1.json", "w").write("{ broken")
    assert "restored from its last kept generation" in cli(ml_automation_path, project, "repair").stdout
    assert [e["notes"] for e in mu.load_experiments()] == ["kept"]
