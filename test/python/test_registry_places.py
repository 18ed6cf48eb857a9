"""One way to run the registry per place, and every message names the one that works where it is read:
`/registry ...` in the editor's chat (what changes files, the assistant is asked to run in its shell),
the command as typed in a terminal (`python3 ml_utils.py ...`, from a sub-folder `python3
../ml_utils.py ...`), both in the HTML report, which is read outside either."""

import re
import shutil
import sys

import pytest
from test_plugin_split import clean_env, plugin, run  # noqa: F401 - plugin is a fixture

REG = "{'rmse': 1.0, 'mae': 1.0, 'r2': 0.5}"


@pytest.fixture
def churn(plugin, tmp_path):  # noqa: F811
    """A git project whose library was put there by copy-runtime (which records the plugin), a
    notebooks/ sub-folder, two models and a damaged model registry."""
    folder = tmp_path / "churn"
    (folder / ".git").mkdir(parents=True)
    (folder / ".claude").mkdir()
    (folder / "notebooks").mkdir()
    assert run([str(plugin / "bin" / "ml-automation"), "copy-runtime"], folder).returncode == 0
    save = f"import ml_utils as mu\nfor i in (1, 2): mu.save_model_entry({{'model_id': f'm{{i}}', 'task_type': 'regression', 'metrics': {REG}}})\n"
    assert run([sys.executable, "-c", save], folder).returncode == 0
    registry = folder / ".claude" / "mlops" / "model-registry.json"
    registry.write_text(registry.read_text().replace('"metrics": {', '"metrics": {{', 1))
    return folder


def editor(plugin, cwd, typed):  # noqa: F811
    """`/registry TYPED` as Claude Code runs it: the plugin's program, the arguments on stdin."""
    return run([str(plugin / "bin" / "ml-automation"), "--editor", "registry"], cwd, stdin=f"{typed}\n!END\n")


def test_a_terminal_names_the_command_as_it_was_typed(churn):
    usage = run([sys.executable, "ml_utils.py", "registry", "bogus"], churn)
    assert usage.returncode == 2 and usage.stderr.startswith("usage: python3 ml_utils.py registry ")
    assert "(python3 ml_utils.py registry --help for details)" in usage.stderr
    # From a notebook's folder: the project's registry, and the command that works from there.
    shown = run([sys.executable, "../ml_utils.py", "registry", "models"], churn / "notebooks")
    assert shown.returncode == 3, shown.stderr
    assert shown.stdout.startswith(f"Registry: {churn / '.claude' / 'mlops'} (this project's, found above the current folder")
    assert "`python3 ../ml_utils.py registry repair --dry-run` shows how it would be rebuilt; `python3 ../ml_utils.py registry repair` rebuilds it." in shown.stdout
    assert "| m2 |" in shown.stdout
    helped = run([sys.executable, "-m", "ml_utils", "registry", "--help"], churn)
    assert helped.returncode == 0 and helped.stdout.startswith("usage: python3 -m ml_utils registry ")


def test_the_editor_names_the_workflow_and_asks_the_assistant_for_changes(plugin, churn):  # noqa: F811
    usage = editor(plugin, churn, "bogus")
    assert usage.returncode == 0 and "usage: /registry " in usage.stdout and "(/registry --help for details)" in usage.stdout
    assert "(/registry exited with status 2)" in usage.stdout
    damaged = editor(plugin, churn, "models")
    assert "/registry repair shows how it would be rebuilt; to rebuild it, ask the assistant to run `ml-automation registry repair`." in damaged.stdout
    repair = editor(plugin, churn, "repair")
    assert repair.stdout.startswith("From the editor, `/registry repair` only shows what it would do; "
                                    "to apply it, ask the assistant to run `ml-automation registry repair`.")
    assert "Dry run, nothing changed" in repair.stdout
    # No message read in the editor names a command that only works elsewhere.
    for shown in (usage, damaged, repair):
        assert "python3 ml_utils.py" not in shown.stdout and "ml-automation registry repair --dry-run" not in shown.stdout


def test_cursors_launcher_is_the_assistants_form_there(plugin, churn):  # noqa: F811
    launcher = churn / ".cursor" / "ml_automation.py"
    launcher.parent.mkdir()
    launcher.write_text(f"import runpy, sys\nsys.argv[0] = {str(plugin / 'templates' / 'ml_automation.py')!r}\n"
                        f"runpy.run_path(sys.argv[0], run_name='__main__')\n")
    damaged = run([sys.executable, ".cursor/ml_automation.py", "--editor-args", "registry", "models"], churn)
    assert "to rebuild it, ask the assistant to run `python3 .cursor/ml_automation.py registry repair`." in damaged.stdout
    assert "ml-automation registry" not in damaged.stdout


def test_the_report_names_both_places_forms(churn):
    (churn / ".claude" / "mlops" / "model-registry.json").unlink()
    save = f"import ml_utils as mu\nmu.save_model_entry({{'model_id': 'm3', 'task_type': 'regression', 'metrics': {REG}}})\n"
    assert run([sys.executable, "-c", save], churn).returncode == 0
    written = run([sys.executable, "../ml_utils.py", "registry", "report"], churn / "notebooks")
    assert written.returncode == 0, written.stderr
    page = (churn / ".claude" / "mlops" / "report.html").read_text()
    both = "<code>/registry report</code> in the editor, <code>python3 ml_utils.py registry report</code> in a terminal in the project folder"
    assert f"regenerate it with {both}</p>" in page and f"after the registry changes, with {both}.</footer>" in page
    assert "<h1>MLOps registry: churn</h1>" in page  # the project, not the folder the report was asked from
    assert not re.search(r"<code>ml-automation|python3 \.\./ml_utils\.py", page)  # (the generator tag names the plugin, not a command)


def test_a_cursor_project_finds_the_plugin_from_a_sub_folder_through_its_launcher(plugin, tmp_path):  # noqa: F811
    project = tmp_path / "cursor-project"
    (project / ".cursor").mkdir(parents=True)
    (project / "notebooks").mkdir()
    shutil.copy(plugin / "templates" / "ml_utils.py", project / "ml_utils.py")  # no copy-runtime: nothing recorded in a registry folder
    (project / ".cursor" / "ml_automation.py").write_text(f"PLUGIN_ROOT = {str(plugin)!r}\n")  # what Cursor's session start writes names it so
    shown = run([sys.executable, "../ml_utils.py", "registry"], project / "notebooks")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"Registry: {project / '.cursor' / 'mlops'} (this project's, found above the current folder")
