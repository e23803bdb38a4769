"""Sample submissions for demos, benchmarks and tests: the reference and typical mistakes.

Each mistake is the code of one solution cell. `with_cells` puts such code into a copy of a
notebook, so a sample class is the solution (or release) notebook with a few cells swapped.
"""

from __future__ import annotations

import nbformat

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")

# a[l+2] = g(z[l+2]) + a[l] instead of g(z[l+2] + a[l]): the skip is added after the final ReLU.
IDENTITY_BLOCK_SKIP_AFTER_RELU = """
def identity_block(X, f, filters, initializer="glorot_uniform"):
    F1, F2, F3 = filters
    X_shortcut = X
    X = layers.Conv2D(F1, 1, kernel_initializer=initializer)(X)
    X = layers.Activation("relu")(layers.BatchNormalization(axis=3)(X))
    X = layers.Conv2D(F2, f, padding="same", kernel_initializer=initializer)(X)
    X = layers.Activation("relu")(layers.BatchNormalization(axis=3)(X))
    X = layers.Conv2D(F3, 1, kernel_initializer=initializer)(X)
    X = layers.Activation("relu")(layers.BatchNormalization(axis=3)(X))
    return layers.Add()([X, X_shortcut])
"""

# Raises while building: the shortcut's projection refers to a name that does not exist.
CONVOLUTIONAL_BLOCK_RAISES = """
def convolutional_block(X, f, filters, s=2, initializer="glorot_uniform"):
    F1, F2, F3 = filters
    X_shortcut = layers.Conv2D(F3, 1, strides=s, kernel_initializer=initializer)(X_shorcut)
    return X_shortcut
"""

# A wrong block (no skip at all) and a cell that makes every public check in the kernel "pass".
HOSTILE_DENSE_RESIDUAL_BLOCK = """
import numpy.testing
import resnet_course.public_tests as public_tests

def dense_residual_block(a_prev, units, initializer="glorot_uniform"):
    a1 = layers.ReLU()(layers.Dense(units, kernel_initializer=initializer)(a_prev))
    return layers.ReLU()(layers.Dense(units, kernel_initializer=initializer)(a1))

def _all_tests_passed(*args, **kwargs):
    print("All tests passed!")

numpy.testing.assert_allclose = _all_tests_passed
numpy.testing.assert_array_equal = _all_tests_passed
for _name in dir(public_tests):
    if _name.startswith("check_"):
        setattr(public_tests, _name, _all_tests_passed)
        globals()[_name] = _all_tests_passed
"""

NOT_ANSWERED = "# YOUR CODE HERE\nraise NotImplementedError()"


def solution_sources(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """Returns each solution cell's code, keyed by grade_id, without the solution markers.

    Args:
        notebook: an nbgrader source notebook.

    Returns:
        A mapping from grade_id to the cell's code.
    """
    return {
        cell.metadata["nbgrader"]["grade_id"]: "\n".join(
            line for line in cell.source.splitlines() if line.strip() not in SOLUTION_MARKERS
        )
        for cell in notebook.cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }


def with_cells(
    notebook: nbformat.NotebookNode, replacements: dict[str, str]
) -> nbformat.NotebookNode:
    """Returns a copy of `notebook` whose cells named in `replacements` (by grade_id) hold new code.

    Args:
        notebook: the notebook to copy.
        replacements: new code per grade_id.

    Returns:
        The modified copy; `notebook` is left unchanged.
    """
    copy = nbformat.from_dict(notebook)
    for cell in copy.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in replacements:
            cell.source = replacements[grade_id]
    return copy
