"""Faults while a class is graded (killed processes, Ctrl-C, a full disk): nothing lost or doubled.

One small class (two one-exercise notebooks, so a grading takes seconds) is graded undisturbed
once; each fault is then injected into a real ``python -m grader grade`` on a fresh output folder,
on the embedded Dask cluster or on a scheduler and workers running as processes of their own, and
the command is run again. After each, the gradebook must equal the undisturbed one, the re-run must
grade only what was missing, no output file may be partial, and no grading may be left running.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from submission_notebooks import DENSE_RESIDUAL_BLOCK, ONLY_DENSE, build_notebook

from grader.pipeline.child_process import PARENT_VARIABLE

ASSIGNMENT = "resnets"
PLAIN_DENSE = """\
def dense_residual_block(a_prev, units, initializer=initializers.GlorotUniform(seed=0)):
    a1 = ReLU()(Dense(units, kernel_initializer=initializer)(a_prev))
    return ReLU()(Dense(units, kernel_initializer=initializer)(a1))
"""
# One right and one wrong answer: a gradebook put together wrongly differs from the true one.
STUDENTS = {"amy": DENSE_RESIDUAL_BLOCK, "ben": PLAIN_DENSE}
GRADE = [sys.executable, "-m", "grader", "grade"]
SUMMARY = re.compile(r"(\d+) graded, (\d+) unchanged and skipped, (\d+) could not be graded")


@pytest.fixture(scope="module")
def submitted(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("faults") / "submitted"
    for student, block in STUDENTS.items():
        build_notebook(
            root / student / ASSIGNMENT / "Residual_Networks.ipynb",
            dict(ONLY_DENSE, dense_residual_block=block),
        )
    return root


@pytest.fixture(scope="module")
def undisturbed(submitted) -> Path:
    out = submitted.parent / "undisturbed"
    done = subprocess.run(
        GRADE + [str(submitted), "--out", str(out), "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def _start(submitted: Path, out: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        GRADE + [str(submitted), "--out", str(out), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=1200)
    return process.returncode, stderr


def _rerun(submitted: Path, out: Path, *options: str) -> dict[str, int]:
    """Runs the command again; returns how many it graded, skipped and failed."""
    returncode, stderr = _finish(_start(submitted, out, *options))
    assert returncode == 0, stderr[-3000:]
    graded, skipped, failed = map(int, SUMMARY.search(stderr).groups())
    return {"graded": graded, "skipped": skipped, "failed": failed}


def _saved(out: Path) -> list[str]:
    return sorted(p.parent.name for p in (out / "students").glob("*/record.json"))


def _wait_for(condition, timeout_s: float = 600.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def _gradings_of(pid: int) -> list[psutil.Process]:
    """The grading processes started by the process ``pid``, alive or orphaned."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(PARENT_VARIABLE) == str(pid):
                found.append(process)
        except psutil.Error:
            continue
    return found


def _running_grading(pid: int) -> list[psutil.Process]:
    """The ``grader check`` processes the process ``pid`` started and is waiting for."""
    return [p for p in _gradings_of(pid) if p.ppid() == pid]


def _partial_files(out: Path) -> list[Path]:
    """Leftover temporary files, and outputs that do not read back whole."""
    bad = [p for p in out.rglob(".*.tmp")]
    for path in out.rglob("*.json"):
        try:
            json.loads(path.read_text())
        except ValueError:
            bad.append(path)
    return bad


def _gradebook(out: Path) -> str:
    return (out / "gradebook.csv").read_text()


@pytest.fixture(scope="module")
def grading_process_killed(submitted, undisturbed):
    """One grading process killed with SIGKILL while it grades, on the embedded cluster."""
    out = submitted.parent / "grading_killed"
    process = _start(submitted, out, "--workers", "1")
    victim = _wait_for(lambda: _running_grading(process.pid))[0]
    victim.kill()
    returncode, stderr = _finish(process)
    return {"out": out, "returncode": returncode, "stderr": stderr}


