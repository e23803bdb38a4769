"""The graded notebook speaks to students.

It is short enough to read, leaves instructor matters out, and ships the metadata JupyterLab keeps.
"""

import pytest
from claims_text import DEGRADATION, RESNETS, read

from instructor.run_reference import SOLUTION_NOTEBOOK

MAX_MARKDOWN_WORDS = 2500
# Matters for the course's staff, explained in the README's instructor section instead.
INSTRUCTOR_MATTERS = (
    "NBGRADER_EXECUTION",
    "bench/",
    "benchmark",
    "nbgrader's",
    "100 MB",
    "kB",
    "recompil",
    "compile the step",
    "run_functions_eagerly",
    "formgrader",
)


def markdown_words(path) -> int:
    return sum(
        len(cell.source.split()) for cell in read(path).cells if cell.cell_type == "markdown"
    )


def test_graded_notebook_markdown_is_at_most_2500_words():
    assert markdown_words(RESNETS) <= MAX_MARKDOWN_WORDS


@pytest.mark.parametrize("matter", INSTRUCTOR_MATTERS)
def test_graded_notebook_text_leaves_instructor_matters_to_the_readme(matter):
    text = "\n".join(cell.source for cell in read(RESNETS).cells if cell.cell_type == "markdown")
    assert matter not in text


@pytest.fixture(scope="module")
def kernel_language_info():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        return client.kernel_info(reply=True, timeout=60)["content"]["language_info"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.parametrize(
    "path", [SOLUTION_NOTEBOOK, RESNETS, DEGRADATION], ids=lambda p: p.parent.parent.name
)
def test_notebook_ships_the_language_info_the_kernel_reports(path, kernel_language_info):
    # JupyterLab replaces language_info with the kernel's on opening, and marks the notebook
    # changed unless the two are equal.
    # The Python patch version is the student's; the rest must match exactly.
    shipped = dict(read(path).metadata["language_info"])
    reported = dict(kernel_language_info)
    assert shipped.pop("version").rsplit(".", 1)[0] == reported.pop("version").rsplit(".", 1)[0]
    assert shipped == reported
