"""The whole nbgrader cycle through its web interfaces, with the two seats on one machine.

The instructor's JupyterLab (``tools/seat.sh instructor``, formgrader) serves a temporary copy of
the course; the student's JupyterLab (``tools/seat.sh student``) serves an empty home folder. They
share the course's exchange folder. Neither server has the course environment on its PATH. The
instructor generates and releases the assignment; the student fetches it, types the reference
answers and submits; the instructor collects, autogrades (the hidden checks run in the sandboxed
grader), reads the verdicts in formgrader, and releases feedback; the student fetches the feedback
and reads it.
"""
from __future__ import annotations

import re

import assignment_list_page
import formgrader_page
import lab_page
import pytest
from browser_setup import VIEWPORT
from jupyter_seats import REPO, SeatServer
from notebook_cells import cell_count, index_of, reference_answer

from instructor.nbgrader_course import copy_course

ASSIGNMENT = "resnets"
NOTEBOOK = "Residual_Networks"
#: The cells a student writes; the submission has the reference code in each, and no trained model.
ANSWERS = ("dense_residual_block", "identity_block", "convolutional_block", "ResNet50",
           "train_resnet50")
VERDICT = re.compile(r"\[PASS\] dense_residual_block: \S")
#: Without a trained model, the checks of the handed-in model fail, each with a message on the lines
#: after it (a line that is not the next check's verdict).
FAILED_MODEL_CHECK = re.compile(r"\[FAIL\] train_resnet50: [^\n]+\n(?!\s*\[(?:PASS|FAIL)\])\s+\S")

#: A formula of the notebook's text, as its LaTeX source reads until MathJax typesets it.
RAW_MATHS = "$z^{[l+"

pytestmark = pytest.mark.incremental


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return copy_course(tmp_path_factory.mktemp("course"), ASSIGNMENT)


@pytest.fixture(scope="module")
def instructor(browser, course, tmp_path_factory):
    """The instructor's seat, in the course folder, whose config names the exchange."""
    server = SeatServer("instructor", course, tmp_path_factory.mktemp("instructor-home"),
                        exchange=None)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def student(browser, course, tmp_path_factory):
    server = SeatServer("student", tmp_path_factory.mktemp("student-files"),
                        tmp_path_factory.mktemp("student-home"), exchange=course / "exchange")
    yield server
    server.stop()


def _page(browser, server):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(server.url("/lab"))
    return context, page


@pytest.fixture(scope="module")
def instructor_page(browser, instructor):
    context, page = _page(browser, instructor)
    yield page
    context.close()


@pytest.fixture(scope="module")
def student_page(browser, student):
    context, page = _page(browser, student)
    yield page
    context.close()


@pytest.fixture(scope="module")
def formgrader(instructor_page):
    return formgrader_page.open_formgrader(instructor_page)


@pytest.fixture(scope="module")
def assignments(student_page):
    return assignment_list_page.open_assignment_list(student_page)


def hidden_check_source_lines() -> list[str]:
    """Lines of the hidden checks' code (definitions, assertions) a student must never see."""
    lines = {line.strip() for path in REPO.glob("grader/**/checks/*.py")
             for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip().startswith(("def ", "assert "))}
    assert len(lines) > 20, "the hidden checks' code was not found under grader/**/checks/"
    return sorted(lines)


def test_formgrader_lists_the_assignment_without_the_course_environment_on_path(
        formgrader, instructor_page, screenshots):
    screenshots(instructor_page, "instructor opens formgrader")
    assert formgrader_page.row_text(formgrader, "name").strip() == ASSIGNMENT


def test_instructor_generates_and_releases_the_assignment(formgrader, instructor_page, screenshots):
    formgrader_page.click_row_action(formgrader, "assign")
    formgrader_page.click_row_action(formgrader, "release")
    screenshots(instructor_page, "instructor released the assignment")
    assert formgrader_page.row_text(formgrader, "status").strip() == "released"


def test_student_fetches_the_released_assignment(assignments, student_page, screenshots):
    assignment_list_page.press(assignments, "released", "Fetch")
    fetched = assignment_list_page.section(assignments, "fetched")
    notebooks = fetched.first.locator("a.assignment-notebooks-link")
    notebooks.click(timeout=assignment_list_page.TIMEOUT_MS)
    screenshots(student_page, "student fetched the assignment")
    assert fetched.first.locator("a", has_text=NOTEBOOK).is_visible()


