"""Hand-made submission notebooks for the grader's tests, in the assignment's cell layout."""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat

from grader.sandboxed.contract import EXERCISES
from instructor.sample_submissions import NOT_ANSWERED

#: A notebook that answers Exercise 1 only: every other exercise is left as the release has it.
ONLY_DENSE = dict.fromkeys(name for name in EXERCISES if name != "dense_residual_block")
#: identity_block with the release's placeholder for its body: every call raises.
UNWRITTEN_IDENTITY_BLOCK = (
    "def identity_block(X, f, filters, initializer='glorot_uniform'):\n"
    + textwrap.indent(NOT_ANSWERED, "    ")
    + "\n"
)

IMPORTS = """\
import keras
from keras import initializers, layers
from keras.layers import Activation, Add, BatchNormalization, Conv2D, Dense, Input, ReLU
from keras.models import Model
"""

DENSE_RESIDUAL_BLOCK = """\
def dense_residual_block(a_prev, units, initializer=initializers.GlorotUniform(seed=0)):
    z1 = Dense(units, kernel_initializer=initializer)(a_prev)
    a1 = ReLU()(z1)
    z2 = Dense(units, kernel_initializer=initializer)(a1)
    return ReLU()(Add()([z2, a_prev]))
"""

IDENTITY_BLOCK = """\
def identity_block(X, f, filters, initializer=initializers.GlorotUniform(seed=0)):
    F1, F2, F3 = filters
    X_shortcut = X
    X = Conv2D(F1, 1, padding="valid", kernel_initializer=initializer)(X)
    X = ReLU()(BatchNormalization(axis=3)(X))
    X = Conv2D(F2, f, padding="same", kernel_initializer=initializer)(X)
    X = ReLU()(BatchNormalization(axis=3)(X))
    X = Conv2D(F3, 1, padding="valid", kernel_initializer=initializer)(X)
    X = BatchNormalization(axis=3)(X)
    return ReLU()(Add()([X, X_shortcut]))
"""

CONVOLUTIONAL_BLOCK = """\
def convolutional_block(X, f, filters, s=2, initializer=initializers.GlorotUniform(seed=0)):
    F1, F2, F3 = filters
    X_shortcut = X
    X = Conv2D(F1, 1, strides=s, padding="valid", kernel_initializer=initializer)(X)
    X = ReLU()(BatchNormalization(axis=3)(X))
    X = Conv2D(F2, f, padding="same", kernel_initializer=initializer)(X)
    X = ReLU()(BatchNormalization(axis=3)(X))
    X = Conv2D(F3, 1, padding="valid", kernel_initializer=initializer)(X)
    X = BatchNormalization(axis=3)(X)
    X_shortcut = Conv2D(F3, 1, strides=s, padding="valid",
                        kernel_initializer=initializer)(X_shortcut)
    X_shortcut = BatchNormalization(axis=3)(X_shortcut)
    return ReLU()(Add()([X, X_shortcut]))
"""

RESNET50 = """\
def ResNet50(input_shape=(64, 64, 3), classes=6):
    X_input = Input(input_shape)
    X = layers.ZeroPadding2D((3, 3))(X_input)
    X = Conv2D(64, 7, strides=2)(X)
    X = ReLU()(BatchNormalization(axis=3)(X))
    X = layers.MaxPooling2D(3, strides=2)(X)
    stages = [(64, 1, 3), (128, 2, 4), (256, 2, 6), (512, 2, 3)]
    for width, stride, blocks in stages:
        filters = [width, width, 4 * width]
        X = convolutional_block(X, 3, filters, s=stride)
        for _ in range(blocks - 1):
            X = identity_block(X, 3, filters)
    X = layers.AveragePooling2D(2, padding="same")(X)
    X = layers.Flatten()(X)
    X = Dense(classes, activation="softmax")(X)
    return Model(inputs=X_input, outputs=X)
"""

# keras.ops.zeros, not zeros_like: zeros_like of a variable raises on JAX (Keras 3.15.1).
SILENCE_RESIDUAL_BRANCHES = """\
def silence_residual_branches(model):
    from resnet_course.blocks import residual_blocks

    blocks = residual_blocks(model)
    for block in blocks:
        bn = [layer for layer in block.main_path if isinstance(layer, BatchNormalization)][-1]
        bn.gamma.assign(keras.ops.zeros(bn.gamma.shape))
    return len(blocks)
"""

TRAIN = """\
import os
raise RuntimeError("the training cell must never run in the producer")
"""

SOLUTIONS = {
    "dense_residual_block": DENSE_RESIDUAL_BLOCK,
    "identity_block": IDENTITY_BLOCK,
    "convolutional_block": CONVOLUTIONAL_BLOCK,
    "ResNet50": RESNET50,
    "silence_residual_branches": SILENCE_RESIDUAL_BRANCHES,
    "train_resnet50": TRAIN,
}


def solution_cell(grade_id: str, source: str) -> nbformat.NotebookNode:
    """A code cell with nbgrader solution metadata."""
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": False,
        "grade_id": grade_id,
        "locked": False,
        "schema_version": 3,
        "solution": True,
        "task": False,
    }
    return cell


def locked_cell(grade_id: str, source: str, points: int = 0) -> nbformat.NotebookNode:
    """A read-only code cell (the imports cell, or a graded test cell when ``points``)."""
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": bool(points),
        "grade_id": grade_id,
        "locked": True,
        "schema_version": 3,
        "solution": False,
        "task": False,
        **({"points": points} if points else {}),
    }
    return cell


def public_test_cell(name: str) -> nbformat.NotebookNode:
    """A public test cell that would crash the producer if it ever ran there."""
    return locked_cell(
        f"test_{name}", "import os\nos._exit(99)  # test cells must never run in the producer\n", 5
    )


def build_notebook(
    path: Path, overrides: dict[str, str | None] | None = None, *, order=None
) -> Path:
    """Writes a submission notebook in the assignment's layout.

    Args:
        path: where to write the ``.ipynb``.
        overrides: grade_id -> source replacing the working solution; None deletes that cell.
        order: the solution grade_ids in the order their cells appear (default: the assignment's).

    Returns:
        ``path``.
    """
    sources = dict(SOLUTIONS, **(overrides or {}))
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell("# Residual Networks"))
    notebook.cells.append(locked_cell("imports", sources.get("imports", IMPORTS)))
    for name in order or list(SOLUTIONS):
        if sources.get(name) is None:
            continue
        notebook.cells.append(solution_cell(name, sources[name]))
        if name != "train_resnet50":
            notebook.cells.append(public_test_cell(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path
