"""The class summary.

How many students passed each check, the commonest failures, and a plot of both. For each check, the
commonest reasons it failed, messages that differ only in their numbers counted as one: a check that
fails many students for one reason is a likely blind spot of the grader or a gap in the teaching.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.batch.gradebook import ordered_checks
from grader.batch.state import GradingRecord
from grader.report.gradescope import check_outputs
from grader.report.result import UNSANDBOXED_WARNING, unsandboxed
from grader.sandboxed.contract import write_bytes_atomic, write_json_atomic, write_text_atomic

COMMON_FAILURES = 10
#: How many distinct failure messages the summary lists for each check.
MESSAGES_PER_CHECK = 3
_MESSAGE_CHARS = 160
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass
class CheckSummary:
    """How the class did on one check.

    Attributes:
        name: the check's name (``<exercise>: <what it checks>``).
        passed: students who passed it.
        failed: students who failed it.
        messages: ``(message, students)`` for its commonest failure messages, commonest first;
            messages that differ only in their numbers count as one, shown by the commonest.
    """

    name: str
    passed: int = 0
    failed: int = 0
    messages: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class ClassSummary:
    """The class's results at a glance.

    Attributes:
        students: submissions found.
        graded: submissions the grader produced results for.
        failed_gradings: ``(student, reason)`` for each submission that could not be graded.
        mean_percent: the mean score of graded submissions, in percent of the maximum.
        scores_percent: each graded student's score, in percent.
        checks: per-check pass counts, in the grader's order.
        common_failures: ``(check, first line of its message, students)``, commonest first.
        isolation: how many graded submissions ran under each sandbox level the grader reported.
    """

    students: int = 0
    graded: int = 0
    failed_gradings: list[tuple[str, str]] = field(default_factory=list)
    mean_percent: float | None = None
    scores_percent: list[float] = field(default_factory=list)
    checks: list[CheckSummary] = field(default_factory=list)
    common_failures: list[tuple[str, str, int]] = field(default_factory=list)
    isolation: dict[str, int] = field(default_factory=dict)


def summarize(records: Sequence[GradingRecord]) -> ClassSummary:
    """Counts passes and failures per check over the class.

    Args:
        records: one grading record per student.

    Returns:
        The summary.
    """
    summary = ClassSummary(students=len(records))
    checks = {name: CheckSummary(name) for name in ordered_checks(records)}
    failures: Counter[tuple[str, str]] = Counter()
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        if not record.graded:
            summary.failed_gradings.append((record.student, record.reason))
            continue
        summary.graded += 1
        result = record.result
        isolation = result.isolation or "not reported"
        summary.isolation[isolation] = summary.isolation.get(isolation, 0) + 1
        if result.max_score:
            summary.scores_percent.append(100 * result.score / result.max_score)
        for verdict, output in zip(result.checks, check_outputs(result), strict=True):
            check = checks[verdict.name]
            if verdict.passed:
                check.passed += 1
            else:
                check.failed += 1
                failures[(check.name, _first_line(output))] += 1
                reasons[check.name][_first_line(output)] += 1
    for check in checks.values():
        check.messages = _commonest_messages(reasons[check.name])
    summary.checks = list(checks.values())
    summary.common_failures = [
        (name, message, count) for (name, message), count in failures.most_common(COMMON_FAILURES)
    ]
    if summary.scores_percent:
        summary.mean_percent = sum(summary.scores_percent) / len(summary.scores_percent)
    return summary


def summary_markdown(summary: ClassSummary, plot_name: str | None = None) -> str:
    """Renders the summary as Markdown.

    Args:
        summary: the class summary.
        plot_name: file name of the plot to embed, or None.

    Returns:
        The Markdown text.
    """
    mean = "n/a" if summary.mean_percent is None else f"{summary.mean_percent:.1f}%"
    lines = [
        "# Class summary",
        "",
        f"{summary.graded} of {summary.students} submissions graded; mean score {mean}.",
        "",
    ]
    lines += [
        f"Student code ran under {level} ({count} submissions)."
        for level, count in summary.isolation.items()
    ]
    exposed = sum(count for level, count in summary.isolation.items() if unsandboxed(level))
    if exposed:
        lines.append(
            f"**{UNSANDBOXED_WARNING}** ({exposed} of {summary.graded} graded submissions)"
        )
    if summary.isolation:
        lines.append("")
    if plot_name:
        lines += [f"![pass rate per check and score distribution]({plot_name})", ""]
    lines += [
        "## Students passing each check",
        "",
        "| check | passed | failed |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {_cell(c.name)} | {c.passed} | {c.failed} |" for c in summary.checks]
    lines += ["", "## Commonest failures", ""]
    failing = sorted((c for c in summary.checks if c.failed), key=lambda c: c.failed, reverse=True)
    if failing:
        lines += [
            "Each check that failed, with its commonest messages (messages that differ only in "
            "their numbers counted together). Many students failing one check for one reason "
            "points at the grader or at the teaching.",
            "",
            "| check | failed | message | students |",
            "| --- | --- | --- | --- |",
        ]
        for check in failing:
            for position, (message, count) in enumerate(check.messages):
                first = position == 0
                name, failed = (_cell(check.name), str(check.failed)) if first else ("", "")
                lines.append(f"| {name} | {failed} | {_cell(message)} | {count} |")
    else:
        lines.append("No check failed.")
    if summary.failed_gradings:
        lines += ["", "## Submissions that could not be graded", ""]
        lines += [
            f"- **{student}**: {_cell(reason)}" for student, reason in summary.failed_gradings
        ]
    return "\n".join(lines) + "\n"


def summary_plot_png(summary: ClassSummary) -> bytes:
    """Draws the pass rate of every check and the histogram of scores.

    Args:
        summary: the class summary.

    Returns:
        The figure as PNG bytes.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    names = [c.name for c in summary.checks] or ["(no checks)"]
    rates = [100 * c.passed / max(1, c.passed + c.failed) for c in summary.checks] or [0.0]
    height = max(3.0, 0.28 * len(names) + 1.5)
    fig, (bars, hist) = plt.subplots(
        1, 2, figsize=(14, height), gridspec_kw={"width_ratios": [2.2, 1]}
    )
    positions = range(len(names))
    bars.barh(positions, [100.0] * len(rates), color="#f3c5bb", label="failed")
    bars.barh(positions, rates, color="#3b7dd8", label="passed")
    bars.legend(loc="lower right", fontsize=8)
    bars.set_yticks(list(positions), [_short(n) for n in names], fontsize=8)
    bars.invert_yaxis()
    bars.set_xlim(0, 100)
    bars.set_xlabel("students passing (%)")
    bars.set_title(f"Pass rate per check ({summary.graded} graded)")
    hist.hist(summary.scores_percent, bins=10, range=(0, 100), color="#3b7dd8", edgecolor="white")
    hist.set_xlabel("score (% of maximum)")
    hist.set_ylabel("students")
    hist.yaxis.set_major_locator(MaxNLocator(integer=True))
    hist.set_title("Score distribution")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


