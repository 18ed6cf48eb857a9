"""What a project holds and what the plugin runs: the library (ml_utils.py) a project gets a copy of holds
no command; the plugin's commands (ml_automation.py) load the plugin's own library, never a project's;
`python3 ml_utils.py COMMAND` in a project finds the plugin or says what to run; a project whose copy is
older than the plugin's is told once; the MLflow mirror's client side is loaded only when the mirror is on."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

LIBRARY_BUDGET = 150_000
API_PAGE_BUDGET = 6144
# Names a command needs that a project's code never calls: none of them may be in the library.
COMMAND_NAMES = ["registry_cli", "_COMMANDS", "_main", "repair_registry", "check_registry_text", "registry_file_kind", "mlflow_sync", "mlflow_snapshot",
                 "write_registry_report", "lineage_graph", "lineage_mermaid", "copy_runtime", "editor_main", "api_page", "_Snapshot", "get_model_lineage"]


@pytest.fixture(scope="session")
def plugin(ml_utils_path):
    """The built plugin folder."""
    return ml_utils_path.parent.parent


def clean_env(**extra):
    """The environment of a person's terminal: no plugin variables, no `ml-automation` on PATH, mirror off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "CURSOR_", "ML_AUTOMATION_", "MLFLOW_TRACKING"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not os.path.exists(os.path.join(p, "ml-automation")))
    env.update(extra)
    return env


def run(argv, cwd, env=None, stdin=None):
    return subprocess.run(argv, cwd=cwd, env=env or clean_env(), input=stdin, capture_output=True, text=True, timeout=120)


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_the_library_holds_no_command_and_stays_within_its_bound(mu, ml_utils_path):
    assert ml_utils_path.stat().st_size <= LIBRARY_BUDGET
    assert [name for name in COMMAND_NAMES if hasattr(mu, name)] == []
    text = ml_utils_path.read_text(encoding="utf-8")
    assert not re.search(r"^# (REGISTRY COMMAND LINE|REGISTRY REPORT|LINEAGE GRAPH|EDITOR COMMANDS|RUNTIME COPY|COMMAND LINE)$", text, re.M)
    assert re.search(r'^RUNTIME_STAMP = "1\.3\.0\+[0-9a-f]{16}"$', text, re.M)


def test_the_commands_live_in_the_plugins_module(ma):
    assert [name for name in COMMAND_NAMES if not hasattr(ma, name)] == []


def test_the_commands_never_import_a_projects_ml_utils(plugin, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "ml_utils.py").write_text("raise SystemExit('the project copy was imported')\n")
    commands = plugin / "templates" / "ml_automation.py"
    for env in (clean_env(), clean_env(PYTHONPATH=str(project))):
        shown = run([sys.executable, str(commands), "registry"], project, env)
        assert shown.returncode == 0 and "Nothing is registered yet" in shown.stdout, shown.stderr
    # A process that already imported the project's copy as `ml_utils` keeps it; the commands use the plugin's.
    (project / "ml_utils.py").write_text("MARK = 'project'\n")
    code = ("import importlib.util, sys; sys.path.insert(0, '.'); import ml_utils\n"
            f"spec = importlib.util.spec_from_file_location('ml_automation', {str(commands)!r}); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
            "print(m._LIBRARY.__file__); print(sys.modules['ml_utils'].MARK); print(m.registry_cli(['models']))")
    shown = run([sys.executable, "-c", code], project)
    assert shown.returncode == 0, shown.stderr
    library, mark, status = shown.stdout.splitlines()[0], shown.stdout.splitlines()[1], shown.stdout.splitlines()[-1]
    assert os.path.realpath(library) == os.path.realpath(plugin / "templates" / "ml_utils.py") and mark == "project" and status == "0"


def copy_project(plugin, tmp_path, name="project"):
    """A project holding a copy of the library only (as copied by hand: nothing recorded)."""
    project = tmp_path / name
    project.mkdir()
    shutil.copyfile(plugin / "templates" / "ml_utils.py", project / "ml_utils.py")
    return project


