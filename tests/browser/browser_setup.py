"""The browser the tests drive: Debian's Chromium through Playwright, never Playwright's own."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 900}


def missing_browser() -> str | None:
    """Says what the browser tests miss, or None when Chromium and Playwright are both there."""
    if importlib.util.find_spec("playwright") is None:
        return "the Python package playwright is not installed (make env installs it)"
    if not os.access(CHROMIUM, os.X_OK):
        return (f"{CHROMIUM} is not installed (make env installs it as root; "
                "else: sudo apt-get install chromium)")
    return None
