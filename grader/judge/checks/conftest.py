"""Fixtures of the hidden checks. ``submission`` itself is parametrized by the judge's plugin."""

import pytest

from grader.judge.checks.blockcheck import structure_of


@pytest.fixture
def block(submission, request):
    """The analysed block of the case that the requesting check file names as ``CASE``."""
    return structure_of(submission, request.module.CASE)


@pytest.fixture(scope="session", autouse=True)
def _release_models(submission):
    """Drops a submission's loaded models once its checks are done."""
    yield
    submission.release()