def test_a_projects_copy_runs_the_plugins_command_wherever_it_finds_it(plugin, tmp_path):
    project = copy_project(plugin, tmp_path)
    direct = run([sys.executable, str(plugin / "templates" / "ml_automation.py"), "registry", "models"], project)
    bin_dir = str(plugin / "bin")
    ways = {
        "ML_AUTOMATION_PLUGIN_ROOT": clean_env(ML_AUTOMATION_PLUGIN_ROOT=str(plugin)),
        "CLAUDE_PLUGIN_ROOT": clean_env(CLAUDE_PLUGIN_ROOT=str(plugin)),
        "ml-automation on PATH": clean_env(PATH=bin_dir + os.pathsep + clean_env()["PATH"]),
    }
    for way, env in ways.items():
        shown = run([sys.executable, "ml_utils.py", "registry", "models"], project, env)
        assert (shown.returncode, shown.stdout) == (0, direct.stdout), (way, shown.stderr)
    # What copy-runtime records in the project's registry folder is enough from a plain terminal.
    assert run([str(plugin / "bin" / "ml-automation"), "copy-runtime"], project).returncode == 0
    assert json.loads((project / "mlops" / ".plugin.json").read_text())["plugin_root"] == str(plugin)
    shown = run([sys.executable, "ml_utils.py", "registry", "lineage", "nope"], project)
    assert shown.returncode == 1 and "no model 'nope'" in shown.stdout + shown.stderr
    # So is the launcher Cursor's session start writes (read, never run).
    cursor = copy_project(plugin, tmp_path, "cursor-project")
    session_start = next(plugin.rglob("session_start.py"))  # Cursor's sessionStart hook, wherever the bundle keeps it
    started = run([sys.executable, str(session_start)], cursor, stdin=json.dumps({"cwd": str(cursor)}))
    assert started.returncode == 0 and (cursor / ".cursor" / "ml_automation.py").exists(), started.stderr
    shown = run([sys.executable, "ml_utils.py", "registry", "models"], cursor)
    launched = run([sys.executable, ".cursor/ml_automation.py", "registry", "models"], cursor)
    assert (shown.returncode, shown.stdout) == (0, launched.stdout) and ".cursor/mlops" in shown.stdout, shown.stderr


def test_without_the_plugin_the_copy_says_what_to_run_and_writes_nothing(plugin, tmp_path):
    project = copy_project(plugin, tmp_path)
    before = listing(project)
    shown = run([sys.executable, "ml_utils.py", "registry", "models", "--champion"], project)
    assert shown.returncode == 127 and shown.stdout == ""
    assert "python3 PLUGIN/templates/ml_automation.py registry models --champion" in shown.stderr
    assert "ml-automation registry models --champion" in shown.stderr and "ML_AUTOMATION_PLUGIN_ROOT=PLUGIN" in shown.stderr
    assert "Traceback" not in shown.stderr and listing(project) == before
    wrong = run([sys.executable, "ml_utils.py", "registry"], project, clean_env(ML_AUTOMATION_PLUGIN_ROOT=str(tmp_path)))
    assert wrong.returncode == 127 and f"ML_AUTOMATION_PLUGIN_ROOT={tmp_path} holds no templates/ml_automation.py" in wrong.stderr
    helped = run([sys.executable, "ml_utils.py", "--help"], project)
    assert helped.returncode == 0 and "Run instead:" in helped.stdout and listing(project) == before


