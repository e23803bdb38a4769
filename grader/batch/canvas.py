"""The class gradebook in Canvas's grade-import CSV format.

Canvas's gradebook import reads a header row ``Student, ID, SIS User ID, SIS Login ID, Section``
followed by one column per assignment, titled with the assignment's name, or ``Name (ID)`` to
update an existing assignment; an optional second row whose first cell is ``Points Possible`` gives
each assignment's points. Canvas finds each student by ``ID`` (its user id), else ``SIS User ID``,
else ``SIS Login ID``, else the name; a blank score changes nothing.

Students are known to the grader by their submission folder's name. A roster CSV maps those ids to
what Canvas knows; its header names ``student`` and any of ``name``, ``canvas_id``,
``sis_user_id``, ``sis_login_id``, ``section``. Without a roster entry the student's id is written
as the name and as the SIS Login ID.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.batch.state import GradingRecord
from grader.report.numbers import format_number
from grader.sandboxed.contract import write_text_atomic

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"
ROSTER_KEY = "student"
ROSTER_COLUMNS = (ROSTER_KEY, "name", "canvas_id", "sis_user_id", "sis_login_id", "section")
DEFAULT_ASSIGNMENT_TITLE = "Residual Networks"


class RosterError(ValueError):
    """The roster file cannot be read as the roster CSV."""


@dataclass(frozen=True)
class RosterEntry:
    """What Canvas knows a student by.

    Attributes:
        name: the student's name as Canvas shows it.
        canvas_id: Canvas's user id.
        sis_user_id: the student information system's user id.
        sis_login_id: the login id.
        section: the course section.
    """

    name: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


def read_roster(path: str | Path) -> dict[str, RosterEntry]:
    """Reads a roster CSV mapping student ids to their Canvas identities.

    Args:
        path: a UTF-8 CSV whose header names ``student`` and any of ``name``, ``canvas_id``,
            ``sis_user_id``, ``sis_login_id``, ``section``.

    Returns:
        The entries, keyed by student id.

    Raises:
        RosterError: if the file cannot be read, its header lacks ``student`` or names another
            column, or a row has no student id or repeats one.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"cannot read the roster {path}: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in ROSTER_COLUMNS]
    if ROSTER_KEY not in header or unknown:
        raise RosterError(
            f"{path}: the header must name {ROSTER_KEY!r} and only these columns: "
            f"{', '.join(ROSTER_COLUMNS)} (found: {', '.join(header) or 'nothing'})"
        )
    roster: dict[str, RosterEntry] = {}
    for line, row in enumerate(reader, start=2):
        if None in row:
            raise RosterError(
                f"{path}, line {line}: more fields than the header names (quote a value that "
                "holds a comma)"
            )
        values = {key.strip(): (value or "").strip() for key, value in row.items()}
        student = values.pop(ROSTER_KEY)
        if not student:
            raise RosterError(f"{path}, line {line}: no student id")
        if student in roster:
            raise RosterError(f"{path}, line {line}: student {student!r} is listed twice")
        roster[student] = RosterEntry(**values)
    return roster


def canvas_rows(
    records: Sequence[GradingRecord], title: str, roster: dict[str, RosterEntry] | None = None
) -> list[list[str]]:
    """Builds the Canvas import table.

    Args:
        records: one grading record per student.
        title: the assignment column's title (``Name`` or ``Name (Canvas assignment id)``).
        roster: Canvas identities by student id; students missing from it keep their id.

    Returns:
        The header, the Points Possible row, and one row per student (sorted by id) with the
        total score, left blank when the submission could not be graded.
    """
    roster = roster or {}
    possible = [r.result.max_score for r in records if r.graded]
    rows = [
        [*CANVAS_COLUMNS, title],
        [POINTS_POSSIBLE, "", "", "", "", format_number(max(possible)) if possible else ""],
    ]
    for record in sorted(records, key=lambda r: r.student):
        entry = roster.get(record.student, RosterEntry(sis_login_id=record.student))
        score = format_number(record.result.score) if record.graded else ""
        rows.append(
            [
                entry.name or record.student,
                entry.canvas_id,
                entry.sis_user_id,
                entry.sis_login_id,
                entry.section,
                score,
            ]
        )
    return rows


def canvas_csv(
    records: Sequence[GradingRecord], title: str, roster: dict[str, RosterEntry] | None = None
) -> str:
    """Returns the Canvas import CSV text (see :func:`canvas_rows`)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(canvas_rows(records, title, roster))
    return buffer.getvalue()


def write_canvas_csv(
    path: str | Path,
    records: Sequence[GradingRecord],
    title: str,
    roster: dict[str, RosterEntry] | None = None,
) -> list[str]:
    """Atomically writes the Canvas import CSV.

    Args:
        path: the CSV to write.
        records: one grading record per student.
        title: the assignment column's title.
        roster: Canvas identities by student id.

    Returns:
        The student ids a roster was given for but does not list (empty without a roster).
    """
    write_text_atomic(Path(path), canvas_csv(records, title, roster))
    if roster is None:
        return []
    return sorted(r.student for r in records if r.student not in roster)


def assignment_title(records: Sequence[GradingRecord]) -> str:
    """Returns the default column title: the graded assignment's name, else the course's title."""
    names = sorted({r.assignment for r in records if r.assignment})
    return names[0] if len(names) == 1 else DEFAULT_ASSIGNMENT_TITLE