def write_summary(out_dir: Path, records: Sequence[GradingRecord]) -> ClassSummary:
    """Writes ``summary.md``, ``summary.json`` and ``summary.png`` into ``out_dir``.

    Args:
        out_dir: the batch output folder.
        records: one grading record per student.

    Returns:
        The summary written.
    """
    summary = summarize(records)
    out_dir = Path(out_dir)
    write_bytes_atomic(out_dir / "summary.png", summary_plot_png(summary))
    write_json_atomic(out_dir / "summary.json", asdict(summary))
    write_text_atomic(out_dir / "summary.md", summary_markdown(summary, "summary.png"))
    return summary


def _commonest_messages(messages: Counter[str]) -> list[tuple[str, int]]:
    """Groups messages that differ only in their numbers; the commonest groups, commonest first."""
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for message, count in messages.items():
        groups[_NUMBER.sub("#", message)][message] += count
    ranked = sorted(groups.values(), key=lambda group: sum(group.values()), reverse=True)
    return [
        (group.most_common(1)[0][0], sum(group.values())) for group in ranked[:MESSAGES_PER_CHECK]
    ]


def _first_line(text: str) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "(no message)")
    return line if len(line) <= _MESSAGE_CHARS else line[: _MESSAGE_CHARS - 3] + "..."


def _short(name: str, width: int = 70) -> str:
    return name if len(name) <= width else name[: width - 3] + "..."


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
