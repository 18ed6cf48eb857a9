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


def editor_cli(ml_automation_path, cwd, *args):
    """The registry command as an editor runs it (Cursor's form: arguments on the command line)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ML_AUTOMATION_")}
    return subprocess.run([sys.executable, str(ml_automation_path), "--editor-args", "registry", *args], cwd=cwd, env=env, capture_output=True, text=True)


def truncated(value):
    """True when a JSON value holds the "truncated" mark of a view cut to fit."""
    if isinstance(value, dict):
        return "truncated" in value or any(truncated(v) for v in value.values())
    return isinstance(value, list) and any(truncated(v) for v in value)


@pytest.mark.parametrize("view", VIEWS, ids=[" ".join(v) or "summary" for v in VIEWS])
def test_every_view_fits_4_kb_by_default_and_says_how_to_see_more(ml_automation_path, big_project, view):
    text = cli(ml_automation_path, big_project, *view)
    assert text.returncode == 0, text.stderr
    assert len(text.stdout.encode()) <= BUDGET, (view, len(text.stdout.encode()))
    # In the editor, where the prompt is at stake, JSON is bounded too.
    for shown in (editor_cli(ml_automation_path, big_project, *view), editor_cli(ml_automation_path, big_project, *view, "--json")):
        assert shown.returncode == 0, shown.stderr
        assert len(shown.stdout.encode()) <= BUDGET, (view, len(shown.stdout.encode()))
    json.loads(shown.stdout)
    if view in (["models"], ["experiments"], ["features"]):
        assert "more: use --limit N or --all" in text.stdout


LISTS = {"models": N, "experiments": N, "features": 300, "data": 3}


@pytest.mark.parametrize("view", VIEWS, ids=[" ".join(v) or "summary" for v in VIEWS])
def test_json_in_a_shell_is_complete_and_limit_caps_it(ml_automation_path, big_project, view):
    shown = cli(ml_automation_path, big_project, *view, "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert not truncated(data), view  # a script never gets a view cut to fit without asking
    if view[:1] and view[0] in LISTS and len(view) == 1:
        noun = "data_versions" if view[0] == "data" else view[0]
        assert data["total"] == data["shown"] == len(data[noun]) == LISTS[view[0]] and "more" not in data
        assert data["registry_dir"] == "mlops"
        capped = json.loads(cli(ml_automation_path, big_project, *view, "--json", "--limit", "2").stdout)
        assert capped["shown"] == len(capped[noun]) == min(2, LISTS[view[0]]) and capped["total"] == LISTS[view[0]]


def test_summary_at_size_names_counts_champion_best_challengers_and_recent(ml_automation_path, big_project):
    summary = cli(ml_automation_path, big_project).stdout
    assert f"- Models: {N} (1 champion, {N - 1} challengers, 0 archived)" in summary
    assert "- Champion: model_01234" in summary and "- Best challengers: " in summary and "- Most recent models: model_02999" in summary
    assert f"- Experiments: {N}" in summary
    table = cli(ml_automation_path, big_project, "models").stdout.splitlines()
    assert table[0] == "Registry: mlops" and "| model_01234 |" in table[3] and f"Showing 15 of {N} models" in table[-1]
    assert len(cli(ml_automation_path, big_project, "models", "--limit", "40").stdout.splitlines()) == 1 + 2 + 40 + 1
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
    assert shown.stderr.startswith(f"usage: python3 {ml_automation_path} registry") and "error: " in shown.stderr
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
