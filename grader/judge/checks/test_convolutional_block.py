"""Hidden checks of convolutional_block(X, f, filters, s).

The block that changes shape, with a projection shortcut. Besides the checks below, the file holds
those every block and every bottleneck block has (:func:`blockcheck.block_checks`,
:func:`blockcheck.bottleneck_checks`), bound under their names.
"""

from grader.judge.checks import blockcheck as bc
from grader.sandboxed.cases import get_case
from resnet_course import mistakes
from resnet_course.graph import BN, CONV

CASE = get_case("convolutional_block", "small")
S = CASE.kwargs["s"]
F3 = CASE.kwargs["filters"][2]
SHAPE_HINT = (
    "The main path gives (H/s, W/s, F3) when the first 1×1 conv has stride s and the f×f conv "
    "padding='same'; the shortcut must match it: a 1×1 conv with F3 filters and stride s "
    "(padding='valid'), then BatchNormalization."
)
globals().update(bc.block_checks(CASE, SHAPE_HINT, "BatchNormalization"))
globals().update(bc.bottleneck_checks(CASE, s=S))


def test_output_shape_is_downsampled_to_f3(submission):
    height, width, _ = CASE.input_shape
    expected = (None, height // S, width // S, F3)
    shape = tuple(submission.model(CASE).output.shape)
    assert shape == expected, (
        f"for an input of shape {(None,) + CASE.input_shape} with s={S} and F3={F3} the block "
        f"returns {shape}; it should return (H/s, W/s, F3) = {expected}."
    )


def test_stride_is_on_first_1x1_conv(block):
    strides = [tuple(c.config["strides"]) for c in bc.main_convs(block)]
    expected = [(S, S), (1, 1), (1, 1)]
    assert strides == expected, (
        f"the main path's convolutions have strides {strides}; the lecture puts the stride s={S} "
        "on the first 1×1 conv and stride 1 on the other two."
    )


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
