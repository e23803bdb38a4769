"""The real nbgrader lifecycle on a small class, scored by the sandboxed grader's hidden checks.

One temporary copy of the course runs ``generate_assignment``, then ``autograde`` over four submissions
(the reference solution; a notebook with several kinds of mistake; a hostile one that fakes its public
checks and hands in a file that is not a model; the reference solution with one locked test cell rewritten
to print a fake success and another deleted), then ``generate_feedback`` and ``export``. The gradebook
(sqlite) and the files nbgrader writes are then inspected. The lifecycle runs once per module: autograding
executes each notebook in nbgrader's kernel and grades it in the sandbox, about a minute per student.
"""
from __future__ import annotations

import csv
import html
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from grader.sample_submissions import (CONVOLUTIONAL_BLOCK_RAISES, HOSTILE_DENSE_RESIDUAL_BLOCK,
                                       IDENTITY_BLOCK_SKIP_AFTER_RELU, solution_sources, with_cells)
from resnet_course.nbgrader_course import copy_course, tool_environment

REPO = Path(__file__).resolve().parents[2]
SOURCE_NOTEBOOK = REPO / "solutions" / "resnets" / "Residual_Networks.ipynb"
ASSIGNMENT = "resnets"
NOTEBOOK = "Residual_Networks"
BUILD_EXERCISES = ("dense_residual_block", "identity_block", "convolutional_block", "ResNet50")
NBGRADER = [sys.executable, "-m", "nbgrader"]

def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900, env=tool_environment())
    assert done.returncode == 0, f"{' '.join(command[2:])} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return done


FAKE_SUCCESS = 'print("All tests passed!")'


