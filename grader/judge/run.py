"""The judge: runs the hidden checks over a submission's artifacts, in a fresh trusted process.

Usage::

    python -m grader.judge ARTIFACT_DIR --out VERDICTS.json
    python -m grader.judge ARTIFACT_DIR [ARTIFACT_DIR ...] --out OUT_DIR   # one run, several submissions

The judge never imports or executes student code: it reads ``manifest.json`` (see
:mod:`grader.sandboxed.contract`) and loads each ``.keras`` artifact with ``safe_mode=True``, so what it checks
is the student's computation graph as data. The checks are ordinary pytest tests in ``grader/judge/checks``;
a small plugin (:class:`VerdictCollector`) hands them the submission and turns each test's outcome into
a verdict with a message for the student.

``VERDICTS.json``::

    {
      "schema": 1,
      "artifact_dir": "...",
      "score": 17, "max_score": 40,
      "checks": [
        {"id": "identity_block: the skip is added before the final ReLU and the sum feeds it",
         "exercise": "identity_block", "test": "test_skip_is_added_before_final_relu",
         "title": "...", "passed": false, "score": 0, "max_score": 2,
         "message": "a[l] is added after the final ReLU: ...",
         "grader_error": false}
      ],
      "judge": {"pytest_exit": 1, "wall_s": 21.4}
    }

``checks`` holds every check of :data:`grader.judge.points.CHECKS`, in that order; a check that did not run
(a grader fault) is failed with ``grader_error: true``. The exit status is 0 whenever verdicts were
written, whatever the score, and 2 when the judge itself could not run.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pytest

from grader.judge import points

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
VERDICTS_SCHEMA = 1


class VerdictCollector:
    """A pytest plugin: parametrizes the checks over submissions and records their verdicts.

    Args:
        submissions: the submissions to judge (see :class:`grader.judge.artifacts.Submission`).
    """

    def __init__(self, submissions: list):
        self.submissions = submissions
        self.verdicts: list[dict[tuple[str, str], dict]] = [{} for _ in submissions]

    def pytest_generate_tests(self, metafunc):
        if "submission" in metafunc.fixturenames:
            metafunc.parametrize(
                "submission", self.submissions, ids=[f"sub{i}" for i in range(len(self.submissions))],
                scope="session",
            )

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        submission = getattr(item, "callspec", None) and item.callspec.params.get("submission")
        if submission is None:
            return
        key = (_exercise_of(item), item.originalname)
        index = self.submissions.index(submission)
        verdict = self.verdicts[index].setdefault(key, {"passed": True, "message": "", "grader_error": False})
        if report.failed and verdict["passed"]:
            message, grader_error = _student_message(call.excinfo)
            verdict.update(passed=False, message=message, grader_error=grader_error)
        elif report.skipped and verdict["passed"]:
            verdict.update(passed=False, message=_skip_reason(report), grader_error=False)


def _exercise_of(item) -> str:
    """Returns the exercise a check belongs to, from its file name ``test_<exercise>.py``."""
    return Path(str(item.path)).stem.removeprefix("test_")


def _student_message(excinfo) -> tuple[str, bool]:
    """Returns (message for the student, whether the failure is the grader's own fault)."""
    if excinfo is None:
        return "the check failed", True
    value = excinfo.value
    if isinstance(value, pytest.fail.Exception):
        return str(value.msg), False
    if isinstance(value, AssertionError):
        text = str(value).split("\nassert ", 1)[0].strip()
        return text or "the check's assertion failed", False
    return f"the check could not run (grader error, please report it): {type(value).__name__}: {value}", True


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return "the check was skipped"


def run_checks(artifact_dirs: list[str | os.PathLike], extra_args: list[str] | None = None) -> list[dict]:
    """Runs every hidden check over each artifact directory, in this process.

    Args:
        artifact_dirs: the producer's artifact directories, one per submission.
        extra_args: more pytest arguments (e.g. ``["-k", "identity_block"]``).

    Returns:
        One verdicts object (the ``VERDICTS.json`` content) per directory, in order.
    """
    from grader.judge.artifacts import Submission

    started = time.monotonic()
    submissions = [Submission(Path(d)) for d in artifact_dirs]
    collector = VerdictCollector(submissions)
    args = [
        str(CHECKS_DIR),
        "-c", os.devnull,
        "--rootdir", str(CHECKS_DIR),
        "--import-mode=importlib",
        "-p", "no:cacheprovider",
        "-q", "--no-header", "-rN", "--tb=no",
        "-W", "ignore::DeprecationWarning",
    ] + list(extra_args or [])
    # The checks run the same whatever pytest options or plugins the calling environment asks for.
    saved = {name: os.environ.pop(name, None)
             for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")}
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
        _verdicts(submission.artifact_dir, results, int(exit_code), wall_s, all_selected=extra_args is None)
        for submission, results in zip(submissions, collector.verdicts)
    ]


def _verdicts(artifact_dir: Path, results: dict, exit_code: int, wall_s: float, all_selected: bool) -> dict:
    checks = []
    for spec in points.CHECKS:
        result = results.get((spec.exercise, spec.test))
        if result is None:
            if not all_selected:
                continue
            result = {"passed": False, "grader_error": True,
                      "message": "the check did not run (grader error, please report it)"}
        checks.append({
            "id": spec.id,
            "exercise": spec.exercise,
            "test": spec.test,
            "title": spec.title,
            "passed": result["passed"],
            "score": spec.points if result["passed"] else 0,
            "max_score": spec.points,
            "message": "" if result["passed"] else result["message"],
            "grader_error": result["grader_error"],
        })
    return {
        "schema": VERDICTS_SCHEMA,
        "artifact_dir": str(artifact_dir),
        "score": sum(c["score"] for c in checks),
        "max_score": sum(c["max_score"] for c in checks),
        "checks": checks,
        "judge": {"pytest_exit": exit_code, "wall_s": wall_s},
    }


def main(argv: list[str] | None = None) -> int:
    """Runs the judge from the command line; see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m grader.judge", description=__doc__.split("\n\n")[0])
    parser.add_argument("artifact_dirs", nargs="+", metavar="ARTIFACT_DIR", help="a producer's artifact directory")
    parser.add_argument("--out", required=True,
                        help="the verdicts file; with several ARTIFACT_DIRs, a folder for <dir name>.json files")
    args = parser.parse_args(argv)
    missing = [d for d in args.artifact_dirs if not Path(d).is_dir()]
    if missing:
        print(f"grader.judge: not an artifact directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    names = [Path(d).resolve().name for d in args.artifact_dirs]
    if len(args.artifact_dirs) > 1 and len(set(names)) != len(names):
        print("grader.judge: several ARTIFACT_DIRs share a folder name; their verdict files would clash",
              file=sys.stderr)
        return 2
    results = run_checks(args.artifact_dirs)
    if len(args.artifact_dirs) == 1:
        targets = [Path(args.out)]
    else:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        targets = [Path(args.out) / f"{name}.json" for name in names]
    for target, result in zip(targets, results):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0

