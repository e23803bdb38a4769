"""What a student does in nbgrader's Assignments tab: fetch, submit, fetch feedback."""
from __future__ import annotations

import lab_page
from playwright.sync_api import Locator, Page, expect

TIMEOUT_MS = 120_000


def open_assignment_list(page: Page) -> Locator:
    """Opens Nbgrader > Assignment List and returns the tab's content."""
    lab_page.open_menu_item(page, "Nbgrader", "Assignment List")
    panel = page.locator("#nbgrader-assignment-list")
    expect(panel).to_be_visible()
    return panel


def show(page: Page) -> Locator:
    """Brings the Assignments tab to the front and refreshes its lists."""
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Assignments").click()
    panel = page.locator("#nbgrader-assignment-list")
    panel.locator("#refresh_assignments_list").click()
    return panel


def section(panel: Locator, name: str) -> Locator:
    """The rows of one list: ``released``, ``fetched`` or ``submitted`` assignments."""
    return panel.locator(f"#{name}_assignments_list > .list_item")


def press(panel: Locator, list_name: str, button: str) -> None:
    """Presses ``button`` (Fetch, Submit, Fetch Feedback) in the first row of a list."""
    section(panel, list_name).first.locator("button", has_text=button).click()
