"""``python -m grader grade`` end to end: the real grader on a tiny class, locally and through Dask.

Real gradings are the expensive part (a TensorFlow producer and judge per submission), so the class
is four students of whom two hand in tiny notebooks that implement only ``dense_residual_block``. It
is graded once through a Dask scheduler and workers running as separate processes, then re-run on
the embedded cluster (which skips the two graded ones); every test reads the outputs of those two
runs or of cheap runs on copies.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.batch.run import BatchError, BatchOptions, grade_class

GRADE = [sys.executable, "-m", "grader", "grade"]
ASSIGNMENT = "resnets"
NOTEBOOK = "Residual_Networks.ipynb"

GOOD_BLOCK = """
def dense_residual_block(a_prev, units, initializer="glorot_uniform"):
    z1 = layers.Dense(units, kernel_initializer=initializer)(a_prev)
    a1 = layers.ReLU()(z1)
    z2 = layers.Dense(units, kernel_initializer=initializer)(a1)
    return layers.ReLU()(layers.Add()([z2, a_prev]))
"""
# No skip connection: a plain two-layer network.
PLAIN_BLOCK = """
def dense_residual_block(a_prev, units, initializer="glorot_uniform"):
    a1 = layers.ReLU()(layers.Dense(units, kernel_initializer=initializer)(a_prev))
    return layers.ReLU()(layers.Dense(units, kernel_initializer=initializer)(a1))
