"""Seconds from ``make lab`` (or ``make instructor``) to a usable JupyterLab, also in a fresh clone.

For each seat, the make target is started in the course folder (with ``--fresh``: a new ``git
clone`` of this checkout, so ``make`` first creates the environment), and Chromium opens the address
the server prints. The figures printed are, from the moment ``make`` started:

* ``server``: the Jupyter server answers;
* ``usable``: for the student, the release notebook is open with all its cells shown and its
  kernel idle; for the instructor, Nbgrader > Formgrader lists the course's assignments.

Usage: python bench/bench_seats.py [--fresh] [--seat student|instructor|both] [--keep]
Needs Debian's Chromium and the playwright package (both installed by ``make env`` where it can).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

import formgrader_page
import lab_page
from browser_setup import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, missing_browser
from jupyter_seats import free_port
from notebook_cells import RELEASE_NOTEBOOK, cell_count

TARGETS = {"student": "lab", "instructor": "instructor"}
START_TIMEOUT_S = 1200


def wait_for_server(base_url: str, token: str, process: subprocess.Popen) -> None:
    """Returns once the Jupyter server at ``base_url`` answers.

    Args:
        base_url: the server's address.
        token: the server's token.
        process: the ``make`` process that starts the server.

    Raises:
        SystemExit: ``make`` exited first, or the server did not answer within
            ``START_TIMEOUT_S``.
    """
    request = urllib.request.Request(
        f"{base_url}/api/status", headers={"Authorization": f"token {token}"}
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"make exited with status {process.returncode} before the server answered"
            )
        try:
            with urllib.request.urlopen(request, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise SystemExit("the server did not answer in time")


def measure(course: Path, seat: str, browser, home: Path) -> tuple[float, float]:
    """Starts the seat's make target in ``course``.

    Returns:
        Seconds from the start until the server answered, and until the seat was usable.
    """
    port, token = free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTER_DATA_DIR=str(home / "data"),
        IPYTHONDIR=str(home / "ipython"),
        KERAS_HOME=str(home / "keras"),
    )
    env.pop("COURSE_EXCHANGE", None)
    arguments = (
        f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.port_retries=0 "
        f"--IdentityProvider.token={token}"
    )
    log = (home / f"make-{TARGETS[seat]}.log").open("w")
    started = time.monotonic()
    process = subprocess.Popen(
        ["make", TARGETS[seat], f"LAB_ARGS={arguments}"],
        cwd=course,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_for_server(base_url, token, process)
        server_s = time.monotonic() - started
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        page.goto(f"{base_url}/?token={token}")
        if seat == "student":
            lab_page.wait_for_cell_count(page, cell_count(RELEASE_NOTEBOOK))
            lab_page.wait_for_kernel_idle(page)
        else:
            formgrader_page.open_formgrader(page)
        usable_s = time.monotonic() - started
        context.close()
        return server_s, usable_s
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        log.close()


def main(argv=None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--fresh", action="store_true", help="measure in a new git clone of this checkout"
    )
    parser.add_argument("--seat", choices=["student", "instructor", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help="keep the clone and the logs")
    args = parser.parse_args(argv)
    missing = missing_browser()
    if missing:
        print(f"cannot measure: {missing}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-seats-"))
    course = REPO
    if args.fresh:
        course = work / "clone"
        subprocess.run(["git", "clone", "-q", str(REPO), str(course)], check=True)
    seats = ["student", "instructor"] if args.seat == "both" else [args.seat]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for seat in seats:
                fresh_env = not (course / ".venv").exists()
                server_s, usable_s = measure(course, seat, browser, work)
                created = "yes" if fresh_env else "no "
                print(
                    f"make {TARGETS[seat]:10s} environment created in this run: {created}  "
                    f"server answered {server_s:6.1f} s  usable {usable_s:6.1f} s",
                    flush=True,
                )
            browser.close()
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
