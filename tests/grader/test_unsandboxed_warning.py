"""At isolation level ``none`` every grading output says loudly that no sandbox was used.

One real batch grading of a one-exercise notebook, forced to level ``none``, supplies the results;
the student's feedback, the Gradescope results, the class summary and nbgrader's verdict cell are
read from it.
"""

from __future__ import annotations

import io
import json

import nbformat
import pytest
from submission_notebooks import build_notebook

from grader.batch.run import BatchOptions, grade_class
from grader.batch.state import GradingRecord
from grader.nbgrader_bridge import verdict_outputs
from grader.pipeline.sandbox import ISOLATION_ENV
from grader.pipeline.unprivileged import ALLOW_ROOT_ENV
from grader.report.result import UNSANDBOXED_WARNING

ONLY_FIRST_EXERCISE = dict.fromkeys(
    ("identity_block", "convolutional_block", "ResNet50", "train_resnet50")
)


@pytest.fixture(scope="module")
def graded_without_sandbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("unsandboxed")
    build_notebook(root / "class" / "alice.ipynb", ONLY_FIRST_EXERCISE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ISOLATION_ENV, "none")
        # Where nobody cannot run this Python (installed under /root), root must accept running
        # student code as root for level none; the warning is the same either way.
        patch.setenv(ALLOW_ROOT_ENV, "1")
        report = grade_class(
            BatchOptions(root / "class", root / "out", workers=1), stream=io.StringIO()
        )
    assert report.graded == ["alice"], report
    return root / "out"


def test_results_and_feedback_warn_that_no_sandbox_ran(graded_without_sandbox):
    student = graded_without_sandbox / "students" / "alice"
    assert UNSANDBOXED_WARNING in json.loads((student / "results.json").read_text())["output"]
    assert UNSANDBOXED_WARNING in (student / "feedback.md").read_text()


def test_class_summary_warns_that_submissions_ran_without_a_sandbox(graded_without_sandbox):
    assert UNSANDBOXED_WARNING in (graded_without_sandbox / "summary.md").read_text()


def test_nbgrader_verdict_warns_that_no_sandbox_ran(graded_without_sandbox):
    record = json.loads((graded_without_sandbox / "students" / "alice" / "record.json").read_text())
    results = GradingRecord.from_json(record).result
    cell = nbformat.v4.new_code_cell("check_dense_residual_block(dense_residual_block)")
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "test_dense_residual_block",
        "points": 8,
    }
    assert UNSANDBOXED_WARNING in verdict_outputs("dense_residual_block", results, cell)[0]["text"]
