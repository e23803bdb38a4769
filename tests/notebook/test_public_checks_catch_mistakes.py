"""The public checks fail, with a message in the lecture's terms, on typical mistakes.

Each test takes the solution's own source, applies one textual mutation, and runs the public check
on the result.
"""

import pytest

from resnet_course import public_tests
from resnet_course.public_tests import CheckFailed

# The public checks run in the student's kernel, on the student's backend.
pytestmark = pytest.mark.every_backend

ADD_THEN_RELU = '    X = layers.Add()([X, X_shortcut])\n    X = layers.Activation("relu")(X)\n'
RELU_THEN_ADD = '    X = layers.Activation("relu")(X)\n    X = layers.Add()([X, X_shortcut])\n'


def assert_check_fails(check, function, *fragments):
    with pytest.raises(CheckFailed) as failure:
        check(function)
    for fragment in fragments:
        assert fragment in str(failure.value), f"{fragment!r} not in the message: {failure.value}"


def test_dense_block_rejects_skip_after_relu(build_solution):
    block = build_solution(
        "dense_residual_block",
        [
            (
                "a2 = layers.ReLU()(layers.Add()([z2, a_prev]))",
                "a2 = layers.Add()([layers.ReLU()(z2), a_prev])",
            )
        ],
    )
    assert_check_fails(
        public_tests.check_dense_residual_block, block, "a[l] is added after the final ReLU"
    )


def test_dense_block_rejects_missing_skip(build_solution):
    block = build_solution(
        "dense_residual_block", [("layers.ReLU()(layers.Add()([z2, a_prev]))", "layers.ReLU()(z2)")]
    )
    assert_check_fails(public_tests.check_dense_residual_block, block, "no skip connection")


def test_dense_block_rejects_skip_from_wrong_tensor(build_solution):
    block = build_solution(
        "dense_residual_block", [("layers.Add()([z2, a_prev])", "layers.Add()([z2, a1])")]
    )
    assert_check_fails(public_tests.check_dense_residual_block, block, "not from the block input")


def test_identity_block_rejects_skip_after_relu(build_solution):
    block = build_solution("identity_block", [(ADD_THEN_RELU, RELU_THEN_ADD)])
    assert_check_fails(
        public_tests.check_identity_block, block, "a[l] is added after the final ReLU"
    )


def test_identity_block_rejects_missing_skip(build_solution):
    block = build_solution("identity_block", [("    X = layers.Add()([X, X_shortcut])\n", "")])
    assert_check_fails(public_tests.check_identity_block, block, "no skip connection")


def test_identity_block_rejects_skip_from_wrong_tensor(build_solution):
    block = build_solution(
        "identity_block",
        [("    X = layers.Conv2D(F2,", "    X_shortcut = X\n    X = layers.Conv2D(F2,")],
    )
    assert_check_fails(public_tests.check_identity_block, block, "not from the block input")


def test_identity_block_rejects_missing_batchnorm(build_solution):
    block = build_solution(
        "identity_block",
        [
            (
                'padding="same", kernel_initializer=initializer)(X)\n    X = '
                "layers.BatchNormalization(axis=3)(X)\n",
                'padding="same", kernel_initializer=initializer)(X)\n',
            )
        ],
    )
    assert_check_fails(
        public_tests.check_identity_block,
        block,
        "second convolution of the main path is not followed by BatchNormalization",
    )


def test_identity_block_rejects_valid_padding_in_f_by_f_conv(build_solution):
    block = build_solution("identity_block", [('padding="same"', 'padding="valid"')])
    assert_check_fails(
        public_tests.check_identity_block, block, "f x f convolution uses padding='valid'"
    )


def test_identity_block_rejects_batchnorm_over_wrong_axis(build_solution):
    block = build_solution(
        "identity_block",
        [
            (
                "X = layers.BatchNormalization(axis=3)(X)\n\n    X = layers.Add()",
                "X = layers.BatchNormalization(axis=1)(X)\n\n    X = layers.Add()",
            )
        ],
    )
    assert_check_fails(public_tests.check_identity_block, block, "use axis=3")


def test_identity_block_rejects_training_argument_baked_in(build_solution):
    block = build_solution(
        "identity_block",
        [
            (
                "X = layers.BatchNormalization(axis=3)(X)\n\n    X = layers.Add()",
                "X = layers.BatchNormalization(axis=3)(X, training=True)\n\n    X = layers.Add()",
            )
        ],
    )
    assert_check_fails(
        public_tests.check_identity_block, block, "training=True", "fit and predict set the mode"
    )


def test_convolutional_block_rejects_stride_on_f_by_f_conv(build_solution):
    block = build_solution(
        "convolutional_block",
        [
            (
                "layers.Conv2D(F1, kernel_size=1, strides=s,",
                "layers.Conv2D(F1, kernel_size=1, strides=1,",
            ),
            (
                "layers.Conv2D(F2, kernel_size=f, strides=1,",
                "layers.Conv2D(F2, kernel_size=f, strides=s,",
            ),
        ],
    )
    assert_check_fails(
        public_tests.check_convolutional_block,
        block,
        "the stride s belongs in the first 1x1 convolution",
    )


def test_convolutional_block_rejects_shortcut_without_conv(build_solution):
    block = build_solution(
        "convolutional_block",
        [
            (
                '    X_shortcut = layers.Conv2D(F3, kernel_size=1, strides=s, padding="valid", '
                "kernel_initializer=initializer)(X_shortcut)\n",
                "",
            )
        ],
    )
    assert_check_fails(
        public_tests.check_convolutional_block, block, "the shortcut has no 1x1 convolution"
    )


def test_convolutional_block_rejects_shortcut_without_batchnorm(build_solution):
    block = build_solution(
        "convolutional_block",
        [("    X_shortcut = layers.BatchNormalization(axis=3)(X_shortcut)\n", "")],
    )
    assert_check_fails(
        public_tests.check_convolutional_block,
        block,
        "it should be a 1x1 convolution followed by BatchNormalization",
    )


def test_convolutional_block_rejects_skip_after_relu(build_solution):
    block = build_solution("convolutional_block", [(ADD_THEN_RELU, RELU_THEN_ADD)])
    assert_check_fails(
        public_tests.check_convolutional_block, block, "a[l] is added after the final ReLU"
    )


def test_resnet50_rejects_wrong_number_of_blocks_in_a_stage(build_solution):
    model_fn = build_solution(
        "ResNet50",
        [("for _ in range(5):", "for _ in range(4):")],
        depends=("identity_block", "convolutional_block"),
    )
    assert_check_fails(
        public_tests.check_ResNet50, model_fn, "stage 4 has 5 residual blocks", "has 6"
    )
