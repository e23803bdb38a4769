"""Gradescope's ``results.json``.

The form ``python -m grader check --json`` prints and batch grading writes.
"""

from __future__ import annotations

from grader.report.result import UNSANDBOXED_WARNING, GradeResult
from grader.sandboxed.contract import NOT_CHECKED, STATUS_OK


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

    Where an exercise's code did not run to the end, one failed check carries the account of what
    went wrong (the producer's message and the traceback): the first whose message tells it already,
    else the first failed check; whatever of the two its message lacks is added to it. A later
    failed check of the same exercise whose message says again what an earlier one said, word for
    word or as the reason it was not checked, points to that check instead.

    Args:
        result: the graded notebook.

    Returns:
        An empty text for a passed check, a failed check's message otherwise.
    """
    outputs = []
    for exercise in result.exercises:
        account_under = _check_for_the_account(exercise)
        said: list[tuple[str, str, str]] = []  # (message, text given, title) of each failed check
        for check in exercise.checks:
            if check.passed:
                outputs.append("")
                continue
            output = check.message
            earlier = _earlier_saying(check.message, said)
            if earlier and check.message.startswith(NOT_CHECKED):
                output = f"{NOT_CHECKED}the same failure as under “{earlier}”."
            elif earlier:
                output = f"The same as under “{earlier}”."
            elif check is account_under:
                output = _with_account(output, exercise)
            said.append((check.message, output, check.title))
            outputs.append(output)
    return outputs


def _check_for_the_account(exercise) -> object | None:
    """The failed check to carry the account of an exercise whose code did not run to the end.

    The first failed check whose message tells that failure already, else the first failed check;
    None where the exercise's code ran to the end or no check failed.
    """
    if exercise.status == STATUS_OK:
        return None
    failed = [check for check in exercise.checks if not check.passed]
    telling = [check for check in failed if exercise.message and exercise.message in check.message]
    return (telling or failed or [None])[0]


def _with_account(output: str, exercise) -> str:
    """Adds to `output` the exercise's account and traceback, as far as it does not hold them."""
    missing = [] if exercise.message in output else [f"[{exercise.status}] {exercise.message}"]
    traceback = exercise.traceback.rstrip()
    lines = [line.strip() for line in traceback.splitlines() if line.strip()]
    if lines and not all(line in output for line in lines):
        missing.append(traceback)
    return f"{output}\n\n" + "\n".join(missing) if missing else output


def _earlier_saying(message: str, said: list[tuple[str, str, str]]) -> str:
    """Returns the title of the first earlier check that said `message` already, or ""."""
    if not message.strip():
        return ""
    reason = (message.removeprefix(NOT_CHECKED).strip().splitlines() or [""])[0]
    for earlier_message, earlier_text, title in said:
        same_reason = message.startswith(NOT_CHECKED) and reason and reason in earlier_text
        if message == earlier_message or same_reason:
            return title
    return ""


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
