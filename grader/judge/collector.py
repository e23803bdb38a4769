"""The pytest plugin that hands the checks their submissions and turns outcomes into verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest


class VerdictCollector:
    """A pytest plugin: parametrizes the checks over submissions and records their verdicts.

    Args:
        submissions: the submissions to judge (see
            :class:`grader.judge.artifacts.SubmittedArtifacts`).
    """

    def __init__(self, submissions: list):
        self.submissions = submissions
        self.verdicts: list[dict[tuple[str, str], dict]] = [{} for _ in submissions]

    def pytest_generate_tests(self, metafunc):
        """Parametrizes every check taking ``submission`` over the submissions, per session."""
        if "submission" in metafunc.fixturenames:
            metafunc.parametrize(
                "submission",
                self.submissions,
                ids=[f"sub{i}" for i in range(len(self.submissions))],
                scope="session",
            )

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        """Records a check's outcome: its first failure (or skip) decides the verdict."""
        outcome = yield
        report = outcome.get_result()
        submission = getattr(item, "callspec", None) and item.callspec.params.get("submission")
        if submission is None:
            return
        key = (_exercise_of(item), item.originalname)
        index = self.submissions.index(submission)
        verdict = self.verdicts[index].setdefault(
            key, {"passed": True, "message": "", "grader_error": False}
        )
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
    return (
        f"the check could not run (grader error, please report it): {type(value).__name__}: "
        f"{value}",
        True,
    )


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return "the check was skipped"
