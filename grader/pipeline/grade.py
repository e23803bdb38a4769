"""Grades one notebook: producer (sandboxed) → judge (separate trusted process) → result.

:func:`grade_notebook` is what the ``check`` command and batch grading call. It starts exactly two
TensorFlow processes: one producer run (more only when the submission hangs or crashes, to grade the
exercises after the one that stopped it) and one judge.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.pipeline.errors import GradingError
from grader.pipeline.notebook import load_submission
from grader.pipeline.supervisor import PRODUCER_TIMEOUT_S, STEP_TIMEOUT_S, produce
from grader.report.result import ExerciseResult, GradeResult, ResultError, Verdicts
from grader.sandboxed.contract import EXERCISES, STATUS_OK

#: Seconds the judge may take on one submission's artifacts.
JUDGE_TIMEOUT_S = 600.0
_JUDGE_OUTPUT_CHARS = 4000


def grade_notebook(
    path: str | os.PathLike,
    *,
    workdir: str | os.PathLike | None = None,
    timeout: float = PRODUCER_TIMEOUT_S,
    step_timeout: float = STEP_TIMEOUT_S,
    judge_timeout: float = JUDGE_TIMEOUT_S,
    cases: list[tuple[str, str]] | None = None,
    isolation: str | None = None,
) -> GradeResult:
    """Grades one submission notebook.

    Args:
        path: the submission ``.ipynb``; a trained model, if any, lies next to it as
            ``resnet50_signs.keras``.
        workdir: a directory to keep the artifacts and verdicts in; default: a temporary one,
            removed after.
        timeout: wall-clock seconds for all of the producer's work on this submission.
        step_timeout: wall-clock seconds for one step of it (one cell, or one case of one exercise).
        judge_timeout: wall-clock seconds for the judge.
        cases: the (exercise, case) pairs to build; default: all (tests pass a small subset).
        isolation: force a sandbox level (``bwrap``, ``unshare``, ``none``); default: the strongest
            available.

    Returns:
        The graded result.

    Raises:
        grader.pipeline.notebook.NotebookError: if the file is not a readable notebook.
        GradingError: if the judge could not run, or (as its subclass
            :class:`~grader.pipeline.sandbox.IsolationError`) the requested isolation does not work
            here.
    """
    started = time.monotonic()
    submission = load_submission(path)
    own_workdir = workdir is None
    root = Path(tempfile.mkdtemp(prefix="grader-")) if own_workdir else Path(workdir)
    try:
        root.mkdir(parents=True, exist_ok=True)
        production = produce(
            submission,
            root / "producer",
            cases=cases,
            timeout_s=timeout,
            step_timeout_s=step_timeout,
            isolation=isolation,
        )
        produced = time.monotonic()
        verdicts = run_judge(
            production.artifact_dir, root / "verdicts.json", timeout_s=judge_timeout
        )
        judged = time.monotonic()
    finally:
        if own_workdir:
            shutil.rmtree(root, ignore_errors=True)
    manifest = production.manifest
    return GradeResult(
        notebook=Path(path),
        exercises=_exercise_results(manifest, verdicts),
        isolation=manifest.isolation,
        notebook_problems=list(manifest.notebook_problems),
        producer_exit=manifest.producer_exit,
        trained_model=manifest.trained_model is not None,
        timings={
            "producer": round(produced - started, 2),
            "judge": round(judged - produced, 2),
            "total": round(judged - started, 2),
        },
        output_tail=manifest.output_tail,
    )


def run_judge(
    artifact_dir: Path, verdicts_path: Path, *, timeout_s: float = JUDGE_TIMEOUT_S
) -> Verdicts:
    """Runs ``python -m grader.judge ARTIFACT_DIR --out VERDICTS`` in a fresh process.

    Args:
        artifact_dir: the producer's artifact directory.
        verdicts_path: where the judge writes its verdicts.
        timeout_s: wall-clock seconds before the judge is stopped.

    Returns:
        The verdicts the judge wrote.

    Raises:
        GradingError: if the judge failed, timed out or wrote no readable verdicts.
    """
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    command = [sys.executable, "-m", "grader.judge", str(artifact_dir), "--out", str(verdicts_path)]
    verdicts_path.unlink(missing_ok=True)
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout_s,
            env=env,
            cwd=artifact_dir.parent,
        )
    except subprocess.TimeoutExpired as exc:
        raise GradingError(f"the judge did not finish within {timeout_s:.0f} s") from exc
    if done.returncode != 0 or not verdicts_path.is_file():
        tail = (done.stdout + done.stderr)[-_JUDGE_OUTPUT_CHARS:]
        raise GradingError(f"the judge failed (exit status {done.returncode}):\n{tail}")
    try:
        return Verdicts.load(verdicts_path)
    except ResultError as exc:
        raise GradingError(f"the judge wrote unreadable verdicts: {exc}") from exc


def _exercise_results(manifest, verdicts: Verdicts) -> list[ExerciseResult]:
    results = {}
    for name in EXERCISES:
        record = manifest.exercises[name]
        results[name] = ExerciseResult(
            name=name,
            status=record.status,
            message="" if record.status == STATUS_OK else record.message,
            traceback=record.traceback,
        )
    for check in verdicts.checks:
        results.setdefault(
            check.exercise, ExerciseResult(name=check.exercise, status=STATUS_OK)
        ).checks.append(check)
    return list(results.values())
