"""Grades one notebook with the real single-notebook grader, in a child process of its own.

The batch command and the nbgrader bridge both grade through ``python -m grader check NOTEBOOK``,
the grader's own front door, so that a crash, a hang or a memory blow-up while grading one
submission ends one child process, never the caller. The child writes its
:class:`~grader.report.result.GradeResult` to a file, which the caller reads back with
``GradeResult.load``; nothing is parsed from its printed output. The producer and the judge are
further subprocesses of the child.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from grader.pipeline.backend import (
    inherited_thread_environment,
    keras_backend,
    thread_environment,
)
from grader.pipeline.errors import GradingError
from grader.pipeline.sandbox import die_with_parent
from grader.report.result import GradeResult, ResultError
from grader.sandboxed.contract import TRAINED_MODEL_NAME

#: Seconds one whole grading (producer runs and judge) may take; generous, since the grader applies
#: its own, tighter limits to the producer and the judge.
GRADING_TIMEOUT_S = 1800.0
#: The ``check`` command's option that writes the typed result to a file, for this module only.
RESULT_FILE_OPTION = "--result-file"
#: The ``check`` command's option that says why the saved model was left out, for this module only.
MODEL_PROBLEM_OPTION = "--model-problem"
#: Set for the grading child: the process id it must die with (see :func:`die_with_starter`).
PARENT_VARIABLE = "GRADER_PARENT_PID"
_ERROR_TAIL_CHARS = 2000
# Gradings running in this process, so that an interrupted batch can end them all at once.
_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()
_STOPPING = threading.Event()


def sandboxed_python_environment(scratch: Path) -> dict[str, str]:
    """The environment that the producer and the judge, Python in the sandbox, both start with.

    Args:
        scratch: the process's own writable folder: its home, temporary files, Keras's and
            Matplotlib's caches.

    Returns:
        The variables; each caller adds its own.

    Raises:
        GradingError: if the caller's ``KERAS_BACKEND`` is not one the grader runs on.
    """
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(scratch),
        "TMPDIR": str(scratch),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8",
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"),
        # The caller's backend (see grader.pipeline.backend).
        "KERAS_BACKEND": keras_backend(),
        "KERAS_HOME": str(scratch / ".keras"),
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(scratch / ".matplotlib"),
        # The producer only builds graphs and the judge's checks train small models: both run on
        # the CPU, and no GPU is grabbed from the trainer.
        "CUDA_VISIBLE_DEVICES": "",
        # A batch grading's share of the cores (see grader.batch.run.threads_per_grading).
        **inherited_thread_environment(),
    }


class GradingKilled(GradingError):
    """The grading process was killed by a signal that the grader did not send."""


def grade_in_child_process(
    notebook: str | os.PathLike,
    result_file: str | os.PathLike,
    *,
    timeout_s: float = GRADING_TIMEOUT_S,
    threads: int | None = None,
    model_problem: str = "",
) -> GradeResult:
    """Runs ``python -m grader check NOTEBOOK --result-file FILE`` and reads the result it writes.

    Args:
        notebook: the ``.ipynb`` to grade; a trained model, if any, lies next to it as
            ``resnet50_signs.keras``.
        result_file: where the child writes its result (a path the caller owns).
        timeout_s: wall-clock seconds before the grading process is killed.
        threads: threads per pool of the Keras backend that the producer and the judge may each
            use; None for the backend's default.
        model_problem: why the student's saved model was left out; empty when it was not.

    Returns:
        The graded result.

    Raises:
        GradingKilled: if something outside the grader killed the grading process.
        GradingError: if the grader exited non-zero, timed out, or wrote no readable result.
    """
    env = dict(os.environ, **{PARENT_VARIABLE: str(os.getpid())})
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # Several gradings may share one GPU: each must take GPU memory as it needs it, not all of it up
    # front.
    env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    if threads is not None:
        env.update(thread_environment(threads))
    command = [
        sys.executable,
        "-m",
        "grader",
        "check",
        os.fspath(notebook),
        RESULT_FILE_OPTION,
        os.fspath(result_file),
    ] + ([MODEL_PROBLEM_OPTION, model_problem] if model_problem else [])
    # Its own process group, so that a timeout or an interrupt ends the producer and judge with it.
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        env=env,
        start_new_session=True,
    )
    with _RUNNING_LOCK:
        _RUNNING.add(process)
        if _STOPPING.is_set():
            _signal_group(process)
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        _kill_group(process)
        raise GradingError(f"the grader did not finish within {timeout_s:g} s") from exc
    except BaseException:
        _kill_group(process)
        raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(process)
    if process.returncode < 0 and not _STOPPING.is_set():
        raise GradingKilled(
            f"the grading process was killed by signal {-process.returncode} "
            f"({_signal_name(-process.returncode)}): {_tail(stderr or stdout) or 'no output'}"
        )
    if process.returncode != 0:
        raise GradingError(
            f"the grader exited with status {process.returncode}: {_tail(stderr or stdout)}"
        )
    try:
        return GradeResult.load(result_file)
    except ResultError as exc:
        raise GradingError(
            f"the grader wrote no readable result: {exc}; it printed: "
            f"{_tail(stdout + stderr) or '(nothing)'}"
        ) from exc


def die_with_starter() -> bool:
    """In a grading child: dies with the process that started it; False if that one is gone.

    Without this, a batch worker killed with ``kill -9`` would leave its gradings running, their
    sandboxes with them, and the re-run would grade those students twice at once.

    Returns:
        False when the starting process had already ended before this one could attach to it.
    """
    expected = os.environ.get(PARENT_VARIABLE)
    if not expected:
        return True
    die_with_parent()
    return os.getppid() == int(expected)


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


def grade_files(
    notebook: Path,
    model: Path | None,
    *,
    timeout_s: float = GRADING_TIMEOUT_S,
    threads: int | None = None,
    model_problem: str = "",
) -> GradeResult:
    """Stages a submission in a temporary folder and grades it there, in a child process.

    A grading process killed from outside (the machine's out-of-memory killer, a stray ``kill``) is
    started once more before the submission counts as not graded.

    Args:
        notebook: the student's notebook.
        model: the student's saved trained model, or None.
        timeout_s: wall-clock seconds before the grading process is killed.
        threads: threads per process (see :func:`grade_in_child_process`).
        model_problem: why the student's saved model was left out; empty when it was not.

    Returns:
        The graded result.

    Raises:
        GradingError: if grading could not run.
        OSError: if the submission cannot be read.
    """
    with tempfile.TemporaryDirectory(prefix="grade-") as scratch:
        # Entered, never listed, by the sandbox user when level none gives up root.
        os.chmod(scratch, 0o711)
        folder = Path(scratch) / "submission"
        folder.mkdir()
        staged = stage_submission(Path(notebook), None if model is None else Path(model), folder)

        def attempt() -> GradeResult:
            return grade_in_child_process(
                staged,
                Path(scratch) / "result.json",
                timeout_s=timeout_s,
                threads=threads,
                model_problem=model_problem,
            )

        try:
            try:
                return attempt()
            except GradingKilled:
                return attempt()
        except GradingError as exc:
            raise _naming(exc, staged, notebook) from exc


def _naming(exc: GradingError, staged: Path, notebook: Path) -> GradingError:
    """The same error naming the student's file, not the private copy that was graded."""
    return type(exc)(str(exc).replace(str(staged), str(notebook)))


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
    """Lets gradings start again after :func:`stop_running_gradings` (a new batch)."""
    _STOPPING.clear()


def _kill_group(process: subprocess.Popen) -> None:
    _signal_group(process)
    process.communicate()


def _signal_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "unknown"


def _tail(text: str) -> str:
    text = (text or "").strip()
    return text if len(text) <= _ERROR_TAIL_CHARS else "..." + text[-_ERROR_TAIL_CHARS:]
