"""The text report ``python -m grader check`` prints.

Every check with its mark and message, and the total.
"""

from __future__ import annotations

import textwrap

from grader.report.gradescope import check_outputs
from grader.report.numbers import format_number
from grader.report.result import UNSANDBOXED_WARNING, GradeResult
from grader.sandboxed.contract import STATUS_OK, TRAINED_MODEL_NAME

PASS_MARK, FAIL_MARK = "✓", "✗"


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
    if result.unsandboxed:
        lines.append(UNSANDBOXED_WARNING)
    if result.notebook_problems:
        lines.append("Notebook problems:")
        lines += [f"  - {problem}" for problem in result.notebook_problems]
    if not result.trained_model:
        lines.append(f"No saved trained model ({TRAINED_MODEL_NAME}) next to the notebook.")
    outputs = dict(zip(map(id, result.checks), check_outputs(result), strict=True))
    for exercise in result.exercises:
        lines.append("")
        lines.append(f"{exercise.name}: {_fraction(exercise.score, exercise.max_score)}")
        told_by_a_check = any(not check.passed for check in exercise.checks)
        if exercise.status != STATUS_OK and exercise.message and not told_by_a_check:
            lines.append(f"  [{exercise.status}] {exercise.message}")
            if exercise.traceback:
                lines.append(textwrap.indent(exercise.traceback.rstrip(), "    "))
        for check in exercise.checks:
            output = outputs[id(check)]
            mark = passed if check.passed else failed
            lines.append(f"  {mark} {check.title} [{_fraction(check.score, check.max_score)}]")
            if output:
                lines.append(textwrap.indent(output.rstrip(), "      "))
    if result.producer_exit.message:
        lines += ["", f"Your code's run ended abnormally: {result.producer_exit.message}"]
    lines += ["", f"Total: {_fraction(result.score, result.max_score)}"]
    if result.timings:
        lines.append(
            "Time: "
            + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in result.timings.items())
        )
    return "\n".join(lines) + "\n"


def _fraction(score: float, max_score: float) -> str:
    return f"{format_number(score)}/{format_number(max_score)}"
