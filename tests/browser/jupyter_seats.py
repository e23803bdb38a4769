"""A seat's JupyterLab, started by ``tools/seat.sh`` as ``make lab`` and ``make instructor`` do.

Each server listens on loopback at a free port with its own token, and keeps its runtime files,
data, workspaces, IPython and Keras folders in a temporary home, so nothing of the user's is read or
changed. Its PATH holds only the system folders: the seat itself must find the course's tools.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEAT_SCRIPT = REPO / "tools" / "seat.sh"
START_TIMEOUT_S = 120
#: A PATH without the course environment's bin folder, as in a shell where it was never activated.
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SeatServer:
    """One running seat: its URL, its token and its log.

    Args:
        seat: ``student`` or ``instructor``.
        root: the folder the server serves (and starts in).
        home: an empty folder for the server's own files.
        exchange: the nbgrader exchange folder both seats share, or None for the one the course's
            ``nbgrader_config.py`` names.
        extra_arguments: further ``jupyter lab`` options.
    """

    def __init__(self, seat: str, root: Path, home: Path, exchange: Path | None,
                 extra_arguments: tuple[str, ...] = ()):
        self.seat = seat
        self.root = root
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = home / f"{seat}-server.log"
        command = ["sh", str(SEAT_SCRIPT), seat, "--no-browser", "--ip=127.0.0.1",
                   f"--port={self.port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={self.token}", *extra_arguments]
        env = dict(os.environ, PATH=SYSTEM_PATH, SEAT_PYTHON=sys.executable, SEAT_ROOT=str(root),
                   JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_DATA_DIR=str(home / "data"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                   JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), IPYTHONDIR=str(home / "ipython"),
                   KERAS_HOME=str(home / "keras"))
        env.pop("COURSE_EXCHANGE", None)
        if exchange is not None:
            env["COURSE_EXCHANGE"] = str(exchange)
        env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the seat's job, not the test's
        # ipykernel stops forwarding the process's own stdout and stderr (C++ log lines) to the
        # notebook when it sees this variable; the kernel must behave as it does for a student.
        env.pop("PYTEST_CURRENT_TEST", None)
        self._log = self.log_path.open("w")
        self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                         env=env, start_new_session=True)
        self._wait_until_serving()

    def url(self, path: str) -> str:
        """The address of ``path`` on this server, logging in with the token."""
        separator = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{separator}token={self.token}"

    def log(self) -> str:
        """The server's log so far."""
        return self.log_path.read_text(errors="replace")

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        request = urllib.request.Request(f"{self.base_url}/api/status",
                                         headers={"Authorization": f"token {self.token}"})
        while True:
            try:
                with urllib.request.urlopen(request, timeout=10):
                    return
            except (urllib.error.URLError, ConnectionError) as exc:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the {self.seat} seat's JupyterLab did not start ({exc}):\n"
                                       f"{self.log()[-3000:]}") from exc
                time.sleep(0.5)

    def stop(self) -> None:
        """Stops the server and the kernels it started."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, 9)
                self._process.wait()
        self._log.close()
