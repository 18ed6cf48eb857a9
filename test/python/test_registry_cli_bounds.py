"""The registry command: bounded output at any registry size, and arguments taken as data."""

import json
import os
import subprocess
import sys

import pytest
from test_registry_damage import cli

N = 3000
BUDGET = 4096


@pytest.fixture(scope="module")
def big_project(tmp_path_factory):
    """A registry of 3,000 models, 3,000 experiments, 300 features and 3 data versions, written in the
    registry's own layout (the way the runtime writes it, without 6,000 calls)."""
    root = tmp_path_factory.mktemp("big")
    folder = root / "mlops"
    (folder / "experiments").mkdir(parents=True)
    (folder / "data-versions").mkdir()
    fingerprints = [f"sha256:{i:064x}" for i in range(3)]
    models = [{"model_id": f"model_{i:05d}", "name": f"candidate {i}", "task_type": "regression", "algorithm": "RandomForestRegressor",
               "status": "champion" if i == 1234 else "challenger", "metrics": {"rmse": 1000.0 - i % 997, "mae": 800.0, "r2": 0.8},
               "feature_set": [f"feature_{i % 300:03d}", f"feature_{(i + 1) % 300:03d}"], "training_experiment_id": f"exp_{i:05d}",
               "data_fingerprint": fingerprints[i % 3], "created_at": f"2026-01-01T00:00:00.{i:06d}+00:00"} for i in range(N)]
    features = [{"feature_id": f"feature_{i:03d}", "domain": f"domain_{i % 12}", "transformation": "log", "created_at": f"2026-01-01T00:00:00.{i:06d}+00:00"} for i in range(300)]
    for name, key, entries in (("model-registry.json", "models", models), ("feature-store.json", "features", features)):
        body = ",\n".join("    " + json.dumps(entry) for entry in entries)
        (folder / name).write_text('{\n  "version": "1.0",\n  "' + key + '": [\n' + body + "\n  ]\n}\n")
    for i in range(N):
        (folder / "experiments" / f"exp_{i:05d}.json").write_text(json.dumps({"experiment_id": f"exp_{i:05d}", "task_type": "regression",
                                                                             "created_at": f"2026-01-01T00:00:00.{i:06d}+00:00", "metrics": {"test": {"rmse": 1.0}}}))
    for fingerprint in fingerprints:
        (folder / "data-versions" / f"{fingerprint[7:]}.json").write_text(json.dumps({"fingerprint": fingerprint, "source_path": "sales.csv"}))
    return root


VIEWS = [[], ["models"], ["models", "--champion"], ["features"], ["features", "--domain", "domain_3"], ["experiments"], ["data"], ["lineage", "model_01234"]]


@pytest.mark.parametrize("view", VIEWS, ids=[" ".join(v) or "summary" for v in VIEWS])
def test_every_view_fits_4_kb_by_default_and_says_how_to_see_more(ml_automation_path, big_project, view):
    for extra in ([], ["--json"]):
        shown = cli(ml_automation_path, big_project, *view, *extra)
        assert shown.returncode == 0, shown.stderr
        assert len(shown.stdout.encode()) <= BUDGET, (view, extra, len(shown.stdout.encode()))
        if extra:
            json.loads(shown.stdout)
    if view in (["models"], ["experiments"], ["features"]):
        assert "more: use --limit N or --all" in shown.stdout or "more" in cli(ml_automation_path, big_project, *view).stdout


def test_summary_at_size_names_counts_champion_best_challengers_and_recent(ml_automation_path, big_project):
    summary = cli(ml_automation_path, big_project).stdout
    assert f"- Models: {N} (1 champion, {N - 1} challenger, 0 archived)" in summary
    assert "- Champion: model_01234" in summary and "- Best challengers: " in summary and "- Most recent models: model_02999" in summary
    assert f"- Experiments: {N}" in summary
    table = cli(ml_automation_path, big_project, "models").stdout.splitlines()
    assert "| model_01234 |" in table[2] and f"Showing 15 of {N} models" in table[-1]
    assert len(cli(ml_automation_path, big_project, "models", "--limit", "40").stdout.splitlines()) == 2 + 40 + 1
    everything = cli(ml_automation_path, big_project, "models", "--all").stdout
    assert everything.count("\n| model_") == N
    listed = json.loads(cli(ml_automation_path, big_project, "models", "--json", "--all").stdout)
    assert listed["total"] == N and len(listed["models"]) == N


ODD = [["bogus"], ["models", "--sideways"], ["models", "extra", "words"], ["models;", "echo", "INJECTED"], ["models", ";", "echo", "INJECTED"],
       ["models", "&&", "touch", "pwned"], ["lineage", "$(touch pwned)"], ["lineage", "`touch pwned`"], ["features", "--domain", "x; rm -rf /"],
       ["models", "|", "cat"], ["lineage", "m1\nrm -rf /"], ["--limit", "0"], ["--limit", "-5"], ["models", "--limit", "many"]]


@pytest.mark.parametrize("argv", ODD, ids=[repr(a) for a in ODD])
def test_unknown_input_gets_the_usage_text_and_exit_2_never_a_traceback(ml_automation_path, project, argv):
    shown = cli(ml_automation_path, project, *argv)
    assert shown.returncode == 2
    assert shown.stderr.startswith("usage: python3 ml_utils.py registry") and "error: " in shown.stderr
    assert "Traceback" not in shown.stdout + shown.stderr and shown.stdout == ""
    assert os.listdir(project) == []


def test_registry_cli_returns_statuses_and_never_exits(ma, project, capsys):
    assert ma.registry_cli(["--help"]) == 0 and "usage:" in capsys.readouterr().out
    assert ma.registry_cli(["models", ";"]) == 2
    assert ma.registry_cli(["lineage", "nope"]) == 1
    assert ma.registry_cli([]) == 0
    assert "Nothing is registered yet" in capsys.readouterr().out


def test_python_ml_utils_with_an_unknown_command(ml_utils_path, project):
    shown = subprocess.run([sys.executable, str(ml_utils_path), "rm", "-rf"], cwd=project, capture_output=True, text=True)
    assert shown.returncode == 2 and "unknown command 'rm'" in shown.stderr and "Traceback" not in shown.stderr
