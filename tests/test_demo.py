"""The demo's sample class and gradebook printout (the full demo runs in `make demo`)."""
import nbformat

from grader.batch_discovery import discover
from grader.gradebook_csv import EXERCISE_SUFFIX
from resnet_course import demo


def test_demo_class_has_four_gradable_students(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "CLASS_DIR", tmp_path / "class")
    demo.build_class()
    students = discover(tmp_path / "class")
    assert sorted(s.student for s in students) == ["blank_release", "fakes_its_tests", "reference", "skip_after_relu"]
    assert all(s.problem == "" for s in students)


def test_demo_mistake_replaces_only_the_identity_block(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "CLASS_DIR", tmp_path / "class")
    demo.build_class()
    mistake = nbformat.read(tmp_path / "class" / "skip_after_relu.ipynb", as_version=4)
    reference = nbformat.read(tmp_path / "class" / "reference.ipynb", as_version=4)
    changed = [new.metadata.get("nbgrader", {}).get("grade_id")
               for new, old in zip(mistake.cells, reference.cells) if new.source != old.source]
    assert changed == ["identity_block"]


def test_gradebook_printout_shows_each_student_and_exercise_total(tmp_path, monkeypatch, capsys):
    (tmp_path / "gradebook.csv").write_text(
        f"student,status,score,max_score,identity_block{EXERCISE_SUFFIX},isolation\n"
        "ada,graded,40,57,15,bwrap\n")
    monkeypatch.setattr(demo, "GRADES_DIR", tmp_path)
    demo.print_gradebook()
    assert "ada | graded | 40 | 57 | 15 | bwrap" in capsys.readouterr().out
