"""Fixtures shared by the grader tests.

The small class graded once through the real nbgrader commands.
"""

from __future__ import annotations

import pytest
from nbgrader.api import Gradebook
from nbgrader_class import ASSIGNMENT, NOTEBOOK, SOURCE_NOTEBOOK, STUDENTS, graded_course


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """A graded copy of the course (generate_assignment, autograde, feedback, export done)."""
    if not SOURCE_NOTEBOOK.is_file():
        pytest.skip(f"{SOURCE_NOTEBOOK} is not written yet")
    return graded_course(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="session")
def scores(course):
    """Maps student -> grade_id -> (auto_score, max_score), read from the gradebook."""
    table = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in STUDENTS:
            submission = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
            table[student] = {
                grade.name: (grade.auto_score, grade.max_score) for grade in submission.grades
            }
            table[student]["total"] = (submission.score, submission.max_score)
    return table
