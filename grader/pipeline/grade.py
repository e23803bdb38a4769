"""Grades one notebook: producer (sandboxed) → judge (sandboxed, trusted code) → result.

:func:`grade_notebook` is what the ``check`` command and batch grading call. It starts Keras
processes on the caller's backend (:mod:`grader.pipeline.backend`), each in its own sandbox: one
producer run (more only when the submission hangs or crashes, to grade the exercises after the one
that stopped it) and the judge, one process or, where the grading has two cores to itself, two that
share the checks (:func:`~grader.pipeline.judging.judge_parts`), the second only where the
submission writes the blocks the retrain builds on. Where the sandboxes have process
namespaces of their own and the grading has a spare core, the judges start with the producer and
spend its run starting Keras. The producer then builds the retrain's artifact first, and the
retrain judge starts on a private copy of it while the producer goes on; the other judge reads
the artifacts only once the producer's processes are gone
(:class:`~grader.pipeline.judging.StartedJudge`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from grader.pipeline.backend import keras_backend
from grader.pipeline.judging import (
    EARLY_GATES,
    JUDGE_TIMEOUT_S,
    JudgeRun,
    StartedJudge,
    judge_parts,
    judge_results,
    start_judges,
    starts_before_producer_ends,
)
from grader.pipeline.notebook import SubmissionCode, load_submission, unwritten_functions
from grader.pipeline.sandbox import probe_isolation
from grader.pipeline.supervisor import (
    PRODUCER_TIMEOUT_S,
    STEP_TIMEOUT_S,
    ProductionResult,
    private_course_paths,
    produce,
)
from grader.report.result import ExerciseResult, GradeResult, Verdicts
from grader.sandboxed.cases import get_case
from grader.sandboxed.contract import EXERCISES, STATUS_OK, TRAIN_EXERCISE

__all__ = ["JUDGE_TIMEOUT_S", "grade_notebook"]

# Beyond the producer's own budget, how long its clean-up and the manifest may keep the gate closed.
_GATE_SLACK_S = 120.0


def grade_notebook(
    path: str | os.PathLike,
    *,
    workdir: str | os.PathLike | None = None,
    timeout: float = PRODUCER_TIMEOUT_S,
    step_timeout: float = STEP_TIMEOUT_S,
    judge_timeout: float = JUDGE_TIMEOUT_S,
    cases: list[tuple[str, str]] | None = None,
    isolation: str | None = None,
    model_problem: str = "",
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
        model_problem: why the student's saved model was not handed to the grader (found by whoever
            staged the submission); empty when it was, or when there is none.

    Returns:
        The graded result.

    Raises:
        grader.pipeline.notebook.NotebookError: if the file is not a readable notebook.
        GradingError: if the judge could not run, if ``KERAS_BACKEND`` names a backend the grader
            does not run on, or (as its subclass
            :class:`~grader.pipeline.sandbox.IsolationError`) the requested isolation does not work
            here.
    """
    started = time.monotonic()
    keras_backend()
    submission = load_submission(path)
    level = probe_isolation(isolation)
    own_workdir = workdir is None
    root = Path(tempfile.mkdtemp(prefix="grader-")) if own_workdir else Path(workdir)
    try:
        root.mkdir(parents=True, exist_ok=True)
        if own_workdir:
            # Entered, never listed, by the sandbox user when level none gives up root.
            os.chmod(root, 0o711)
        production, judged_run, produced = _produce_then_judge(
            submission,
            root,
            level,
            cases=cases,
            timeout=timeout,
            step_timeout=step_timeout,
            judge_timeout=judge_timeout,
            model_problem=model_problem,
        )
        judged = time.monotonic()
        disk = _disk_bytes(root)
    finally:
        if own_workdir:
            shutil.rmtree(root, ignore_errors=True)
    manifest = production.manifest
    verdicts = judged_run.verdicts
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
        resources={
            "producer_peak_memory_bytes": max(
                (run.peak_memory_bytes for run in production.runs), default=0
            ),
            "judge_peak_memory_bytes": judged_run.peak_memory_bytes,
            "disk_bytes": disk,
        },
    )


def _produce_then_judge(
    submission: SubmissionCode,
    root: Path,
    level: str,
    *,
    cases: list[tuple[str, str]] | None,
    timeout: float,
    step_timeout: float,
    judge_timeout: float,
    model_problem: str,
) -> tuple[ProductionResult, JudgeRun, float]:
    """Runs the producer, and the judges on its artifacts once its processes are gone.

    Where the judges start early, the retrain's exercise is built first and its judge's gate opens
    as soon as it is (see :data:`~grader.pipeline.judging.EARLY_GATES`).

    Returns:
        The production, the judges' verdicts, and the monotonic time the production ended.
    """
    judges: list[StartedJudge] = []
    retrain_uses = get_case(TRAIN_EXERCISE, "retrain").uses
    parts = judge_parts(retrain=not unwritten_functions(submission).intersection(retrain_uses))

    def start(artifact_dir: Path, wait_s: float = 0.0) -> None:
        judges.extend(
            start_judges(
                artifact_dir,
                root / "judge",
                timeout_s=judge_timeout,
                isolation=level,
                hidden=private_course_paths(),
                wait_s=wait_s,
                parts=parts,
            )
        )

    def start_early(artifact_dir: Path) -> None:
        start(artifact_dir, wait_s=timeout + _GATE_SLACK_S)

    def built(exercise: str) -> None:
        for judge in judges:
            if judge.early_exercise == exercise:
                judge.open_gate()

    early = starts_before_producer_ends(level)
    try:
        production = produce(
            submission,
            root / "producer",
            cases=cases,
            timeout_s=timeout,
            step_timeout_s=step_timeout,
            isolation=level,
            model_problem=model_problem,
            on_prepared=start_early if early else None,
            build_first=tuple(EARLY_GATES[p] for p in parts if p in EARLY_GATES) if early else (),
            on_built=built if early else None,
        )
    except BaseException:
        for judge in judges:
            judge.cancel()
        raise
    produced = time.monotonic()
    if not judges:
        start(production.artifact_dir)
    for judge in judges:
        judge.open_gate()
    return production, judge_results(judges), produced


def _disk_bytes(root: Path) -> int:
    """Bytes the grading's files take on disk (artifacts, scratch at level none, verdicts)."""
    total = 0
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
            except OSError:
                continue
    return total


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
