"""A local MLflow tracking server for the tests and the bench: `mlflow server` on 127.0.0.1 (never any
other address) with a SQLite backend store and a local artifact folder, on a free port; started and
stopped by its user. MLflow's telemetry is switched off for it and for this process's clients."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# MLflow 3 reports usage to a remote endpoint unless told not to: no traffic but loopback here.
QUIET_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MlflowServer:
    """`mlflow server` on 127.0.0.1:`port` storing into `folder` (mlflow.db, artifacts/, server.log).
    start() waits for /health at most `timeout` seconds; stop() ends the server and its workers;
    start() again serves the same stores on the same port."""

    def __init__(self, folder: Path, port: int = 0, workers: int = 1) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.folder / "server.log"

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.uri}/health", timeout=1) as answer:
                return answer.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def start(self, timeout: float = 90.0) -> "MlflowServer":
        os.environ.update(QUIET_ENV)
        command = [
            sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(self.port),
            "--backend-store-uri", f"sqlite:///{self.folder / 'mlflow.db'}",
            "--artifacts-destination", str(self.folder / "artifacts"), "--workers", str(self.workers),
        ]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            env=dict(os.environ, **QUIET_ENV), start_new_session=True, cwd=self.folder)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self.healthy():
                return self
            time.sleep(0.25)
        status = self.process.poll()
        self.stop()
        tail = self.log.read_text(errors="replace")[-3000:]
        why = f"exited with status {status}" if status is not None else f"did not answer {self.uri}/health within {timeout:g} s"
        raise RuntimeError(f"mlflow server {why}: {' '.join(command)}\n--- {self.log} (end) ---\n{tail}")

    def stop(self) -> None:
        """End the server and its worker processes: SIGTERM to its process group, then SIGKILL to
        whatever of the group is left after 10 s (workers draining keep-alive connections)."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while self.healthy() and time.monotonic() < deadline:
            time.sleep(0.1)

    def __enter__(self) -> "MlflowServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
