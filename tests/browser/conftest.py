"""Browser tests: Playwright drives Debian's Chromium against real JupyterLab servers on loopback.

Where Chromium or Playwright is missing, the browser tests are not collected, and one line at the
end of the run says why. Playwright's own browser download is never used.

Tests marked ``incremental`` are the steps of one story: once a step fails, the later tests are
reported as not run instead of failing for the same cause. A test also marked ``observation`` only
looks at the story's state: its failure does not stop the story.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_setup import CHROMIUM, CHROMIUM_ARGS, missing_browser

_SUMMARY_KEY = pytest.StashKey[list]()
_MISSING = missing_browser()
if _MISSING:
    # Not imported at all: the test modules import Playwright.
    collect_ignore_glob = ["test_*.py"]


def pytest_configure(config):
    config.addinivalue_line("markers", "incremental: one step of a story; later steps need it")
    config.addinivalue_line("markers", "observation: looks at a story's state; later steps go on")
    config.stash[_SUMMARY_KEY] = [f"BROWSER TESTS SKIPPED: {_MISSING}"] if _MISSING else []


def pytest_runtest_makereport(item, call):
    if (call.excinfo is not None and item.get_closest_marker("incremental")
            and not item.get_closest_marker("observation")
            and not call.excinfo.errisinstance((pytest.skip.Exception, pytest.xfail.Exception))):
        item.parent._failed_step = item.name


def pytest_runtest_setup(item):
    failed = getattr(item.parent, "_failed_step", None)
    if item.get_closest_marker("incremental") and failed is not None:
        pytest.xfail(f"the earlier step {failed} failed")


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(_SUMMARY_KEY, [])
    if lines:
        terminalreporter.section("browser tests")
        for line in lines:
            terminalreporter.write_line(line, yellow=bool(_MISSING), bold=bool(_MISSING))


@pytest.fixture(scope="session")
def report_line(pytestconfig):
    """Returns add(text): a line printed in the browser tests' section at the end of the run."""
    return pytestconfig.stash[_SUMMARY_KEY].append


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright; the tests skip where either is missing."""
    if _MISSING:
        pytest.skip(f"BROWSER TESTS SKIPPED: {_MISSING}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screenshots(request, tmp_path_factory, report_line):
    """Returns shoot(page, name): saves a PNG of the page in a folder named after the module."""
    folder = tmp_path_factory.mktemp(f"screenshots-{request.module.__name__}", numbered=True)
    report_line(f"screenshots of {request.module.__name__}: {folder}")
    count = 0

    def shoot(page, name: str) -> Path:
        nonlocal count
        count += 1
        path = folder / f"{count:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.png"
        page.screenshot(path=str(path))
        return path

    return shoot