def test_student_submits_the_finished_notebook(assignments, student_page, screenshots):
    fetched = assignment_list_page.section(assignments, "fetched")
    fetched.first.locator("a", has_text=NOTEBOOK).click()
    cells = lab_page.cells(student_page)
    lab_page.wait_for_cell_count(student_page, cell_count())
    for exercise in ANSWERS:
        lab_page.replace_cell_source(student_page, cells.nth(index_of(exercise)),
                                     reference_answer(exercise))
    lab_page.save(student_page)
    panel = assignment_list_page.show(student_page)
    assignment_list_page.press(panel, "fetched", "Submit")
    submitted = assignment_list_page.section(panel, "submitted")
    lab_page.expect_count(submitted, 1)
    screenshots(student_page, "student submitted")
    assert submitted.first.locator("button", has_text="Fetch Feedback").is_visible()


def test_instructor_collects_the_submission(formgrader, instructor_page):
    formgrader_page.go_to(formgrader, "Manage Assignments")
    formgrader_page.click_row_action(formgrader, "collect")
    assert formgrader_page.row_text(formgrader, "num-submissions").strip() == "1"


def test_instructor_autogrades_the_submission(formgrader, instructor_page, screenshots):
    formgrader_page.follow(formgrader, formgrader.locator("#main-table td.num-submissions a"))
    formgrader_page.click_row_action(formgrader, "autograde",
                                     timeout_ms=formgrader_page.AUTOGRADE_TIMEOUT_MS)
    lab_page.expect_text(formgrader.locator("#main-table td.status").first, "graded")
    screenshots(instructor_page, "instructor autograded the submission")
    assert re.fullmatch(r"[\d.]+ / 100", formgrader_page.row_text(formgrader, "score").strip())


@pytest.mark.observation
def test_formgrader_shows_the_hidden_check_verdicts(formgrader, instructor_page, screenshots):
    for link in ("Manual Grading", ASSIGNMENT, NOTEBOOK, "Submission #1"):
        formgrader_page.go_to(formgrader, link)
    verdicts = formgrader.locator(".output_area", has_text="Hidden checks for dense_residual_block")
    verdicts.first.scroll_into_view_if_needed(timeout=formgrader_page.ACTION_TIMEOUT_MS)
    screenshots(instructor_page, "formgrader shows the hidden check verdicts")
    assert VERDICT.search(verdicts.first.text_content() or "")


@pytest.mark.observation
def test_formgrader_typesets_the_notebooks_maths_with_no_network(formgrader, instructor_page,
                                                                 screenshots):
    source = (REPO / "assignments" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8")
    assert RAW_MATHS in source, "the notebook no longer has the formula this test looks for"
    formgrader_page.expect_maths_typeset(formgrader, RAW_MATHS)
    verdicts = formgrader.locator(".output_area", has_text="Hidden checks for dense_residual_block")
    verdicts.first.scroll_into_view_if_needed(timeout=formgrader_page.ACTION_TIMEOUT_MS)
    screenshots(instructor_page, "formgrader typesets the maths beside the verdicts")


def test_instructor_releases_feedback(formgrader, instructor_page, screenshots):
    formgrader_page.go_to(formgrader, "Manual Grading")  # the submission's page links only here
    formgrader_page.go_to(formgrader, "Manage Assignments")
    formgrader_page.click_row_action(formgrader, "generate-feedback")
    formgrader_page.click_row_action(formgrader, "release-feedback")
    screenshots(instructor_page, "instructor released feedback")


@pytest.fixture(scope="module")
def feedback_text(student_page, screenshots):
    """The feedback the student fetched, as the text JupyterLab shows when the student opens it."""
    panel = assignment_list_page.show(student_page)
    assignment_list_page.press(panel, "submitted", "Fetch Feedback")
    submitted = assignment_list_page.section(panel, "submitted")
    view = submitted.first.locator("a", has_text="view feedback")
    view.click(timeout=assignment_list_page.TIMEOUT_MS)
    student_page.locator(".jp-DirListing-item", has_text=f"{NOTEBOOK}.html").dblclick()
    body = student_page.frame_locator(".jp-HTMLViewer iframe").locator("body")
    lab_page.expect_text(body, "Hidden checks for dense_residual_block")
    body.get_by_text("Hidden checks for dense_residual_block").first.scroll_into_view_if_needed()
    screenshots(student_page, "student reads the feedback")
    return body.text_content() or ""


@pytest.mark.observation
def test_student_feedback_names_each_check_and_its_verdict(feedback_text):
    assert VERDICT.search(feedback_text)


@pytest.mark.observation
def test_student_feedback_gives_the_message_of_a_failed_check(feedback_text):
    assert FAILED_MODEL_CHECK.search(feedback_text)


@pytest.mark.observation
def test_student_feedback_never_shows_the_hidden_checks_code(feedback_text):
    leaked = [line for line in hidden_check_source_lines() if line in feedback_text]
    assert leaked == []
