"""The real nbgrader lifecycle on a small class, scored by the sandboxed grader's hidden checks.

The class and the commands run on it are in ``nbgrader_class``; the gradebook (sqlite) and the files
nbgrader writes are inspected here.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import nbformat
import pytest
from nbgrader_class import (
    ASSIGNMENT,
    AUTOGRADE_LOG,
    FAKE_SUCCESS,
    NOTEBOOK,
    REPO,
    SOURCE_NOTEBOOK,
    STUDENTS,
)

from grader.sandboxed.contract import BUILD_EXERCISES


def _autograded_cell(course: Path, student: str, grade_id: str) -> str:
    notebook = nbformat.read(
        course / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4
    )
    cell = next(
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )
    return "\n".join(
        output.get("text", "")
        + str(output.get("data", {}).get("text/plain", ""))
        + output.get("evalue", "")
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
    notebook = nbformat.read(
        course / "autograded" / "editor" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4
    )
    cell = next(
        c
        for c in notebook.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "test_dense_residual_block"
    )
    assert FAKE_SUCCESS not in cell.source
    assert "check_dense_residual_block" in cell.source


def _cells_reported_changed(course: Path) -> dict[str, set[str]]:
    """Student -> grade_ids of the cells nbgrader's autograde log says were changed."""
    changed: dict[str, set[str]] = {}
    student = None
    for line in (course / AUTOGRADE_LOG).read_text(encoding="utf-8").splitlines():
        started = re.search(r"Creating/updating student with ID '([^']+)'", line)
        if started:
            student = started.group(1)
            changed.setdefault(student, set())
        reported = re.search(r"for cell (\S+) has changed", line)
        if reported and student:
            changed[student].add(reported.group(1))
    return changed


def test_autograde_reports_changed_locked_cells_only_where_a_student_changed_them(course):
    changed = _cells_reported_changed(course)
    assert set(changed) == set(STUDENTS)
    assert changed["editor"] >= {"test_dense_residual_block"}
    assert not {
        student: cells for student, cells in changed.items() if student != "editor" and cells
    }


def test_tampering_with_locked_cells_changes_no_score(scores):
    assert scores["editor"]["total"] == scores["ref"]["total"]


def test_totals_rank_reference_above_mistakes_above_hostile(scores):
    assert (
        scores["ref"]["total"][0] > scores["mistakes"]["total"][0] > scores["hostile"]["total"][0]
    )


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
    # Lines the hidden checks share with code students have (the course helpers, the notebook) are
    # no secret.
    public = _source_lines(list((REPO / "resnet_course").rglob("*.py")) + [SOURCE_NOTEBOOK])
    hidden_lines = _source_lines((REPO / "grader" / "judge" / "checks").glob("*.py")) - public
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
