"""Registry and fingerprint benchmark, run by `npm run bench` with the built ml_utils.py (the library)
and, beside it, ml_automation.py (the plugin's commands: registry views, report, sync).

The baseline is the release plan's section 9 code as written: this script extracts the Python block
holding "# 9. MLOPS REGISTRY" from ../shared/spec/mlops-registry-layer-plan.md at run time and runs it
(with the `os` and `json` imports its ml_utils.py preamble gave it) in the same run, in the same kind
of project folder. Measured:
- N calls one at a time of each write, and reads, with ml_utils and with the plan's code;
- the cost of one more model save at 100, 1,000 and 10,000 models, both;
- `registry` output size and time of every view at 100, 1,000 and 10,000 models, and the summary
  at 10,000 models x 10,000 experiments;
- `registry diff champion best-challenger` and `registry models --where EXPR --sort KEY` time and output
  size at those sizes, next to the `models` view on the same registry in the same run, and the search
  alone next to the same filter and sort written by hand;
- `registry report` (the HTML file) time and size at those sizes, next to the summary view on the same
  registry in the same run (both read every entry and trace every model's lineage), and the size of
  `registry --mermaid` and `registry lineage MODEL_ID --mermaid`;
- the data fingerprint of a 1M-row mixed frame next to sha256 over the same data as CSV bytes;
- the plugin's hooks as the editor runs them (a new Python process, JSON on stdin): the registry
  guard on a valid and on a refused Write of model-registry.json at 100, 1,000 and 10,000 models and
  on a file outside the registry, the report check for an agent without its report; baseline: starting
  `python3 -c pass`, same run;
- the journal: a save with its journal line next to the same save without, 10,000 saves of 1,000
  models (the journal's size next to the registry file's, its compactions) and one compaction's time;
- a save in a new process against a server on 127.0.0.1 that never answers (the first, then the next),
  next to the same save with the mirror off and with nothing listening;
- the MLflow mirror against a real `mlflow server` on 127.0.0.1 (scripts/mlflow_server.py): one save
  with the mirror on next to the same save with it off (median), the import of MLflow's client, and
  `registry sync` of 500 local entries (then a second sync, which has nothing to do).
Prints one JSON object.
"""

import contextlib
import hashlib
import io
import json
import os
import re
import statistics
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[1])))
import ml_utils  # noqa: E402

# isort: split
import ml_automation  # noqa: E402 - the plugin's commands: after ml_utils, whose module it then uses

PLAN_FILE = sys.argv[2]
for _name in ("MLFLOW_TRACKING_URI", "ML_AUTOMATION_MLFLOW_URI", "ML_AUTOMATION_MLFLOW_PROJECT"):
    os.environ.pop(_name, None)  # the registry measurements run with the mirror off; mirror_bench switches it on
# MLflow 3 reports usage to a remote endpoint unless told not to, from the first `import mlflow` on:
# switched off before any process of the bench imports it (never any traffic but loopback).
os.environ.update({"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"})
N = int(os.environ.get("BENCH_N", "300"))
SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "100,1000,10000").split(",")]


