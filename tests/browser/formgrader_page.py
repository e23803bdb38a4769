"""What an instructor does in formgrader (nbgrader's web interface) in JupyterLab."""
from __future__ import annotations

import lab_page
from playwright.sync_api import FrameLocator, Locator, Page, expect

#: Autograding one submission executes the notebook and runs the sandboxed grader: about 2 minutes.
AUTOGRADE_TIMEOUT_MS = 600_000
ACTION_TIMEOUT_MS = 120_000
#: What MathJax 2 puts in place of each formula it typesets, whatever its output format.
MATHJAX_OUTPUT = "[id^='MathJax-Element-'][id$='-Frame']"


def open_formgrader(page: Page) -> FrameLocator:
    """Opens Nbgrader > Formgrader and returns the frame it shows."""
    lab_page.open_menu_item(page, "Nbgrader", "Formgrader")
    frame = page.frame_locator("iframe[src*='formgrader']")
    expect(frame.locator("#main-table")).to_be_visible(timeout=ACTION_TIMEOUT_MS)
    return frame


def go_to(frame: FrameLocator, link: str) -> None:
    """Follows the link named ``link`` (Manage Assignments, Manual Grading, ...) to its page."""
    follow(frame, frame.get_by_role("link", name=link, exact=True).first)


def follow(frame: FrameLocator, link: Locator) -> None:
    """Clicks ``link`` and waits until the frame shows the page it leads to.

    The old page is marked before the click, so that nothing on it is taken for the new page's.
    """
    frame.locator("body").evaluate("body => { body.dataset.left = 'yes'; }")
    link.click()
    expect(frame.locator("body[data-left]")).to_have_count(0, timeout=ACTION_TIMEOUT_MS)
    expect(frame.locator("body")).to_be_visible(timeout=ACTION_TIMEOUT_MS)


def click_row_action(frame: FrameLocator, column: str, timeout_ms: int = ACTION_TIMEOUT_MS) -> str:
    """Clicks the action in ``column`` (assign, release, collect, autograde...) of the first row.

    Returns:
        The text of the dialog formgrader shows when the action has finished, which is then closed.

    Raises:
        AssertionError: formgrader reported an error (the dialog's text says what it was).
    """
    frame.locator(f"#main-table td.{column} a").first.click()
    dialog = frame.locator(".modal.in")
    expect(dialog).to_be_visible(timeout=timeout_ms)
    title = dialog.locator(".modal-title").text_content()
    text = dialog.locator(".modal-body").text_content() or ""
    dialog.locator(".modal-footer button").click()
    expect(frame.locator(".modal, .modal-backdrop")).to_have_count(0)  # faded out and removed
    assert title == "Success", f"formgrader's {column} failed:\n{text[-3000:]}"
    return text


def row_text(frame: FrameLocator, column: str) -> str:
    """The text in ``column`` of the table's first row."""
    return frame.locator(f"#main-table td.{column}").first.text_content() or ""


def expect_maths_typeset(frame: FrameLocator, raw: str) -> None:
    """Waits until MathJax has typeset the maths of the notebook formgrader shows.

    Args:
        frame: formgrader's frame, on a submission's page.
        raw: LaTeX source (``$z^{[l+`` for example) that is on the page until MathJax replaces it.

    Raises:
        AssertionError: no MathJax output appeared, or ``raw`` still shows, after the deadline.
    """
    page = frame.locator("body")
    expect(page.locator(MATHJAX_OUTPUT).first).to_be_attached(timeout=ACTION_TIMEOUT_MS)
    expect(page).not_to_contain_text(raw, use_inner_text=True, timeout=ACTION_TIMEOUT_MS)