def test_the_api_page_lists_every_public_function_within_its_budget(ma, mu, tmp_path):
    page = ma.api_page()
    assert len(page.encode()) <= API_PAGE_BUDGET
    public = [name for name, value in vars(mu).items() if callable(value) and not isinstance(value, type) and not name.startswith("_") and value.__module__ == mu.__name__]
    assert len(public) > 30 and [name for name in public if f"- {name}(" not in page] == []
    assert "- save_model_entry(model_entry: Entry, output_dirs: Dirs=None, strict: bool=None) -> str: Register a trained model" in page
    assert "## Classes\nRegistryError, RegistryDamagedError(RegistryError)" in page
    # A library grown by 20 more functions still gets a page within the budget (shorter lines), every function named.
    grown = tmp_path / "ml_utils.py"
    extra = "".join(f'\n\ndef added_function_{i}(first_argument: str, second_argument: int = 3) -> dict:\n    """Does thing number {i} of the growing library, described at some length so that lines are long. More."""\n'
                    for i in range(20))
    grown.write_text(open(mu.__file__, encoding="utf-8").read() + extra)
    bigger = ma.api_page(str(grown))
    assert len(bigger.encode()) <= API_PAGE_BUDGET and all(f"- added_function_{i}(" in bigger for i in range(20))


def notices(plugin, project, *argv, env=None):
    shown = run([str(plugin / "bin" / "ml-automation"), *argv], project, env)
    return [line for line in (shown.stdout + shown.stderr).splitlines() if line.startswith("note: ml_utils.py")], shown


def test_a_project_with_an_older_copy_is_told_once_with_the_command_that_updates_it(plugin, tmp_path):
    project = copy_project(plugin, tmp_path)
    library = (plugin / "templates" / "ml_utils.py").read_text(encoding="utf-8")
    older = re.sub(r'RUNTIME_STAMP = "[^"]*"', 'RUNTIME_STAMP = "1.2.9+0123456789abcdef"', library)
    (project / "ml_utils.py").write_text(older, encoding="utf-8")
    first, shown = notices(plugin, project, "registry", "--json")
    assert first == ["note: ml_utils.py in this project is older than the plugin's (1.2.9; the plugin has 1.3.0). "
                     "`ml-automation copy-runtime` updates it (the copy there now is kept as ml_utils.py.bak). This note is shown once."]
    assert json.loads(shown.stdout)["registry_dir"] == "mlops"  # the note is on stderr: --json output stays JSON
    assert notices(plugin, project, "registry")[0] == [] and notices(plugin, project, "api")[0] == []
    # Through the editor's slash command (the model sees stdout), a copy from before the split (no stamp): told once there too.
    (project / "ml_utils.py").write_text("# ml_utils.py as every project held it before 1.3.0's split\n", encoding="utf-8")
    editor = lambda: run([str(plugin / "bin" / "ml-automation"), "--editor", "registry"], project, stdin="\n!END\n")  # noqa: E731
    told = editor()
    assert told.stdout.startswith("note: ml_utils.py in this project is older than the plugin's (from before 1.3.0;") and told.returncode == 0
    assert "note: " not in editor().stdout
    # A copy edited by hand is named as such; copy-runtime replaces it (keeping it) and the notes stop.
    (project / "ml_utils.py").write_text(library.replace("def load_data(", "def load_data_edited(", 1), encoding="utf-8")
    assert "edited since it was copied" in notices(plugin, project, "registry")[0][0]
    copied = run([str(plugin / "bin" / "ml-automation"), "copy-runtime"], project)
    assert "the previous copy is ./ml_utils.py.bak" in copied.stdout and notices(plugin, project, "copy-runtime")[0] == []
    assert notices(plugin, project, "registry")[0] == []
    # Where the project cannot remember (its registry folder is a file), the note is shown, and nothing fails.
    (project / "ml_utils.py").write_text(older, encoding="utf-8")
    shutil.rmtree(project / "mlops")
    (project / "mlops").write_text("not a folder")
    for _ in range(2):
        note, shown = notices(plugin, project, "api")
        assert len(note) == 1 and shown.returncode == 0
    # A record that is a link (to a file of the user's) is never written through.
    (project / "mlops").unlink()
    (project / "mlops").mkdir()
    own = tmp_path / "notes.txt"
    own.write_text("the user's notes\n")
    (project / "mlops" / ".plugin.json").symlink_to(own)
    assert len(notices(plugin, project, "api")[0]) == 1 and run([str(plugin / "bin" / "ml-automation"), "copy-runtime"], project).returncode == 0
    assert own.read_text() == "the user's notes\n" and (project / "mlops" / ".plugin.json").is_symlink()
    shutil.rmtree(project / "mlops")
    (project / "mlops").write_text("not a folder")
    # A run through the project's own copy names that copy's command.
    (project / "mlops").unlink()
    (project / "ml_utils.py").write_text(older, encoding="utf-8")
    through_copy = run([sys.executable, "ml_utils.py", "registry"], project, clean_env(ML_AUTOMATION_PLUGIN_ROOT=str(plugin)))
    assert "`python3 ml_utils.py copy-runtime` updates it" in through_copy.stderr


