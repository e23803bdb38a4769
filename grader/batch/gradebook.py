"""The class gradebook as CSV: one row per student, one column per exercise and per check, and the total."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from grader.batch.state import GradingRecord, write_text_atomic

FIXED_COLUMNS = ("student", "assignment", "status", "score", "max_score", "percent")
REASON_COLUMN = "failure_reason"
ISOLATION_COLUMN = "isolation"
EXERCISE_SUFFIX = " [total]"


def exercise_of(test_name: str) -> str:
    """Returns the exercise a check belongs to: the part of its name before the first ``": "``."""
    return test_name.split(": ", 1)[0] if ": " in test_name else test_name


def isolation_of(results: dict) -> str:
    """Returns the sandbox the student's code ran in, as the grader reported it ('' if it did not)."""
    extra = results.get("extra_data")
    return str(extra.get("isolation", "")) if isinstance(extra, dict) else ""


def ordered_checks(records: Iterable[GradingRecord]) -> list[str]:
    """Returns every check name seen in the records, in the order the grader reports them."""
    seen: dict[str, None] = {}
    for record in records:
        if record.graded:
            for test in record.results.get("tests", []):
                seen.setdefault(str(test.get("name", "")), None)
    return list(seen)


def ordered_exercises(check_names: Sequence[str]) -> list[str]:
    """Returns the exercises of ``check_names`` in order of first appearance."""
    return list(dict.fromkeys(exercise_of(name) for name in check_names))


def gradebook_rows(records: Sequence[GradingRecord]) -> tuple[list[str], list[dict]]:
    """Builds the gradebook table.

    Args:
        records: one grading record per student.

    Returns:
        ``(columns, rows)``: the column names and one dict per student: the total, each exercise's total,
        each check's points, the isolation the student's code ran under. Scores of a failed grading are
        left empty and its reason is given in ``failure_reason``.
    """
    checks = ordered_checks(records)
    exercises = ordered_exercises(checks)
    columns = (list(FIXED_COLUMNS) + [e + EXERCISE_SUFFIX for e in exercises] + checks
               + [ISOLATION_COLUMN, REASON_COLUMN])
    rows = []
    for record in sorted(records, key=lambda r: (r.student, r.assignment)):
        row = {"student": record.student, "assignment": record.assignment, "status": record.status,
               REASON_COLUMN: record.reason}
        if record.graded:
            results = record.results
            score, max_score = float(results.get("score", 0)), float(results.get("max_score", 0))
            row.update(score=_number(score), max_score=_number(max_score),
                       percent=_number(100 * score / max_score) if max_score else "",
                       isolation=isolation_of(results))
            per_exercise: dict[str, float] = {}
            for test in results.get("tests", []):
                name = str(test.get("name", ""))
                points = float(test.get("score", 0))
                row[name] = _number(points)
                per_exercise[exercise_of(name)] = per_exercise.get(exercise_of(name), 0.0) + points
            for exercise, points in per_exercise.items():
                row[exercise + EXERCISE_SUFFIX] = _number(points)
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


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.4g}"
