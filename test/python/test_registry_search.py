"""`registry models --where EXPR --sort KEY` over 10,000 generated models, each result checked against
a brute-force filter written here in plain Python; bad expressions get an error naming the column."""

import json
import math
import os
import random
import subprocess
import sys
from datetime import datetime, timezone

import pytest

N = 10_000
UTC = timezone.utc


def cli(ml_automation_path, cwd, *args, editor=False):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_AUTOMATION_")}
    form = ["--editor-args", "registry"] if editor else ["registry"]
    return subprocess.run([sys.executable, str(ml_automation_path), *form, *args], cwd=cwd, env=env, capture_output=True, text=True)


def generated(i, rng):
    """One model as real registries hold them: metrics per split or not given per split, a missing or
    null metric now and then, numpy-free JSON numbers, times with and without an offset."""
    task = "classification" if i % 3 else "regression"
    if task == "classification":
        values = lambda: {"f1": round(rng.uniform(0.5, 1.0), 4), "accuracy": round(rng.uniform(0.5, 1.0), 4)}  # noqa: E731
    else:
        values = lambda: {"rmse": round(rng.uniform(1, 40), 3), "mae": round(rng.uniform(1, 30), 3), "r2": round(rng.uniform(0, 1), 3)}  # noqa: E731
    kind = rng.random()
    metrics = {"test": values(), "val": values()} if kind < 0.85 else values() if kind < 0.95 else {"val": values()}
    if rng.random() < 0.03 and "test" in metrics:
        metrics["test"][next(iter(metrics["test"]))] = None
    day = datetime(2025, 6, 1, tzinfo=UTC).timestamp() + rng.randrange(0, 365 * 86400)
    stamp = datetime.fromtimestamp(day, UTC).isoformat() if i % 7 else datetime.fromtimestamp(day, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    params = {"n_estimators": rng.choice([50, 100, 200]), "max_depth": rng.choice([None, 3, 5, 8, 12]), "criterion": rng.choice(["gini", "entropy"])}
    if i % 11 == 0:
        params.pop("criterion")
    return {"model_id": f"model_{i:05d}", "name": f"candidate {i}", "task_type": task,
            "algorithm": rng.choice(["RandomForestClassifier", "LogisticRegression", "GradientBoostingRegressor", "Ridge"]),
            "status": "champion" if i == 4321 else "archived" if i % 13 == 0 else "challenger", "metrics": metrics, "hyperparameters": params,
            "tags": rng.sample(["prod", "nightly", "exp", "baseline"], rng.randrange(0, 3)), "feature_set": [f"f{i % 40}", f"f{(i + 3) % 40}"],
            "created_at": stamp}


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    root = tmp_path_factory.mktemp("search")
    rng = random.Random(20)
    models = [generated(i, rng) for i in range(N)]
    (root / "mlops").mkdir()
    body = ",\n".join("    " + json.dumps(model) for model in models)
    (root / "mlops" / "model-registry.json").write_text('{\n  "version": "1.0",\n  "models": [\n' + body + "\n  ]\n}\n")
    return root, models


def when(model):
    moment = datetime.fromisoformat(model["created_at"])
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def split(model, name, metric):
    value = model["metrics"].get(name)
    return value.get(metric) if isinstance(value, dict) else None


def headline(model, metric):
    metrics = model["metrics"]
    return metrics["test"].get(metric) if isinstance(metrics.get("test"), dict) else metrics.get(metric)


def num_lt(value, bound):
    return value is not None and value < bound


def num_gt(value, bound):
    return value is not None and value > bound


# Each expression next to the same question asked by hand.
CASES = [
    ('test.f1 > 0.9 and task_type == "classification" and created_at >= 2026-01-01',
     lambda m: num_gt(split(m, "test", "f1"), 0.9) and m["task_type"] == "classification"
     and when(m) >= datetime(2026, 1, 1, tzinfo=UTC)),
    ("(test.rmse < 10 or val.rmse < 5) and not tags == nightly",
     lambda m: (num_lt(split(m, "test", "rmse"), 10) or num_lt(split(m, "val", "rmse"), 5)) and "nightly" not in m["tags"]),
    ("params.max_depth >= 8 and params.criterion != gini",
     lambda m: m["hyperparameters"]["max_depth"] is not None and m["hyperparameters"]["max_depth"] >= 8
     and "criterion" in m["hyperparameters"] and m["hyperparameters"]["criterion"] != "gini"),
    ("f1 >= 0.97", lambda m: (headline(m, "f1") or -1) >= 0.97),
    ("primary <= 3 and task_type == regression", lambda m: m["task_type"] == "regression" and num_lt(headline(m, "rmse"), 3.0000001)),
    ("algorithm ~ FOREST and status != archived", lambda m: "forest" in m["algorithm"].lower() and m["status"] != "archived"),
    ("test.f1 == null and task_type == classification", lambda m: m["task_type"] == "classification" and split(m, "test", "f1") is None),
    ("created_at < 2025-09-01T12:00 or created_at > 2026-05-31T00:00:00+02:00",
     lambda m: when(m) < datetime(2025, 9, 1, 12, tzinfo=UTC) or when(m) > datetime(2026, 5, 30, 22, tzinfo=UTC)),
    ("tags == prod and tags == baseline or model_id == model_00042", lambda m: ("prod" in m["tags"] and "baseline" in m["tags"]) or m["model_id"] == "model_00042"),
    ("metrics.val.accuracy < 0.55 and not (feature == f3 or feature == f7)",
     lambda m: num_lt(split(m, "val", "accuracy"), 0.55) and not ({"f3", "f7"} & set(m["feature_set"]))),
    ("params.max_depth == null", lambda m: m["hyperparameters"]["max_depth"] is None),
]


@pytest.mark.parametrize("expression,expected", CASES, ids=[case[0] for case in CASES])
def test_search_finds_what_a_brute_force_filter_finds(ma, big, expression, expected, monkeypatch):
    root, models = big
    monkeypatch.chdir(root)
    found = ma.search_models(ma._Snapshot().models, ma.ModelQuery(expression), None)
    wanted = {m["model_id"] for m in models if expected(m)}
    assert {m["model_id"] for m in found} == wanted
    assert 0 < len(wanted) < N, "each case selects some models, not all"


def test_sort_orders_best_first_missing_last_and_as_asked(ma, big, monkeypatch):
    root, models = big
    monkeypatch.chdir(root)
    snapshot_models = ma._Snapshot().models
    query = ma.ModelQuery("task_type == classification")
    by_f1 = [split(m, "test", "f1") for m in ma.search_models(snapshot_models, query, "test.f1")]
    present = [v for v in by_f1 if v is not None]
    assert present == sorted(present, reverse=True) and by_f1[len(present):] == [None] * (len(by_f1) - len(present))  # f1: higher is better
    by_rmse = [headline(m, "rmse") for m in ma.search_models(snapshot_models, ma.ModelQuery("task_type == regression"), "rmse")]
    present = [v for v in by_rmse if v is not None]
    assert present == sorted(present) and len(present) < len(by_rmse)  # rmse: lower is better
    newest = [when(m) for m in ma.search_models(snapshot_models, None, "created_at:desc")]
    assert newest == sorted((when(m) for m in models), reverse=True)
    depth = [m["hyperparameters"]["max_depth"] for m in ma.search_models(snapshot_models, None, "params.max_depth")]
    assert depth[:1] == [3] and depth[-1] is None and [d for d in depth if d is not None] == sorted(d for d in depth if d is not None)


def test_the_command_at_10000_models_stays_within_the_view(ml_automation_path, big):
    root, models = big
    expression = 'test.f1 > 0.9 and task_type == "classification" and created_at >= 2026-01-01'
    wanted = [m for m in models if CASES[0][1](m)]
    shown = cli(ml_automation_path, root, "models", "--where", expression, "--sort", "test.f1", editor=True)
    assert shown.returncode == 0, shown.stdout
    assert len(shown.stdout.encode("utf-8")) <= 4096 + 200
    assert f"Models matching `{expression}` and sorted by test.f1: {len(wanted):,} of 10,000" in shown.stdout
    best = max(wanted, key=lambda m: split(m, "test", "f1"))
    table = [line for line in shown.stdout.splitlines() if line.startswith("| model_")]
    assert table[0].startswith(f"| {best['model_id']} |") and len(table) == 15
    assert f"Showing 15 of {len(wanted)} matching models; and {len(wanted) - 15} more: use --limit N or --all" in shown.stdout
    data = json.loads(cli(ml_automation_path, root, "models", "--where", expression, "--json").stdout)
    assert data["total"] == data["shown"] == len(wanted) and {m["model_id"] for m in data["models"]} == {m["model_id"] for m in wanted}
    none = cli(ml_automation_path, root, "models", "--where", "tset.f1 > 0.9")
    assert none.returncode == 0 and "0 of 10,000" in none.stdout and "No registered model has 'tset.f1'; fields they have: test.f1" in none.stdout


BAD = [
    ("test.f1 > ", 11, "expected a value after '>'"),
    ("test.f1 = 0.9", 9, "'=' is not an operator: use == to compare"),
    ("(test.f1 > 0.9 or val.f1 > 0.9", 31, "expected ')' to close the '(' of column 1"),
    ("test.f1 > 0.9 and", 18, "expected a field"),
    ("test.f1 > 0.9 status == champion", 15, "expected 'and', 'or' or the end, found 'status'"),
    ("created_at >= 2026-13-45", 15, "'2026-13-45' is not a date"),
    ("a.b.c.d > 1", 1, "'a.b.c.d' is not a field"),
    ("test.f1 >> 0.9", 10, "expected a value after '>'"),
    ("name ~ 3", 8, "'~' (contains) needs a text"),
    ("test.f1 > null", 11, "'>' needs a number, a text or a date"),
    ('__import__("os").system("touch pwned")', 17, "unexpected character '.'"),
    ('__import__ ("os")', 12, "expected an operator (== != < <= > >= ~) after '__import__', found '('"),
    ("test.f1 > 0.9 ; touch pwned", 15, "unexpected character ';'"),
    ("", 1, "the expression is empty"),
]


@pytest.mark.parametrize("expression,column,problem", BAD, ids=[case[0] or "empty" for case in BAD])
def test_a_bad_expression_names_its_column(ml_automation_path, big, expression, column, problem):
    root, _ = big
    shown = cli(ml_automation_path, root, "models", "--where", expression)
    assert shown.returncode == 2 and shown.stdout == ""
    assert f"error: argument --where: column {column}: {problem}" in shown.stderr
    lines = shown.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if line == f"  {expression}")
    assert lines[at + 1] == "  " + " " * (column - 1) + "^"
    assert not os.path.exists(root / "pwned")


