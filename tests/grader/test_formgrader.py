"""Formgrader, nbgrader's web interface, shows the hidden checks' verdicts and the gradebook scores.

A real Jupyter server with nbgrader's formgrader extension serves the course that ``nbgrader_class``
autograded, on loopback; the tests read formgrader's API and the submission page an instructor
opens.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from nbgrader_class import ASSIGNMENT, NOTEBOOK

from grader.sandboxed.contract import BUILD_EXERCISES
from instructor.nbgrader_course import tool_environment

START_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Formgrader:
    """A running Jupyter server with formgrader, and authenticated GET requests to it."""

    def __init__(self, base_url: str, token: str):
        self.base_url = base_url
        self.token = token

    def get(self, path: str) -> str:
        request = urllib.request.Request(
            self.base_url + path, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read().decode("utf-8")

    def get_json(self, path: str):
        return json.loads(self.get(path))


@pytest.fixture(scope="module")
def formgrader(course, tmp_path_factory):
    port, token = _free_port(), secrets.token_hex(16)
    log = (tmp_path_factory.mktemp("formgrader") / "server.log").open("w+")
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "server",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={course}",
    ]
    # Run from the course folder, as an instructor does, so formgrader finds nbgrader_config.py.
    server = subprocess.Popen(
        command, cwd=course, stdout=log, stderr=subprocess.STDOUT, env=tool_environment()
    )
    client = Formgrader(f"http://127.0.0.1:{port}", token)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                client.get_json("/formgrader/api/status")
                break
            except (urllib.error.URLError, ConnectionError) as exc:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(
                        "the Jupyter server with formgrader did not start "
                        f"({exc}):\n{log.read()[-3000:]}"
                    )
                time.sleep(0.5)
        yield client
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def submissions(formgrader):
    """Student -> formgrader's record of their submitted notebook."""
    listed = formgrader.get_json(f"/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{NOTEBOOK}")
    return {record["student"]: record for record in listed}


def test_formgrader_lists_every_student_with_the_gradebook_total(submissions, scores):
    assert set(submissions) == set(scores)
    for student, record in submissions.items():
        assert record["score"] == pytest.approx(scores[student]["total"][0]), student
        assert record["max_score"] == pytest.approx(scores[student]["total"][1]), student


def test_formgrader_grade_cells_carry_the_hidden_check_points(formgrader, submissions, scores):
    grades = formgrader.get_json(
        f"/formgrader/api/grades?submission_id={submissions['mistakes']['id']}"
    )
    by_cell = {grade["name"]: (grade["auto_score"], grade["max_score"]) for grade in grades}
    for exercise in BUILD_EXERCISES:
        assert by_cell[f"test_{exercise}"] == pytest.approx(
            scores["mistakes"][f"test_{exercise}"]
        ), exercise


def test_formgrader_submission_page_shows_each_failed_check_and_its_reason(formgrader, submissions):
    page = formgrader.get(f"/formgrader/submissions/{submissions['mistakes']['id']}/")
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "Hidden checks for identity_block" in text
    assert re.search(r"\[FAIL\] identity_block: .+", text), (
        "the failed identity_block check is not on the page"
    )
    assert "X_shorcut" in text, (
        "the convolutional_block error the student caused is not on the page"
    )
