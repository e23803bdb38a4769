"""Grade one notebook: producer (sandboxed) → judge (separate trusted process) → result.

:func:`grade_notebook` is what the ``check`` command and batch grading call. It starts exactly two
TensorFlow processes: one producer run (more only when the submission hangs or crashes, to grade the
exercises after the one that stopped it) and one judge.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandboxed.contract import EXERCISES, STATUS_OK, ProducerExit
from grader.pipeline.notebook import load_submission
from grader.pipeline.supervisor import DEFAULT_STEP_TIMEOUT_S, DEFAULT_TIMEOUT_S, produce

DEFAULT_JUDGE_TIMEOUT_S = 600.0
_JUDGE_OUTPUT_CHARS = 4000


class GradingError(RuntimeError):
    """Grading itself could not run (as opposed to a submission that scored low)."""


@dataclass
class CheckResult:
    """One hidden check's verdict.

    Attributes:
        id: ``<exercise>: <title>``, the name students and Gradescope see.
        exercise: the exercise it belongs to.
        passed: whether it passed.
        score: points earned.
        max_score: points it is worth.
        message: why it failed, for the student; empty when passed.
        grader_error: the check could not run because of a fault in the grader, not in the submission.
    """

    id: str
    exercise: str
    passed: bool
    score: float
    max_score: float
    message: str = ""
    grader_error: bool = False


@dataclass
class ExerciseResult:
    """What happened to one exercise: how its code ran, and its checks.

    Attributes:
        name: the exercise's function name (or ``train_resnet50``).
        status: the producer's status (``ok``, ``error``, ``missing``, ``timeout``, ``crashed``).
        message: the producer's one-line account when not ``ok``.
        traceback: the student's traceback, trimmed to their own lines.
        checks: the exercise's checks, in the grader's order.
    """

    name: str
    status: str
    message: str = ""
    traceback: str = ""
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(check.score for check in self.checks)

    @property
    def max_score(self) -> float:
        return sum(check.max_score for check in self.checks)


@dataclass
class GradeResult:
    """Everything known about one graded notebook.

    Attributes:
        notebook: the notebook graded.
        exercises: one entry per exercise, in the assignment's order.
        isolation: the sandbox isolation the student's code ran under.
        notebook_problems: missing, renamed or reordered cells, and similar notes.
        producer_exit: how the producer ended (its last run, with every abnormal end described).
        trained_model: whether the notebook's folder held a saved trained model.
        timings: seconds spent, by phase (``producer``, ``judge``, ``total``).
        output_tail: the end of the producer's captured output.
    """

    notebook: Path
    exercises: list[ExerciseResult]
    isolation: str
    notebook_problems: list[str] = field(default_factory=list)
    producer_exit: ProducerExit = field(default_factory=ProducerExit)
    trained_model: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    output_tail: str = ""

    @property
    def score(self) -> float:
        return sum(exercise.score for exercise in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(exercise.max_score for exercise in self.exercises)

    @property
    def checks(self) -> list[CheckResult]:
        return [check for exercise in self.exercises for check in exercise.checks]


def grade_notebook(
    path: str | os.PathLike,
    *,
    workdir: str | os.PathLike | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    step_timeout: float = DEFAULT_STEP_TIMEOUT_S,
    judge_timeout: float = DEFAULT_JUDGE_TIMEOUT_S,
    cases: list[tuple[str, str]] | None = None,
    isolation: str | None = None,
) -> GradeResult:
    """Grades one submission notebook.

    Args:
        path: the submission ``.ipynb``; a trained model, if any, lies next to it as ``resnet50_signs.keras``.
        workdir: a directory to keep the artifacts and verdicts in; default: a temporary one, removed after.
        timeout: wall-clock seconds for all of the producer's work on this submission.
        step_timeout: wall-clock seconds for one step of it (one cell, or one case of one exercise).
        judge_timeout: wall-clock seconds for the judge.
        cases: the (exercise, case) pairs to build; default: all (tests pass a small subset).
        isolation: force a sandbox level (``bwrap``, ``unshare``, ``none``); default: the strongest available.

    Returns:
        The graded result.

    Raises:
        grader.pipeline.notebook.NotebookError: if the file is not a readable notebook.
        GradingError: if the judge could not run.
        grader.pipeline.sandbox.IsolationError: if the requested isolation level does not work here.
    """
    started = time.monotonic()
    submission = load_submission(path)
    own_workdir = workdir is None
    root = Path(tempfile.mkdtemp(prefix="grader-")) if own_workdir else Path(workdir)
    try:
        root.mkdir(parents=True, exist_ok=True)
        production = produce(
            submission, root / "producer", cases=cases, timeout_s=timeout, step_timeout_s=step_timeout,
            isolation=isolation,
        )
        produced = time.monotonic()
        verdicts = run_judge(production.artifact_dir, root / "verdicts.json", timeout_s=judge_timeout)
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


def run_judge(artifact_dir: Path, verdicts_path: Path, *, timeout_s: float = DEFAULT_JUDGE_TIMEOUT_S) -> dict:
    """Runs ``python -m grader.judge ARTIFACT_DIR --out VERDICTS`` in a fresh process.

    Args:
        artifact_dir: the producer's artifact directory.
        verdicts_path: where the judge writes its verdicts.
        timeout_s: wall-clock seconds before the judge is stopped.

    Returns:
        The verdicts (see :mod:`grader.judge`).

    Raises:
        GradingError: if the judge failed, timed out or wrote no verdicts.
    """
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    command = [sys.executable, "-m", "grader.judge", str(artifact_dir), "--out", str(verdicts_path)]
    verdicts_path.unlink(missing_ok=True)
    try:
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
            timeout=timeout_s, env=env, cwd=artifact_dir.parent,
        )
    except subprocess.TimeoutExpired as exc:
        raise GradingError(f"the judge did not finish within {timeout_s:.0f} s") from exc
    if done.returncode != 0 or not verdicts_path.is_file():
        tail = (done.stdout + done.stderr)[-_JUDGE_OUTPUT_CHARS:]
        raise GradingError(f"the judge failed (exit status {done.returncode}):\n{tail}")
    try:
        return json.loads(verdicts_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise GradingError(f"the judge wrote unreadable verdicts: {exc}") from exc


def _exercise_results(manifest, verdicts: dict) -> list[ExerciseResult]:
    results = {}
    for name in EXERCISES:
        record = manifest.exercises[name]
        results[name] = ExerciseResult(
            name=name,
            status=record.status,
            message="" if record.status == STATUS_OK else record.message,
            traceback=record.traceback,
        )
    for check in verdicts.get("checks", []):
        exercise = results.setdefault(check["exercise"], ExerciseResult(name=check["exercise"], status=STATUS_OK))
        exercise.checks.append(
            CheckResult(
                id=check["id"],
                exercise=check["exercise"],
                passed=bool(check["passed"]),
                score=check["score"],
                max_score=check["max_score"],
                message=check.get("message", ""),
                grader_error=bool(check.get("grader_error", False)),
            )
        )
    return list(results.values())
