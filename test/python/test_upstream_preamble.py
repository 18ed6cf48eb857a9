"""The release's runtime sections import what they use: built over an upstream-style ml_utils.py whose
preamble imports nothing but pandas, the registry still runs."""

import os
import shutil
import subprocess
import sys

from conftest import REPO

UPSTREAM = '''"""ml_utils: shared utilities (upstream layout)."""
import pandas as pd


# =============================================================================
# 1. DATA LOADING
# =============================================================================

def load_data(path):
    return pd.read_csv(path)
'''


def test_the_registry_runs_over_a_preamble_that_imports_only_pandas(ml_utils_path, tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(ml_utils_path.parents[1], checkout)
    (checkout / "templates" / "ml_utils.py").write_text(UPSTREAM)
    out = tmp_path / "dist"
    tsx = REPO / "node_modules" / ".bin" / "tsx"
    env = dict(os.environ, PYTHON=sys.executable)
    built = subprocess.run([str(tsx), "generator/cli.ts", "--source", str(checkout), "--out", str(out)], cwd=REPO, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    runtime = out / "ml-automation" / "templates" / "ml_utils.py"
    text = runtime.read_text()
    assert text.startswith('"""ml_utils: shared utilities (upstream layout)."""\nimport pandas as pd\n') and "\nimport json" not in text.split("# 9. MLOPS REGISTRY")[0]
    project = tmp_path / "project"
    project.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ML_AUTOMATION_")}
    code = "import ml_utils; ml_utils.save_model_entry({'model_id': 'm1', 'task_type': 'regression', 'metrics': {'rmse': 1.0, 'mae': 1.0, 'r2': 0.5}})"
    saved = subprocess.run([sys.executable, "-c", code], cwd=project, env=dict(clean, PYTHONPATH=str(runtime.parent)), capture_output=True, text=True)
    assert saved.returncode == 0, saved.stderr
    shown = subprocess.run([sys.executable, str(runtime), "registry"], cwd=project, env=clean, capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert "- Models: 1 (0 champions, 1 challenger, 0 archived)" in shown.stdout
