"""Equivalent ways of writing the solution pass the public checks."""

import pytest

from resnet_course import public_tests

# The public checks run in the student's kernel, on the student's backend.
pytestmark = pytest.mark.every_backend

RELU_LAYER = 'layers.Activation("relu")(X)'


def test_dense_block_accepts_plus_and_activation_layer(build_solution, capsys):
    block = build_solution(
        "dense_residual_block",
        [
            ("a1 = layers.ReLU()(z1)", 'a1 = layers.Activation("relu")(z1)'),
            (
                "a2 = layers.ReLU()(layers.Add()([z2, a_prev]))",
                "a2 = layers.Activation('relu')(z2 + a_prev)",
            ),
        ],
    )
    public_tests.check_dense_residual_block(block)
    assert "All checks passed" in capsys.readouterr().out


def test_dense_block_accepts_ops_relu_and_ops_add(build_solution, capsys):
    block = build_solution(
        "dense_residual_block",
        [
            ("a1 = layers.ReLU()(z1)", "a1 = keras.ops.relu(z1)"),
            (
                "a2 = layers.ReLU()(layers.Add()([z2, a_prev]))",
                "a2 = keras.ops.relu(keras.ops.add(z2, a_prev))",
            ),
        ],
    )
    public_tests.check_dense_residual_block(block)
    assert "All checks passed" in capsys.readouterr().out


@pytest.mark.parametrize("relu", ["layers.ReLU()(X)", "keras.ops.relu(X)"])
def test_identity_block_accepts_any_relu_spelling(build_solution, capsys, relu):
    every_relu = [
        (
            f"    X = {RELU_LAYER}\n\n    X = layers.Conv2D(F2",
            f"    X = {relu}\n\n    X = layers.Conv2D(F2",
        ),
        (
            f"    X = {RELU_LAYER}\n\n    X = layers.Conv2D(F3",
            f"    X = {relu}\n\n    X = layers.Conv2D(F3",
        ),
        (
            f"X = layers.Add()([X, X_shortcut])\n    X = {RELU_LAYER}",
            f"X = layers.Add()([X, X_shortcut])\n    X = {relu}",
        ),
    ]
    public_tests.check_identity_block(build_solution("identity_block", every_relu))
    assert "All checks passed" in capsys.readouterr().out


def test_identity_block_accepts_plus_and_negative_axis(build_solution, capsys):
    block = build_solution(
        "identity_block",
        [
            ("X = layers.Add()([X, X_shortcut])", "X = X + X_shortcut"),
            (
                "X = layers.BatchNormalization(axis=3)(X)\n\n    X = X + X_shortcut",
                "X = layers.BatchNormalization(axis=-1)(X)\n\n    X = X + X_shortcut",
            ),
        ],
    )
    public_tests.check_identity_block(block)
    assert "All checks passed" in capsys.readouterr().out


def test_convolutional_block_accepts_fused_relu_and_plus(build_solution, capsys):
    block = build_solution(
        "convolutional_block",
        [
            (
                'X = layers.Add()([X, X_shortcut])\n    X = layers.Activation("relu")(X)',
                "X = keras.ops.relu(X + X_shortcut)",
            ),
            (
                "X_shortcut = layers.BatchNormalization(axis=3)(X_shortcut)",
                "X_shortcut = layers.BatchNormalization(axis=-1)(X_shortcut)",
            ),
        ],
    )
    public_tests.check_convolutional_block(block)
    assert "All checks passed" in capsys.readouterr().out


def test_solution_passes_every_public_block_check(build_solution, capsys):
    public_tests.check_dense_residual_block(build_solution("dense_residual_block"))
    public_tests.check_identity_block(build_solution("identity_block"))
    public_tests.check_convolutional_block(build_solution("convolutional_block"))
    public_tests.check_train_resnet50(build_solution("train_resnet50"))
    assert capsys.readouterr().out.count("All checks passed") == 4


def test_identity_block_with_its_own_initializer_passes_with_a_note(build_solution, capsys):
    block = build_solution(
        "identity_block",
        [
            (
                'X = layers.Conv2D(F1, kernel_size=1, strides=1, padding="valid", '
                "kernel_initializer=initializer)(X)",
                'X = layers.Conv2D(F1, kernel_size=1, strides=1, padding="valid", '
                'kernel_initializer="he_normal")(X)',
            )
        ],
    )
    public_tests.check_identity_block(block)
    out = capsys.readouterr().out
    assert "All checks passed" in out and "does not use the initializer argument" in out