MIRROR_ON = {"ML_AUTOMATION_MLFLOW_URI": "http://127.0.0.1:9", "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true", "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"}
SAVE = ("import warnings, ml_utils; warnings.simplefilter('ignore')\n"
        "ml_utils.save_model_entry({'model_id': 'm', 'task_type': 'regression', 'metrics': {'rmse': 1, 'mae': 1, 'r2': 0}})\n"
        "print('client loaded:', '_Mirror' in vars(ml_utils))\n")


def queued_error(project):
    return json.loads((project / "mlops" / ".mlflow-queue.jsonl").read_text().splitlines()[-1])["error"]


def test_the_mirror_client_is_loaded_only_when_the_mirror_is_on_and_only_the_matching_one(plugin, tmp_path):
    project = copy_project(plugin, tmp_path)
    off = run([sys.executable, "-c", SAVE], project)
    assert off.returncode == 0 and "client loaded: False" in off.stdout and not (project / "mlops" / ".mlflow-queue.jsonl").exists()
    # On, with no client beside the copy and no plugin found: the write is kept and queued, saying what to run.
    alone = run([sys.executable, "-c", SAVE], project, clean_env(**MIRROR_ON))
    assert alone.returncode == 0 and "client loaded: False" in alone.stdout, alone.stderr
    assert "no ml_utils_mlflow.py is beside ml_utils.py" in queued_error(project) and "copy-runtime" in queued_error(project)
    # A client from another build is refused, named.
    other = (plugin / "templates" / "ml_utils_mlflow.py").read_text(encoding="utf-8")
    (project / "ml_utils_mlflow.py").write_text(re.sub(r'MIRROR_OF = "[^"]*"', 'MIRROR_OF = "1.3.0+ffffffffffffffff"', other), encoding="utf-8")
    mismatched = run([sys.executable, "-c", SAVE], project, clean_env(**MIRROR_ON))
    assert "client loaded: False" in mismatched.stdout and "ml_utils_mlflow.py was built for another ml_utils.py" in queued_error(project)
    # The plugin's matching client, found from the project: loaded, and it reaches for the server.
    (project / "ml_utils_mlflow.py").unlink()
    found = run([sys.executable, "-c", SAVE], project, clean_env(ML_AUTOMATION_PLUGIN_ROOT=str(plugin), **MIRROR_ON))
    assert "client loaded: True" in found.stdout, found.stderr
    assert queued_error(project).startswith("MLflow at http://127.0.0.1:9 does not answer within 2 s")
    # copy-runtime puts the client beside the copy when the mirror is on (and keeps it up to date after).
    plain = tmp_path / "plain"
    plain.mkdir()
    assert run([str(plugin / "bin" / "ml-automation"), "copy-runtime"], plain).stdout.strip() == "copied ml_utils.py into ."
    assert not (plain / "ml_utils_mlflow.py").exists()
    copied = run([str(plugin / "bin" / "ml-automation"), "copy-runtime"], plain, clean_env(**MIRROR_ON))
    assert copied.stdout.strip() == "ml_utils.py in . is up to date; copied ml_utils_mlflow.py into ."
    assert run([str(plugin / "bin" / "ml-automation"), "copy-runtime"], plain).stdout.strip().endswith("ml_utils_mlflow.py in . is up to date")
    local = run([sys.executable, "-c", SAVE], plain, clean_env(**MIRROR_ON))
    assert "client loaded: True" in local.stdout, local.stderr