def load_plan():
    """The plan's section 9, exactly as the plan writes it, executed as a module of its own."""
    text = open(PLAN_FILE, encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    code = next(block for block in blocks if "# 9. MLOPS REGISTRY" in block)
    namespace = {"os": os, "json": json, "__name__": "plan_section_9"}
    exec(compile(code, f"{PLAN_FILE} (section 9)", "exec"), namespace)
    return namespace


plan = load_plan()


def model(i):
    return {"model_id": f"model_{i:05d}", "name": f"candidate_{i}", "task_type": "regression", "algorithm": "RandomForestRegressor",
            "metrics": {"rmse": 1000.0 + i, "mae": 800.0 + i, "r2": 0.8}, "hyperparameters": {"n_estimators": 200, "max_depth": 12},
            "feature_set": [f"feature_{i % 50:03d}", f"feature_{(i + 7) % 50:03d}"], "training_experiment_id": f"exp_{i:05d}",
            "rationale": {"eda_insights": "seasonal", "decision_source": "gate-3"}, "tags": ["bench"]}


def experiment(i):
    return {"experiment_id": f"exp_{i:05d}", "name": f"run_{i}", "task_type": "regression",
            "dataset": {"rows": 5200, "target": "Revenue"}, "model": {"algorithm": "RandomForestRegressor"},
            "metrics": {"test": {"rmse": 1000.0 + i, "mae": 800.0, "r2": 0.8}}}


def feature(i):
    return {"feature_id": f"feature_{i:03d}", "description": "bench feature", "dtype": "float64", "source_columns": ["x"],
            "transformation": "log", "domain": "bench", "statistics": {"mean": 1.0, "std": 2.0}, "leakage_risk": "none"}


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@contextlib.contextmanager
def project():
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        os.mkdir(".claude")
        try:
            yield folder
        finally:
            os.chdir(old)


def operations():
    """N calls of each operation, one at a time, in a fresh project each side."""
    def run(api):
        with project():
            return {
                "save_feature_entries": timed(lambda: [api["save_feature_entries"]([feature(i)]) for i in range(N)]),
                "save_experiment": timed(lambda: [api["save_experiment"](experiment(i)) for i in range(N)]),
                "save_model_entry": timed(lambda: [api["save_model_entry"](model(i)) for i in range(N)]),
                "load_model_registry x100": timed(lambda: [api["load_model_registry"]() for _ in range(100)]),
                "load_feature_store x100": timed(lambda: [api["load_feature_store"]() for _ in range(100)]),
                "load_experiments x10": timed(lambda: [api["load_experiments"]() for _ in range(10)]),
                "get_champion_model x100": timed(lambda: [api["get_champion_model"]() for _ in range(100)]),
            }

    ours = run({name: getattr(ml_utils, name) for name in plan if callable(plan[name]) and hasattr(ml_utils, name)})
    theirs = run(plan)
    return {"n": N, "ours": ours, "plan": theirs}


def discovery_bench():
    """The registry found from a notebook's folder three levels below the project folder (walking up to
    it), next to the same calls in the project folder itself, same run: mlops_dir() alone, reads, saves."""
    def measure():
        return {
            "mlops_dir x10000": timed(lambda: [ml_utils.mlops_dir() for _ in range(10_000)]),
            "load_model_registry x100": timed(lambda: [ml_utils.load_model_registry() for _ in range(100)]),
            "save_model_entry x100": timed(lambda: [ml_utils.save_model_entry(model(i)) for i in range(100)]),
        }

    with project() as folder:
        os.mkdir(".git")
        for i in range(100):
            ml_utils.save_model_entry(model(i))
        at_root = measure()
        below = os.path.join(folder, "notebooks", "churn", "2026")
        os.makedirs(below)
        os.chdir(below)
        assert os.path.samefile(ml_utils.mlops_dir(), os.path.join(folder, ".claude", "mlops"))
        return {"project folder": at_root, "three folders below": measure()}


def fill_models(size, ours):
    """A registry of `size` models written directly in each side's own layout (ours: one entry per
    line, written once through save_model_entry so its generations exist; the plan's: five copies)."""
    entries = [dict(model(i), created_at="2026-01-01T00:00:00+00:00", status="challenger") for i in range(size - 1)]
    if ours:
        body = ",\n".join("    " + json.dumps(entry) for entry in entries)
        folder = ".claude/mlops"
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "model-registry.json"), "w") as handle:
            handle.write('{\n  "version": "1.0",\n  "models": [\n' + body + "\n  ]\n}\n")
        ml_utils.save_model_entry(model(size - 1))
    else:
        plan["_save_registry"]("model-registry.json", {"version": "1.0", "models": entries + [model(size - 1)]})


def save_cost():
    """Milliseconds for one more save_model_entry at each size (median of several), both sides."""
    result = {}
    for size in SIZES:
        row = {}
        for side, api in (("ours", ml_utils.save_model_entry), ("plan", plan["save_model_entry"])):
            with project():
                fill_models(size, side == "ours")
                runs = 3 if size >= 10000 else 10
                times = [timed(lambda i=i, api=api, size=size: api(model(size + i))) for i in range(runs)]
                row[side] = statistics.median(times) * 1000
        result[str(size)] = row
    return result


