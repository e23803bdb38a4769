"""Feedback for one student, in Markdown.

The score, then every check grouped by exercise with its message.
"""

from __future__ import annotations

from grader.report.gradescope import check_outputs, summary_lines
from grader.report.numbers import format_number
from grader.report.result import GradeResult


def feedback_markdown(result: GradeResult, *, heading: str) -> str:
    """Renders a graded notebook as the student's feedback.

    Args:
        result: the graded notebook.
        heading: whom and what the feedback is for, e.g. ``alice on resnets``.

    Returns:
        The total, the grading's notes (isolation, notebook problems), a table per exercise of its
        checks (passed or failed, points) and, under each failed check, what it tells the student.
    """
    lines = [
        f"# Feedback for {heading}",
        "",
        f"**Score: {_fraction(result.score, result.max_score)}**",
        "",
        *summary_lines(result),
        "",
    ]
    outputs = dict(zip(map(id, result.checks), check_outputs(result), strict=True))
    for exercise in result.exercises:
        if not exercise.checks:
            continue
        lines += [
            f"## {exercise.name}: {_fraction(exercise.score, exercise.max_score)}",
            "",
            "| check | result | points |",
            "| --- | --- | --- |",
        ]
        for check in exercise.checks:
            status = "passed" if check.passed else "**failed**"
            lines.append(
                f"| {_cell(check.title)} | {status} | {_fraction(check.score, check.max_score)} |"
            )
        lines.append("")
        for check in exercise.checks:
            output = outputs[id(check)].strip()
            if not check.passed and output:
                lines += [f"**{check.title}**", "", "```text", output, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def failure_feedback_markdown(reason: str, *, heading: str) -> str:
    """Renders the feedback of a submission that could not be graded.

    Args:
        reason: why grading could not run.
        heading: whom and what the feedback is for, e.g. ``alice on resnets``.

    Returns:
        The reason, and that no score was recorded.
    """
    return (
        f"# Feedback for {heading}\n\n**Your notebook could not be graded**: {reason}\n\n"
        "No score was recorded; your instructor has been told.\n"
    )


def _fraction(score: float, max_score: float) -> str:
    return f"{format_number(score)} / {format_number(max_score)}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
