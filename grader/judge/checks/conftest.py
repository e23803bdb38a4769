"""Fixtures of the hidden checks. ``submission`` itself is parametrized by the judge's plugin."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def _release_models(submission):
    """Drops a submission's loaded models once its checks are done."""
    yield
    submission.release()