def run_cli(argv, editor=False):
    """`registry ARGV` as run in a terminal, or (editor) for the editor's /registry, whose views are bounded."""
    out = io.StringIO()
    place = ml_automation.editor_place() if editor else contextlib.nullcontext()
    with place, contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        start = time.perf_counter()
        status = ml_automation.registry_cli(argv)
        elapsed = time.perf_counter() - start
    return {"bytes": len(out.getvalue().encode("utf-8")), "ms": elapsed * 1000, "status": status}


def fill_registry(size, experiments):
    """`size` models, `experiments` experiments, 50 features and 3 data versions in our layout."""
    folder = ".claude/mlops"
    os.makedirs(os.path.join(folder, "experiments"), exist_ok=True)
    os.makedirs(os.path.join(folder, "data-versions"), exist_ok=True)
    entries = [dict(model(i), created_at=f"2026-01-01T00:00:00.{i:06d}+00:00", status="champion" if i == size // 2 else "challenger") for i in range(size)]
    features = [dict(feature(i), created_at="2026-01-01T00:00:00+00:00") for i in range(50)]
    for name, key, items in (("model-registry.json", "models", entries), ("feature-store.json", "features", features)):
        with open(os.path.join(folder, name), "w") as handle:
            handle.write('{\n  "version": "1.0",\n  "' + key + '": [\n' + ",\n".join("    " + json.dumps(e) for e in items) + "\n  ]\n}\n")
    for i in range(experiments):
        with open(os.path.join(folder, "experiments", f"exp_{i:05d}.json"), "w") as handle:
            json.dump(dict(experiment(i), created_at=f"2026-01-01T00:00:00.{i:06d}+00:00"), handle)


VIEWS = {"summary": [], "models": ["models"], "champion": ["models", "--champion"], "features": ["features"],
         "experiments": ["experiments"], "data": ["data"], "lineage": ["lineage", "model_00000"], "models --json": ["models", "--json"]}


def cli_output():
    """`/registry` output size (bytes) and time (ms) of every view at each size (as many experiments as
    models), as the editor runs it; and `models --json` in a terminal, which is complete by design."""
    result = {}
    for size in SIZES:
        with project():
            fill_registry(size, size)
            result[str(size)] = {name: run_cli(argv, editor=True) for name, argv in VIEWS.items()}
            result[str(size)]["models --json, terminal"] = run_cli(["models", "--json"])  # scripts get every entry
    return result


def report_bench():
    """`registry report` time (median) and file size at each size, with the summary view's time on the
    same registry as the baseline, and the --mermaid outputs' sizes."""
    result = {}
    for size in SIZES:
        with project():
            fill_registry(size, size)
            runs = 3 if size >= 10000 else 5
            report = [run_cli(["report", "--out", "report.html"]) for _ in range(runs)]
            summary = [run_cli([]) for _ in range(runs)]
            assert all(run["status"] == 0 for run in report + summary), (report, summary)
            result[str(size)] = {"report_ms": statistics.median(run["ms"] for run in report), "report_bytes": os.path.getsize("report.html"),
                                 "summary_ms": statistics.median(run["ms"] for run in summary),
                                 "mermaid_summary_bytes": run_cli(["--mermaid"])["bytes"],
                                 "mermaid_lineage_bytes": run_cli(["lineage", "model_00000", "--mermaid"])["bytes"]}
    return result


DIFF = ["diff", "champion", "best-challenger"]
WHERE = "rmse < 1500 and algorithm ~ forest and created_at >= 2026-01-01"
SEARCH = ["models", "--where", WHERE, "--sort", "rmse"]


def daily_bench():
    """The daily questions at each size (median of 5, 3 at 10,000): `registry diff champion
    best-challenger` and `registry models --where EXPR --sort KEY`, next to the plain `models` view on
    the same registry in the same run (each reads every entry); and the search alone over the models
    in memory (parse, filter, sort) next to the same filter and sort written by hand in Python."""
    result = {}
    for size in SIZES:
        with project():
            fill_registry(size, size)
            runs = 3 if size >= 10000 else 5
            cells = {name: [run_cli(argv) for _ in range(runs)] for name, argv in (("diff", DIFF), ("diff --json", DIFF + ["--json"]), ("search", SEARCH), ("models", ["models"]))}
            assert all(run["status"] == 0 for cell in cells.values() for run in cell), cells
            models = ml_automation._Snapshot().models
            start = time.perf_counter()
            for _ in range(runs):
                found = ml_automation.search_models(models, ml_automation.ModelQuery(WHERE), "rmse")
            search_s = (time.perf_counter() - start) / runs
            floor = ml_utils._registry_time("2026-01-01")
            start = time.perf_counter()
            for _ in range(runs):
                by_hand = sorted((m for m in models if m["metrics"]["rmse"] < 1500 and "forest" in m["algorithm"].lower()
                                  and ml_utils._registry_time(m["created_at"]) >= floor), key=lambda m: m["metrics"]["rmse"])
            hand_s = (time.perf_counter() - start) / runs
            assert [m["model_id"] for m in found] == [m["model_id"] for m in by_hand]
            result[str(size)] = {**{name: {"ms": statistics.median(run["ms"] for run in cell), "bytes": cell[0]["bytes"]} for name, cell in cells.items()},
                                 "matches": len(found), "search_ms": search_s * 1000, "by_hand_ms": hand_s * 1000}
    return result


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
    plan_fp = min(timed(lambda: plan["compute_data_fingerprint"](frame)) for _ in range(3))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "frame.csv")
        to_csv = timed(lambda: frame.to_csv(path, index=False))
        data = open(path, "rb").read()
        sha = min(timed(lambda: hashlib.sha256(data).hexdigest()) for _ in range(3))
    return {"rows": rows, "columns": frame.shape[1], "csv_bytes": len(data), "fingerprint_s": fingerprint, "plan_fingerprint_s": plan_fp,
            "sha256_of_csv_bytes_s": sha, "writing_the_csv_s": to_csv}


def hooks_bench():
    """Milliseconds (median of 5) for each hook run as the editor runs it, and for starting Python."""
    import subprocess

    hooks = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[1]))), "hooks")

    def run(argv, payload=None):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            done = subprocess.run(argv, input=json.dumps(payload or {}), capture_output=True, text=True)
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times), done.returncode

    def write(path, content):
        return {"hook_event_name": "PreToolUse", "tool_name": "Write", "cwd": os.getcwd(), "tool_input": {"file_path": os.path.abspath(path), "content": content}}

    guard = [sys.executable, os.path.join(hooks, "registry_guard.py")]
    result = {"python_start_ms": run([sys.executable, "-c", "pass"])[0], "guard": {}}
    for size in SIZES:
        with project():
            fill_registry(size, 0)
            path = os.path.join(".claude", "mlops", "model-registry.json")
            text = open(path, encoding="utf-8").read()
            head, _, tail = text.rpartition("}\n  ]")  # a valid hand write adds a model (changing a recorded one is refused)
            added = head + "},\n    " + json.dumps(dict(model(size + 1), created_at="2026-01-01T00:00:00+00:00")) + "\n  ]" + tail
            valid, valid_status = run(guard, write(path, added))
            refused, refused_status = run(guard, write(path, text.replace('"rmse": 1000.0', '"rmse": "low"', 1)))
            assert (valid_status, refused_status) == (0, 2), (valid_status, refused_status)
            result["guard"][str(size)] = {"valid_ms": valid, "refused_ms": refused}
    with project():
        result["other_file_ms"] = run(guard, write("train.py", "print(1)"))[0]
        stop = {"hook_event_name": "SubagentStop", "cwd": os.getcwd(), "agent_type": "ml-automation:eda-analyst"}
        result["report_check_ms"] = run([sys.executable, os.path.join(hooks, "report_check.py")], stop)[0]
    return result