"""


def _cell(source: str, grade_id: str, *, solution: bool) -> nbformat.NotebookNode:
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": False,
        "grade_id": grade_id,
        "locked": not solution,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    return cell


def tiny_notebook(block_source: str) -> nbformat.NotebookNode:
    """A submission with the imports cell and only the dense_residual_block exercise."""
    return new_notebook(
        cells=[
            new_markdown_cell("# Residual Networks"),
            _cell("import keras\nfrom keras import layers\n", "imports", solution=False),
            _cell(block_source, "dense_residual_block", solution=True),
        ]
    )


def _write_submission(root: Path, student: str, notebook) -> Path:
    folder = root / student / ASSIGNMENT
    folder.mkdir(parents=True)
    path = folder / NOTEBOOK
    if isinstance(notebook, str):
        path.write_text(notebook)
    else:
        nbformat.write(notebook, path)
    return path


def _grade(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(GRADE + args, capture_output=True, text=True, timeout=600)


def _rows(out: Path) -> dict[str, dict]:
    with open(out / "gradebook.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A Dask scheduler and two workers advertising one GPU each, as processes on loopback."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    processes = [
        subprocess.Popen(
            [
                bin_dir / "dask",
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                scheduler_file,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert scheduler_file.exists(), "the Dask scheduler did not start"
        processes.append(
            subprocess.Popen(
                [
                    bin_dir / "dask",
                    "worker",
                    "--scheduler-file",
                    scheduler_file,
                    "--nworkers",
                    "2",
                    "--nthreads",
                    "1",
                    "--resources",
                    "GPU=1",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                env=env,
            )
        )
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def class_run(dask_cluster, tmp_path_factory):
    """A submitted/ tree graded on the external scheduler with --gpu, then re-run locally."""
    root = tmp_path_factory.mktemp("batch")
    submitted = root / "submitted"
    _write_submission(submitted, "amy", tiny_notebook(GOOD_BLOCK))
    _write_submission(submitted, "ben", tiny_notebook(PLAIN_BLOCK))
    _write_submission(submitted, "cat", '{"cells": [')
    (submitted / "dan" / ASSIGNMENT).mkdir(parents=True)
    out = root / "out"
    first = _grade([str(submitted), "--out", str(out), "--scheduler", dask_cluster, "--gpu"])
    records_after_first = {
        s: (out / "students" / s / "record.json").read_bytes() for s in ("amy", "ben")
    }
    second = _grade([str(submitted), "--out", str(out), "--workers", "2"])
    return {
        "out": out,
        "first": first,
        "second": second,
        "records_after_first": records_after_first,
    }


def test_grade_exits_zero_when_some_submissions_cannot_be_graded(class_run):
    assert class_run["first"].returncode == 0, class_run["first"].stderr[-3000:]


def test_scheduler_run_grades_on_the_cluster_workers(class_run):
    assert "with 2 workers" in class_run["first"].stderr
    rows = _rows(class_run["out"])
    assert (rows["amy"]["status"], rows["ben"]["status"]) == ("graded", "graded")
    assert float(rows["amy"]["score"]) > float(rows["ben"]["score"])


def test_gradebook_has_row_per_student_with_checks_and_total(class_run):
    rows = _rows(class_run["out"])
    assert sorted(rows) == ["amy", "ben", "cat", "dan"]
    amy = rows["amy"]
    checks = [c for c in amy if c.startswith("dense_residual_block: ")]
    assert checks and float(amy["dense_residual_block [total]"]) == sum(
        float(amy[c]) for c in checks
    )
    assert float(amy["score"]) == pytest.approx(
        sum(float(amy[c]) for c in amy if c.endswith("[total]"))
    )
    assert float(amy["dense_residual_block [total]"]) > float(
        rows["ben"]["dense_residual_block [total]"]
    )


def test_broken_notebook_becomes_failed_row_with_reason(class_run):
    rows = _rows(class_run["out"])
    assert rows["cat"]["status"] == "failed" and "not valid JSON" in rows["cat"]["failure_reason"]
    assert str(Path("submitted") / "cat" / ASSIGNMENT / NOTEBOOK) in rows["cat"]["failure_reason"]
    assert rows["dan"]["status"] == "failed" and "no notebook" in rows["dan"]["failure_reason"]


def test_each_student_gets_gradescope_results_and_feedback(class_run):
    student = class_run["out"] / "students" / "ben"
    results = json.loads((student / "results.json").read_text())
    assert {"score", "max_score", "tests"} <= results.keys()
    failed = [
        t
        for t in results["tests"]
        if t["name"].startswith("dense_residual_block: ") and t["status"] == "failed"
    ]
    assert failed and all(t["score"] == 0 for t in failed)
    feedback = (student / "feedback.md").read_text()
    assert (
        "## dense_residual_block:" in feedback and failed[0]["output"].splitlines()[0] in feedback
    )
    assert (
        "could not be graded" in (class_run["out"] / "students" / "cat" / "feedback.md").read_text()
    )


def test_class_summary_counts_checks_and_has_plot(class_run):
    out = class_run["out"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["students"] == 4 and summary["graded"] == 2
    assert all(c["passed"] + c["failed"] == 2 for c in summary["checks"])
    assert sorted(student for student, _ in summary["failed_gradings"]) == ["cat", "dan"]
    counts = [count for _, _, count in summary["common_failures"]]
    assert counts and counts == sorted(counts, reverse=True) and counts[0] == 2
    assert (out / "summary.png").read_bytes().startswith(b"\x89PNG")
    assert "Commonest failures" in (out / "summary.md").read_text()


def test_progress_line_shows_time_left(class_run):
    progress = [line for line in class_run["first"].stderr.splitlines() if line.startswith("[")]
    assert progress[-1].startswith("[4/4]")
    assert any("left |" in line for line in progress)


def test_rerun_skips_unchanged_submissions_and_retries_failed_ones(class_run):
    second = class_run["second"]
    assert second.returncode == 0, second.stderr[-3000:]
    assert "2 unchanged and skipped, 2 could not be graded" in second.stderr
    for student, before in class_run["records_after_first"].items():
        assert (class_run["out"] / "students" / student / "record.json").read_bytes() == before


def test_outputs_leave_no_temporary_files(class_run):
    leftovers = [
        p for p in class_run["out"].rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"
    ]
    assert leftovers == []


def _class_copy(class_run, tmp_path, notebooks: dict[str, str]) -> tuple[Path, Path]:
    """A copy of the graded output folder and a flat folder with the given notebooks' text."""
    out = tmp_path / "out"
    shutil.copytree(class_run["out"], out)
    folder = tmp_path / "class"
    folder.mkdir()
    for student, text in notebooks.items():
        (folder / f"{student}.ipynb").write_text(text)
    return folder, out


