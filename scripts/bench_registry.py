"""Registry and fingerprint benchmark, run by `npm run bench` with the built ml_utils.py.

Measures, in one run on one machine: registering 500 models, 500 experiments and 500 features one
call at a time, and the reads, with ml_utils and with a model of the release plan's algorithm (its
_load_registry decodes every platform folder's copy and keeps the first; each save appends and
rewrites five pretty-printed copies with default=str); then the data fingerprint of a 1M-row,
10-column mixed frame next to sha256 over the same data as CSV bytes.
Prints one JSON object.
"""

import glob
import hashlib
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[1])))
import ml_utils  # noqa: E402

N = int(os.environ.get("BENCH_N", "500"))
PLAN_DIRS = [".claude/mlops", ".cursor/mlops", ".codex/mlops", ".opencode/mlops", "mlops"]


# --- a model of the plan's write path (its algorithm, for comparison only) ---------------

def plan_load(filename):
    """The plan's _load_registry: decode every platform folder's copy, return the first one found."""
    first = None
    for folder in PLAN_DIRS:
        path = os.path.join(folder, filename)
        if os.path.exists(path):
            with open(path) as handle:
                data = json.load(handle)
            if first is None:
                first = data
    return first


def plan_save(filename, data):
    for folder in PLAN_DIRS:
        os.makedirs(os.path.dirname(os.path.join(folder, filename)), exist_ok=True)
        with open(os.path.join(folder, filename), "w") as handle:
            json.dump(data, handle, indent=2, default=str)


def _utc():
    return datetime.now(timezone.utc).isoformat()


def plan_save_model(entry):
    """The plan's save_model_entry: every schema field with its default, appended (never updated)."""
    registry = plan_load("model-registry.json") or {"version": "1.0", "models": []}
    defaults = {"name": "unnamed_model", "task_type": "regression", "algorithm": "", "framework": "scikit-learn", "status": "challenger",
                "metrics": {}, "hyperparameters": {}, "artifact_path": "", "data_fingerprint": "", "feature_set": [],
                "training_experiment_id": "", "predecessor_id": None, "rationale": {}, "tags": []}
    record = {"model_id": entry["model_id"], "created_at": _utc()}
    record.update({key: entry.get(key, default) for key, default in defaults.items()})
    registry["models"].append(record)
    plan_save("model-registry.json", registry)


def plan_save_features(features):
    """The plan's save_feature_entries: update by id, else append an entry with every schema field."""
    store = plan_load("feature-store.json") or {"version": "1.0", "features": []}
    existing = {f["feature_id"] for f in store["features"]}
    defaults = {"description": "", "dtype": "unknown", "source_columns": [], "transformation": "raw", "transformation_params": {},
                "created_by": "feature-engineering-analyst", "domain": "general", "task_type_relevance": [], "tags": [],
                "statistics": {}, "used_in_models": [], "leakage_risk": "unknown"}
    for feature in features:
        if feature["feature_id"] in existing:
            for stored in store["features"]:
                if stored["feature_id"] == feature["feature_id"]:
                    stored.update(feature, updated_at=_utc())
        else:
            record = {"feature_id": feature["feature_id"], "name": feature.get("name", feature["feature_id"]), "created_at": _utc()}
            record.update({key: feature.get(key, default) for key, default in defaults.items()})
            store["features"].append(record)
    plan_save("feature-store.json", store)


def plan_save_experiment(experiment):
    """The plan's save_experiment: one file per experiment, written into every platform folder."""
    record = {"experiment_id": experiment["experiment_id"], "name": "unnamed_experiment", "created_at": _utc(), "status": "completed",
              "task_type": "regression", "rationale": {}, "dataset": {}, "model": {}, "metrics": {}, "artifacts": [], "notes": "",
              "registered_model_id": ""}
    record.update({key: value for key, value in experiment.items() if key in record})
    plan_save(f"experiments/{experiment['experiment_id']}.json", record)


def plan_load_experiments():
    found = {}
    for folder in PLAN_DIRS:
        for path in glob.glob(os.path.join(folder, "experiments", "*.json")):
            with open(path) as handle:
                entry = json.load(handle)
            found.setdefault(entry["experiment_id"], entry)
    return list(found.values())


# --- workloads ---------------------------------------------------------------------------

