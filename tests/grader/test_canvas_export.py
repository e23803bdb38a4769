"""The class gradebook in Canvas's grade-import CSV format, against that format's columns.

Canvas's importer reads a header ``Student, ID, SIS User ID, SIS Login ID, Section`` then one
column per assignment, an optional second row starting ``Points Possible``, and one row per student;
a blank score means "no grade" to it, where a zero would be a grade.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from grader.batch.canvas import (
    RosterError,
    assignment_title,
    canvas_csv,
    read_roster,
    write_canvas_csv,
)
from grader.batch.state import STATUS_FAILED, STATUS_GRADED, GradingRecord
from grader.report.result import CheckResult, ExerciseResult, GradeResult

REPO = Path(__file__).resolve().parents[2]
TITLE = "Residual Networks (4711)"


def _record(student: str, score: float | None, max_score: float = 57.0) -> GradingRecord:
    if score is None:
        return GradingRecord(student, "resnets", status=STATUS_FAILED, reason="not a notebook")
    check = CheckResult("identity_block", "skip added before the ReLU", score > 0, score, max_score)
    result = GradeResult(
        notebook=Path(f"{student}.ipynb"),
        exercises=[ExerciseResult("identity_block", "ok", checks=[check])],
        isolation="bwrap: test",
    )
    return GradingRecord(student, "resnets", status=STATUS_GRADED, result=result)


def _table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


CLASS = [_record("bob", 40.5), _record("alice", 57.0), _record("carol", None)]


def test_header_is_canvas_student_columns_then_the_assignment():
    header = _table(canvas_csv(CLASS, TITLE))[0]
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", TITLE]


def test_points_possible_row_follows_the_header():
    row = _table(canvas_csv(CLASS, TITLE))[1]
    assert row[0] == "Points Possible" and row[-1] == "57"


def test_one_row_per_student_with_the_total_score():
    rows = _table(canvas_csv(CLASS, TITLE))[2:]
    assert [(row[0], row[-1]) for row in rows] == [("alice", "57"), ("bob", "40.5"), ("carol", "")]


def test_failed_grading_leaves_the_score_blank_not_zero():
    rows = {row[0]: row for row in _table(canvas_csv(CLASS, TITLE))[2:]}
    assert rows["carol"][-1] == ""


def test_every_row_has_as_many_fields_as_the_header():
    table = _table(canvas_csv(CLASS, TITLE))
    assert {len(row) for row in table} == {len(table[0])}


def _roster(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_roster_supplies_canvas_names_ids_and_sections(tmp_path):
    roster = read_roster(
        _roster(
            tmp_path,
            "student,name,canvas_id,sis_user_id,sis_login_id,section\n"
            "alice,Alice Liddell,101,S-1,aliddell,Sec 1\n",
        )
    )
    rows = {row[-1]: row for row in _table(canvas_csv(CLASS, TITLE, roster))[2:]}
    assert rows["57"][:5] == ["Alice Liddell", "101", "S-1", "aliddell", "Sec 1"]


def test_names_with_commas_and_quotes_are_escaped(tmp_path):
    roster = read_roster(
        _roster(tmp_path, 'student,name\nbob,"Hope, Bob ""Bobby"""\n'),
    )
    text = canvas_csv(CLASS, TITLE, roster)
    assert '"Hope, Bob ""Bobby"""' in text
    assert ['Hope, Bob "Bobby"', "", "", "", "", "40.5"] in _table(text)


def test_student_missing_from_the_roster_keeps_their_id_and_is_reported(tmp_path):
    roster = read_roster(_roster(tmp_path, "student,name\nalice,Alice Liddell\n"))
    out = tmp_path / "canvas.csv"
    unlisted = write_canvas_csv(out, CLASS, TITLE, roster)
    rows = {row[0]: row for row in _table(out.read_text())[2:]}
    assert unlisted == ["bob", "carol"]
    assert rows["bob"][:5] == ["bob", "", "", "bob", ""]


@pytest.mark.parametrize(
    "text, message",
    [
        ("name,section\nAlice,1\n", "must name 'student'"),
        ("student,sis_id\nalice,1\n", "only these columns"),
        ("student,name\nalice,Alice\nalice,Alicia\n", "listed twice"),
        ("student,name\n,Alice\n", "no student id"),
        ("student,name\nbob,Hope, Bob\n", "quote a value that holds a comma"),
    ],
    ids=["no-student-column", "unknown-column", "duplicate", "empty-id", "unquoted-comma"],
)
def test_malformed_roster_is_refused_with_the_reason(tmp_path, text, message):
    with pytest.raises(RosterError, match=message):
        read_roster(_roster(tmp_path, text))


def test_column_title_defaults_to_the_assignment_name():
    assert assignment_title(CLASS) == "resnets"


def test_grade_with_a_bad_roster_stops_before_grading(tmp_path):
    (tmp_path / "alice.ipynb").write_text("{}")
    out = tmp_path / "grades"
    command = [sys.executable, "-m", "grader", "grade", str(tmp_path), "--out", str(out)]
    roster = _roster(tmp_path, "student,sis_id\nalice,1\n")
    done = subprocess.run(
        command + ["--canvas-csv", str(tmp_path / "c.csv"), "--roster", str(roster)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 2 and "only these columns" in done.stderr
    assert not out.exists()
