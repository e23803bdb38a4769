"""The class gradebook as CSV.

One row per student, one column per exercise and per check, and the total.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from grader.batch.state import GradingRecord
from grader.report.numbers import format_number
from grader.report.result import CheckResult
from grader.sandboxed.contract import write_text_atomic

FIXED_COLUMNS = ("student", "assignment", "status", "score", "max_score", "percent")
REASON_COLUMN = "failure_reason"
ISOLATION_COLUMN = "isolation"
EXERCISE_SUFFIX = " [total]"


def ordered_checks(records: Iterable[GradingRecord]) -> list[str]:
    """Returns every check name seen in the records, in the order the grader reports them."""
    return list(dict.fromkeys(check.name for check in _graded_checks(records)))


def ordered_exercises(records: Iterable[GradingRecord]) -> list[str]:
    """Returns every exercise with checks in the records, in the order the grader reports them."""
    return list(dict.fromkeys(check.exercise for check in _graded_checks(records)))


def _graded_checks(records: Iterable[GradingRecord]) -> Iterator[CheckResult]:
    for record in records:
        if record.graded:
            yield from record.result.checks


def gradebook_rows(records: Sequence[GradingRecord]) -> tuple[list[str], list[dict]]:
    """Builds the gradebook table.

    Args:
        records: one grading record per student.

    Returns:
        ``(columns, rows)``: the column names and one dict per student: the total, each exercise's
        total, each check's points, the isolation the student's code ran under. Scores of a failed
        grading are left empty and its reason is given in ``failure_reason``.
    """
    columns = (
        list(FIXED_COLUMNS)
        + [e + EXERCISE_SUFFIX for e in ordered_exercises(records)]
        + ordered_checks(records)
        + [ISOLATION_COLUMN, REASON_COLUMN]
    )
    rows = []
    for record in sorted(records, key=lambda r: (r.student, r.assignment)):
        row = {
            "student": record.student,
            "assignment": record.assignment,
            "status": record.status,
            REASON_COLUMN: record.reason,
        }
        if record.graded:
            result = record.result
            row.update(
                score=format_number(result.score),
                max_score=format_number(result.max_score),
                percent=format_number(100 * result.score / result.max_score)
                if result.max_score
                else "",
                isolation=result.isolation,
            )
            for check in result.checks:
                row[check.name] = format_number(check.score)
            for exercise in result.exercises:
                if exercise.checks:
                    row[exercise.name + EXERCISE_SUFFIX] = format_number(exercise.score)
        rows.append(row)
    return columns, rows


def gradebook_csv(records: Sequence[GradingRecord]) -> str:
    """Returns the gradebook as CSV text (see :func:`gradebook_rows`)."""
    columns, rows = gradebook_rows(records)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_gradebook(path: Path, records: Sequence[GradingRecord]) -> None:
    """Atomically writes the gradebook CSV to ``path``."""
    write_text_atomic(Path(path), gradebook_csv(records))
