"""Hidden checks of dense_residual_block(a_prev, units).

The block computes a[l+2] = g(W2 g(W1 a[l] + b1) + b2 + a[l]). Besides the checks below, the file
holds those every block has (:func:`blockcheck.block_checks`), bound under their names.
"""

import keras
import numpy as np

from grader.judge.checks import blockcheck as bc
from grader.judge.reference import randomize_weights
from grader.sandboxed.cases import get_case
from resnet_course import mistakes
from resnet_course.blocks import analyse_block
from resnet_course.graph import DENSE

CASE = get_case("dense_residual_block", "small")
SHAPE_HINT = "Both Dense layers need `units` units, so that z[l+2] has a[l]'s shape."
KEPT_SHAPE = (
    "for a[l] of shape {expected} and units={units} the block returns shape {shape}; a[l+2] must "
    "have a[l]'s shape."
)
globals().update(bc.block_checks(CASE, SHAPE_HINT, "Dense"))


def test_output_shape_equals_input_shape(submission):
    bc.expect_input_shape_kept(submission, CASE, KEPT_SHAPE)


def test_main_path_is_dense_relu_dense(block):
    bc.expect_main_path(block, ["dense", "relu", "dense"], "Dense")


def test_dense_layers_are_units_wide_with_biases(block):
    denses = [n for n in bc.main_chain(block) if n.kind == DENSE]
    if not denses:
        bc.fail(mistakes.nothing_to_check("Dense layer"))
    units = CASE.kwargs["units"]
    for node in denses:
        if node.config["units"] != units:
            bc.fail(mistakes.dense_width(node.name, node.config["units"], units))
        if not node.config["use_bias"]:
            bc.fail(mistakes.dense_without_bias(node.name))


def test_skip_carries_unchanged_input(block):
    bc.expect_identity_skip(block)


def test_output_equals_g_of_z_plus_a(submission, block):
    denses = [n for n in bc.main_chain(block) if n.kind == DENSE]
    if len(denses) != 2:
        bc.fail(f"not compared: the main path has {len(denses)} Dense layers, the block needs 2.")
    model = submission.model(CASE, fresh=True)
    # Random biases too: freshly initialized ones are all zero and would hide where b1 and b2 are
    # added.
    randomize_weights(model, seed=0)
    denses = [n for n in bc.main_chain(analyse_block(model)) if n.kind == DENSE]
    rng = np.random.default_rng(0)
    a_prev = rng.normal(0.0, 1.0, (8,) + CASE.input_shape).astype("float32")
    (w1, b1), (w2, b2) = (_kernel_and_bias(node.op) for node in denses)
    # g is the ReLU: a[l+2] = g(W2 g(W1 a[l] + b1) + b2 + a[l]).
    expected = np.maximum(np.maximum(a_prev @ w1 + b1, 0.0) @ w2 + b2 + a_prev, 0.0)
    actual = keras.ops.convert_to_numpy(model(a_prev, training=False))
    scale = max(1.0, float(np.max(np.abs(expected))))
    assert actual.shape == expected.shape and np.max(np.abs(actual - expected)) / scale < 1e-4, (
        "with your own layers (given random weights), the block's output is not g(z[l+2] + "
        "a[l]), where z[l+2] = W2 g(W1 a[l] + b1) + b2 and g is the ReLU. Check that a[l] is "
        "added to the second Dense layer's output and that g is applied once, after the Add."
    )


def _kernel_and_bias(layer):
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    bias = (
        keras.ops.convert_to_numpy(layer.bias)
        if getattr(layer, "bias", None) is not None
        else np.zeros(kernel.shape[1])
    )
    return kernel, bias
