"""Hidden checks of identity_block(X, f, filters).

The block computes a[l+2] = g(z[l+2] + a[l]) with a conv-BN main path.
"""

import pytest

from grader.judge.checks import blockcheck as bc
from grader.sandboxed.cases import get_case

CASE = get_case("identity_block", "small")
MAIN_PATH = ["conv", "bn", "relu", "conv", "bn", "relu", "conv", "bn"]
SHAPE_HINT = (
    "Use padding='same' on the f×f conv and F3 filters on the last conv, so that z[l+2] has "
    "a[l]'s shape (here F3 equals the input's channel count)."
)


@pytest.fixture
def block(submission):
    return bc.structure_of(submission, CASE)


def test_builds_from_symbolic_input(submission):
    bc.builds(submission, CASE, SHAPE_HINT)


def test_output_shape_equals_input_shape(submission):
    shape = tuple(submission.model(CASE).output.shape)
    expected = (None,) + CASE.input_shape
    assert shape == expected, (
        f"for an input of shape {expected} the block returns shape {shape}; an identity block "
        "keeps the shape of a[l], so that z[l+2] + a[l] is defined."
    )


def test_main_path_is_conv_bn_relu_conv_bn_relu_conv_bn(block):
    bc.expect_main_path(block, MAIN_PATH, "BatchNormalization")


def test_kernels_are_1x1_fxf_same_1x1(block):
    bc.expect_kernels(block, CASE.kwargs["f"])


def test_filters_are_f1_f2_f3_in_order(block):
    bc.expect_filters(block, CASE.kwargs["filters"])


def test_batchnorm_normalizes_channel_axis(block):
    bc.expect_channel_axis_batchnorm(block)


def test_skip_carries_unchanged_input(block):
    bc.expect_identity_skip(block)


def test_skip_is_added_before_final_relu(block):
    bc.expect_skip_before_final_relu(block, "BatchNormalization")


def test_no_batchnorm_mode_is_baked_in(block):
    bc.expect_no_baked_mode(block)


def test_matches_reference_in_inference_mode(submission, block):
    bc.expect_same_as_reference(submission, CASE, block, s=None, training=False)


def test_matches_reference_in_training_mode(submission, block):
    bc.expect_same_as_reference(submission, CASE, block, s=None, training=True)