def test_bad_sort_keys_and_the_editor_form(ml_automation_path, big):
    root, _ = big
    for key, problem in (("test.f1:up", "expected asc or desc after ':'"), ("a.b.c.d", "'a.b.c.d' is not a field to sort by"), ("f1 > 2", "is not a field to sort by")):
        shown = cli(ml_automation_path, root, "models", "--sort", key)
        assert shown.returncode == 2 and problem in shown.stderr, shown.stderr
    # from Claude Code's slash command (arguments on stdin), the error reaches the model on stdout (exit 0), with the column
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_AUTOMATION_")}
    shown = subprocess.run([sys.executable, str(ml_automation_path), "--editor", "registry"], input="models --where 'test.f1 > '\n!END\n",
                           cwd=root, env=env, capture_output=True, text=True)
    assert shown.returncode == 0 and "column 11: expected a value after '>'" in shown.stdout and "exited with status 2" in shown.stdout


def test_odd_values_from_hand_edited_files(ml_automation_path, tmp_path):
    """NaN and text where a number belongs, tags that are not a list, two models marked champion:
    none matches a numeric comparison, NaN sorts with the missing ones, one champion as every view says."""
    models = [{"model_id": "nan", "task_type": "classification", "status": "champion", "promoted_at": "2026-02-01T00:00:00+00:00", "metrics": {"test": {"f1": math.nan}}},
              {"model_id": "text", "task_type": "classification", "status": "challenger", "metrics": {"test": {"f1": "0.99"}}, "tags": "prod"},
              {"model_id": "real", "task_type": "classification", "status": "champion", "promoted_at": "2026-03-01T00:00:00+00:00", "metrics": {"test": {"f1": 0.8}}},
              {"model_id": "low", "task_type": "classification", "status": "challenger", "metrics": {"test": {"f1": 0.5}}, "tags": ["prod"]}]
    (tmp_path / "mlops").mkdir()
    (tmp_path / "mlops" / "model-registry.json").write_text(json.dumps({"version": "1.0", "models": models}))  # NaN written as JSON's NaN
    found = json.loads(cli(ml_automation_path, tmp_path, "models", "--where", "test.f1 > 0", "--sort", "test.f1", "--json").stdout)
    assert [m["model_id"] for m in found["models"]] == ["real", "low"]
    ordered = json.loads(cli(ml_automation_path, tmp_path, "models", "--where", "task_type == classification", "--sort", "test.f1", "--json").stdout)
    assert [m["model_id"] for m in ordered["models"]][:2] == ["real", "low"]  # the NaN and the text after every number
    champions = json.loads(cli(ml_automation_path, tmp_path, "models", "--where", "status == champion", "--json").stdout)
    assert [m["model_id"] for m in champions["models"]] == ["real"]
    tagged = json.loads(cli(ml_automation_path, tmp_path, "models", "--where", "tags == prod", "--json").stdout)
    assert [m["model_id"] for m in tagged["models"]] == ["low"]
