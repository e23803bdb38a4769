"""The reference notebook runs headless end to end (quick setting); its public checks pass."""

import os

import pytest

from grader.sandboxed.contract import EXERCISES
from instructor.run_reference import SOLUTION_NOTEBOOK, execute_notebook
from resnet_course import training


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("reference")
    # No TF_CPP_MIN_LOG_LEVEL: a student who starts `jupyter lab` directly does not have it either.
    # Without PYTEST_CURRENT_TEST, ipykernel captures file descriptor 2 into the notebook, as in a
    # student's kernel.
    notebook = execute_notebook(
        SOLUTION_NOTEBOOK,
        workdir,
        timeout=600,
        env={
            "RESNETS_QUICK": "1",
            "NBGRADER_EXECUTION": None,
            "TF_CPP_MIN_LOG_LEVEL": None,
            "PYTEST_CURRENT_TEST": None,
        },
    )
    return notebook, workdir


def cell(notebook, grade_id):
    return next(
        c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id
    )


def cell_by_id(notebook, cell_id):
    return next(c for c in notebook.cells if c.get("id") == cell_id)


def text_of(code_cell) -> str:
    return "".join(o.get("text", "") for o in code_cell.outputs if o.output_type == "stream")


@pytest.mark.parametrize(
    "exercise",
    EXERCISES,
)
def test_public_test_cell_passes(executed, exercise):
    notebook, _ = executed
    assert f"All checks passed for {exercise}." in text_of(cell(notebook, f"test_{exercise}"))


def test_no_cell_raises(executed):
    notebook, _ = executed
    errors = [
        o
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert errors == []


def test_trained_model_is_saved_under_the_submission_limit(executed):
    _, workdir = executed
    path = workdir / "resnet50_signs.keras"
    assert 0 < os.path.getsize(path) <= training.SUBMISSION_LIMIT_BYTES


def test_training_cell_reports_the_device(executed):
    notebook, _ = executed
    assert "Training on: CPU" in text_of(cell(notebook, "training_setup")) or "GPU" in text_of(
        cell(notebook, "training_setup")
    )


def test_figures_are_shown(executed):
    notebook, _ = executed
    images = [
        c
        for c in notebook.cells
        if c.cell_type == "code"
        if any("image/png" in o.get("data", {}) for o in c.outputs)
    ]
    # gradient norms, examples, block scales, training curves (misclassified when any)
    assert len(images) >= 4


def test_no_cell_writes_to_stderr(executed):
    notebook, _ = executed
    stderr = [
        (c.get("id"), o["text"])
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream" and o.name == "stderr"
    ]
    assert stderr == []


def test_own_images_section_says_what_to_do_without_photos(executed):
    notebook, _ = executed
    assert "No photos in my_signs/ yet" in text_of(cell_by_id(notebook, "own-images-run"))


def test_batch_norm_demo_prints_both_calls(executed):
    notebook, _ = executed
    printed = text_of(cell_by_id(notebook, "bn-mode-demo"))
    assert "model.predict(x)[0]" in printed and "model(x[:1])[0]" in printed


def test_training_starts_every_block_with_the_students_silencing(executed):
    notebook, _ = executed
    assert "16 blocks start with their main path silenced" in text_of(
        cell(notebook, "train_and_save")
    )
