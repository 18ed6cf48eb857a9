"""Issue 18, the second round of bad inputs: the guard, the report, the registry command, the report
check, the Cursor launcher, copy-runtime and bin/ml-automation, each as a hostile or careless user
would meet them. Every test here failed on the build before the fix."""

import json
import math
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import run_python

REG = {"rmse": 1.0, "mae": 1.0, "r2": 0.5}


@pytest.fixture
def plugin(ml_utils_path):
    """The built plugin folder."""
    return ml_utils_path.parent.parent


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "CURSOR_", "ML_AUTOMATION_", "MLFLOW_"))}
    env.update(extra)
    return env


def hook(plugin, script, payload, cwd, raw=None, timeout=60):
    """Run a hook script with `payload` (or `raw` text) on stdin in `cwd`: (exit status, stdout, stderr)."""
    done = subprocess.run([sys.executable, str(plugin / script)], input=raw if raw is not None else json.dumps(payload), cwd=cwd,
                          env=clean_env(), capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr


def write(path, content, cwd, **extra):
    return dict({"hook_event_name": "PreToolUse", "tool_name": "Write", "tool_input": {"file_path": str(path), "content": content}, "cwd": str(cwd)}, **extra)


def registry_cli(ml_automation_path, cwd, *args, timeout=120, env=None):
    return subprocess.run([sys.executable, str(ml_automation_path), "registry", *args], cwd=cwd, env=env or clean_env(), capture_output=True, text=True, timeout=timeout)


def with_model(text, entry):
    data = json.loads(text)
    data["models"].append(entry)
    return json.dumps(data, indent=2)


# --- The registry guard ----------------------------------------------------------------------------


def test_a_lone_surrogate_in_the_content_is_refused_with_its_place_not_let_through(plugin, mu, project):
    mu.save_model_entry({"model_id": "a", "task_type": "regression", "metrics": REG})
    path = project / "mlops" / "model-registry.json"
    content = path.read_text().replace('"name": "unnamed_model"', '"name": "caf\udc80"')
    raw = json.dumps(write(path, content, project))  # "\udc80" escaped, as an editor sends it
    status, _, err = hook(plugin, "hooks/registry_guard.py", None, project, raw=raw)
    assert status == 2 and "skipped" not in err, err
    assert re.search(r"model-registry\.json:\d+:\d+: holds '\\udc80', a lone surrogate", err), err


def test_a_registry_file_linked_to_a_file_outside_the_registry_folder_is_guarded(plugin, mu, tmp_path, project):
    shared = tmp_path / "team" / "shared-models.json"
    shared.parent.mkdir()
    shared.write_text('{"version": "1.0", "models": []}\n')
    os.makedirs("mlops")
    os.symlink(shared, "mlops/model-registry.json")
    mu.save_model_entry({"model_id": "a", "task_type": "regression", "metrics": REG})
    text = shared.read_text()
    bad = with_model(text, {"model_id": "b", "task_type": "regression", "metrics": {"rmse": "low"}})
    status, _, err = hook(plugin, "hooks/registry_guard.py", write(project / "mlops" / "model-registry.json", bad, project), project)
    assert status == 2 and "metric metrics.rmse must be a number" in err, err
    assert shared.read_text() == text


def test_a_value_without_an_id_added_earlier_by_hand_does_not_block_a_valid_write(plugin, mu, project):
    mu.save_model_entry({"model_id": "a", "task_type": "regression", "metrics": REG})
    path = project / "mlops" / "model-registry.json"
    with_kept = path.read_text().replace("\n  ]", ',\n    {"note": "the old forest, retrained in March"}\n  ]')
    path.write_text(with_kept)  # by hand, earlier: kept byte for byte, not shown
    status, _, err = hook(plugin, "hooks/registry_guard.py", write(path, with_kept.replace("\n  ]", ',\n    {"model_id": "b", "task_type": "regression"}\n  ]'), project), project)
    assert (status, err) == (0, ""), err
    # A new value without an id is still named.
    status, _, err = hook(plugin, "hooks/registry_guard.py", write(path, with_kept.replace("\n  ]", ',\n    {"note": "another"}\n  ]'), project), project)
    assert status == 2 and "has no model_id" in err


def test_the_registry_of_code_run_from_a_sub_folder_is_guarded(plugin, mu, ml_utils_path, project):
    (project / "notebooks").mkdir()
    code = "import ml_utils; ml_utils.save_model_entry({'model_id': 'nb1', 'task_type': 'regression', 'metrics': {'rmse': 1, 'mae': 1, 'r2': 0}})"
    assert run_python(ml_utils_path, code, project / "notebooks").returncode == 0
    path = project / "notebooks" / "mlops" / "model-registry.json"
    assert path.is_file()
    text = path.read_text()
    for cwd in (project, project / "notebooks"):
        status, _, err = hook(plugin, "hooks/registry_guard.py", write(path, text.replace('"rmse": 1', '"rmse": "one"'), cwd, workspace_roots=[str(project)]), cwd)
        assert status == 2 and "metric metrics.rmse must be a number" in err, (cwd, err)


@pytest.mark.parametrize("number", ["NaN", "1e999", "-Infinity"])
def test_nan_and_infinite_metrics_are_refused_and_json_views_stay_json(plugin, mu, ml_automation_path, project, number):
    mu.save_model_entry({"model_id": "a", "task_type": "regression", "metrics": REG})
    path = project / "mlops" / "model-registry.json"
    text = path.read_text()
    added = text.replace("\n  ]", ',\n    {"model_id": "b", "task_type": "regression", "metrics": {"rmse": ' + number + ', "mae": 1, "r2": 0}}\n  ]')
    status, _, err = hook(plugin, "hooks/registry_guard.py", write(path, added, project), project)
    assert status == 2 and "model_id 'b': metrics.rmse is" in err and "write null" in err, err
    path.write_text(added)  # around the guard: the views still print JSON
    shown = registry_cli(ml_automation_path, project, "models", "--json")
    rows = json.loads(shown.stdout, parse_constant=lambda name: pytest.fail(f"{name} in --json output"))
    assert [m["metrics"]["rmse"] for m in rows["models"]] == [1.0, None]


def test_input_of_the_wrong_type_is_said_on_stderr_and_never_moves_the_guard_to_another_folder(plugin, mu, project):
    mu.save_model_entry({"model_id": "a", "task_type": "regression", "metrics": REG})
    path = project / "mlops" / "model-registry.json"
    broken = write(path, path.read_text().replace('"rmse": 1.0', '"rmse": "x"'), project, hook_event_name="preToolUse", workspace_roots=str(project))
    status, out, err = hook(plugin, "hooks/registry_guard.py", broken, project)
    assert status == 2 and json.loads(out)["permission"] == "deny"  # judged from the tool's folder, not from "/"
    assert "workspace_roots is a str, not a list of folders: not used" in err
    status, _, err = hook(plugin, "hooks/registry_guard.py", {"tool_name": "Write", "tool_input": ["not", "an", "object"]}, project)
    assert status == 0 and "tool_input is a list, not an object: the write was not checked" in err


# --- The report --------------------------------------------------------------------------------


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values = []

    def handle_starttag(self, tag, attrs):
        self.values += [(tag, name, value) for name, value in attrs if name in ("x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "width", "height", "d", "viewBox")]


def test_metrics_near_the_largest_float_are_charted_with_finite_coordinates(mu, ml_automation_path, project):
    os.mkdir(".claude")
    values = [1.7e308, -1.7e308, 1e308, -1e300, 5.0] + [float(i) * 1e307 for i in range(-12, 13)]
    for i, value in enumerate(values):
        mu.save_experiment({"experiment_id": f"e{i}", "task_type": "regression", "metrics": {"test": {"rmse": value}}})
        mu.save_model_entry({"model_id": f"m{i}", "task_type": "regression", "metrics": dict(REG, rmse=value), "training_experiment_id": f"e{i}"})
    mu.promote_model("m1")
    shown = registry_cli(ml_automation_path, project, "report")
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    page = Path(".claude/mlops/report.html").read_text(encoding="utf-8")
    parser = _Attributes()
    parser.feed(page)
    numbers = [float(n) for _, _, value in parser.values for n in re.findall(r"-?[0-9.]+(?:e[+-]?\d+)?|nan|inf", value or "")]
    assert numbers and all(math.isfinite(n) for n in numbers), [v for v in parser.values if re.search("nan|inf", v[2] or "")][:5]
    assert 'id="challengers-distribution"' in page and "more than 1.8e+308" in page


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00"])
def test_a_created_at_in_year_1_or_9999_is_shown_not_a_crash(ml_automation_path, project, moment):
    os.makedirs("mlops/experiments")
    Path("mlops/experiments/e0.json").write_text(json.dumps({"experiment_id": "e0", "task_type": "regression", "created_at": moment, "metrics": {"test": {"rmse": 1.0}}}))
    Path("mlops/model-registry.json").write_text(json.dumps({"version": "1.0", "models": [
        {"model_id": "m1", "task_type": "regression", "status": "champion", "created_at": moment, "promoted_at": moment, "metrics": REG, "training_experiment_id": "e0"}]}))
    shown = registry_cli(ml_automation_path, project, "report")
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    assert 'id="over-time-chart"' in Path("mlops/report.html").read_text(encoding="utf-8")


def test_report_out_refuses_a_fifo_a_registry_file_and_a_file_that_only_quotes_the_generator(mu, ml_automation_path, project):
    mu.save_model_entry({"model_id": "a", "task_type": "regression", "metrics": REG})
    mu.save_experiment({"experiment_id": "e1", "task_type": "regression"})
    os.mkfifo("pipe.html")
    start = time.monotonic()
    fifo = registry_cli(ml_automation_path, project, "report", "--out", "pipe.html", timeout=60)
    assert fifo.returncode == 2 and "not a regular file" in fifo.stderr and time.monotonic() - start < 60
    for inside in ("mlops/experiments/report.json", "mlops/feature-store.json", "mlops/.generations/r.html"):
        refused = registry_cli(ml_automation_path, project, "report", "--out", inside)
        assert refused.returncode == 2 and "is a registry file (or one the runtime keeps)" in refused.stderr, (inside, refused.stderr)
        assert not os.path.exists(inside)
    assert registry_cli(ml_automation_path, project).returncode == 0  # nothing the registry reads as damage
    notes = Path("notes.html")
    notes.write_text('<p>Our report tool writes <meta name="generator" content="ml-automation registry report"> in its head.</p>\n')
    before = notes.read_bytes()
    quoted = registry_cli(ml_automation_path, project, "report", "--out", "notes.html")
    assert quoted.returncode == 2 and "is not a registry report" in quoted.stderr and notes.read_bytes() == before
    assert registry_cli(ml_automation_path, project, "report", "--out", "mine.html").returncode == 0
    assert registry_cli(ml_automation_path, project, "report", "--out", "mine.html").returncode == 0  # its own earlier report is replaced
    os.symlink("mine.html", "link.html")
    linked = registry_cli(ml_automation_path, project, "report", "--out", "link.html")
    assert linked.returncode == 2 and "is a symbolic link" in linked.stderr and os.path.islink("link.html")


BIDI = "\u202e\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u200e\u200f\u061c"


def test_bidi_controls_never_reach_the_page(mu, ml_automation_path, project):
    mu.save_data_version({"fingerprint": "sha256:" + "ab" * 32, "source_path": f"data/{BIDI}gpj.exe", "rows": 1, "columns": 1})
    mu.save_model_entry({"model_id": "a", "task_type": "regression", "metrics": REG, "name": "ridge\u202eevil", "algorithm": f"Ridge{BIDI}",
                         "data_fingerprint": "sha256:" + "ab" * 32})
    assert registry_cli(ml_automation_path, project, "report").returncode == 0
    page = Path("mlops/report.html").read_text(encoding="utf-8")
    assert "gpj.exe" in page and not set(BIDI) & set(page)


# --- The report check ------------------------------------------------------------------------------


def test_the_report_check_does_not_wait_on_a_fifo_report(plugin, project):
    (project / "reports").mkdir()
    os.mkfifo(project / "reports" / "developer_report.json")
    status, out, err = hook(plugin, "hooks/report_check.py", {"agent_type": "ml-automation:developer", "cwd": str(project)}, project, timeout=30)
    assert status == 0 and "not a regular file" in json.loads(out)["reason"], err


def test_in_cursor_the_projects_own_agent_of_a_plugin_agents_name_is_left_alone(plugin, project):
    payload = {"hook_event_name": "subagentStop", "subagent_type": "developer", "workspace_roots": [str(project)]}
    told = hook(plugin, "hooks/report_check.py", payload, project)
    assert told[0] == 0 and "developer is finishing without a complete report" in json.loads(told[1])["followup_message"]
    (project / ".cursor" / "agents").mkdir(parents=True)
    (project / ".cursor" / "agents" / "developer.md").write_text("---\nname: developer\ndescription: our own\n---\nOurs.\n")
    assert hook(plugin, "hooks/report_check.py", payload, project)[:2] == (0, "")
    # Named as the plugin's, it is the plugin's.
    named = hook(plugin, "hooks/report_check.py", dict(payload, subagent_type="ml-automation:developer"), project)
    assert "followup_message" in json.loads(named[1])


def test_the_report_check_refuses_workspace_roots_of_the_wrong_type(plugin, project):
    payload = {"hook_event_name": "subagentStop", "subagent_type": "developer", "workspace_roots": "/"}
    status, out, err = hook(plugin, "hooks/report_check.py", payload, project)
    assert (status, out) == (0, "") and "workspace_roots is a str, not a list of folders" in err


# --- Cursor's session start -------------------------------------------------------------------


def test_the_launcher_is_never_written_through_a_link(plugin, tmp_path, project):
    outside = tmp_path / "notes.txt"
    outside.write_text("my notes\n")
    (project / ".cursor").mkdir()
    os.symlink(outside, project / ".cursor" / "ml_automation.py")  # as a cloned repository could carry it
    status, out, err = hook(plugin, "cursor/session_start.py", {"hook_event_name": "sessionStart", "workspace_roots": [str(project)]}, project)
    assert (status, out.strip()) == (0, "{}")
    assert outside.read_text() == "my notes\n"
    assert os.readlink(project / ".cursor" / "ml_automation.py.user") == str(outside)
    launcher = project / ".cursor" / "ml_automation.py"
    assert not launcher.is_symlink() and "Launcher of the ml-automation plugin's commands" in launcher.read_text()
    assert "kept as .cursor/ml_automation.py.user" in err


def test_a_users_own_launcher_file_is_kept_aside_and_named(plugin, project):
    (project / ".cursor").mkdir()
    mine = project / ".cursor" / "ml_automation.py"
    mine.write_text("print('my own script')\n")
    status, _, err = hook(plugin, "cursor/session_start.py", {"workspace_roots": [str(project)]}, project)
    assert status == 0 and (project / ".cursor" / "ml_automation.py.user").read_text() == "print('my own script')\n"
    assert "was not the plugin's launcher: it is kept as .cursor/ml_automation.py.user" in err
    ours = mine.read_text()
    status, _, err = hook(plugin, "cursor/session_start.py", {"workspace_roots": [str(project)]}, project)
    assert (status, err) == (0, "") and mine.read_text() == ours and not (project / ".cursor" / "ml_automation.py.user.1").exists()


def test_a_cursor_folder_that_is_a_link_and_input_of_the_wrong_type_write_nothing(plugin, tmp_path, project):
    elsewhere = tmp_path / "dotfiles"
    elsewhere.mkdir()
    os.symlink(elsewhere, project / ".cursor")
    status, _, err = hook(plugin, "cursor/session_start.py", {"workspace_roots": [str(project)]}, project)
    assert status == 0 and "is a symbolic link" in err and os.listdir(elsewhere) == []
    other = tmp_path / "other"
    other.mkdir()
    status, out, err = hook(plugin, "cursor/session_start.py", {"workspace_roots": str(other)}, other)
    assert (status, out.strip()) == (0, "{}") and "workspace_roots is a str, not a list of folders" in err
    assert not (other / ".cursor").exists() and not Path("/.cursor/ml_automation.py").exists()


# --- copy-runtime and bin/ml-automation -------------------------------------------------------------


def run(argv, cwd, **kwargs):
    return subprocess.run(argv, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=120, **kwargs)


def test_copy_runtime_never_replaces_a_users_own_ml_utils_nor_writes_through_a_link(plugin, tmp_path, project):
    program = str(plugin / "bin" / "ml-automation")
    own = project / "ml_utils.py"
    own.write_text("def helper():\n    return 42\n")
    refused = run([program, "copy-runtime"], project)
    assert refused.returncode == 1 and "is not a copy of the ml-automation plugin's ml_utils.py" in refused.stderr
    assert own.read_text() == "def helper():\n    return 42\n" and sorted(os.listdir(project)) == ["ml_utils.py"]
    own.unlink()
    shared = tmp_path / "shared_ml_utils.py"
    shared.write_text("# a team's module\n")
    os.symlink(shared, own)
    linked = run([program, "copy-runtime"], project)
    assert linked.returncode == 1 and "is a symbolic link" in linked.stderr and shared.read_text() == "# a team's module\n" and own.is_symlink()
    own.unlink()
    # A copy of the plugin's (stamped), even an edited one, is replaced and kept.
    assert run([program, "copy-runtime"], project).returncode == 0
    edited = own.read_text().replace("Registry", "Registry!", 1)
    own.write_text(edited)
    replaced = run([program, "copy-runtime"], project)
    assert replaced.returncode == 0 and "the previous copy is ./ml_utils.py.bak" in replaced.stdout and (project / "ml_utils.py.bak").read_text() == edited


def test_bin_ml_automation_reached_through_a_link_finds_its_plugin(plugin, tmp_path, project):
    links = tmp_path / "bin"
    links.mkdir()
    os.symlink(plugin / "bin" / "ml-automation", links / "ml-automation")
    os.symlink("ml-automation", links / "mla")  # a relative link to the link
    for name in ("ml-automation", "mla"):
        shown = run([str(links / name), "api"], project)
        assert shown.returncode == 0 and shown.stdout.startswith("ml_utils: the library"), shown.stderr