def test_killed_grading_process_is_graded_again(grading_process_killed):
    run = grading_process_killed
    assert run["returncode"] == 0, run["stderr"][-3000:]
    assert SUMMARY.search(run["stderr"]).groups() == (str(len(STUDENTS)), "0", "0")


def test_killed_grading_process_leaves_the_gradebook_undisturbed(
    grading_process_killed, undisturbed
):
    assert _gradebook(grading_process_killed["out"]) == _gradebook(undisturbed)


@pytest.fixture(scope="module")
def command_killed(submitted, undisturbed):
    """``grade`` killed with SIGKILL once one student is saved, then run again."""
    out = submitted.parent / "command_killed"
    process = _start(submitted, out, "--workers", "1")
    _wait_for(lambda: _saved(out))
    process.kill()
    process.wait()
    saved = _saved(out)
    time.sleep(1)
    left_running = [p.pid for p in _gradings_of(process.pid) if p.is_running()]
    partial = _partial_files(out)
    rerun = _rerun(submitted, out, "--workers", "2")
    return {"out": out, "saved": saved, "left": left_running, "partial": partial, "rerun": rerun}


def test_killed_command_leaves_no_grading_running(command_killed):
    assert command_killed["left"] == []


def test_killed_command_leaves_no_partial_file(command_killed):
    assert command_killed["partial"] == []


def test_rerun_after_a_kill_grades_only_what_was_missing(command_killed):
    saved = len(command_killed["saved"])
    assert command_killed["rerun"] == {
        "graded": len(STUDENTS) - saved,
        "skipped": saved,
        "failed": 0,
    }


def test_rerun_after_a_kill_gives_the_undisturbed_gradebook(command_killed, undisturbed):
    assert _gradebook(command_killed["out"]) == _gradebook(undisturbed)


@pytest.fixture(scope="module")
def interrupted(submitted, undisturbed):
    """Ctrl-C (SIGINT) once one student is saved, then the same command again."""
    out = submitted.parent / "interrupted"
    return _interrupted_then_rerun(submitted, out, ("--workers", "1"), ("--workers", "2"))


def _interrupted_then_rerun(
    submitted: Path, out: Path, options: tuple[str, ...], rerun_options: tuple[str, ...]
) -> dict:
    """Ctrl-C (SIGINT) to ``grade`` once one student is saved, then ``grade`` again."""
    process = _start(submitted, out, *options)
    _wait_for(lambda: _saved(out))
    process.send_signal(signal.SIGINT)
    returncode, stderr = _finish(process)
    run = {
        "out": out,
        "returncode": returncode,
        "stderr": stderr,
        "saved": _saved(out),
        "partial": _partial_files(out),
        "left": [p.pid for p in _gradings_of(process.pid) if p.is_running()],
    }
    run["rerun"] = _rerun(submitted, out, *rerun_options)
    return run


def test_interrupt_exits_130_and_says_how_to_go_on(interrupted):
    assert interrupted["returncode"] == 130
    assert "run the same command again" in interrupted["stderr"]


def test_interrupt_stops_every_grading(interrupted):
    assert interrupted["left"] == []


def test_rerun_after_an_interrupt_grades_only_what_was_missing(interrupted):
    saved = len(interrupted["saved"])
    assert interrupted["rerun"] == {"graded": len(STUDENTS) - saved, "skipped": saved, "failed": 0}


def test_rerun_after_an_interrupt_gives_the_undisturbed_gradebook(interrupted, undisturbed):
    assert _gradebook(interrupted["out"]) == _gradebook(undisturbed)


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file())


