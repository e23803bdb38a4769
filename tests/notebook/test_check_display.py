"""What a student sees in a real notebook when a public check fails: the message, first.

The cells run in a real IPython kernel through nbclient, and the assertions read the error output
the notebook stores, which is what JupyterLab renders.
"""

import re

import nbformat
import pytest
from nbclient import NotebookClient

CELLS = {
    "imports": "from resnet_course.public_tests import check_dense_residual_block",
    "returns_input": (
        "def dense_residual_block(a_prev, units, initializer='glorot_uniform'):\n"
        "    return a_prev\n"
        "check_dense_residual_block(dense_residual_block)"
    ),
    "unanswered": (
        "def dense_residual_block(a_prev, units, initializer='glorot_uniform'):\n"
        "    # YOUR CODE HERE\n"
        "    raise NotImplementedError()\n"
        "check_dense_residual_block(dense_residual_block)"
    ),
    "own_bug": (
        "def dense_residual_block(a_prev, units, initializer='glorot_uniform'):\n"
        "    raise ValueError('a bug of the student')\n"
        "check_dense_residual_block(dense_residual_block)"
    ),
}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def errors():
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in CELLS.values()]
    )
    NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=True).execute()
    found = {}
    for name, cell in zip(CELLS, notebook.cells, strict=True):
        outputs = [o for o in cell.outputs if o.output_type == "error"]
        found[name] = outputs[0] if outputs else None
    return found


def _lines(error) -> list[str]:
    text = "\n".join(_ANSI.sub("", part) for part in error.traceback)
    return [line for line in text.splitlines() if line.strip()]


def test_failed_check_shows_its_message_as_the_first_line(errors):
    assert _lines(errors["returns_input"])[0].startswith(
        "dense_residual_block returns its input unchanged"
    )


def test_failed_check_shows_no_checker_frame(errors):
    text = "\n".join(_lines(errors["returns_input"]))
    assert "public_tests" not in text and "Traceback" not in text


def test_unanswered_exercise_is_told_what_to_write(errors):
    assert _lines(errors["unanswered"])[0].startswith(
        "dense_residual_block is not written yet: its cell still runs `raise NotImplementedError()`"
    )


def test_students_own_error_keeps_their_frame_without_the_checkers(errors):
    text = "\n".join(_lines(errors["own_bug"]))
    assert "a bug of the student" in text and "raise ValueError" in text
    assert "public_tests.py" not in text
