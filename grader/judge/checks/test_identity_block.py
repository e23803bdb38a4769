"""Hidden checks of identity_block(X, f, filters).

The block computes a[l+2] = g(z[l+2] + a[l]) with a conv-BN main path. Besides the checks below, the
file holds those every block and every bottleneck block has (:func:`blockcheck.block_checks`,
:func:`blockcheck.bottleneck_checks`), bound under their names.
"""

from grader.judge.checks import blockcheck as bc
from grader.sandboxed.cases import get_case

CASE = get_case("identity_block", "small")
SHAPE_HINT = (
    "Use padding='same' on the f×f conv and F3 filters on the last conv, so that z[l+2] has "
    "a[l]'s shape (here F3 equals the input's channel count)."
)
KEPT_SHAPE = (
    "for an input of shape {expected} the block returns shape {shape}; an identity block keeps the "
    "shape of a[l], so that z[l+2] + a[l] is defined."
)
globals().update(bc.block_checks(CASE, SHAPE_HINT, "BatchNormalization"))
globals().update(bc.bottleneck_checks(CASE, s=None))


def test_output_shape_equals_input_shape(submission):
    bc.expect_input_shape_kept(submission, CASE, KEPT_SHAPE)


def test_skip_carries_unchanged_input(block):
    bc.expect_identity_skip(block)