@contextlib.contextmanager
def _graded_on_a_small_disk(submitted: Path, undisturbed: Path, out: Path, *options: str):
    """Grades into ``out`` on a file system with room for one student's outputs, then again."""
    out.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(out)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode()[-200:]}")
    try:
        one_student = max(_folder_bytes(folder) for folder in (undisturbed / "students").iterdir())
        free = os.statvfs(out).f_bavail * os.statvfs(out).f_frsize
        with open(out / "filler", "wb") as filler:
            filler.write(bytes(free - one_student * 3 // 2))
        returncode, stderr = _finish(_start(submitted, out, *options))
        saved = _saved(out)
        partial = _partial_files(out)
        (out / "filler").unlink()
        rerun = _rerun(submitted, out, *options)
        yield {
            "out": out,
            "returncode": returncode,
            "stderr": stderr,
            "saved": saved,
            "partial": partial,
            "rerun": rerun,
            "gradebook": _gradebook(out),
        }
    finally:
        subprocess.run(["umount", "-l", str(out)], check=False)


@pytest.fixture(scope="module")
def disk_filled(submitted, undisturbed):
    """The output folder on a file system of its own, with room for one student's outputs."""
    out = submitted.parent / "small_disk"
    with _graded_on_a_small_disk(submitted, undisturbed, out, "--workers", "1") as run:
        yield run


def test_full_disk_stops_the_batch_with_exit_4_and_a_reason(disk_filled):
    assert disk_filled["returncode"] == 4, disk_filled["stderr"][-2000:]
    assert "No space left on device" in disk_filled["stderr"]


def test_full_disk_keeps_what_was_saved_and_leaves_no_partial_file(disk_filled):
    assert len(disk_filled["saved"]) == 1 and disk_filled["partial"] == []


def test_rerun_after_a_full_disk_grades_only_what_was_missing(disk_filled):
    assert disk_filled["rerun"] == {"graded": len(STUDENTS) - 1, "skipped": 1, "failed": 0}


def test_rerun_after_a_full_disk_gives_the_undisturbed_gradebook(disk_filled, undisturbed):
    assert disk_filled["gradebook"] == _gradebook(undisturbed)


@pytest.fixture(scope="module")
def dask_processes(tmp_path_factory):
    """A Dask scheduler and a worker process with two workers, each its own process."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    dask = Path(sys.executable).parent / "dask"
    common = ["--no-dashboard", "--host", "127.0.0.1"]
    started = [
        subprocess.Popen(
            [dask, "scheduler", "--port", "0", "--scheduler-file", scheduler_file, *common],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    ]
    try:
        _wait_for(scheduler_file.exists, 60)
        started.append(
            subprocess.Popen(
                [dask, "worker", "--scheduler-file", scheduler_file, "--nworkers", "2"]
                + ["--nthreads", "1", *common],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        from distributed import Client

        with Client(scheduler_file=str(scheduler_file), timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield scheduler_file, started[1].pid
    finally:
        for process in reversed(started):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def worker_killed(submitted, undisturbed, dask_processes):
    """A Dask worker process killed with SIGKILL while it grades; its task goes to another."""
    scheduler_file, launcher = dask_processes
    out = submitted.parent / "worker_killed"
    process = _start(submitted, out, "--scheduler", str(scheduler_file))
    worker = _wait_for(lambda: _grading_workers(launcher))[0]
    worker_pid = worker.pid
    worker.kill()
    returncode, stderr = _finish(process)
    time.sleep(1)
    left_running = [p.pid for p in _gradings_of(worker_pid) if p.is_running()]
    return {"out": out, "returncode": returncode, "stderr": stderr, "left": left_running}


def _grading_workers(launcher: int) -> list[psutil.Process]:
    """Worker processes under the ``dask worker`` process ``launcher`` that are grading now."""
    try:
        workers = psutil.Process(launcher).children(recursive=True)
    except psutil.Error:
        return []
    return [worker for worker in workers if _running_grading(worker.pid)]


def test_killed_worker_loses_no_grade(worker_killed):
    run = worker_killed
    assert run["returncode"] == 0, run["stderr"][-3000:]
    assert SUMMARY.search(run["stderr"]).groups() == (str(len(STUDENTS)), "0", "0")


def test_killed_worker_leaves_no_grading_running(worker_killed):
    assert worker_killed["left"] == []


def test_killed_worker_leaves_the_gradebook_undisturbed(worker_killed, undisturbed):
    assert _gradebook(worker_killed["out"]) == _gradebook(undisturbed)


@pytest.fixture(scope="module")
def command_killed_on_a_cluster(submitted, undisturbed, dask_processes):
    """``grade --scheduler`` killed with SIGKILL once one student is saved, then run again."""
    scheduler_file, _ = dask_processes
    out = submitted.parent / "cluster_command_killed"
    process = _start(submitted, out, "--scheduler", str(scheduler_file))
    _wait_for(lambda: _saved(out))
    process.kill()
    process.wait()
    saved = _saved(out)
    rerun = _rerun(submitted, out, "--scheduler", str(scheduler_file))
    return {"out": out, "saved": saved, "rerun": rerun}


def test_rerun_on_a_cluster_after_a_kill_grades_only_what_was_missing(
    command_killed_on_a_cluster,
):
    saved = len(command_killed_on_a_cluster["saved"])
    assert command_killed_on_a_cluster["rerun"] == {
        "graded": len(STUDENTS) - saved,
        "skipped": saved,
        "failed": 0,
    }


def test_rerun_on_a_cluster_after_a_kill_gives_the_undisturbed_gradebook(
    command_killed_on_a_cluster, undisturbed
):
    assert _gradebook(command_killed_on_a_cluster["out"]) == _gradebook(undisturbed)


@pytest.fixture(scope="module")
def interrupted_on_a_cluster(submitted, undisturbed, dask_processes):
    """Ctrl-C (SIGINT) to ``grade --scheduler`` once one student is saved, then run again."""
    scheduler_file, _ = dask_processes
    out = submitted.parent / "cluster_interrupted"
    options = ("--scheduler", str(scheduler_file))
    return _interrupted_then_rerun(submitted, out, options, options)


def test_interrupt_on_a_cluster_exits_130_and_says_how_to_go_on(interrupted_on_a_cluster):
    assert interrupted_on_a_cluster["returncode"] == 130, interrupted_on_a_cluster["stderr"][-2000:]
    assert "run the same command again" in interrupted_on_a_cluster["stderr"]


def test_interrupt_on_a_cluster_leaves_no_partial_file(interrupted_on_a_cluster):
    assert interrupted_on_a_cluster["partial"] == []


def test_rerun_on_a_cluster_after_an_interrupt_grades_each_student_once(interrupted_on_a_cluster):
    rerun = interrupted_on_a_cluster["rerun"]
    assert rerun["failed"] == 0 and rerun["graded"] + rerun["skipped"] == len(STUDENTS)
    assert rerun["skipped"] >= len(interrupted_on_a_cluster["saved"])


def test_rerun_on_a_cluster_after_an_interrupt_gives_the_undisturbed_gradebook(
    interrupted_on_a_cluster, undisturbed
):
    assert _gradebook(interrupted_on_a_cluster["out"]) == _gradebook(undisturbed)


@pytest.fixture(scope="module")
def disk_filled_on_a_cluster(submitted, undisturbed, dask_processes):
    """``grade --scheduler`` writing to a file system with room for one student's outputs."""
    scheduler_file, _ = dask_processes
    out = submitted.parent / "cluster_small_disk"
    with _graded_on_a_small_disk(
        submitted, undisturbed, out, "--scheduler", str(scheduler_file)
    ) as run:
        yield run


def test_full_disk_on_a_cluster_stops_the_batch_with_exit_4(disk_filled_on_a_cluster):
    assert disk_filled_on_a_cluster["returncode"] == 4, disk_filled_on_a_cluster["stderr"][-2000:]
    assert "No space left on device" in disk_filled_on_a_cluster["stderr"]


def test_full_disk_on_a_cluster_leaves_no_partial_file(disk_filled_on_a_cluster):
    assert disk_filled_on_a_cluster["partial"] == []


def test_rerun_on_a_cluster_after_a_full_disk_gives_the_undisturbed_gradebook(
    disk_filled_on_a_cluster, undisturbed
):
    rerun = disk_filled_on_a_cluster["rerun"]
    assert rerun["failed"] == 0 and rerun["graded"] + rerun["skipped"] == len(STUDENTS)
    assert disk_filled_on_a_cluster["gradebook"] == _gradebook(undisturbed)
