"""The student's seat: the release notebook in ``make lab``'s JupyterLab, used as a student would.

A copy of the release notebook is served from a temporary folder. The student opens it, runs the
cells up to Exercise 1, types a wrong answer, reads the public check's message, types the right
answer and sees it pass.
"""
from __future__ import annotations

import shutil
import time

import lab_page
import pytest
from browser_setup import VIEWPORT
from jupyter_seats import SeatServer
from notebook_cells import (
    RELEASE_NOTEBOOK,
    cell_count,
    code_cells_before,
    index_of,
    reference_answer,
)

NOTEBOOK_PATH = "assignments/resnets/Residual_Networks.ipynb"
EXERCISE = "dense_residual_block"
# a[l+2] = g(z[l+2]) + a[l]: the skip is added after the final ReLU, the lecture's classic mistake.
SKIP_AFTER_RELU = '''def dense_residual_block(a_prev, units, initializer="glorot_uniform"):
    z1 = layers.Dense(units, kernel_initializer=initializer)(a_prev)
    a1 = layers.ReLU()(z1)
    z2 = layers.Dense(units, kernel_initializer=initializer)(a1)
    return layers.Add()([layers.ReLU()(z2), a_prev])
'''
SKIP_AFTER_RELU_MESSAGE = "a[l] is added after the final ReLU"
PASSED_MESSAGE = f"All checks passed for {EXERCISE}."
#: How long a freshly opened notebook must stay unchanged: the kernel's reply that rewrites the
#: notebook's language_info arrives asynchronously, shortly after the kernel reports idle.
QUIET_PERIOD_S = 2.0
#: The notebook's width in the narrow window: a laptop's half screen with the file browser open.
NARROW_NOTEBOOK_WIDTH = 900
#: The block diagrams the notebook's markdown shows (its figures/ folder).
DIAGRAMS = ("residual_block.png", "identity_block.png", "convolutional_block.png",
            "resnet50_stages.png")
#: Every figure the notebook's markdown shows: the diagrams and the two drawn from measured runs.
FIGURES = DIAGRAMS + ("training_by_depth.png", "zero_gamma_ablation.png")

pytestmark = pytest.mark.incremental


@pytest.fixture(scope="module")
def student(browser, tmp_path_factory):
    """The student seat's server, serving a copy of the release notebook and its figures."""
    root = tmp_path_factory.mktemp("student-course")
    shutil.copytree(RELEASE_NOTEBOOK.parent, (root / NOTEBOOK_PATH).parent,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    server = SeatServer("student", root, tmp_path_factory.mktemp("student-home"),
                        exchange=tmp_path_factory.mktemp("exchange"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page(browser, student):
    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def ran_cells() -> list[int]:
    """The positions of the cells this story ran, filled in as it goes."""
    return []


def test_release_notebook_opens_with_an_idle_kernel(page, student, screenshots, report_line):
    seconds = lab_page.open_notebook_from_url(page, student.url(f"/lab/tree/{NOTEBOOK_PATH}"),
                                              cell_count(RELEASE_NOTEBOOK))
    report_line(f"student seat: notebook usable (all cells shown, kernel idle) {seconds:.1f} s "
                "after the request")
    screenshots(page, "student opens the release notebook")


@pytest.mark.observation
def test_notebook_is_not_changed_before_the_first_edit(page):
    deadline = time.monotonic() + QUIET_PERIOD_S
    while time.monotonic() < deadline:
        assert not lab_page.current_tab_is_dirty(page), "marked changed before any edit"
        time.sleep(0.1)


@pytest.mark.observation
def test_nbgrader_menu_offers_the_student_only_the_assignment_list(page, screenshots):
    items = lab_page.menu_items(page, "Nbgrader", keep_open=True)
    screenshots(page, "student nbgrader menu")
    page.keyboard.press("Escape")
    assert items == ["Assignment List"]


@pytest.mark.observation
def test_create_assignment_panel_is_not_in_the_student_jupyterlab(page):
    assert page.locator("#nbgrader-create_assignemnt").count() == 0  # nbgrader's own spelling
    assert page.get_by_title("Nbgrader Create Assignment").count() == 0


@pytest.mark.observation
def test_student_server_does_not_serve_formgrader(page, student):
    assert page.request.get(student.url("/formgrader")).status == 404


def test_cells_up_to_exercise_1_run_without_error(page, ran_cells, screenshots):
    cells = lab_page.cells(page)
    for index in code_cells_before(EXERCISE):
        lab_page.run_cell(page, cells.nth(index))
        ran_cells.append(index)
        assert "Traceback" not in lab_page.output_text(cells.nth(index)), f"cell {index} raised"
    screenshots(page, "cells up to exercise 1 ran")


def test_public_check_explains_the_skip_added_after_the_relu(page, screenshots):
    cells = lab_page.cells(page)
    exercise, check = index_of(EXERCISE), index_of(f"test_{EXERCISE}")
    lab_page.replace_cell_source(page, cells.nth(exercise), SKIP_AFTER_RELU)
    for index in (exercise, check):
        lab_page.run_cell(page, cells.nth(index))
    cells.nth(check).scroll_into_view_if_needed()
    screenshots(page, "public check explains a wrong answer")
    assert SKIP_AFTER_RELU_MESSAGE in lab_page.output_text(cells.nth(check))


def test_public_check_passes_the_right_answer(page, ran_cells, screenshots):
    cells = lab_page.cells(page)
    exercise, check = index_of(EXERCISE), index_of(f"test_{EXERCISE}")
    lab_page.replace_cell_source(page, cells.nth(exercise), reference_answer(EXERCISE))
    for index in (exercise, check):
        lab_page.run_cell(page, cells.nth(index))
        ran_cells.append(index)
    cells.nth(check).scroll_into_view_if_needed()
    screenshots(page, "public check passes the right answer")
    assert PASSED_MESSAGE in lab_page.output_text(cells.nth(check))


@pytest.mark.observation
def test_no_cell_after_the_imports_shows_a_red_box(page, ran_cells):
    cells = lab_page.cells(page)
    after_imports = [index for index in ran_cells if index > index_of("imports")]
    boxes = {index: lab_page.stderr_boxes(cells.nth(index)) for index in after_imports}
    assert {index: texts for index, texts in boxes.items() if texts} == {}


@pytest.mark.observation
def test_no_cell_that_ran_shows_a_red_box(page, ran_cells):
    cells = lab_page.cells(page)
    boxes = {index: lab_page.stderr_boxes(cells.nth(index)) for index in ran_cells}
    assert {index: texts for index, texts in boxes.items() if texts} == {}


@pytest.mark.observation
def test_figures_load_and_fit_the_cell_in_a_narrow_window(page, screenshots):
    lab_page.open_file_browser(page)
    width = lab_page.set_notebook_width(page, NARROW_NOTEBOOK_WIDTH)
    assert abs(width - NARROW_NOTEBOOK_WIDTH) <= 20, f"the notebook is {width} px wide"
    sizes = {name: lab_page.image_size(page, f'img[src*="figures/{name}"]') for name in FIGURES}
    page.locator('img[src*="figures/identity_block.png"]').first.scroll_into_view_if_needed()
    screenshots(page, "narrow window shows a block diagram")
    lab_page.image_size(page, 'img[src*="figures/zero_gamma_ablation.png"]')
    screenshots(page, "narrow window shows the zero-gamma ablation")
    not_loaded = [name for name, size in sizes.items() if size["natural_width"] == 0]
    overflowing = {name: size for name, size in sizes.items()
                   if size["shown_width"] > size["cell_width"]}
    assert (not_loaded, overflowing) == ([], {})
