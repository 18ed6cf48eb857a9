"""The plugin's hook scripts run as the editors run them (JSON on stdin, in the project folder), on
the edges the real-client tests do not reach: the runtime's own files, a symlinked registry folder,
Edit shapes, the project folder given by the editor, reports the bus cannot read, odd input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def plugin(ml_utils_path):
    """The built plugin folder (its hooks/ next to templates/ml_utils.py)."""
    return ml_utils_path.parent.parent


def run_hook(plugin, script, payload, cwd, env=None):
    """Run hooks/<script> with `payload` on stdin in `cwd`; return (exit status, stdout, stderr)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "ML_AUTOMATION_", "MLFLOW_"))}
    full_env.update(env or {})
    done = subprocess.run([sys.executable, str(plugin / "hooks" / script)], input=json.dumps(payload), cwd=cwd, env=full_env, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def registry(mu, project):
    """A project with two registered models in mlops/."""
    for name in ("a", "b"):
        mu.save_model_entry({"model_id": f"m_{name}", "task_type": "regression", "metrics": {"rmse": 1.0, "mae": 1.0, "r2": 0.5}})
    return project / "mlops" / "model-registry.json"


def write(path, content, cwd=None):
    return {"hook_event_name": "PreToolUse", "tool_name": "Write", "tool_input": {"file_path": str(path), "content": content}, "cwd": str(cwd or path.parent)}


def edit(path, old, new, cwd):
    return {"hook_event_name": "PreToolUse", "tool_name": "Edit", "tool_input": {"file_path": str(path), "old_string": old, "new_string": new}, "cwd": str(cwd)}


def test_the_runtimes_own_files_are_refused(plugin, registry, project):
    for name in (".generations/model-registry.json.1", ".mlflow-queue.jsonl"):
        status, _, err = run_hook(plugin, "registry_guard.py", write(project / "mlops" / name, "{}", project), project)
        assert status == 2 and "a file the runtime keeps for itself" in err, name


def test_a_registry_folder_reached_through_a_symbolic_link_is_guarded(plugin, mu, tmp_path, monkeypatch):
    real = tmp_path / "shared-registry"
    real.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / "mlops").symlink_to(real)
    monkeypatch.chdir(project)
    mu.save_model_entry({"model_id": "m_a", "task_type": "regression", "metrics": {"rmse": 1.0}})
    text = (real / "model-registry.json").read_text()
    status, _, err = run_hook(plugin, "registry_guard.py", write(real / "model-registry.json", text.replace('"rmse": 1.0', '"rmse": "one"'), project), project)
    assert status == 2 and "metric metrics.rmse must be a number" in err


def test_a_registry_file_reached_through_a_link_of_another_name_is_guarded(plugin, registry, project):
    # A link whose own name is not *.json (notes.txt -> mlops/model-registry.json): a write to it
    # lands in the registry file, so it is checked like one.
    link = project / "notes.txt"
    link.symlink_to(registry)
    text = registry.read_text()
    status, _, err = run_hook(plugin, "registry_guard.py", write(link, text.replace('"rmse": 1.0', '"rmse": "one"', 1), project), project)
    assert status == 2 and "metric metrics.rmse must be a number" in err
    assert registry.read_text() == text
    assert run_hook(plugin, "registry_guard.py", write(link, with_new_model(text), project), project)[0] == 0


NEW_MODEL = '{"model_id": "m_new", "task_type": "regression", "metrics": {"rmse": 2.0, "mae": 1.0, "r2": 0.1}}'


def with_new_model(text):
    """The registry text with one more (valid) model appended by hand."""
    head, _, tail = text.rpartition("}\n  ]")
    return head + "},\n    " + NEW_MODEL + "\n  ]" + tail


def test_edits_are_checked_as_the_editor_applies_them(plugin, registry, project):
    text = registry.read_text()
    assert '"model_id": "m_a"' in text
    # Curly quotes match straight ones in Claude Code's Edit; the result would not be JSON.
    status, _, err = run_hook(plugin, "registry_guard.py", edit(registry, "\u201cmodel_id\u201d: \u201cm_a\u201d", "\u201cmodel_id\u201d: \u201cm_c\u201d", project), project)
    assert status == 2 and "refused" in err
    # An edit whose old text is nowhere in the file cannot be told: refused for a registry file.
    status, _, err = run_hook(plugin, "registry_guard.py", edit(registry, "no such text", "x", project), project)
    assert status == 2 and "what it would write cannot be told" in err
    # A valid edit (a model added) passes, and a file outside the registry is not the guard's business.
    assert run_hook(plugin, "registry_guard.py", edit(registry, "}\n  ]", "},\n    " + NEW_MODEL + "\n  ]", project), project)[0] == 0
    notes = project / "notes.json"
    notes.write_text("{}")
    assert run_hook(plugin, "registry_guard.py", edit(notes, "{}", "not json", project), project)[0] == 0


