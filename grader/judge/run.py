"""Runs the hidden checks over artifact directories, in this process, and collects their verdicts.

The checks are ordinary pytest tests in ``grader/judge/checks``;
:class:`~grader.judge.collector.VerdictCollector` hands them each submission's artifacts and records
every test's outcome. Every check of :data:`grader.judge.points.CHECKS` gets a verdict, in that
order; a check that did not run (a grader fault) is failed with ``grader_error`` set.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.judge import points
from grader.judge.artifacts import SubmittedArtifacts
from grader.judge.collector import VerdictCollector
from grader.report.result import CheckResult, Verdicts

CHECKS_DIR = Path(__file__).resolve().parent / "checks"


@dataclass(frozen=True)
class Part:
    """Some of the checks, for a judge process that runs only those.

    Attributes:
        tests: the checks' test functions it runs; None for all but ``leaves_out``.
        leaves_out: the test functions it does not run, when ``tests`` is None.
    """

    tests: tuple[str, ...] | None = None
    leaves_out: tuple[str, ...] = ()

    def runs(self, test: str) -> bool:
        """Whether the part runs the test function ``test``."""
        return test in self.tests if self.tests is not None else test not in self.leaves_out

    def pytest_arguments(self) -> list[str]:
        """The ``-k`` arguments that select the part's tests (every test name is unique)."""
        if self.tests is not None:
            return ["-k", " or ".join(self.tests)]
        if self.leaves_out:
            return ["-k", " and ".join(f"not {test}" for test in self.leaves_out)]
        return []


# The retrain trains a network for about half of a judge's time, on about one core: where a grading
# has two cores to itself, it runs in a judge process of its own beside the other checks.
_RETRAIN_TESTS = ("test_retrain_from_scratch_learns",)
#: The parts a judge process may run (``python -m grader.judge --part``).
PARTS = {
    "all": Part(),
    "retrain": Part(tests=_RETRAIN_TESTS),
    "others": Part(leaves_out=_RETRAIN_TESTS),
}


def part_checks(part: str) -> tuple[points.CheckSpec, ...]:
    """The checks a part runs, in the order of :data:`grader.judge.points.CHECKS`.

    Raises:
        KeyError: if there is no such part.
    """
    if part not in PARTS:
        raise KeyError(f"no judge part {part!r}: expected one of {', '.join(PARTS)}")
    return tuple(spec for spec in points.CHECKS if PARTS[part].runs(spec.test))


def pytest_arguments(extra_args: list[str] | None = None) -> list[str]:
    """The pytest command line the hidden checks run with, whatever the calling environment sets.

    Args:
        extra_args: more pytest arguments (e.g. ``["-k", "identity_block"]``).

    Returns:
        The arguments for ``pytest.main``.
    """
    return [
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
    ] + list(extra_args or [])


def run_checks(
    artifact_dirs: list[str | os.PathLike],
    extra_args: list[str] | None = None,
    part: str = "all",
) -> list[Verdicts]:
    """Runs the hidden checks of one part over each artifact directory, in this process.

    Args:
        artifact_dirs: the producer's artifact directories, one per submission.
        extra_args: more pytest arguments (e.g. ``["-k", "identity_block"]``); checks they leave
            out get no verdict.
        part: which checks to run (a key of :data:`PARTS`); each of them gets a verdict.

    Returns:
        The verdicts on each directory, in order.
    """
    started = time.monotonic()
    submissions = [SubmittedArtifacts(Path(d)) for d in artifact_dirs]
    collector = VerdictCollector(submissions)
    expected = part_checks(part)
    args = pytest_arguments(PARTS[part].pytest_arguments() + list(extra_args or []))
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
            expected,
            all_selected=extra_args is None,
        )
        for submission, results in zip(submissions, collector.verdicts, strict=True)
    ]


def _verdicts(
    artifact_dir: Path,
    results: dict,
    exit_code: int,
    wall_s: float,
    expected: tuple[points.CheckSpec, ...],
    all_selected: bool,
) -> Verdicts:
    checks = []
    for spec in expected:
        result = results.get((spec.exercise, spec.test))
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
