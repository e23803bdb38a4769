"""Hidden checks of convolutional_block(X, f, filters, s).

The block that changes shape, with a projection shortcut.
"""

import pytest

from grader.judge.checks import blockcheck as bc
from grader.sandboxed.cases import get_case
from resnet_course import mistakes
from resnet_course.graph import BN, CONV

CASE = get_case("convolutional_block", "small")
S = CASE.kwargs["s"]
F3 = CASE.kwargs["filters"][2]
MAIN_PATH = ["conv", "bn", "relu", "conv", "bn", "relu", "conv", "bn"]
SHAPE_HINT = (
    "The main path gives (H/s, W/s, F3) when the first 1×1 conv has stride s and the f×f conv "
    "padding='same'; the shortcut must match it: a 1×1 conv with F3 filters and stride s "
    "(padding='valid'), then BatchNormalization."
)


@pytest.fixture
def block(submission):
    return bc.structure_of(submission, CASE)


def test_builds_from_symbolic_input(submission):
    bc.builds(submission, CASE, SHAPE_HINT)


def test_output_shape_is_downsampled_to_f3(submission):
    height, width, _ = CASE.input_shape
    expected = (None, height // S, width // S, F3)
    shape = tuple(submission.model(CASE).output.shape)
    assert shape == expected, (
        f"for an input of shape {(None,) + CASE.input_shape} with s={S} and F3={F3} the block "
        f"returns {shape}; it should return (H/s, W/s, F3) = {expected}."
    )


def test_main_path_is_conv_bn_relu_conv_bn_relu_conv_bn(block):
    bc.expect_main_path(block, MAIN_PATH, "BatchNormalization")


def test_kernels_are_1x1_fxf_same_1x1(block):
    bc.expect_kernels(block, CASE.kwargs["f"])


def test_filters_are_f1_f2_f3_in_order(block):
    bc.expect_filters(block, CASE.kwargs["filters"])


def test_stride_is_on_first_1x1_conv(block):
    strides = [tuple(c.config["strides"]) for c in bc.main_convs(block)]
    expected = [(S, S), (1, 1), (1, 1)]
    assert strides == expected, (
        f"the main path's convolutions have strides {strides}; the lecture puts the stride s={S} "
        "on the first 1×1 conv and stride 1 on the other two."
    )


def test_batchnorm_normalizes_channel_axis(block):
    bc.expect_channel_axis_batchnorm(block)


def test_shortcut_is_strided_1x1_conv_then_bn(block):
    bc.expect_skip_from_block_input(block)
    if block.shortcut_kinds != [CONV, BN]:
        bc.fail(mistakes.shortcut_not_projection(block.shortcut_path))
    conv = block.shortcut_path[0]
    found = (
        tuple(conv.config["kernel_size"]),
        tuple(conv.config["strides"]),
        conv.config["filters"],
    )
    wanted = ((1, 1), (S, S), F3)
    assert found == wanted, (
        f"the shortcut's conv has kernel {found[0]}, strides {found[1]} and {found[2]} filters; "
        f"the lecture's shortcut uses a 1×1 kernel, stride s={S} and F3={F3} filters."
    )


def test_skip_is_added_before_final_relu(block):
    bc.expect_skip_before_final_relu(block, "BatchNormalization")


def test_no_batchnorm_mode_is_baked_in(block):
    bc.expect_no_baked_mode(block)


def test_matches_reference_in_inference_mode(submission, block):
    bc.expect_same_as_reference(submission, CASE, block, s=S, training=False)


def test_matches_reference_in_training_mode(submission, block):
    bc.expect_same_as_reference(submission, CASE, block, s=S, training=True)
