"""Feedback for one student, in Markdown: the score, then every check grouped by exercise with its message."""
from __future__ import annotations

from grader.batch.state import GradingRecord
from grader.batch.gradebook import exercise_of


def feedback_markdown(record: GradingRecord) -> str:
    """Renders a student's grading record as Markdown.

    Args:
        record: the student's grading record.

    Returns:
        The feedback text: the total, a table per exercise of its checks (passed or failed, points) and,
        under each failed check, the grader's message. A failed grading says why and that no score was given.
    """
    title = f"# Feedback for {record.student}" + (f" on {record.assignment}" if record.assignment else "")
    if not record.graded:
        return (f"{title}\n\n**Your notebook could not be graded**: {record.reason}\n\n"
                "No score was recorded; your instructor has been told.\n")
    results = record.results
    lines = [title, "", f"**Score: {_fmt(results.get('score', 0))} / {_fmt(results.get('max_score', 0))}**", ""]
    summary = str(results.get("output", "")).strip()
    if summary:
        lines += [summary, ""]
    by_exercise: dict[str, list[dict]] = {}
    for test in results.get("tests", []):
        by_exercise.setdefault(exercise_of(str(test.get("name", ""))), []).append(test)
    for exercise, tests in by_exercise.items():
        got = sum(float(t.get("score", 0)) for t in tests)
        out_of = sum(float(t.get("max_score", 0)) for t in tests)
        lines += [f"## {exercise}: {_fmt(got)} / {_fmt(out_of)}", "", "| check | result | points |",
                  "| --- | --- | --- |"]
        for test in tests:
            name = str(test.get("name", "")).split(": ", 1)[-1]
            status = "passed" if test.get("status") == "passed" else "**failed**"
            lines.append(f"| {_cell(name)} | {status} | {_fmt(test.get('score', 0))} / "
                         f"{_fmt(test.get('max_score', 0))} |")
        lines.append("")
        for test in tests:
            output = str(test.get("output", "")).strip()
            if test.get("status") != "passed" and output:
                name = str(test.get("name", "")).split(": ", 1)[-1]
                lines += [f"**{name}**", "", "```text", output, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _fmt(value) -> str:
    value = float(value)
    return str(int(value)) if value == int(value) else f"{value:.2f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
