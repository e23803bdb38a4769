"""Grade one notebook with the real single-notebook grader, in its own process.

The batch command and the nbgrader bridge both grade through ``python -m grader check NOTEBOOK --json``,
the grader's stable interface: a crash, a hang or a memory blow-up while grading one submission then
ends one child process, never the caller. The producer and the judge are further subprocesses of it.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from grader.sandboxed.contract import TRAINED_MODEL_NAME

# Generous: the grader applies its own, tighter limits to the producer and the judge.
DEFAULT_TIMEOUT_S = 1800.0
_ERROR_TAIL_CHARS = 2000
#: TensorFlow reads its thread-pool sizes from these; the producer's sandbox passes them through.
TENSORFLOW_THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")
# Gradings running in this process, so that an interrupted batch can end them all at once.
_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()
_STOPPING = threading.Event()


class GradingFailed(RuntimeError):
    """The grader could not grade a notebook (as opposed to grading it with a low score)."""


def run_check(notebook: str | os.PathLike, *, timeout_s: float = DEFAULT_TIMEOUT_S, threads: int | None = None) -> dict:
    """Runs ``python -m grader check NOTEBOOK --json`` and returns its results.

    Args:
        notebook: the ``.ipynb`` to grade; a trained model, if any, lies next to it as
            ``resnet50_signs.keras``.
        timeout_s: wall-clock seconds before the grading process is killed.
        threads: TensorFlow threads the producer and the judge may each use; None for TensorFlow's default.

    Returns:
        The Gradescope-schema results: ``score``, ``max_score``, ``tests`` (each with ``name``, ``score``,
        ``max_score``, ``status``, ``output``) and whatever else the grader reports.

    Raises:
        GradingFailed: if the grader exited non-zero, timed out, or printed no results object.
    """
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # Several gradings may share one GPU: each must take GPU memory as it needs it, not all of it up front.
    env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    if threads is not None:
        env.update(tensorflow_thread_environment(threads))
    command = [sys.executable, "-m", "grader", "check", os.fspath(notebook), "--json"]
    # Its own process group, so that a timeout or an interrupt ends the producer and judge with it.
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        errors="replace", env=env, start_new_session=True,
    )
    with _RUNNING_LOCK:
        _RUNNING.add(process)
        if _STOPPING.is_set():
            _signal_group(process)
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        _kill_group(process)
        raise GradingFailed(f"the grader did not finish within {timeout_s:g} s") from exc
    except BaseException:
        _kill_group(process)
        raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(process)
    if process.returncode != 0:
        raise GradingFailed(
            f"the grader exited with status {process.returncode}: {_tail(stderr or stdout)}"
        )
    return parse_results(stdout)


def tensorflow_thread_environment(threads: int) -> dict[str, str]:
    """The environment variables that limit a TensorFlow process to ``threads`` threads per operation pool."""
    return {name: str(threads) for name in TENSORFLOW_THREAD_VARIABLES}


def parse_results(stdout: str) -> dict:
    """Extracts the results object from the grader's standard output.

    Args:
        stdout: everything ``python -m grader check --json`` printed.

    Returns:
        The parsed results object.

    Raises:
        GradingFailed: if no JSON object with ``score``, ``max_score`` and ``tests`` is found.
    """
    text = stdout.strip()
    candidates = [text] + [text[i:] for i in range(len(text)) if text[i] == "{" and (i == 0 or text[i - 1] == "\n")]
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict) and {"score", "max_score", "tests"} <= data.keys():
            return data
    raise GradingFailed(f"the grader printed no results object: {_tail(stdout) or '(no output)'}")


def stage_submission(notebook: Path, model: Path | None, into: Path) -> Path:
    """Copies a submission into a private folder laid out the way the grader expects.

    Args:
        notebook: the student's notebook.
        model: the student's saved trained model, or None.
        into: an empty folder to fill.

    Returns:
        The staged notebook's path; the model, if any, lies next to it as ``resnet50_signs.keras``.
    """
    staged = into / notebook.name
    shutil.copyfile(notebook, staged)
    if model is not None:
        shutil.copyfile(model, into / TRAINED_MODEL_NAME)
    return staged


def grade_files(notebook: Path, model: Path | None, *, timeout_s: float = DEFAULT_TIMEOUT_S,
                threads: int | None = None) -> dict:
    """Stages a submission in a temporary folder and grades it there.

    Args:
        notebook: the student's notebook.
        model: the student's saved trained model, or None.
        timeout_s: wall-clock seconds before the grading process is killed.
        threads: TensorFlow threads per process (see :func:`run_check`).

    Returns:
        The grader's results (see :func:`run_check`).

    Raises:
        GradingFailed: if grading could not run.
        OSError: if the submission cannot be read.
    """
    with tempfile.TemporaryDirectory(prefix="grade-") as scratch:
        staged = stage_submission(Path(notebook), None if model is None else Path(model), Path(scratch))
        try:
            return run_check(staged, timeout_s=timeout_s, threads=threads)
        except GradingFailed as exc:
            # Name the student's file, not the private copy that was graded.
            raise GradingFailed(str(exc).replace(str(staged), str(notebook))) from exc


def stop_running_gradings() -> int:
    """Kills every grading this process started that is still running, and any about to start.

    For an interrupted batch: the embedded cluster's worker threads would otherwise wait for them.

    Returns:
        How many were running.
    """
    with _RUNNING_LOCK:
        _STOPPING.set()
        running = list(_RUNNING)
    for process in running:
        _signal_group(process)
    return len(running)


def allow_gradings() -> None:
    """Lets gradings start again after :func:`stop_running_gradings` (a new batch in the same process)."""
    _STOPPING.clear()


def _kill_group(process: subprocess.Popen) -> None:
    _signal_group(process)
    process.communicate()


def _signal_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _tail(text: str) -> str:
    text = (text or "").strip()
    return text if len(text) <= _ERROR_TAIL_CHARS else "..." + text[-_ERROR_TAIL_CHARS:]
