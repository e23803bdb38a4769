"""Present a :class:`grader.pipeline.grade.GradeResult`: a readable text report, or Gradescope's results.json."""
from __future__ import annotations

import textwrap

from grader.sandboxed.contract import STATUS_OK
from grader.pipeline.grade import GradeResult
from grader.pipeline.sandbox import UNSANDBOXED_WARNING, unsandboxed

PASS_MARK, FAIL_MARK = "✓", "✗"


def _points(value: float) -> str:
    return f"{value:g}"


def text_report(result: GradeResult, *, ascii_only: bool = False) -> str:
    """Formats a result for a terminal: every check with ✓/✗ and its message, and the total.

    Args:
        result: the graded notebook.
        ascii_only: use ``PASS``/``FAIL`` instead of ✓/✗ (for terminals that cannot show them).

    Returns:
        The report text, ending with a newline.
    """
    passed, failed = ("PASS", "FAIL") if ascii_only else (PASS_MARK, FAIL_MARK)
    lines = [f"Grading {result.notebook}", f"Isolation: {result.isolation}"]
    if unsandboxed(result.isolation):
        lines.append(UNSANDBOXED_WARNING)
    if result.notebook_problems:
        lines.append("Notebook problems:")
        lines += [f"  - {problem}" for problem in result.notebook_problems]
    if not result.trained_model:
        lines.append("No saved trained model (resnet50_signs.keras) next to the notebook.")
    for exercise in result.exercises:
        lines.append("")
        lines.append(f"{exercise.name}: {_points(exercise.score)}/{_points(exercise.max_score)}")
        if exercise.status != STATUS_OK and exercise.message:
            lines.append(f"  [{exercise.status}] {exercise.message}")
            if exercise.traceback:
                lines.append(textwrap.indent(exercise.traceback.rstrip(), "    "))
        for check in exercise.checks:
            title = check.id.split(": ", 1)[-1]
            mark = passed if check.passed else failed
            lines.append(f"  {mark} {title} [{_points(check.score)}/{_points(check.max_score)}]")
            if not check.passed and check.message:
                lines.append(textwrap.indent(check.message.rstrip(), "      "))
    if result.producer_exit.message:
        lines += ["", f"Your code's run ended abnormally: {result.producer_exit.message}"]
    lines += ["", f"Total: {_points(result.score)}/{_points(result.max_score)}"]
    if result.timings:
        lines.append(
            "Time: " + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in result.timings.items())
        )
    return "\n".join(lines) + "\n"


def gradescope_results(result: GradeResult) -> dict:
    """Builds Gradescope's ``results.json`` object.

    Each test is one hidden check, named ``<exercise>: <title>``, with ``status`` ``passed`` or
    ``failed``; a failed check's ``output`` holds its message and, for the first check of an exercise
    whose code raised, the student's traceback.

    Args:
        result: the graded notebook.

    Returns:
        A JSON-serialisable dict with ``score``, ``max_score``, ``tests``, ``output`` and ``extra_data``.
    """
    tests = []
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
            tests.append({
                "name": check.id,
                "score": check.score,
                "max_score": check.max_score,
                "status": "passed" if check.passed else "failed",
                "output": output,
            })
    summary = [f"Isolation: {result.isolation}"] + ([UNSANDBOXED_WARNING] if unsandboxed(result.isolation) else [])
    summary += [f"Notebook problem: {problem}" for problem in result.notebook_problems]
    if result.producer_exit.message:
        summary.append(f"Your code's run ended abnormally: {result.producer_exit.message}")
    return {
        "score": result.score,
        "max_score": result.max_score,
        "execution_time": round(result.timings.get("total", 0.0)),
        "output": "\n".join(summary),
        "tests": tests,
        "extra_data": {
            "isolation": result.isolation,
            "exercises": {exercise.name: exercise.status for exercise in result.exercises},
            "notebook_problems": result.notebook_problems,
            "trained_model": result.trained_model,
            "timings": result.timings,
        },
    }
