"""The prose is code the model runs: every Python block of the built agents and workflows, in the order
a team-coldstart (then a second /train, /evaluate and /deploy) runs them, executed as written in a
fresh project on a real data set. Only the placeholders a block declares itself (`NAME = value  #
placeholder: ...`) are filled in. Afterwards the registry must tell the truth (see check_invariants)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.datasets import load_diabetes, load_iris

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import workflow_invariants  # noqa: E402

PLACEHOLDER = re.compile(r"^([A-Z][A-Z0-9_]*) = (.+?)\s+# placeholder: (.+)$", re.MULTILINE)
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)

# Files of the bundle in workflow order, with the stage each block runs for (one per block, or one for all).
COLDSTART = [
    ("agents/eda-analyst.md", "stage-2a"),
    ("skills/eda/SKILL.md", "stage-2a"),
    ("agents/feature-engineering-analyst.md", "stage-2b"),
    ("agents/frontend-ux-analyst.md", "stage-2b"),
    ("agents/ml-theory-advisor.md", ["gate-1", "stage-2b"]),
    ("skills/preprocess/SKILL.md", "stage-3"),
    ("agents/developer.md", ["stage-4", "stage-5", "stage-5"]),
    ("agents/brutal-code-reviewer.md", "stage-5b"),
    ("agents/mlops-engineer.md", ["stage-5c", "stage-7", "stage-7"]),
    ("agents/pr-approver.md", "stage-9"),
    ("agents/orchestrator.md", "final"),
    ("skills/status/SKILL.md", "status"),
]
# Then a second training run and the one-step workflows: /train, /evaluate, /deploy.
ONE_STEP = [("agents/developer.md", ["train", "evaluate", "evaluate"]), ("agents/mlops-engineer.md", ["train", "deploy", "deploy"])]
EXPECTED_REPORTS = {"eda-analyst@stage-2a", "feature-engineering-analyst@stage-2b", "frontend-ux-analyst@stage-2b", "ml-theory-advisor@stage-2b",
                    "developer@stage-4", "developer@stage-5", "brutal-code-reviewer@stage-5b", "mlops-engineer@stage-5c", "mlops-engineer@stage-7",
                    "pr-approver@stage-9", "orchestrator@final", "developer@train", "developer@evaluate", "mlops-engineer@deploy"}
REPORTS_WITH_IDS = ("developer@stage-4", "developer@stage-5", "developer@train")


def blocks_of(path: Path) -> list[str]:
    return [match.group(1) for match in BLOCK.finditer(path.read_text(encoding="utf-8"))]


def filled(block: str, values: dict) -> str:
    """The block with the placeholders it declares set to the test's values; any other placeholder fails."""
    unknown = [name for name, _, _ in PLACEHOLDER.findall(block) if name not in values]
    assert not unknown, f"the block declares placeholders the test cannot fill: {unknown}"
    return PLACEHOLDER.sub(lambda m: f"{m.group(1)} = {values[m.group(1)]!r}", block)


def write_data(project: Path, name: str) -> tuple[str, str]:
    (project / "data").mkdir()
    if name == "diabetes":
        frame = load_diabetes(as_frame=True).frame
    else:  # iris, with column names a registry id can hold
        frame = load_iris(as_frame=True).frame
        frame.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width", "target"]
    frame.to_csv(project / "data" / f"{name}.csv", index=False)
    return f"data/{name}.csv", "target"


def run_block(code: str, project: Path, where: str) -> str:
    script = project / "block.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=project, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{where} does not run as written:\n{code}\n--- stderr ---\n{done.stderr[-3000:]}"
    return done.stdout


def check_invariants(project: Path, ml_automation_path: Path) -> list[str]:
    """What must hold after a whole workflow, whatever the wording (test/fixtures/workflow_invariants.py)."""
    return workflow_invariants.problems(str(project), str(ml_automation_path), EXPECTED_REPORTS, REPORTS_WITH_IDS)


def run_workflow(bundle: Path, project: Path, data: str) -> None:
    """Every Python block of the bundle's agents and workflows, in workflow order, as written."""
    data_file, target = write_data(project, data)
    copied = subprocess.run([sys.executable, str(bundle / "templates" / "ml_automation.py"), "copy-runtime"], cwd=project, capture_output=True, text=True)
    assert copied.returncode == 0, copied.stderr
    ran = set()
    for relative, stages in COLDSTART + ONE_STEP:
        found = blocks_of(bundle / relative)
        stages = stages if isinstance(stages, list) else [stages] * len(found)
        assert len(found) == len(stages), f"{relative} has {len(found)} Python blocks; the workflow order names {len(stages)}"
        for index, (block, stage) in enumerate(zip(found, stages)):
            run_block(filled(block, {"DATA_FILE": data_file, "TARGET": target, "STAGE": stage, "MODEL_ID": None}), project, f"{relative} block {index + 1}")
            ran.add(relative)
    everywhere = {str(path.relative_to(bundle)) for folder in ("agents", "skills") for path in (bundle / folder).rglob("*.md") if blocks_of(path)}
    assert everywhere - ran == set(), "Python blocks the workflow order does not run"


def test_whatever_imports_ml_utils_first_puts_it_in_place_and_bash_is_limited(ml_utils_path):
    """Every agent and workflow whose code uses ml_utils says how to get it first; no workflow lets
    every shell command run unasked (Bash without a pattern in allowed-tools)."""
    bundle = ml_utils_path.parent.parent
    for path in sorted((bundle / "agents").glob("*.md")) + sorted((bundle / "skills").glob("*/SKILL.md")):
        text = path.read_text(encoding="utf-8")
        if "ml_utils" in text:
            assert "ml-automation copy-runtime" in text, f"{path.relative_to(bundle)} uses ml_utils without putting it in place"
        tools = re.search(r"^allowed-tools: (.*)$", text, re.MULTILINE)
        if tools:
            assert "Bash" not in [tool.strip() for tool in tools.group(1).split(",")], f"{path.relative_to(bundle)} allows every shell command"


@pytest.mark.parametrize("data", ["diabetes", "iris"])
def test_every_python_block_runs_as_written_and_the_registry_tells_the_truth(ml_utils_path, ml_automation_path, tmp_path, data):
    bundle = ml_utils_path.parent.parent
    project = tmp_path / "project"
    project.mkdir()
    run_workflow(bundle, project, data)
    assert check_invariants(project, ml_automation_path) == []
