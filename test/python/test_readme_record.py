"""The plugin README's "Record your own models" runs as printed: in a fresh project, from a notebook's
sub-folder, into the project's one registry, which every view then answers from; and the README names
every file the registry folder holds."""

import re
import subprocess
import sys

import pytest
from test_plugin_split import clean_env, plugin, run  # noqa: F401 - plugin is a fixture


def section(readme, heading):
    """The text of the README section under `heading` (up to the next heading of its level or above)."""
    level = heading.split(" ")[0]
    start = readme.index(f"\n{heading}\n")
    ends = [match.start() for match in re.finditer(rf"\n#{{1,{len(level)}}} ", readme[start + 1:])]
    return readme[start: start + 1 + ends[0]] if ends else readme[start:]


@pytest.fixture
def readme(plugin):  # noqa: F811
    return (plugin / "README.md").read_text(encoding="utf-8")


def test_record_your_own_models_runs_as_printed_from_a_sub_folder(plugin, readme, tmp_path):  # noqa: F811
    blocks = re.findall(r"```python\n(.*?)```", section(readme, "### Record your own models"), re.S)
    assert len(blocks) == 1
    project = tmp_path / "my-project"
    (project / ".git").mkdir(parents=True)
    (project / ".claude").mkdir()
    (project / "notebooks").mkdir()
    # The library into the project, as the README says the assistant does it.
    assert run([str(plugin / "bin" / "ml-automation"), "copy-runtime"], project).returncode == 0
    (project / "notebooks" / "record.py").write_text(blocks[0], encoding="utf-8")
    for _ in range(2):  # run again: the same entries are updated, nothing is added elsewhere
        ran = subprocess.run([sys.executable, "record.py"], cwd=project / "notebooks", capture_output=True, text=True, env=clean_env())
        assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "model_logreg_1 is already the champion"
    assert sorted(p.name for p in (project / "notebooks").iterdir()) == ["record.py"]  # no second registry
    registry = project / ".claude" / "mlops"
    # The views answer from the one registry, from the notebook's folder and from the project's.
    from_notebook = run([sys.executable, "../ml_utils.py", "registry"], project / "notebooks")
    assert from_notebook.returncode == 0, from_notebook.stderr
    assert from_notebook.stdout.startswith(f"Registry: {registry} (this project's, found above the current folder {project / 'notebooks'})\n")
    assert "- Champion: model_logreg_1 (classification, LogisticRegression, f1 (weighted, test) 0.9" in from_notebook.stdout
    assert "- Lineage: 1 of 1 models complete" in from_notebook.stdout and "- Features: 30" in from_notebook.stdout
    champion = run([sys.executable, "ml_utils.py", "registry", "models", "--champion"], project)
    assert champion.stdout.startswith("Registry: .claude/mlops\nChampion: model_logreg_1")
    assert "- Metrics, val: accuracy 0.9" in champion.stdout and "- Metrics, test: accuracy 0.9" in champion.stdout
    lineage = run([sys.executable, "../ml_utils.py", "registry", "lineage", "model_logreg_1"], project / "notebooks")
    assert lineage.returncode == 0 and lineage.stdout.rstrip().endswith("Lineage: complete")
    # Every dot-file the registry folder holds is explained in the README, and left out of git by its lines.
    where = section(readme, "### Where the registry lives, and what to commit")
    dot_files = sorted(p.name for p in registry.iterdir() if p.name.startswith("."))
    assert dot_files == [".generations", ".journal.jsonl", ".plugin.json", ".registry.lock"] and (registry / "report.html").is_file() is False
    # ... and every one the runtime may write (the MLflow mirror's among them).
    runtime_files = set(re.findall(r'^\w+_FILE = "(\.[^"]+)"', (project / "ml_utils.py").read_text(encoding="utf-8"), re.M))
    assert {".mlflow-project.json", ".mlflow-queue.jsonl", ".mlflow-state.json"} <= runtime_files
    assert all(f"| `{name}{'/' if (registry / name).is_dir() else ''}` |" in where for name in sorted(set(dot_files) | runtime_files))
    ignore = re.search(r"```gitignore\n(.*?)```", where, re.S)
    assert ignore and ignore.group(1) == ".claude/mlops/.*\n!.claude/mlops/.mlflow-project.json\n.claude/mlops/report.html\n"
    assert subprocess.run(["git", "init", "-q", "."], cwd=project).returncode == 0
    (project / ".gitignore").write_text(ignore.group(1))
    (registry / ".mlflow-project.json").write_text("{}")  # as the first mirrored write leaves it
    run([sys.executable, "ml_utils.py", "registry", "report"], project)
    listed = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", ".claude"], cwd=project, capture_output=True, text=True).stdout.split()
    assert {path.split("/")[2] for path in listed} == {"data-versions", "experiments", "feature-store.json", "model-registry.json", ".mlflow-project.json"}, listed


def test_the_readme_says_each_thing_one_way(readme):
    assert "--domain mmm" not in readme and "/registry features --domain marketing_mix" in readme  # a domain, not a task type
    assert "replaces the champion only when it wins" not in readme
    assert "Key Metric" not in readme and "Decides champion" not in readme
    words = section(readme, "### Words")
    assert "| primary metric | the metric that decides the champion for a task type: classification f1, regression rmse" in words
