"""What a person does in JupyterLab, through Playwright: open a notebook, edit and run cells, read.

Selectors are JupyterLab 4's own class names; every wait has a deadline and says what it waited for.
"""
from __future__ import annotations

import re
import time

from playwright.sync_api import Locator, Page, expect

KERNEL_START_TIMEOUT_MS = 120_000
CELL_TIMEOUT_MS = 300_000
STDERR_MIME = "application/vnd.jupyter.stderr"
_UNFINISHED_PROMPT = re.compile(r"\[[ *]\]")


def wait_for_kernel_idle(page: Page) -> None:
    """Waits until the notebook's kernel has started and is idle, as the status bar shows it."""
    expect(page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\|\s*Idle$"))).to_be_visible(
        timeout=KERNEL_START_TIMEOUT_MS)


def open_notebook_from_url(page: Page, url: str, cells_expected: int) -> float:
    """Opens ``url`` (a /lab/tree/... address), waits for the notebook and an idle kernel.

    Args:
        page: a blank page.
        url: the notebook's address, with the token.
        cells_expected: how many cells the notebook has, to know it is fully rendered.

    Returns:
        Seconds from the request until the notebook was usable (all cells shown, kernel idle).
    """
    started = time.monotonic()
    page.goto(url)
    wait_for_cell_count(page, cells_expected)
    wait_for_kernel_idle(page)
    return time.monotonic() - started


def cells(page: Page) -> Locator:
    """Every cell of the notebook in the current tab."""
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")


def wait_for_cell_count(page: Page, count: int) -> None:
    """Waits until the notebook in the current tab shows ``count`` cells."""
    expect_count(cells(page), count, timeout_ms=KERNEL_START_TIMEOUT_MS)


def expect_count(locator: Locator, count: int, timeout_ms: int = KERNEL_START_TIMEOUT_MS) -> None:
    """Waits until ``locator`` matches ``count`` elements."""
    expect(locator).to_have_count(count, timeout=timeout_ms)


def expect_text(locator: Locator, text: str, timeout_ms: int = KERNEL_START_TIMEOUT_MS) -> None:
    """Waits until ``locator``'s text contains ``text``."""
    expect(locator).to_contain_text(text, timeout=timeout_ms)


def current_tab_is_dirty(page: Page) -> bool:
    """True when the current document's tab shows unsaved changes."""
    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
    tab_class = tab.get_attribute("class") or ""
    return "jp-mod-dirty" in tab_class.split()


def replace_cell_source(page: Page, cell: Locator, source: str) -> None:
    """Selects everything in the cell's editor and types ``source`` over it, as a paste would."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")


def run_cell(page: Page, cell: Locator) -> None:
    """Runs one cell with Ctrl+Enter and waits until it has finished (its prompt shows a number)."""
    cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("Control+Enter")
    expect(cell.locator(".jp-InputPrompt")).not_to_have_text(_UNFINISHED_PROMPT,
                                                             timeout=CELL_TIMEOUT_MS)


def output_text(cell: Locator) -> str:
    """The text of all the cell's outputs, whether or not the cell is scrolled into view."""
    # text_content, not inner_text: JupyterLab skips rendering cells out of view (no inner text).
    outputs = cell.locator(".jp-OutputArea-output").all()
    return "\n".join(output.text_content() or "" for output in outputs)


def stderr_boxes(cell: Locator) -> list[str]:
    """The texts of the cell's red boxes: its stderr streams and its errors."""
    boxes = cell.locator(f'.jp-OutputArea-output[data-mime-type="{STDERR_MIME}"]').all()
    return [box.text_content() or "" for box in boxes]


def open_menu_item(page: Page, menu: str, item: str) -> None:
    """Clicks ``menu`` in the menu bar, then its ``item``."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def menu_items(page: Page, menu: str, keep_open: bool = False) -> list[str]:
    """The labels of the visible items of ``menu``, opened (and closed unless ``keep_open``)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).click()
    items = page.locator(".lm-Menu .lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel")
    expect(items.first).to_be_visible()
    labels = [label.strip() for label in items.all_inner_texts() if label.strip()]
    if not keep_open:
        page.keyboard.press("Escape")
    return labels


def save(page: Page) -> None:
    """Saves the current document with Ctrl+S; waits until its tab is no longer marked changed."""
    page.keyboard.press("Control+s")
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")).not_to_have_class(
        re.compile(r"\bjp-mod-dirty\b"), timeout=30_000)


def open_file_browser(page: Page) -> None:
    """Opens the file browser in the left side bar, unless it is open already."""
    tab = page.locator('.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="filebrowser"]')
    if "lm-mod-current" not in (tab.get_attribute("class") or "").split():
        tab.click()
    expect(page.locator("#filebrowser")).to_be_visible()


def notebook_width(page: Page) -> float:
    """The width in pixels of the notebook in the current tab."""
    box = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").bounding_box()
    return box["width"] if box else 0.0


def set_notebook_width(page: Page, width: int) -> float:
    """Resizes the window until the notebook in the current tab is ``width`` pixels wide.

    Args:
        page: a page showing a notebook.
        width: the notebook's width wanted, in pixels.

    Returns:
        The notebook's width once the window was resized.
    """
    for _ in range(3):  # the side bars may take a share of a width change
        viewport = page.viewport_size
        shown = notebook_width(page)
        if abs(shown - width) <= 1:
            break
        page.set_viewport_size({"width": round(viewport["width"] - (shown - width)),
                                "height": viewport["height"]})
        page.wait_for_timeout(300)  # JupyterLab lays its panels out again after the resize event
    return notebook_width(page)


def image_size(page: Page, selector: str) -> dict[str, float]:
    """Scrolls the first image matching ``selector`` into view and waits until it has loaded.

    Args:
        page: a page showing a notebook.
        selector: a CSS selector for an ``<img>`` in a rendered markdown cell.

    Returns:
        ``natural_width`` (0 when the image did not load), ``shown_width`` and ``cell_width``
        (the width of the markdown's content box that holds it), in pixels.
    """
    image = page.locator(selector).first
    image.scroll_into_view_if_needed()
    return image.evaluate("""async (img) => {
        try { await img.decode(); } catch (error) { /* a broken image: naturalWidth stays 0 */ }
        const cell = img.closest('.jp-RenderedMarkdown');
        const style = getComputedStyle(cell);
        return {
            natural_width: img.naturalWidth,
            shown_width: img.getBoundingClientRect().width,
            cell_width: cell.clientWidth - parseFloat(style.paddingLeft)
                - parseFloat(style.paddingRight),
        };
    }""")
