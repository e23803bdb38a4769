"""Fixtures for the notebook tests.

The solution's cell sources, a way to run edited copies of them, and matplotlib drawing off
screen.
"""

import matplotlib
import pytest

from instructor.run_reference import SOLUTION_NOTEBOOK, cell_sources

# The tests draw figures in this process, where no display is wanted even when one is present.
matplotlib.use("Agg")


@pytest.fixture(scope="session")
def solution_cells() -> dict:
    """The solution notebook's cell sources by nbgrader grade_id."""
    return cell_sources(SOLUTION_NOTEBOOK)


@pytest.fixture
def build_solution(solution_cells):
    """Returns make(grade_id, replacements=(), depends=()) -> the function that cell defines.

    Each replacement (old, new) is applied to the cell's source first and must match exactly once,
    so a test fails loudly when the solution changes under it rather than silently testing the
    unmutated code.
    """

    def make(grade_id, replacements=(), depends=()):
        namespace: dict = {}
        exec(compile(solution_cells["imports"], "<imports>", "exec"), namespace)
        for dependency in depends:
            exec(compile(solution_cells[dependency], f"<{dependency}>", "exec"), namespace)
        source = solution_cells[grade_id]
        for old, new in replacements:
            assert source.count(old) == 1, (
                f"mutation target {old!r} is not exactly once in the {grade_id} cell"
            )
            source = source.replace(old, new)
        exec(compile(source, f"<mutated {grade_id}>", "exec"), namespace)
        return namespace[grade_id]

    return make
