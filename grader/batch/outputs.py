"""A student's three files in the batch output folder.

Gradescope results, feedback, and the record.
"""

from __future__ import annotations

from pathlib import Path

from grader.batch.state import FEEDBACK_NAME, RECORD_NAME, RESULTS_NAME, GradingRecord, student_dir
from grader.report.feedback import failure_feedback_markdown, feedback_markdown
from grader.report.gradescope import gradescope_failure, gradescope_results
from grader.sandboxed.contract import write_json_atomic, write_text_atomic


def student_feedback(record: GradingRecord) -> str:
    """Renders a student's feedback: their graded result, or why their notebook could not be graded.

    Args:
        record: the student's grading record.

    Returns:
        The feedback Markdown.
    """
    if record.graded:
        return feedback_markdown(record.result, heading=record.heading)
    return failure_feedback_markdown(record.reason, heading=record.heading)


def student_gradescope_results(record: GradingRecord) -> dict:
    """Builds a student's Gradescope ``results.json`` object.

    A zero score with the reason when not graded.
    """
    if record.graded:
        return gradescope_results(record.result)
    return gradescope_failure(record.reason)


def write_student_outputs(out_dir: Path, record: GradingRecord) -> None:
    """Writes a student's results, feedback and record (last: it marks them done).

    Args:
        out_dir: the batch output folder.
        record: the student's grading record.
    """
    folder = student_dir(out_dir, record.student)
    write_json_atomic(folder / RESULTS_NAME, student_gradescope_results(record))
    write_text_atomic(folder / FEEDBACK_NAME, student_feedback(record))
    write_json_atomic(folder / RECORD_NAME, record.to_json())