def test_the_project_folder_comes_from_the_editor_not_from_where_the_tool_runs(plugin, registry, project):
    deeper = project / "notebooks"
    deeper.mkdir()
    broken = write(registry, registry.read_text().replace('"rmse": 1.0', '"rmse": "one"', 1), deeper)
    assert run_hook(plugin, "registry_guard.py", broken, deeper, env={"CLAUDE_PROJECT_DIR": str(project)})[0] == 2
    cursor = dict(broken, hook_event_name="preToolUse", workspace_roots=[str(project)])
    status, out, _ = run_hook(plugin, "registry_guard.py", cursor, deeper)
    assert status == 2 and json.loads(out)["permission"] == "deny"


def test_odd_input_lets_the_call_through(plugin, project):
    for payload in ({}, {"tool_name": "Write"}, {"tool_name": "Write", "tool_input": "text"}, {"tool_name": "Bash", "tool_input": {"command": "ls"}}):
        assert run_hook(plugin, "registry_guard.py", payload, project)[:2] == (0, ""), payload
    done = subprocess.run([sys.executable, str(plugin / "hooks" / "registry_guard.py")], input="not json", cwd=project, capture_output=True, text=True)
    assert done.returncode == 0 and "skipped" in done.stderr


def test_the_report_check_names_an_unreadable_report_and_a_stale_one(plugin, mu, project):
    reports = project / "reports"
    reports.mkdir()
    (reports / "developer_report.json").write_text('{"status": "completed"')
    status, out, _ = run_hook(plugin, "report_check.py", {"agent_type": "ml-automation:developer", "cwd": str(project)}, project)
    assert status == 0 and "the report bus cannot read it" in json.loads(out)["reason"]
    (reports / "developer_report.json").write_text(json.dumps({"status": "completed", "summary": "done", "saved_at": "2026-01-01 10:00:00+00:00"}))
    transcript = project / "agent.jsonl"
    transcript.write_text(json.dumps({"timestamp": "2026-01-02T09:00:00.000Z"}) + "\n")
    payload = {"agent_type": "ml-automation:developer", "cwd": str(project), "agent_transcript_path": str(transcript)}
    assert "before this run started" in json.loads(run_hook(plugin, "report_check.py", payload, project)[1])["reason"]
    transcript.write_text(json.dumps({"timestamp": "2025-12-31T09:00:00Z"}) + "\n")
    assert run_hook(plugin, "report_check.py", payload, project)[:2] == (0, "")
    assert run_hook(plugin, "report_check.py", dict(payload, agent_type="other-plugin:developer"), project)[:2] == (0, "")
    assert run_hook(plugin, "report_check.py", dict(payload, stop_hook_active=True, agent_type="ml-automation:eda-analyst"), project)[:2] == (0, "")


def test_hooks_are_in_the_bundle_where_the_hooks_files_name_them(plugin):
    claude = json.loads((plugin / "hooks" / "hooks.json").read_text())["hooks"]
    cursor = json.loads((plugin / "cursor" / "hooks.json").read_text())["hooks"]
    for handlers in [group["hooks"] for groups in claude.values() for group in groups] + list(cursor.values()):
        for handler in handlers:
            script = handler["command"].split("PLUGIN_ROOT}/", 1)[1].strip('"')
            assert Path(plugin, script).is_file(), script