def _submitted_text(class_run, student: str) -> str:
    return (class_run["out"].parent / "submitted" / student / ASSIGNMENT / NOTEBOOK).read_text()


def test_changed_submission_is_regraded(class_run, tmp_path):
    folder, out = _class_copy(
        class_run, tmp_path, {"amy": '{"cells": []', "ben": _submitted_text(class_run, "ben")}
    )
    report = grade_class(BatchOptions(folder, out, workers=1))
    assert report.skipped == ["ben"] and report.failed == ["amy"]
    assert (
        "not valid JSON"
        in json.loads((out / "students" / "amy" / "record.json").read_text())["reason"]
    )


def test_force_regrades_unchanged_submission(class_run, tmp_path):
    folder, out = _class_copy(class_run, tmp_path, {"amy": _submitted_text(class_run, "amy")})
    assert grade_class(BatchOptions(folder, out, workers=1)).skipped == ["amy"]
    report = grade_class(BatchOptions(folder, out, workers=1, force=True, timeout_s=0.01))
    assert report.skipped == [] and report.failed == ["amy"]
    assert "did not finish within" in _rows(out)["amy"]["failure_reason"]


def test_interrupted_run_keeps_finished_work_and_leaves_no_partial_file(class_run, tmp_path):
    folder, out = _class_copy(
        class_run,
        tmp_path,
        {
            "amy": _submitted_text(class_run, "amy"),
            "zoe": nbformat.writes(tiny_notebook(GOOD_BLOCK)),
        },
    )
    amy_record = (out / "students" / "amy" / "record.json").read_bytes()
    process = subprocess.Popen(
        GRADE + [str(folder), "--out", str(out), "--workers", "1"],
        stderr=subprocess.PIPE,
        text=True,
    )
    first_line = next(line for line in process.stderr if line.startswith("["))
    assert first_line.startswith("[1/2]") and "amy: unchanged, skipped" in first_line
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and "run the same command again" in stderr
    assert (out / "students" / "amy" / "record.json").read_bytes() == amy_record
    assert not (out / "students" / "zoe" / "record.json").exists()
    assert "amy" in _rows(out)
    assert [p for p in out.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"] == []


def test_bad_submissions_folder_is_a_clear_error(tmp_path):
    done = _grade([str(tmp_path / "missing"), "--out", str(tmp_path / "out")])
    assert done.returncode == 2 and "no such folder" in done.stderr


def test_gpu_run_refuses_scheduler_without_gpu_workers(tmp_path):
    from distributed import LocalCluster

    (tmp_path / "eva.ipynb").write_text(nbformat.writes(tiny_notebook(GOOD_BLOCK)))
    with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster:
        options = BatchOptions(
            tmp_path, tmp_path / "out", scheduler=cluster.scheduler_address, gpu=True
        )
        with pytest.raises(BatchError, match="advertises a GPU"):
            grade_class(options)


def test_interrupt_during_cluster_start_up_grades_nothing(tmp_path):
    from grader.batch import run as batch

    _write_submission(tmp_path / "submitted", "amy", tiny_notebook(GOOD_BLOCK))
    out = tmp_path / "out"
    # As if Ctrl-C had come while Dask was starting and Dask had swallowed it.
    batch.INTERRUPTED.set()
    try:
        with pytest.raises(KeyboardInterrupt):
            grade_class(BatchOptions(submissions=tmp_path / "submitted", out_dir=out, workers=1))
    finally:
        batch.INTERRUPTED.clear()
    assert not (out / "students" / "amy" / "record.json").exists()
