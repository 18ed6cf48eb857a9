"""Fixtures for the runtime tests: ml_utils.py compiled by the real generator, and a project folder."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Settings that switch the MLflow mirror on: unset for every test unless it sets them (a developer's own
# MLFLOW_TRACKING_URI must not send test writes to their server).
MLFLOW_ENV = ("MLFLOW_TRACKING_URI", "ML_AUTOMATION_MLFLOW_URI", "ML_AUTOMATION_MLFLOW_PROJECT")
# MLflow 3 reports usage to a remote endpoint unless told not to: never any traffic but loopback.
os.environ.update({"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"})


@pytest.fixture(scope="session")
def ml_utils_path(tmp_path_factory):
    """Build the plugin once (npm run build:plugin into a temporary folder) and return its ml_utils.py.
    $ML_UTILS_UNDER_TEST names another ml_utils.py to test instead (e.g. one built from an older commit)."""
    if os.environ.get("ML_UTILS_UNDER_TEST"):
        return Path(os.environ["ML_UTILS_UNDER_TEST"]).resolve()
    out = tmp_path_factory.mktemp("bundle") / "dist"
    tsx = REPO / "node_modules" / ".bin" / ("tsx.cmd" if os.name == "nt" else "tsx")
    result = subprocess.run([str(tsx), "generator/cli.ts", "--out", str(out)], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return out / "ml-automation" / "templates" / "ml_utils.py"


@pytest.fixture(scope="session")
def mu(ml_utils_path):
    """The compiled ml_utils module, imported as `ml_utils`."""
    spec = importlib.util.spec_from_file_location("ml_utils", ml_utils_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["ml_utils"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def ml_automation_path(ml_utils_path):
    """The plugin's command module built beside ml_utils.py (templates/ml_automation.py)."""
    return ml_utils_path.parent / "ml_automation.py"


@pytest.fixture(scope="session")
def ma(mu, ml_automation_path):
    """The compiled command module, imported as `ml_automation`; it uses the `mu` module itself (the
    plugin's ml_utils.py, already imported), so both see the same classes and state."""
    spec = importlib.util.spec_from_file_location("ml_automation", ml_automation_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["ml_automation"] = module
    spec.loader.exec_module(module)
    assert module._LIBRARY is mu
    return module


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project folder as the working directory, with no registry or report overrides."""
    for name in ("ML_AUTOMATION_MLOPS_DIR", "ML_AUTOMATION_REPORTS_DIR", "ML_AUTOMATION_REGISTRY_STRICT") + MLFLOW_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_python(ml_utils_path, code, cwd, env=None, **kwargs):
    """Run `code` in a fresh interpreter that can `import ml_utils`; return the CompletedProcess."""
    full_env = dict(os.environ, PYTHONPATH=str(ml_utils_path.parent), **(env or {}))
    for name in ("ML_AUTOMATION_MLOPS_DIR", "ML_AUTOMATION_REPORTS_DIR") + MLFLOW_ENV:
        if name not in (env or {}):
            full_env.pop(name, None)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=full_env, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    """A real MLflow tracking server for the session: `mlflow server` on 127.0.0.1, a free port, a
    SQLite backend store and a local artifact folder (scripts/mlflow_server.py). It answers /health
    about 10 s after start; a server that does not within 120 s fails the tests with its log."""
    sys.path.insert(0, str(REPO / "scripts"))
    from mlflow_server import MlflowServer

    server = MlflowServer(tmp_path_factory.mktemp("mlflow-server"))
    server.start(timeout=120)
    yield server
    server.stop()
