"""The ``results.json`` an autograder run on Gradescope writes.

It is the form batch grading writes for each student (:func:`grader.report.gradescope
.gradescope_results`), with the instructor's visibility on every hidden check's test case. The
top-level ``output`` carries no visibility of its own, so students always see it; it states the
score, because Gradescope hides the total while test cases are hidden.
"""

from __future__ import annotations

from grader.report.gradescope import gradescope_failure, gradescope_results
from grader.report.numbers import format_number
from grader.report.result import GradeResult


def autograder_results(result: GradeResult, visibility: str) -> dict:
    """Builds the ``results.json`` object for one graded submission.

    Args:
        result: the graded notebook.
        visibility: Gradescope's visibility for the hidden checks' test cases.

    Returns:
        The batch grader's Gradescope object, each test given ``visibility``, the score first in
        the top-level output.
    """
    results = gradescope_results(result)
    for test in results["tests"]:
        test["visibility"] = visibility
    score = f"Score: {format_number(result.score)} / {format_number(result.max_score)}"
    results["output"] = "\n".join(filter(None, [score, results.get("output", "")]))
    return results


def not_graded_results(reason: str) -> dict:
    """Builds the ``results.json`` object of a submission that could not be graded.

    Args:
        reason: what is wrong with the submission, for the student.

    Returns:
        A zero score with no tests and the reason as the output.
    """
    return gradescope_failure(reason)
