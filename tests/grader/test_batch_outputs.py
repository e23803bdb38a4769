"""The batch command's pieces that need no grading.

Discovery, resume state, gradebook, feedback, summary.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from grader.batch.discovery import DiscoveryError, discover
from grader.batch.gradebook import gradebook_csv
from grader.batch.outputs import student_feedback as feedback_markdown
from grader.batch.progress import ProgressLine, format_duration
from grader.batch.run import default_workers, threads_per_grading
from grader.batch.state import (
    STATUS_FAILED,
    STATUS_GRADED,
    GradingRecord,
    fingerprint,
    is_up_to_date,
)
from grader.batch.summary import summarize, summary_markdown, summary_plot_png
from grader.report.result import CheckResult, ExerciseResult, GradeResult
from grader.sandboxed.contract import write_json_atomic, write_text_atomic

MINIMAL_NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _test(name, passed, points=1.0, output=""):
    exercise, title = name.split(": ", 1)
    return CheckResult(exercise, title, passed, points if passed else 0.0, points, output)


def _record(student, tests):
    exercises = {}
    for check in tests:
        exercises.setdefault(check.exercise, ExerciseResult(check.exercise, "ok")).checks.append(
            check
        )
    result = GradeResult(
        Path(f"{student}.ipynb"), list(exercises.values()), isolation="bwrap: no network"
    )
    return GradingRecord(student=student, assignment="resnets", status=STATUS_GRADED, result=result)


@pytest.fixture
def records():
    return [
        _record(
            "alice",
            [
                _test("identity_block: adds the skip before the final ReLU", True, 2),
                _test("identity_block: output shape", True),
                _test("ResNet50: layer count", True),
            ],
        ),
        _record(
            "bob",
            [
                _test(
                    "identity_block: adds the skip before the final ReLU",
                    False,
                    2,
                    "the Add comes after the ReLU | move it",
                ),
                _test("identity_block: output shape", True),
                _test("ResNet50: layer count", False, 1, "expected 53 conv layers"),
            ],
        ),
        GradingRecord(
            student="carol", assignment="resnets", status=STATUS_FAILED, reason="not valid JSON"
        ),
    ]


def _make_tree(root, students, assignment="resnets", name="Residual_Networks.ipynb"):
    for student in students:
        folder = root / student / assignment
        folder.mkdir(parents=True)
        (folder / name).write_text(MINIMAL_NOTEBOOK)
    return root


def test_discover_reads_nbgrader_submitted_tree(tmp_path):
    _make_tree(tmp_path, ["bob", "alice"])
    (tmp_path / "alice" / "resnets" / "resnet50_signs.keras").write_bytes(b"model")
    found = discover(tmp_path)
    assert [(s.student, s.assignment, s.notebook.name) for s in found] == [
        ("alice", "resnets", "Residual_Networks.ipynb"),
        ("bob", "resnets", "Residual_Networks.ipynb"),
    ]
    assert found[0].model.name == "resnet50_signs.keras" and found[1].model is None


def test_discover_reads_flat_folder_with_student_from_file_stem(tmp_path):
    (tmp_path / "dana.ipynb").write_text(MINIMAL_NOTEBOOK)
    (tmp_path / "dana.keras").write_bytes(b"model")
    (tmp_path / "eve.ipynb").write_text(MINIMAL_NOTEBOOK)
    found = discover(tmp_path)
    assert [(s.student, s.model is not None) for s in found] == [("dana", True), ("eve", False)]


def test_discover_reports_student_folder_without_notebook(tmp_path):
    _make_tree(tmp_path, ["alice"])
    (tmp_path / "zed" / "resnets").mkdir(parents=True)
    zed = discover(tmp_path)[1]
    assert zed.notebook is None and "no notebook" in zed.problem


def test_discover_requires_assignment_when_tree_has_several(tmp_path):
    _make_tree(tmp_path, ["alice"], assignment="resnets")
    _make_tree(tmp_path, ["bob"], assignment="other")
    with pytest.raises(DiscoveryError, match="--assignment"):
        discover(tmp_path)
    assert [s.student for s in discover(tmp_path, assignment="other")] == ["bob"]


def test_discover_rejects_missing_folder(tmp_path):
    with pytest.raises(DiscoveryError, match="no such folder"):
        discover(tmp_path / "nope")


def test_fingerprint_changes_with_notebook_and_model_content(tmp_path):
    notebook, model = tmp_path / "a.ipynb", tmp_path / "m.keras"
    notebook.write_text(MINIMAL_NOTEBOOK)
    model.write_bytes(b"v1")
    first = fingerprint(notebook, model)
    assert fingerprint(notebook, model) == first
    model.write_bytes(b"v2")
    assert fingerprint(notebook, model) != first
    assert fingerprint(notebook, None) not in (first, fingerprint(notebook, model))


def test_up_to_date_only_for_graded_record_with_same_fingerprint(tmp_path):
    folder = tmp_path / "students" / "alice"
    write_json_atomic(
        folder / "record.json", _record("alice", []).to_json() | {"fingerprint": "abc"}
    )
    assert is_up_to_date(tmp_path, "alice", "abc")
    assert not is_up_to_date(tmp_path, "alice", "def")
    write_json_atomic(
        folder / "record.json", {"student": "alice", "status": STATUS_FAILED, "fingerprint": "abc"}
    )
    assert not is_up_to_date(tmp_path, "alice", "abc")


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    write_text_atomic(tmp_path / "out" / "gradebook.csv", "a,b\n")
    write_text_atomic(tmp_path / "out" / "gradebook.csv", "a,b\n1,2\n")
    assert os.listdir(tmp_path / "out") == ["gradebook.csv"]
    assert (tmp_path / "out" / "gradebook.csv").read_text() == "a,b\n1,2\n"


def test_gradebook_has_a_row_per_student_and_columns_per_exercise_and_check(records):
    rows = list(csv.DictReader(io.StringIO(gradebook_csv(records))))
    assert [r["student"] for r in rows] == ["alice", "bob", "carol"]
    bob = rows[1]
    assert bob["score"] == "1" and bob["max_score"] == "4" and bob["percent"] == "25"
    assert bob["identity_block [total]"] == "1" and bob["ResNet50 [total]"] == "0"
    assert bob["identity_block: adds the skip before the final ReLU"] == "0"
    assert bob["isolation"] == "bwrap: no network"
    assert (
        rows[2]["status"] == "failed"
        and rows[2]["score"] == ""
        and rows[2]["failure_reason"] == "not valid JSON"
    )


def test_feedback_lists_checks_by_exercise_with_failure_messages(records):
    text = feedback_markdown(records[1])
    assert "**Score: 1 / 4**" in text
    assert "## identity_block: 1 / 3" in text and "## ResNet50: 0 / 1" in text
    assert "expected 53 conv layers" in text and "the Add comes after the ReLU | move it" in text


def test_feedback_for_failed_grading_gives_the_reason(records):
    assert "could not be graded**: not valid JSON" in feedback_markdown(records[2])


def test_summary_counts_passes_and_commonest_failures(records):
    summary = summarize(records)
    counts = {c.name: (c.passed, c.failed) for c in summary.checks}
    assert counts["identity_block: output shape"] == (2, 0)
    assert counts["ResNet50: layer count"] == (1, 1)
    assert summary.graded == 2 and summary.failed_gradings == [("carol", "not valid JSON")]
    assert ("ResNet50: layer count", "expected 53 conv layers", 1) in summary.common_failures
    assert summary.isolation == {"bwrap: no network": 2}
    text = summary_markdown(summary)
    assert "## Commonest failures" in text and "ran under bwrap: no network (2 submissions)" in text


def _failing_filters(student, message):
    return _record(student, [_test("identity_block: filters in order", False, 1, message)])


def test_summary_lists_each_checks_commonest_messages_counting_numbers_as_one():
    records = [
        _failing_filters("a", "the convolutions have [6, 4, 12] filters; F1, F2, F3 in order"),
        _failing_filters("b", "the convolutions have [6, 4, 12] filters; F1, F2, F3 in order"),
        _failing_filters("c", "the convolutions have [4, 4, 12] filters; F1, F2, F3 in order"),
        _failing_filters("d", "not checked: the main path has 2 Conv2D layers"),
    ]
    check = summarize(records).checks[0]
    assert check.messages == [
        ("the convolutions have [6, 4, 12] filters; F1, F2, F3 in order", 3),
        ("not checked: the main path has 2 Conv2D layers", 1),
    ]


def test_summary_markdown_shows_each_failing_checks_messages():
    records = [
        _failing_filters("a", "the convolutions have [6, 4, 12] filters"),
        _failing_filters("b", "not checked: the main path has 2 Conv2D layers"),
    ]
    text = summary_markdown(summarize(records))
    assert (
        "| identity_block: filters in order | 2 | the convolutions have [6, 4, 12] filters | 1 |"
        in text
    )
    assert "|  |  | not checked: the main path has 2 Conv2D layers | 1 |" in text


def test_summary_plot_is_a_png(records):
    assert summary_plot_png(summarize(records)).startswith(b"\x89PNG\r\n\x1a\n")


def test_progress_line_estimates_time_left_from_graded_items():
    stream = io.StringIO()
    progress = ProgressLine(4, stream=stream)
    progress.advance("alice: skipped", worked=False)
    assert progress.eta_seconds() is None
    progress.advance("bob: 3/4")
    assert progress.eta_seconds() is not None
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[1/4]") and "~?" in lines[0]
    assert lines[1].startswith("[2/4]") and "left | bob: 3/4" in lines[1]


def test_format_duration_reads_naturally():
    assert (format_duration(42), format_duration(185), format_duration(3720)) == (
        "42s",
        "3m05s",
        "1h02m",
    )


def test_default_workers_is_one_per_core_limited_by_memory():
    gib = 2**30
    assert default_workers(cpu_count=16, available_memory=64 * gib) == 16
    assert default_workers(cpu_count=16, available_memory=7 * gib) == 2
    assert default_workers(cpu_count=1, available_memory=1 * gib) == 1


def test_parallel_gradings_share_the_cores_out():
    assert threads_per_grading(workers=1, cpu_count=8) == 8
    assert threads_per_grading(workers=4, cpu_count=8) == 2
    assert threads_per_grading(workers=3, cpu_count=8) == 2
    assert threads_per_grading(workers=16, cpu_count=2) == 1


def test_progress_in_a_log_has_no_control_codes():
    stream = io.StringIO()
    progress = ProgressLine(2, stream=stream)
    progress.advance("alice: 3/4")
    progress.advance("bob: 4/4")
    progress.close()
    assert not any(code in stream.getvalue() for code in ("\r", "\x1b", "\b"))


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_is_drawn_in_place_with_the_last_event():
    stream = _Terminal()
    progress = ProgressLine(2, stream=stream)
    progress.advance("alice: 3/4")
    progress.advance("bob: 4/4")
    progress.close()
    assert (
        "\x1b[" in stream.getvalue()
        and "2/2" in stream.getvalue()
        and "bob: 4/4" in stream.getvalue()
    )
