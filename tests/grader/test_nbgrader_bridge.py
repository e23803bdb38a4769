"""The nbgrader bridge's pieces.

Read back through nbgrader's own scoring code (no grading run here).
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import nbformat
import pytest
from nbgrader import utils
from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute, SaveAutoGrades
from traitlets.config import PyFileConfigLoader

from grader.nbgrader_bridge import (
    StartHiddenChecks,
    WriteHiddenVerdicts,
    _error_outputs,
    autograde_preprocessors,
    verdict_outputs,
)
from grader.report.result import CheckResult, ExerciseResult, GradeResult

REPO = Path(__file__).resolve().parents[2]


def _grade_cell(points: float) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("check_identity_block(identity_block)", execution_count=7)
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "test_identity_block",
        "locked": True,
        "points": points,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    return cell


def _test(name, passed, points, output=""):
    exercise, title = name.split(": ", 1)
    return CheckResult(exercise, title, passed, points if passed else 0, points, output)


def _result(*tests):
    exercises = {}
    for check in tests:
        exercises.setdefault(check.exercise, ExerciseResult(check.exercise, "ok")).checks.append(
            check
        )
    return GradeResult(Path("nb.ipynb"), list(exercises.values()), isolation="bwrap: test")


RESULTS = _result(
    _test("dense_residual_block: shape", True, 2),
    _test("identity_block: shape", True, 1),
    _test(
        "identity_block: the skip is added before the final ReLU",
        False,
        2,
        "a[l] is added after the ReLU",
    ),
    _test("identity_block: matches the reference", True, 1),
    _test("training: saved model accuracy", True, 2),
)


def test_nbgrader_reads_verdict_as_fraction_of_cell_points():
    cell = _grade_cell(20)
    cell.outputs = verdict_outputs("identity_block", RESULTS, cell)
    assert utils.determine_grade(cell) == (10.0, 20.0)


def test_sandboxed_verdict_carries_no_sandbox_warning():
    cell = _grade_cell(20)
    assert "WITHOUT a sandbox" not in verdict_outputs("identity_block", RESULTS, cell)[0]["text"]


def test_verdict_lists_every_check_of_the_exercise_with_failure_message():
    cell = _grade_cell(20)
    text = verdict_outputs("identity_block", RESULTS, cell)[0]["text"]
    assert "[PASS] identity_block: shape" in text
    assert "[FAIL] identity_block: the skip is added before the final ReLU" in text
    assert "a[l] is added after the ReLU" in text and "dense_residual_block" not in text


def test_alias_checks_count_for_the_training_cell():
    cell = _grade_cell(30)
    cell.outputs = verdict_outputs("train_resnet50", RESULTS, cell, ["training"])
    assert utils.determine_grade(cell) == (30.0, 30.0)


def test_exercise_without_checks_scores_zero():
    cell = _grade_cell(20)
    cell.outputs = verdict_outputs("ResNet50", RESULTS, cell)
    assert utils.determine_grade(cell) == (0.0, 20.0)
    assert "reported no checks for ResNet50" in cell.outputs[0]["text"]


def test_grading_failure_scores_zero_with_the_reason():
    cell = _grade_cell(20)
    cell.outputs = _error_outputs("the grader exited with status 3")
    assert utils.determine_grade(cell) == (0.0, 20.0)
    assert "status 3" in cell.outputs[0]["evalue"]


def test_pipeline_starts_checks_before_kernel_and_writes_before_saving_grades():
    steps = autograde_preprocessors()
    assert steps.index(StartHiddenChecks) < steps.index(Execute)
    assert (
        steps.index(Execute) < steps.index(WriteHiddenVerdicts) == steps.index(SaveAutoGrades) - 1
    )
    assert autograde_preprocessors(steps) == steps


def test_course_config_installs_the_bridge():
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    assert config.Autograde.autograde_preprocessors == autograde_preprocessors()
    assert config.CourseDirectory.source_directory == "solutions"


def test_autograde_default_pipeline_still_has_the_steps_the_bridge_expects():
    defaults = Autograde.class_traits()["autograde_preprocessors"].default()
    assert Execute in defaults and SaveAutoGrades in defaults


@pytest.mark.parametrize("grade_id", ["imports", "dense_residual_block"])
def test_verdicts_leave_non_check_cells_alone(grade_id):
    notebook = nbformat.v4.new_notebook()
    cell = _grade_cell(10)
    cell.metadata["nbgrader"].update(grade_id=grade_id, grade=False)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="kernel output\n")]
    notebook.cells.append(cell)
    done = Future()
    done.set_result(RESULTS)
    resources = {"nbgrader": {"student": "s"}, "grader_hidden_checks": done}
    notebook, _ = WriteHiddenVerdicts().preprocess(notebook, resources)
    assert notebook.cells[0].outputs[0]["text"] == "kernel output\n"


def test_unexpected_fault_while_grading_costs_only_this_notebooks_check_cells():
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(_grade_cell(20))
    broken = Future()
    broken.set_exception(ValueError("results were not JSON"))
    resources = {"nbgrader": {"student": "s"}, "grader_hidden_checks": broken}
    notebook, _ = WriteHiddenVerdicts().preprocess(notebook, resources)
    assert utils.determine_grade(notebook.cells[0]) == (0.0, 20.0)
    assert "ValueError: results were not JSON" in notebook.cells[0].outputs[0]["evalue"]
