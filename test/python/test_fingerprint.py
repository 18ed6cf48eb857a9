"""compute_data_fingerprint: every cell counts, stable across processes, files hashed by their bytes."""

import hashlib

import numpy as np
import pandas as pd
import pytest
from conftest import run_python

ROWS = 200_000


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(7)
    return pd.DataFrame({
        "amount": rng.normal(100, 20, ROWS),
        "count": rng.integers(0, 1000, ROWS),
        "flag": rng.random(ROWS) > 0.5,
        "when": pd.date_range("2020-01-01", periods=ROWS, freq="min"),
        "colour": pd.Categorical(rng.choice(["red", "green", "blue"], ROWS)),
        "city": rng.choice(["Lyon", "Porto", "Oslo", "Quito"], ROWS),
        "user": [f"user_{i}" for i in rng.integers(0, 50_000, ROWS)],
    })


def test_one_changed_value_in_the_middle_changes_the_fingerprint(mu, frame):
    base = mu.compute_data_fingerprint(frame)
    assert base.startswith("sha256:") and len(base) == 7 + 64
    middle = ROWS // 2
    for column, value in [("amount", frame["amount"].iloc[middle] + 1e-9), ("count", 1001), ("flag", not frame["flag"].iloc[middle]),
                          ("when", pd.Timestamp("1999-01-01")), ("colour", "blue" if frame["colour"].iloc[middle] != "blue" else "red"),
                          ("city", "Lima"), ("user", "user_x")]:
        changed = frame.copy()
        changed.loc[middle, column] = value
        assert mu.compute_data_fingerprint(changed) != base, column
    missing = frame.copy()
    missing.loc[middle, "city"] = None
    assert mu.compute_data_fingerprint(missing) != base


def test_order_names_and_shape_count_but_chunking_and_index_do_not(mu, frame):
    base = mu.compute_data_fingerprint(frame)
    assert mu.compute_data_fingerprint(frame, chunk_rows=7_777) == base
    assert mu.compute_data_fingerprint(frame.set_index(frame.index + 5)) == base
    assert mu.compute_data_fingerprint(frame.iloc[::-1].reset_index(drop=True)) != base
    assert mu.compute_data_fingerprint(frame.rename(columns={"city": "town"})) != base
    assert mu.compute_data_fingerprint(frame.iloc[:-1]) != base
    assert mu.compute_data_fingerprint(frame[["city", "amount"]]) != mu.compute_data_fingerprint(frame[["amount", "city"]])


def test_the_fingerprint_is_stable_across_processes(mu, ml_utils_path, tmp_path, frame):
    frame.to_parquet(tmp_path / "frame.parquet")
    code = "import pandas as pd, ml_utils; print(ml_utils.compute_data_fingerprint(pd.read_parquet('frame.parquet')))"
    first = run_python(ml_utils_path, code, tmp_path, env={"PYTHONHASHSEED": "1"})
    second = run_python(ml_utils_path, code, tmp_path, env={"PYTHONHASHSEED": "2"})
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout.strip() == mu.compute_data_fingerprint(pd.read_parquet(tmp_path / "frame.parquet"))


def test_unhashable_cells_and_paths(mu, tmp_path):
    nested = pd.DataFrame({"tags": [["a"], ["b", "c"], []]})
    other = pd.DataFrame({"tags": [["a"], ["b", "d"], []]})
    assert mu.compute_data_fingerprint(nested) != mu.compute_data_fingerprint(other)
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 300_000)
    assert mu.compute_data_fingerprint(str(path)) == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert mu.compute_data_fingerprint(path) == mu.compute_data_fingerprint(str(path))
    with pytest.raises(TypeError, match="DataFrame or a file path"):
        mu.compute_data_fingerprint([1, 2, 3])
