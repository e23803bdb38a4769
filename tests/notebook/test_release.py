"""The student release.

In sync with the solution, free of solutions and hidden checks, and runnable.
"""

import subprocess
import sys

import nbformat
import pytest

from grader.sandboxed.contract import EXERCISES
from instructor.nbgrader_course import copy_course, tool_environment
from instructor.run_reference import RELEASE_NOTEBOOK, REPO_ROOT, execute_notebook


def comparable(notebook) -> list:
    """The parts of a notebook that generation determines.

    Its metadata and each cell's type, source and metadata.
    """
    return [dict(notebook.metadata)] + [
        (cell.cell_type, cell.source, dict(cell.metadata)) for cell in notebook.cells
    ]


def error_outputs(notebook) -> list:
    return [
        (cell.metadata.get("nbgrader", {}).get("grade_id"), output)
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]


@pytest.fixture(scope="module")
def release():
    return nbformat.read(str(RELEASE_NOTEBOOK), as_version=4)


@pytest.mark.parametrize(
    "assignment, notebook_name",
    [("resnets", RELEASE_NOTEBOOK.name), ("degradation", "Degradation_and_Gradient_Flow.ipynb")],
)
def test_release_matches_a_fresh_generation(tmp_path, assignment, notebook_name):
    course = copy_course(tmp_path / "course", assignment)
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"],
        cwd=course,
        env=tool_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    fresh = nbformat.read(str(course / "assignments" / assignment / notebook_name), as_version=4)
    committed = nbformat.read(
        str(REPO_ROOT / "assignments" / assignment / notebook_name), as_version=4
    )
    assert comparable(committed) == comparable(fresh), (
        f"assignments/{assignment} is out of date: run "
        f"`nbgrader generate_assignment {assignment} --force` from the repo root"
    )


def test_release_folder_holds_only_the_notebook_and_its_figures():
    # A student's own run leaves the trained model, checkpoints and photos there; the rest is what
    # was released.
    leftovers = {"resnet50_signs.keras", ".ipynb_checkpoints", "my_signs"}
    assert sorted(p.name for p in RELEASE_NOTEBOOK.parent.iterdir() if p.name not in leftovers) == [
        RELEASE_NOTEBOOK.name,
        "figures",
    ]


def test_release_has_no_solution_or_hidden_test_markers(release):
    text = nbformat.writes(release)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text


def test_release_has_no_solution_code(release):
    text = nbformat.writes(release)
    for solution_line in (
        "layers.Add()([X, X_shortcut])",
        "layers.Add()([z2, a_prev])",
        "convolutional_block(X, f=3, filters=[512, 512, 2048], s=2)",
        "model.compile(",
    ):
        assert solution_line not in text


def test_every_exercise_cell_raises_not_implemented_in_the_release(release):
    cells = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in release.cells
        if "nbgrader" in c.metadata
    }
    for exercise in EXERCISES:
        assert "raise NotImplementedError()" in cells[exercise], exercise


@pytest.fixture(scope="module")
def release_errors(tmp_path_factory) -> list:
    executed = execute_notebook(
        RELEASE_NOTEBOOK,
        tmp_path_factory.mktemp("release_run"),
        allow_errors=True,
        timeout=600,
        env={"RESNETS_QUICK": "1", "NBGRADER_EXECUTION": None},
    )
    return error_outputs(executed)


def _is_unanswered_exercise(output) -> bool:
    """The release's own NotImplementedError, or a public check saying the exercise is unwritten."""
    return output.ename == "NotImplementedError" or (
        output.ename == "CheckFailed" and "is not written yet" in output.evalue
    )


def test_release_runs_with_only_unanswered_exercise_errors(release_errors):
    assert release_errors, (
        "the release ran without a single NotImplementedError: are the exercises really removed?"
    )
    assert all(_is_unanswered_exercise(output) for _, output in release_errors), [
        (grade_id, output.ename, output.evalue) for grade_id, output in release_errors
    ]
    failed = {grade_id for grade_id, _ in release_errors}
    assert {f"test_{exercise}" for exercise in EXERCISES} <= failed


@pytest.mark.parametrize("exercise", EXERCISES)
def test_public_check_of_unanswered_exercise_says_what_to_write(release_errors, exercise):
    messages = [
        output.evalue for grade_id, output in release_errors if grade_id == f"test_{exercise}"
    ]
    assert messages and messages[0].startswith(f"{exercise} is not written yet"), messages
    assert "What to write:" in messages[0], messages