def test_a_write_is_judged_by_the_entries_it_changes(plugin, registry, project):
    # An entry someone hand-wrote earlier that the runtime cannot use (kept byte for byte by the
    # runtime) does not block a write that leaves it alone; a write that changes it is checked.
    text = registry.read_text()
    bad = text.replace('"rmse": 1.0', '"rmse": "one"', 1)
    registry.write_text(bad)
    other_entry = with_new_model(bad)
    assert other_entry != bad
    status, _, err = run_hook(plugin, "registry_guard.py", write(registry, other_entry, project), project)
    assert (status, err) == (0, "")
    still_bad = bad.replace('"rmse": "one"', '"rmse": "two"', 1)
    status, _, err = run_hook(plugin, "registry_guard.py", write(registry, still_bad, project), project)
    assert status == 2 and "metric metrics.rmse must be a number" in err
    # A new file (nothing on disk to compare with) is checked whole.
    registry.unlink()
    status, _, err = run_hook(plugin, "registry_guard.py", write(registry, other_entry, project), project)
    assert status == 2 and "metric metrics.rmse must be a number" in err


def test_a_number_changed_to_a_boolean_is_a_change(plugin, registry, project):
    # Python counts 1.0 == True, so an entry whose metric became `true` compared equal to the one on
    # disk and was let through unchecked; the readers refuse a boolean metric.
    text = registry.read_text()
    status, _, err = run_hook(plugin, "registry_guard.py", write(registry, text.replace('"rmse": 1.0', '"rmse": true', 1), project), project)
    assert status == 2 and "metric metrics.rmse must be a number" in err
    status, _, err = run_hook(plugin, "registry_guard.py", write(registry, text.replace('"r2": 0.5', '"r2": 0.50', 1), project), project)
    assert (status, err) == (0, "")


def session_env(plugin, tmp_path, env):
    """Run hooks/plugin_options.py at session start with `env`; return what a later shell command sees
    of the runtime's MLflow settings (the env file sourced by bash, as Claude Code does), and the file."""
    env_file = tmp_path / "session-env.sh"
    env_file.write_text("")
    status, _out, err = run_hook(plugin, "plugin_options.py", {"hook_event_name": "SessionStart"}, tmp_path, {"CLAUDE_ENV_FILE": str(env_file), **env})
    assert status == 0 and err == ""
    shell = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "ML_AUTOMATION_"))}
    shell.update({k: v for k, v in env.items() if k.startswith("ML_AUTOMATION_")})
    seen = subprocess.run(["bash", "-c", f'source "{env_file}"; echo "uri=$ML_AUTOMATION_MLFLOW_URI"; echo "project=$ML_AUTOMATION_MLFLOW_PROJECT"'], env=shell, capture_output=True, text=True, check=True)
    return seen.stdout.splitlines(), env_file.read_text()


def test_plugin_options_become_the_runtimes_settings_for_the_sessions_shell(plugin, tmp_path):
    tricky = "http://127.0.0.1:5000/a b?x='1'&y=$(touch pwned)"
    seen, _ = session_env(plugin, tmp_path, {"CLAUDE_PLUGIN_OPTION_MLFLOW_URI": tricky, "CLAUDE_PLUGIN_OPTION_MLFLOW_PROJECT": "team churn", "CLAUDE_PLUGIN_OPTION_MLFLOW_MIRROR": "true"})
    assert seen == [f"uri={tricky}", "project=team churn"]
    assert not (tmp_path / "pwned").exists()
    off, _ = session_env(plugin, tmp_path, {"CLAUDE_PLUGIN_OPTION_MLFLOW_URI": tricky, "CLAUDE_PLUGIN_OPTION_MLFLOW_MIRROR": "false"})
    assert off == ["uri=off", "project="]


def test_plugin_options_leave_a_variable_already_set_and_write_nothing_when_unset(plugin, tmp_path):
    own, _ = session_env(plugin, tmp_path, {"CLAUDE_PLUGIN_OPTION_MLFLOW_URI": "http://127.0.0.1:9", "ML_AUTOMATION_MLFLOW_URI": "http://127.0.0.1:5000"})
    assert own == ["uri=http://127.0.0.1:5000", "project="]
    _, written = session_env(plugin, tmp_path, {"CLAUDE_PLUGIN_OPTION_MLFLOW_URI": "", "CLAUDE_PLUGIN_OPTION_MLFLOW_PROJECT": " "})
    assert written == ""
    # Without an env file (Cursor, an older client) the hook does nothing and says nothing.
    assert run_hook(plugin, "plugin_options.py", {}, tmp_path, {"CLAUDE_PLUGIN_OPTION_MLFLOW_URI": "http://127.0.0.1:9"}) == (0, "", "")
