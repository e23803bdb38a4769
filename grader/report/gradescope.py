"""Gradescope's ``results.json``.

The form ``python -m grader check --json`` prints and batch grading writes.
"""

from __future__ import annotations

from grader.report.result import UNSANDBOXED_WARNING, GradeResult
from grader.sandboxed.contract import STATUS_OK


def gradescope_results(result: GradeResult) -> dict:
    """Builds Gradescope's ``results.json`` object.

    Each test is one hidden check, named ``<exercise>: <title>``, with ``status`` ``passed`` or
    ``failed`` and its :func:`check_outputs` text as ``output``.

    Args:
        result: the graded notebook.

    Returns:
        A JSON-serialisable dict with ``score``, ``max_score``, ``tests``, ``output`` and
        ``extra_data``.
    """
    tests = [
        {
            "name": check.name,
            "score": check.score,
            "max_score": check.max_score,
            "status": "passed" if check.passed else "failed",
            "output": output,
        }
        for check, output in zip(result.checks, check_outputs(result), strict=True)
    ]
    return {
        "score": result.score,
        "max_score": result.max_score,
        "execution_time": round(result.timings.get("total", 0.0)),
        "output": "\n".join(summary_lines(result)),
        "tests": tests,
        "extra_data": {
            "isolation": result.isolation,
            "exercises": {exercise.name: exercise.status for exercise in result.exercises},
            "notebook_problems": result.notebook_problems,
            "trained_model": result.trained_model,
            "timings": result.timings,
            "resources": result.resources,
        },
    }


def check_outputs(result: GradeResult) -> list[str]:
    """Says what each check tells the student, in the order of ``result.checks``.

    Args:
        result: the graded notebook.

    Returns:
        An empty text for a passed check; a failed check's message, followed, for the first failed
        check of an exercise whose code did not run to the end, by the producer's account and the
        traceback.
    """
    outputs = []
    for exercise in result.exercises:
        explained = False
        for check in exercise.checks:
            output = "" if check.passed else check.message
            if not check.passed and not explained and exercise.status != STATUS_OK:
                explained = True
                detail = f"[{exercise.status}] {exercise.message}"
                if exercise.traceback:
                    detail += "\n" + exercise.traceback.rstrip()
                output = f"{output}\n\n{detail}".strip()
            outputs.append(output)
    return outputs


def summary_lines(result: GradeResult) -> list[str]:
    """Returns the grading's notes for the student.

    Isolation, its warning, notebook problems, abnormal end.
    """
    lines = [f"Isolation: {result.isolation}"] + (
        [UNSANDBOXED_WARNING] if result.unsandboxed else []
    )
    lines += [f"Notebook problem: {problem}" for problem in result.notebook_problems]
    if result.producer_exit.message:
        lines.append(f"Your code's run ended abnormally: {result.producer_exit.message}")
    return lines


def gradescope_failure(reason: str) -> dict:
    """Builds the ``results.json`` object of a submission that could not be graded.

    Args:
        reason: why grading could not run.

    Returns:
        A zero score with no tests, and the reason as the output.
    """
    return {"score": 0.0, "output": f"Your notebook could not be graded: {reason}", "tests": []}
