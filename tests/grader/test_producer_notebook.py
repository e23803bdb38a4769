"""Reading a submission: which code the producer runs, and what is reported missing.

No TensorFlow is needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from submission_notebooks import SOLUTIONS, UNWRITTEN_IDENTITY_BLOCK, build_notebook

from grader.pipeline.notebook import NotebookError, load_submission, unwritten_functions
from grader.sandboxed.contract import BUILD_EXERCISES

RELEASE_NOTEBOOK = (
    Path(__file__).resolve().parents[2] / "assignments/resnets/Residual_Networks.ipynb"
)


def labels(submission):
    return [unit.label for unit in submission.units]


def test_only_imports_and_solution_cells_are_selected(tmp_path):
    submission = load_submission(build_notebook(tmp_path / "nb.ipynb"))
    assert labels(submission) == [
        "imports",
        "dense_residual_block",
        "identity_block",
        "convolutional_block",
        "ResNet50",
        "silence_residual_branches",
    ]
    assert not any("os._exit" in unit.source for unit in submission.units)


def test_training_cell_is_never_selected(tmp_path):
    submission = load_submission(build_notebook(tmp_path / "nb.ipynb"))
    assert "train_resnet50" not in labels(submission)
    assert not any("must never run" in unit.source for unit in submission.units)


def test_renamed_function_is_reported_missing_with_its_new_name(tmp_path):
    renamed = SOLUTIONS["identity_block"].replace("def identity_block(", "def my_identity_block(")
    submission = load_submission(build_notebook(tmp_path / "nb.ipynb", {"identity_block": renamed}))
    assert "my_identity_block()" in submission.missing["identity_block"]
    assert "renamed" in submission.missing["identity_block"]
    assert set(submission.missing) == {"identity_block"}


def test_syntax_error_is_reported_as_such_not_as_a_rename(tmp_path):
    broken = SOLUTIONS["identity_block"].replace("F1, F2, F3 = filters", "F1, F2, F3 = = filters")
    submission = load_submission(build_notebook(tmp_path / "nb.ipynb", {"identity_block": broken}))
    assert "syntax error (line 2" in submission.missing["identity_block"]


def test_deleted_cell_is_reported_missing(tmp_path):
    submission = load_submission(
        build_notebook(tmp_path / "nb.ipynb", {"convolutional_block": None})
    )
    assert "no cell defines convolutional_block()" in submission.missing["convolutional_block"]


def test_reordered_cells_are_reported_and_imports_still_run_first(tmp_path):
    order = [
        "ResNet50",
        "identity_block",
        "dense_residual_block",
        "convolutional_block",
        "silence_residual_branches",
        "train_resnet50",
    ]
    submission = load_submission(build_notebook(tmp_path / "nb.ipynb", order=order))
    assert labels(submission)[0] == "imports"
    assert any("another order" in problem for problem in submission.problems)
    assert not submission.missing


def test_function_without_metadata_is_found_by_name_taking_only_its_definition(tmp_path):
    path = build_notebook(tmp_path / "nb.ipynb", {"identity_block": None})
    notebook = nbformat.read(str(path), as_version=4)
    test_code = "\nidentity_block(None, 3, [1, 2, 3])\n"
    notebook.cells.append(nbformat.v4.new_code_cell(SOLUTIONS["identity_block"] + test_code))
    nbformat.write(notebook, str(path))
    submission = load_submission(path)
    unit = next(unit for unit in submission.units if unit.label == "identity_block")
    assert submission.located["identity_block"].startswith("by name")
    assert "identity_block(None" not in unit.source


def test_ipython_magics_become_plain_python(tmp_path):
    source = "%matplotlib inline\n" + SOLUTIONS["dense_residual_block"]
    submission = load_submission(
        build_notebook(tmp_path / "nb.ipynb", {"dense_residual_block": source})
    )
    unit = next(unit for unit in submission.units if unit.label == "dense_residual_block")
    compile(unit.source, "<cell>", "exec")
    assert "get_ipython()" in unit.source


def test_missing_file_is_a_notebook_error(tmp_path):
    with pytest.raises(NotebookError, match="no such file"):
        load_submission(tmp_path / "absent.ipynb")


def test_corrupt_json_is_a_notebook_error_naming_the_position(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [')
    with pytest.raises(NotebookError, match="not valid JSON \\(line 1"):
        load_submission(path)


def test_json_that_is_not_a_notebook_is_a_notebook_error(tmp_path):
    path = tmp_path / "data.ipynb"
    path.write_text(json.dumps({"hello": 1}))
    with pytest.raises(NotebookError, match="not a Jupyter notebook"):
        load_submission(path)


def _identity_block(body: str) -> str:
    return f"def identity_block(X, f, filters, initializer='glorot_uniform'):\n{body}"


def test_released_notebook_has_every_build_function_unwritten():
    assert unwritten_functions(load_submission(RELEASE_NOTEBOOK)) == set(BUILD_EXERCISES)


def test_solution_has_no_unwritten_function(tmp_path):
    assert unwritten_functions(load_submission(build_notebook(tmp_path / "nb.ipynb"))) == set()


@pytest.mark.parametrize(
    "source",
    [
        UNWRITTEN_IDENTITY_BLOCK,
        _identity_block("    X_shortcut = X\n    raise NotImplementedError\n    return X\n"),
    ],
    ids=["call", "name"],
)
def test_placeholder_raise_before_any_return_is_unwritten(tmp_path, source):
    notebook = build_notebook(tmp_path / "nb.ipynb", {"identity_block": source})
    assert unwritten_functions(load_submission(notebook)) == {"identity_block"}


@pytest.mark.parametrize(
    "body",
    [
        "    return X\n    raise NotImplementedError()\n",
        "    if f > 9:\n        raise NotImplementedError()\n    return X\n",
    ],
    ids=["return first", "raise in a branch"],
)
def test_function_that_may_return_is_written(tmp_path, body):
    notebook = build_notebook(tmp_path / "nb.ipynb", {"identity_block": _identity_block(body)})
    assert unwritten_functions(load_submission(notebook)) == set()


def test_later_definition_of_the_same_name_decides(tmp_path):
    source = UNWRITTEN_IDENTITY_BLOCK + "\n\n" + _identity_block("    return X\n")
    notebook = build_notebook(tmp_path / "nb.ipynb", {"identity_block": source})
    assert unwritten_functions(load_submission(notebook)) == set()


def test_deleted_cell_counts_as_unwritten(tmp_path):
    notebook = build_notebook(tmp_path / "nb.ipynb", {"convolutional_block": None})
    assert unwritten_functions(load_submission(notebook)) == {"convolutional_block"}