def mirror_bench():
    """Mirror on vs off for one save (median of MIRROR_N, after one warm-up save that imports MLflow),
    and sync of 500 entries: 100 data versions, 100 features, 150 experiments, 150 models."""
    import subprocess
    from pathlib import Path

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from mlflow_server import MlflowServer

    runs = int(os.environ.get("MIRROR_N", "20"))
    warnings.simplefilter("error", ml_utils.MirrorWarning)  # a mirror call that fails would make "on" look cheap
    started = time.perf_counter()
    importing = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); import mlflow; print(time.perf_counter() - t)"],
                               capture_output=True, text=True, check=True)
    result = {"n": runs, "import_mlflow_s": float(importing.stdout.strip()), "save_ms": {}}
    with tempfile.TemporaryDirectory() as folder, MlflowServer(Path(folder) / "server") as server:
        result["server_start_s"] = time.perf_counter() - started - result["import_mlflow_s"]
        saves = {
            "save_experiment": lambda i: ml_utils.save_experiment(experiment(i)),
            "save_model_entry": lambda i: ml_utils.save_model_entry(dict(model(i), training_experiment_id="")),
            "save_data_version": lambda i: ml_utils.save_data_version({"fingerprint": "sha256:" + f"{i:064x}", "source_path": "sales.csv", "rows": 10, "columns": 3}),
        }
        for name, save in saves.items():
            row = {}
            for side in ("off", "on"):
                with project():
                    os.environ["MLFLOW_TRACKING_URI"] = server.uri if side == "on" else ""
                    os.environ["ML_AUTOMATION_MLFLOW_PROJECT"] = f"bench-{name}"
                    save(10_000)  # warm-up: MLflow's client imported, experiment and registered model created
                    row[side] = statistics.median(timed(lambda i=i, save=save: save(i)) for i in range(runs)) * 1000
                    queue = os.path.join(".claude", "mlops", ml_utils.MLFLOW_QUEUE_FILE)
                    if os.path.exists(queue):
                        raise RuntimeError(f"mirror calls failed during the bench of {name}: {open(queue).read()[:2000]}")
            result["save_ms"][name] = row
        with project():
            os.environ["MLFLOW_TRACKING_URI"] = ""
            fingerprints = ["sha256:" + f"{i + 1:064x}" for i in range(100)]
            for i, fingerprint in enumerate(fingerprints):
                ml_utils.save_data_version({"fingerprint": fingerprint, "source_path": f"part-{i}.csv", "rows": 100, "columns": 5})
            ml_utils.save_feature_entries([feature(i) for i in range(100)])
            for i in range(150):
                ml_utils.save_experiment(dict(experiment(i), dataset={"fingerprint": fingerprints[i % 100], "rows": 100, "features_used": [f"feature_{i % 100:03d}"]}))
                ml_utils.save_model_entry(dict(model(i), data_fingerprint=fingerprints[i % 100]))
            os.environ["MLFLOW_TRACKING_URI"] = server.uri
            os.environ["ML_AUTOMATION_MLFLOW_PROJECT"] = "bench-sync"
            first_s = timed(lambda: result.setdefault("first", ml_automation.mlflow_sync()))
            second_s = timed(lambda: result.setdefault("second", ml_automation.mlflow_sync()))
            created = {kind: len(ids) for kind, ids in result.pop("first")["created"].items()}
            second = result.pop("second")
            result["sync"] = {"entries": 500, "first_s": first_s, "second_s": second_s, "created": created,
                              "second_created": sum(len(ids) for ids in second["created"].values()), "second_updated": sum(len(ids) for ids in second["updated"].values())}
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    return result


