"""One registry per project, found from any of its folders: a notebook in a sub-folder reads and
writes the project's registry, never a second one below it, and every view says which one it shows."""

import json
import os
import subprocess
import sys

import pytest
from conftest import run_python

REG = {"rmse": 1.0, "mae": 1.0, "r2": 0.5}


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A home folder of its own (the walk never goes to the home folder or above it)."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    for name in ("ML_AUTOMATION_MLOPS_DIR", "MLFLOW_TRACKING_URI", "ML_AUTOMATION_MLFLOW_URI"):
        monkeypatch.delenv(name, raising=False)
    return folder


def make_project(root, *marks):
    """A project folder holding `marks` (e.g. '.git', '.claude') and a notebooks/ sub-folder."""
    root.mkdir(parents=True, exist_ok=True)
    for mark in marks:
        (root / mark).mkdir()
    (root / "notebooks" / "deep").mkdir(parents=True)
    return root


def save_model(ml_utils_path, cwd, model_id, env=None):
    """Register a model from a fresh interpreter in `cwd`; return where the registry was written."""
    code = ("import ml_utils as mu\n"
            f"mu.save_model_entry({{'model_id': {model_id!r}, 'task_type': 'regression', 'metrics': {REG!r}}})\n"
            "print(mu.mlops_dir())")
    done = run_python(ml_utils_path, code, cwd, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_notebook_in_a_sub_folder_uses_the_projects_registry(ml_utils_path, ml_automation_path, home):
    project = make_project(home / "work" / "churn", ".git", ".claude")
    assert save_model(ml_utils_path, project, "from_root") == os.path.join(".claude", "mlops")
    deep = project / "notebooks" / "deep"
    written = save_model(ml_utils_path, deep, "from_notebook")
    assert written == str(project / ".claude" / "mlops")
    assert sorted(os.listdir(project / "notebooks")) == ["deep"] and os.listdir(deep) == []  # no second registry
    read = run_python(ml_utils_path, "import ml_utils as mu\nprint(sorted(m['model_id'] for m in mu.load_model_registry()['models']))", deep)
    assert read.stdout.strip() == "['from_notebook', 'from_root']"
    # Every view says which registry it shows, and why that one.
    shown = subprocess.run([sys.executable, str(ml_automation_path), "registry", "models"], cwd=deep, capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    first = shown.stdout.splitlines()[0]
    assert first == f"Registry: {project / '.claude' / 'mlops'} (this project's, found above the current folder {deep})"
    assert "| from_notebook |" in shown.stdout and "| from_root |" in shown.stdout
    listed = json.loads(subprocess.run([sys.executable, str(ml_automation_path), "registry", "models", "--json"], cwd=deep, capture_output=True, text=True).stdout)
    assert listed["registry_dir"] == str(project / ".claude" / "mlops") and listed["total"] == 2


def test_a_new_project_gets_its_registry_at_its_root_whatever_folder_writes_first(ml_utils_path, home):
    project = make_project(home / "p", ".git", ".cursor")
    written = save_model(ml_utils_path, project / "notebooks", "first")
    assert written == str(project / ".cursor" / "mlops") and (project / ".cursor" / "mlops" / "model-registry.json").is_file()
    assert os.listdir(project / "notebooks") == ["deep"]
    # A git project without an editor folder: the registry is the git root's mlops/.
    bare = make_project(home / "bare", ".git")
    assert save_model(ml_utils_path, bare / "notebooks" / "deep", "first") == str(bare / "mlops")


def test_the_nearest_editor_folder_marks_a_project_inside_a_repository(ml_utils_path, home):
    repo = make_project(home / "mono", ".git")
    service = make_project(repo / "service", ".claude")
    assert save_model(ml_utils_path, service / "notebooks", "m") == str(service / ".claude" / "mlops")
    assert not (repo / "mlops").exists()


def test_a_registry_above_is_found_before_an_editor_folder_below(ml_utils_path, home):
    project = make_project(home / "proj", ".git", ".claude")
    save_model(ml_utils_path, project, "root_model")
    (project / "notebooks" / ".claude").mkdir()  # the editor was once opened in the notebooks folder
    assert save_model(ml_utils_path, project / "notebooks", "nb") == str(project / ".claude" / "mlops")
    assert not (project / "notebooks" / ".claude" / "mlops").exists()


def test_an_empty_mlops_folder_above_is_not_a_registry_and_the_walk_stops_at_the_git_root(ml_utils_path, home):
    outer = home / "outer"
    (outer / "mlops").mkdir(parents=True)  # a folder of the user's that happens to be called mlops
    project = make_project(outer / "proj")  # no git, no editor folder
    assert save_model(ml_utils_path, project / "notebooks", "m") == "mlops"  # the current folder, as before
    assert os.listdir(outer / "mlops") == []
    # A registry above a git root belongs to another project: the walk stops at the root.
    save_model(ml_utils_path, outer, "outer_model")
    assert (outer / "mlops" / "model-registry.json").is_file()
    inner = make_project(outer / "inner", ".git")
    assert save_model(ml_utils_path, inner / "notebooks", "inner_model") == str(inner / "mlops")


def test_never_the_home_folder_nor_above_it(ml_utils_path, home):
    (home / ".claude").mkdir()  # Claude Code's own settings folder is in every home
    assert save_model(ml_utils_path, home, "at_home_once") == os.path.join(".claude", "mlops")
    scratch = home / "scratch"
    scratch.mkdir()
    assert save_model(ml_utils_path, scratch, "scratch_model") == "mlops"
    models = json.loads((home / ".claude" / "mlops" / "model-registry.json").read_text())["models"]
    assert [m["model_id"] for m in models] == ["at_home_once"]


def test_the_variable_still_wins_and_the_header_says_so(ml_utils_path, ml_automation_path, home):
    project = make_project(home / "proj", ".git", ".claude")
    elsewhere = home / "shared-registry"
    env = {"ML_AUTOMATION_MLOPS_DIR": str(elsewhere)}
    assert save_model(ml_utils_path, project / "notebooks", "m", env=env) == str(elsewhere)
    shown = subprocess.run([sys.executable, str(ml_automation_path), "registry"], cwd=project, capture_output=True, text=True, env=dict(os.environ, **env))
    assert shown.stdout.splitlines()[0] == f"Registry: {elsewhere} (set by ML_AUTOMATION_MLOPS_DIR)"
    empty = subprocess.run([sys.executable, str(ml_automation_path), "registry"], cwd=project / "notebooks", capture_output=True, text=True)
    assert empty.stdout.splitlines()[0] == f"Registry: {project / '.claude' / 'mlops'} (this project's, found above the current folder {project / 'notebooks'}) " \
                                          "(not created yet: the first write creates it)"
    assert not (project / ".claude" / "mlops").exists()


def test_the_guard_and_copy_runtime_see_the_same_registry(ma, home, monkeypatch):
    project = make_project(home / "proj", ".git", ".claude")
    (project / ".claude" / "mlops").mkdir()
    monkeypatch.chdir(project / "notebooks")
    # registry_file_kind (the guard's test of a path) knows the project's files from a sub-folder ...
    assert ma.registry_file_kind(str(project / ".claude" / "mlops" / "model-registry.json")) == "model-registry.json"
    assert ma.registry_file_kind(str(project / "notebooks" / "mlops" / "model-registry.json")) is None
    # ... and copy-runtime into the project records the plugin in that same registry folder.
    ma.copy_runtime(str(project))
    assert (project / ".claude" / "mlops" / ".plugin.json").is_file() and not (project / "notebooks" / "mlops").exists()
