"""A small class run through the real nbgrader lifecycle, for the nbgrader and formgrader tests.

One temporary copy of the course runs ``generate_assignment``, then ``autograde`` over four
submissions (the reference solution; a notebook with several kinds of mistake; a hostile one that
fakes its public checks and hands in a file that is not a model; the reference solution with one
locked test cell rewritten to print a fake success and another deleted), then ``generate_feedback``
and ``export``. Autograding executes each notebook in nbgrader's kernel and grades it in the
sandbox, about a minute per student, so the lifecycle runs once per test session.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat

from instructor.nbgrader_course import copy_course, tool_environment
from instructor.sample_submissions import (
    CONVOLUTIONAL_BLOCK_RAISES,
    HOSTILE_DENSE_RESIDUAL_BLOCK,
    IDENTITY_BLOCK_SKIP_AFTER_RELU,
    solution_sources,
    with_cells,
)

REPO = Path(__file__).resolve().parents[2]
SOURCE_NOTEBOOK = REPO / "solutions" / "resnets" / "Residual_Networks.ipynb"
ASSIGNMENT = "resnets"
NOTEBOOK = "Residual_Networks"
STUDENTS = ("ref", "mistakes", "hostile", "editor")
NBGRADER = [sys.executable, "-m", "nbgrader"]
FAKE_SUCCESS = 'print("All tests passed!")'
#: nbgrader autograde's log, kept in the course folder.
AUTOGRADE_LOG = "autograde.log"


def run_nbgrader(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Runs ``nbgrader ARGUMENTS`` in ``cwd`` and fails with its output when it exits non-zero."""
    done = subprocess.run(
        NBGRADER + arguments,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env=tool_environment(),
    )
    assert done.returncode == 0, (
        f"{' '.join(arguments)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    )
    return done


def with_locked_cells_tampered(notebook):
    """Rewrites the locked test_dense_residual_block cell, deletes the test_identity_block cell."""

    def grade_id(cell):
        return cell.metadata.get("nbgrader", {}).get("grade_id")

    for cell in notebook.cells:
        if grade_id(cell) == "test_dense_residual_block":
            cell.source = FAKE_SUCCESS
    notebook.cells = [cell for cell in notebook.cells if grade_id(cell) != "test_identity_block"]
    return notebook


def graded_course(root: Path) -> Path:
    """Builds the course in ``root``, hands in the class, runs autograde, generate_feedback, export.

    Args:
        root: an empty folder for the course.

    Returns:
        ``root``, holding nbgrader's gradebook, autograded notebooks, feedback, grades.csv and
        autograde's log.
    """
    copy_course(root, ASSIGNMENT)
    run_nbgrader(["generate_assignment", ASSIGNMENT], root)

    source = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    reference = solution_sources(source)
    release = nbformat.read(root / "assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    submissions = {
        "ref": with_cells(release, reference),
        "mistakes": with_cells(
            release,
            {
                "dense_residual_block": reference["dense_residual_block"],
                "identity_block": IDENTITY_BLOCK_SKIP_AFTER_RELU,
                "convolutional_block": CONVOLUTIONAL_BLOCK_RAISES,
            },
        ),
        "hostile": with_cells(release, {"dense_residual_block": HOSTILE_DENSE_RESIDUAL_BLOCK}),
        "editor": with_locked_cells_tampered(with_cells(release, reference)),
    }
    for student, notebook in submissions.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{NOTEBOOK}.ipynb")
    # Not a Keras archive at all: loading it must fail the training checks, not the grading.
    (root / "submitted" / "hostile" / ASSIGNMENT / "resnet50_signs.keras").write_bytes(
        b"PK\x03\x04 not a model"
    )

    autograde = run_nbgrader(["autograde", ASSIGNMENT], root)
    (root / AUTOGRADE_LOG).write_text(autograde.stdout + autograde.stderr, encoding="utf-8")
    run_nbgrader(["generate_feedback", ASSIGNMENT], root)
    run_nbgrader(["export"], root)
    return root
