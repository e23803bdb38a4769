"""Runs the hidden checks over artifact directories, in this process, and collects their verdicts.

The checks are ordinary pytest tests in ``grader/judge/checks``;
:class:`~grader.judge.collector.VerdictCollector` hands them each submission's artifacts and records
every test's outcome. Every check of :data:`grader.judge.points.CHECKS` gets a verdict, in that
order; a check that did not run (a grader fault) is failed with ``grader_error`` set.

The checks that train a model (:data:`TRAINING_CHECKS`) take most of a judge's time, and tracing
their training steps keeps one core busy while the other waits; a grading that has the cores to
itself runs them as a part of their own (``part="training"``) in a second judge process, beside the
rest (``part="rest"``, which lists them as :data:`DEFERRED` until the two are merged).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from grader.judge import points
from grader.judge.artifacts import SubmittedArtifacts
from grader.judge.collector import VerdictCollector
from grader.report.result import CheckResult, Verdicts

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
#: Checks that train a model from scratch.
TRAINING_CHECKS = ("test_retrain_from_scratch_learns",)
#: The parts a judge process may run: the training checks, or every other check.
PARTS = ("training", "rest")
#: What the ``rest`` part says of a training check, until the training part's verdict replaces it.
DEFERRED = "the check runs in a judge process of its own (grader error, please report it)"


def run_checks(
    artifact_dirs: list[str | os.PathLike],
    extra_args: list[str] | None = None,
    part: str | None = None,
) -> list[Verdicts]:
    """Runs every hidden check over each artifact directory, in this process.

    Args:
        artifact_dirs: the producer's artifact directories, one per submission.
        extra_args: more pytest arguments (e.g. ``["-k", "identity_block"]``).
        part: one of :data:`PARTS` to run only those checks; None for all of them.

    Returns:
        The verdicts on each directory, in order.

    Raises:
        ValueError: if ``part`` is not one of :data:`PARTS`.
    """
    if part is not None and part not in PARTS:
        raise ValueError(f"part must be one of {PARTS} or None, not {part!r}")
    started = time.monotonic()
    submissions = [SubmittedArtifacts(Path(d)) for d in artifact_dirs]
    collector = VerdictCollector(submissions)
    args = (
        [
            str(CHECKS_DIR),
            "-c",
            os.devnull,
            "--rootdir",
            str(CHECKS_DIR),
            "--import-mode=importlib",
            "-p",
            "no:cacheprovider",
            "-q",
            "--no-header",
            "-rN",
            "--tb=no",
            "-W",
            "ignore::DeprecationWarning",
        ]
        + _selection(part)
        + list(extra_args or [])
    )
    # The checks run the same whatever pytest options or plugins the calling environment asks for.
    saved = {
        name: os.environ.pop(name, None)
        for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    }
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        exit_code = pytest.main(args, plugins=[collector])
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    wall_s = round(time.monotonic() - started, 2)
    return [
        _verdicts(
            submission.artifact_dir,
            results,
            int(exit_code),
            wall_s,
            all_selected=extra_args is None,
            part=part,
        )
        for submission, results in zip(submissions, collector.verdicts, strict=True)
    ]


def _selection(part: str | None) -> list[str]:
    """The pytest arguments that select a part's checks."""
    if part == "training":
        return ["-k", " or ".join(TRAINING_CHECKS)]
    if part == "rest":
        return ["-k", " and ".join(f"not {name}" for name in TRAINING_CHECKS)]
    return []


def _in_part(test: str, part: str | None) -> bool:
    return part is None or (test in TRAINING_CHECKS) == (part == "training")


def _verdicts(
    artifact_dir: Path,
    results: dict,
    exit_code: int,
    wall_s: float,
    all_selected: bool,
    part: str | None = None,
) -> Verdicts:
    checks = []
    for spec in points.CHECKS:
        result = results.get((spec.exercise, spec.test))
        if not _in_part(spec.test, part):
            if part == "training":
                continue
            result = {"passed": False, "grader_error": True, "message": DEFERRED}
        if result is None:
            if not all_selected:
                continue
            result = {
                "passed": False,
                "grader_error": True,
                "message": "the check did not run (grader error, please report it)",
            }
        checks.append(
            CheckResult(
                exercise=spec.exercise,
                title=spec.title,
                passed=result["passed"],
                score=spec.points if result["passed"] else 0,
                max_score=spec.points,
                message="" if result["passed"] else result["message"],
                grader_error=result["grader_error"],
                test=spec.test,
            )
        )
    return Verdicts(
        checks=checks, artifact_dir=str(artifact_dir), pytest_exit=exit_code, wall_s=wall_s
    )