def _with_locked_cells_tampered(notebook):
    """Rewrites the locked test_dense_residual_block cell and deletes the test_identity_block cell."""
    def grade_id(cell):
        return cell.metadata.get("nbgrader", {}).get("grade_id")

    for cell in notebook.cells:
        if grade_id(cell) == "test_dense_residual_block":
            cell.source = FAKE_SUCCESS
    notebook.cells = [cell for cell in notebook.cells if grade_id(cell) != "test_identity_block"]
    return notebook


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A graded copy of the course: generate_assignment, autograde, generate_feedback and export done."""
    if not SOURCE_NOTEBOOK.is_file():
        pytest.skip(f"{SOURCE_NOTEBOOK} is not written yet")
    root = copy_course(tmp_path_factory.mktemp("course"), ASSIGNMENT)
    _run(NBGRADER + ["generate_assignment", ASSIGNMENT], root)

    source = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    reference = solution_sources(source)
    release = nbformat.read(root / "assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    submissions = {
        "ref": with_cells(release, reference),
        "mistakes": with_cells(release, {
            "dense_residual_block": reference["dense_residual_block"],
            "identity_block": IDENTITY_BLOCK_SKIP_AFTER_RELU,
            "convolutional_block": CONVOLUTIONAL_BLOCK_RAISES,
        }),
        "hostile": with_cells(release, {"dense_residual_block": HOSTILE_DENSE_RESIDUAL_BLOCK}),
        "editor": _with_locked_cells_tampered(with_cells(release, reference)),
    }
    for student, notebook in submissions.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{NOTEBOOK}.ipynb")
    # Not a Keras archive at all: loading it must fail the training checks, not the grading.
    (root / "submitted" / "hostile" / ASSIGNMENT / "resnet50_signs.keras").write_bytes(b"PK\x03\x04 not a model")

    _run(NBGRADER + ["autograde", ASSIGNMENT], root)
    _run(NBGRADER + ["generate_feedback", ASSIGNMENT], root)
    _run(NBGRADER + ["export"], root)
    return root


@pytest.fixture(scope="module")
def scores(course):
    """student -> grade_id -> (auto_score, max_score) for every grade cell, read from the gradebook."""
    table = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in ("ref", "mistakes", "hostile", "editor"):
            submission = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
            table[student] = {grade.name: (grade.auto_score, grade.max_score) for grade in submission.grades}
            table[student]["total"] = (submission.score, submission.max_score)
    return table


def _autograded_cell(course: Path, student: str, grade_id: str) -> str:
    notebook = nbformat.read(course / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return "\n".join(
        output.get("text", "") + str(output.get("data", {}).get("text/plain", "")) + output.get("evalue", "")
        for output in cell.outputs
    )


def test_reference_solution_earns_every_build_exercise_point(scores):
    for exercise in BUILD_EXERCISES:
        auto_score, max_score = scores["ref"][f"test_{exercise}"]
        assert max_score > 0 and auto_score == max_score, f"{exercise}: {auto_score} of {max_score}"


def test_training_cell_without_saved_model_loses_points_and_says_why(course, scores):
    auto_score, max_score = scores["ref"]["test_train_resnet50"]
    assert auto_score < max_score
    assert "[FAIL] train_resnet50: " in _autograded_cell(course, "ref", "test_train_resnet50")


def test_skip_added_after_relu_loses_identity_block_points_only(course, scores):
    mistakes = scores["mistakes"]
    assert mistakes["test_dense_residual_block"][0] == mistakes["test_dense_residual_block"][1]
    assert mistakes["test_identity_block"][0] < mistakes["test_identity_block"][1]
    assert "[FAIL] identity_block: " in _autograded_cell(course, "mistakes", "test_identity_block")


def test_exercise_that_raises_scores_zero(course, scores):
    assert scores["mistakes"]["test_convolutional_block"][0] == 0
    assert "X_shorcut" in _autograded_cell(course, "mistakes", "test_convolutional_block")


def test_unimplemented_exercise_scores_zero(scores):
    assert scores["mistakes"]["test_ResNet50"][0] == 0


def test_faked_public_checks_earn_nothing(course, scores):
    hostile = scores["hostile"]
    assert hostile["test_dense_residual_block"][0] < hostile["test_dense_residual_block"][1]
    for exercise in BUILD_EXERCISES[1:]:
        assert hostile[f"test_{exercise}"][0] == 0, exercise
    for exercise in BUILD_EXERCISES:
        assert "All tests passed" not in _autograded_cell(course, "hostile", f"test_{exercise}")


def test_unloadable_saved_model_fails_training_checks_and_reaches_the_kernel(course, scores):
    assert scores["hostile"]["test_train_resnet50"][0] == 0
    assert "[FAIL] train_resnet50: " in _autograded_cell(course, "hostile", "test_train_resnet50")
    assert (course / "autograded" / "hostile" / ASSIGNMENT / "resnet50_signs.keras").is_file()


def test_deleted_locked_test_cell_is_restored_and_graded(scores):
    assert scores["editor"]["test_identity_block"] == scores["ref"]["test_identity_block"]
    assert scores["editor"]["test_identity_block"][0] == scores["editor"]["test_identity_block"][1]


def test_rewritten_locked_test_cell_runs_its_original_source(course):
    notebook = nbformat.read(course / "autograded" / "editor" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_dense_residual_block")
    assert FAKE_SUCCESS not in cell.source
    assert "check_dense_residual_block" in cell.source


def test_tampering_with_locked_cells_changes_no_score(scores):
    assert scores["editor"]["total"] == scores["ref"]["total"]


def test_totals_rank_reference_above_mistakes_above_hostile(scores):
    assert scores["ref"]["total"][0] > scores["mistakes"]["total"][0] > scores["hostile"]["total"][0]


def test_cell_points_follow_hidden_check_fraction(course, scores):
    text = _autograded_cell(course, "mistakes", "test_identity_block")
    auto_score, max_score = scores["mistakes"]["test_identity_block"]
    assert re.search(rf": {auto_score:g} / {max_score:g} points", text), text[:400]


def _source_lines(paths) -> set[str]:
    return {
        line.strip()
        for path in paths
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line.strip()) > 25 and not line.strip().startswith(("#", '"""', "import ", "from "))
    }


def test_feedback_names_checks_and_never_shows_hidden_check_source(course):
    # Lines the hidden checks share with code students have (the course helpers, the notebook) are no secret.
    public = _source_lines(list((REPO / "resnet_course").rglob("*.py")) + [SOURCE_NOTEBOOK])
    hidden_lines = _source_lines((REPO / "grader" / "checks").glob("*.py")) - public
    assert hidden_lines, "the grader's checks should have source lines to look for"
    for student in ("ref", "mistakes", "hostile"):
        page = course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        assert "Hidden checks for identity_block" in text and "identity_block: " in text
        leaked = [line for line in hidden_lines if line in text]
        assert not leaked, f"{student}'s feedback shows hidden-check source: {leaked[:3]}"


def test_export_lists_every_student_with_gradebook_score(course, scores):
    with open(course / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    for student in ("ref", "mistakes", "hostile"):
        assert float(rows[student]["raw_score"]) == pytest.approx(scores[student]["total"][0])
