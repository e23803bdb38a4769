"""The demo's sample class and gradebook printouts (the full demo runs in `make demo`)."""

import shutil

import nbformat
import pytest

from grader.batch.discovery import discover
from grader.batch.gradebook import EXERCISE_SUFFIX
from instructor import demo
from instructor.run_reference import RELEASE_NOTEBOOK


@pytest.fixture
def submitted(tmp_path, monkeypatch):
    """The demo class, handed in against the committed release (what generate_assignment writes)."""
    monkeypatch.setattr(demo, "COURSE_DIR", tmp_path / "course")
    release = tmp_path / "course" / "assignments" / demo.ASSIGNMENT
    release.mkdir(parents=True)
    shutil.copy(RELEASE_NOTEBOOK, release / RELEASE_NOTEBOOK.name)
    return demo.build_class()


def _notebook(submitted, student):
    return nbformat.read(
        submitted / student / demo.ASSIGNMENT / RELEASE_NOTEBOOK.name, as_version=4
    )


def test_demo_class_has_four_gradable_students_in_nbgrader_layout(submitted):
    students = discover(submitted)
    assert sorted(s.student for s in students) == [
        "blank_release",
        "fakes_its_tests",
        "reference",
        "skip_after_relu",
    ]
    assert all(s.problem == "" for s in students)


def test_demo_mistake_replaces_only_the_identity_block(submitted):
    mistake, reference = _notebook(submitted, "skip_after_relu"), _notebook(submitted, "reference")
    changed = [
        new.metadata.get("nbgrader", {}).get("grade_id")
        for new, old in zip(mistake.cells, reference.cells, strict=False)
        if new.source != old.source
    ]
    assert changed == ["identity_block"]


def test_demo_blank_student_hands_in_the_release_unchanged(submitted):
    assert _notebook(submitted, "blank_release") == nbformat.read(RELEASE_NOTEBOOK, as_version=4)


def test_gradebook_printout_shows_each_student_and_exercise_total(tmp_path, monkeypatch, capsys):
    (tmp_path / "gradebook.csv").write_text(
        f"student,status,score,max_score,identity_block{EXERCISE_SUFFIX},isolation\n"
        "ada,graded,40,57,15,bwrap\n"
    )
    monkeypatch.setattr(demo, "GRADES_DIR", tmp_path)
    demo.print_gradebook()
    assert "ada | graded | 40 | 57 | 15 | bwrap" in capsys.readouterr().out


def test_nbgrader_printout_shows_each_students_total(tmp_path, monkeypatch, capsys):
    (tmp_path / "grades.csv").write_text(
        "assignment,duedate,timestamp,student_id,last_name,first_name,email,"
        "raw_score,late_submission_penalty,score,max_score\n"
        "resnets,,,ada,,,,40.0,0.0,40.0,100.0\n"
    )
    monkeypatch.setattr(demo, "COURSE_DIR", tmp_path)
    demo.print_nbgrader_grades()
    assert "ada | 40.0 | 100.0" in capsys.readouterr().out