def journal_bench():
    """The journal: one save_model_entry with its journal line (appended and fsync'd) next to the same
    save with the append switched off (median of JOURNAL_N saves, one at a time, into a registry of
    1,000 models); 10,000 saves of 1,000 models (each saved 10 times): the journal's size next to the
    model registry file's, and how long one compaction of it takes."""
    runs = int(os.environ.get("JOURNAL_N", "200"))
    append = ml_utils._journal
    row = {}
    for side in ("off", "on"):
        with project():
            fill_models(1000, True)
            ml_utils._journal = append if side == "on" else (lambda *args: None)
            try:
                row[side] = statistics.median(timed(lambda i=i: ml_utils.save_model_entry(model(1000 + i))) for i in range(runs)) * 1000
            finally:
                ml_utils._journal = append
    result = {"n": runs, "save_ms": row}
    saves = int(os.environ.get("JOURNAL_SAVES", "10000"))
    with project():
        folder = ".claude/mlops"
        compactions = 0
        real_compact = ml_utils._compact_journal

        def counted(where):
            nonlocal compactions
            compactions += 1
            real_compact(where)

        ml_utils._compact_journal = counted
        try:
            started = time.perf_counter()
            for i in range(saves):
                ml_utils.save_model_entry(dict(model(i % 1000), metrics={"rmse": 1000.0 + i, "mae": 800.0, "r2": 0.8}))
            total = time.perf_counter() - started
        finally:
            ml_utils._compact_journal = real_compact
        journal = os.path.getsize(os.path.join(folder, ml_utils.JOURNAL_FILE))
        registry = os.path.getsize(os.path.join(folder, ml_utils.MODEL_REGISTRY_FILE))
        with ml_utils._locked(folder):
            compact_s = timed(lambda: ml_utils._compact_journal(folder))
        result["saves"] = {"n": saves, "models": 1000, "total_s": total, "journal_bytes": journal, "registry_bytes": registry, "compactions": compactions,
                           "compact_s": compact_s, "compacted_bytes": os.path.getsize(os.path.join(folder, ml_utils.JOURNAL_FILE))}
    return result