def model(i):
    return {"model_id": f"model_{i:04d}", "name": f"candidate_{i}", "task_type": "regression", "algorithm": "RandomForestRegressor",
            "metrics": {"rmse": 1000.0 + i, "mae": 800.0 + i, "r2": 0.8}, "hyperparameters": {"n_estimators": 200, "max_depth": 12},
            "feature_set": [f"feature_{i % 50:03d}", f"feature_{(i + 7) % 50:03d}"], "training_experiment_id": f"exp_{i:04d}",
            "rationale": {"eda_insights": "seasonal", "decision_source": "gate-3"}, "tags": ["bench"]}


def experiment(i):
    return {"experiment_id": f"exp_{i:04d}", "name": f"run_{i}", "task_type": "regression",
            "dataset": {"rows": 5200, "target": "Revenue"}, "model": {"algorithm": "RandomForestRegressor"},
            "metrics": {"test": {"rmse": 1000.0 + i, "mae": 800.0, "r2": 0.8}}}


def feature(i):
    return {"feature_id": f"feature_{i:03d}", "description": "bench feature", "dtype": "float64", "source_columns": ["x"],
            "transformation": "log", "domain": "bench", "statistics": {"mean": 1.0, "std": 2.0}, "leakage_risk": "none"}


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def in_project(fn):
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as project:
        os.chdir(project)
        os.mkdir(".claude")
        try:
            return fn()
        finally:
            os.chdir(old)


def registry_bench():
    def ours():
        return {
            "features": timed(lambda: [ml_utils.save_feature_entries([feature(i)]) for i in range(N)]),
            "experiments": timed(lambda: [ml_utils.save_experiment(experiment(i)) for i in range(N)]),
            "models": timed(lambda: [ml_utils.save_model_entry(model(i)) for i in range(N)]),
            "read models x100": timed(lambda: [ml_utils.load_model_registry() for _ in range(100)]),
            "read features x100": timed(lambda: [ml_utils.load_feature_store() for _ in range(100)]),
            "read experiments x10": timed(lambda: [ml_utils.load_experiments() for _ in range(10)]),
        }

    def plan():
        return {
            "features": timed(lambda: [plan_save_features([feature(i)]) for i in range(N)]),
            "experiments": timed(lambda: [plan_save_experiment(experiment(i)) for i in range(N)]),
            "models": timed(lambda: [plan_save_model(model(i)) for i in range(N)]),
            "read models x100": timed(lambda: [plan_load("model-registry.json") for _ in range(100)]),
            "read features x100": timed(lambda: [plan_load("feature-store.json") for _ in range(100)]),
            "read experiments x10": timed(lambda: [plan_load_experiments() for _ in range(10)]),
        }

    return {"n": N, "ours": in_project(ours), "plan": in_project(plan)}


def fingerprint_bench():
    import numpy as np
    import pandas as pd

    rows = int(os.environ.get("BENCH_ROWS", "1000000"))
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "price": rng.normal(100, 15, rows), "quantity": rng.integers(0, 500, rows), "discount": rng.random(rows),
        "returned": rng.random(rows) > 0.9, "day": pd.date_range("2020-01-01", periods=rows, freq="min"),
        "channel": pd.Categorical(rng.choice(["web", "store", "phone"], rows)),
        "region": rng.choice(["north", "south", "east", "west"], rows),
        "customer": [f"c{i}" for i in rng.integers(0, 100_000, rows)],
        "score": rng.normal(0, 1, rows), "units": rng.integers(0, 10, rows).astype("int16"),
    })
    fingerprint = min(timed(lambda: ml_utils.compute_data_fingerprint(frame)) for _ in range(3))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "frame.csv")
        to_csv = timed(lambda: frame.to_csv(path, index=False))
        data = open(path, "rb").read()
        sha = min(timed(lambda: hashlib.sha256(data).hexdigest()) for _ in range(3))
        file_fp = min(timed(lambda: ml_utils.compute_data_fingerprint(path)) for _ in range(3))
    return {"rows": rows, "columns": frame.shape[1], "csv_bytes": len(data), "fingerprint_s": fingerprint,
            "sha256_of_csv_bytes_s": sha, "fingerprint_of_csv_file_s": file_fp, "writing_the_csv_s": to_csv}


if __name__ == "__main__":
    print(json.dumps({"registry": registry_bench(), "fingerprint": fingerprint_bench()}))