def hung_server_bench():
    """A save in a new process (as every agent step is) with the mirror pointing at a server on
    127.0.0.1 that accepts connections and never answers: the first save, and the next one (which the
    first's failure, remembered in the registry folder, keeps off the server); next to the same save
    with the mirror off and with nothing listening at the address. Median of HUNG_N each."""
    import socket
    import subprocess
    import threading

    runs = int(os.environ.get("HUNG_N", "3"))
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(64)
    held = []
    threading.Thread(target=lambda: [held.append(hung.accept()) for _ in iter(int, 1)], daemon=True).start()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead = closed.getsockname()[1]
    closed.close()  # nothing listens there
    code = ("import sys, warnings; sys.path.insert(0, sys.argv[1]); import ml_utils; warnings.simplefilter('ignore')\n"
            "ml_utils.save_model_entry({'model_id': sys.argv[2], 'task_type': 'regression', 'metrics': {'rmse': 1, 'mae': 1, 'r2': 0}})\n")
    library = os.path.dirname(os.path.abspath(sys.argv[1]))

    def save(uri, model_id):
        env = dict(os.environ, MLFLOW_TRACKING_URI=uri, ML_AUTOMATION_MLFLOW_PROJECT="bench-hung")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, library, model_id], env=env, check=True, capture_output=True)
        return (time.perf_counter() - start) * 1000

    cases = {"mirror off": [], "nothing listening, first save": [], "hung server, first save": [], "hung server, the next save": []}
    for i in range(runs):
        with project():
            cases["mirror off"].append(save("", f"m{i}"))
        with project():
            cases["nothing listening, first save"].append(save(f"http://127.0.0.1:{dead}", f"m{i}"))
        with project():
            cases["hung server, first save"].append(save(f"http://127.0.0.1:{hung.getsockname()[1]}", f"m{i}"))
            cases["hung server, the next save"].append(save(f"http://127.0.0.1:{hung.getsockname()[1]}", f"n{i}"))
    hung.close()
    return {"n": runs, "save_ms": {name: statistics.median(times) for name, times in cases.items()}, "connections": len(held)}


if __name__ == "__main__":
    print(json.dumps({"operations": operations(), "discovery": discovery_bench(), "save_cost_ms": save_cost(), "cli": cli_output(), "report": report_bench(),
                      "daily": daily_bench(),
                      "fingerprint": fingerprint_bench(), "hooks": hooks_bench(), "journal": journal_bench(), "hung_server": hung_server_bench(),
                      "mirror": mirror_bench()}))
