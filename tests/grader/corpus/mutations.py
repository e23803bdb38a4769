"""The grading corpus: the reference submission, valid style variants and typical mistakes.

Each entry is a set of text edits to ``reference_solution.py``. A variant must pass every check of
its exercise; a mistake must fail exactly the checks listed in ``fails``, and the first of them must
say ``says`` (a phrase from the message the student reads).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

REFERENCE_SOURCE = (Path(__file__).parent / "reference_solution.py").read_text(encoding="utf-8")

ID_RELU = "    X = layers.Activation('relu')(X)\n"
ID_ADD_RELU_END = (
    "    X = layers.Add()([X, X_shortcut])\n    X = "
    "layers.Activation('relu')(X)\n    return X\n\n\ndef convolutional_block"
)
CB_ADD_RELU_END = (
    "    X = layers.Add()([X, X_shortcut])\n    X = "
    "layers.Activation('relu')(X)\n    return X\n\n\ndef ResNet50"
)
ID_BN3 = (
    "    X = layers.Conv2D(filters=F3, kernel_size=1, strides=(1, 1), padding='valid', "
    "kernel_initializer=initializer(seed=0))(X)\n    X = layers.BatchNormalization(axis=3)(X)\n"
)
ID_CONV2 = (
    "    X = layers.Conv2D(filters=F2, kernel_size=f, strides=(1, 1), padding='same', "
    "kernel_initializer=initializer(seed=0))(X)\n    X = layers.BatchNormalization(axis=3)(X)\n"
)
CB_CONV1 = (
    "    X = layers.Conv2D(F1, (1, 1), strides=(s, s), padding='valid', "
    "kernel_initializer=initializer(seed=0))(X)\n"
)
CB_CONV2 = (
    "    X = layers.Conv2D(F2, (f, f), strides=(1, 1), padding='same', "
    "kernel_initializer=initializer(seed=0))(X)\n"
)
CB_SHORTCUT_CONV = (
    "    X_shortcut = layers.Conv2D(F3, (1, 1), strides=(s, s), padding='valid', "
    "kernel_initializer=initializer(seed=0))(X_shortcut)\n"
)
CB_SHORTCUT_BN = "    X_shortcut = layers.BatchNormalization(axis=3)(X_shortcut)\n"

BLOCK_NUMERIC = {
    "test_matches_reference_in_inference_mode",
    "test_matches_reference_in_training_mode",
}
BLOCK_ALL = {
    "test_builds_from_symbolic_input",
    "test_main_path_is_conv_bn_relu_conv_bn_relu_conv_bn",
    "test_kernels_are_1x1_fxf_same_1x1",
    "test_filters_are_f1_f2_f3_in_order",
    "test_batchnorm_normalizes_channel_axis",
    "test_skip_is_added_before_final_relu",
    "test_no_batchnorm_mode_is_baked_in",
} | BLOCK_NUMERIC
ID_ALL = BLOCK_ALL | {"test_output_shape_equals_input_shape", "test_skip_carries_unchanged_input"}
CB_ALL = BLOCK_ALL | {
    "test_output_shape_is_downsampled_to_f3",
    "test_stride_is_on_first_1x1_conv",
    "test_shortcut_is_strided_1x1_conv_then_bn",
}
DR_ALL = {
    "test_builds_from_symbolic_input",
    "test_output_shape_equals_input_shape",
    "test_main_path_is_dense_relu_dense",
    "test_dense_layers_are_units_wide_with_biases",
    "test_skip_carries_unchanged_input",
    "test_skip_is_added_before_final_relu",
    "test_output_equals_g_of_z_plus_a",
}

HELPER_IDENTITY = """
def conv_bn(X, filters, kernel, padding, initializer, name, relu=True):
    X = layers.Conv2D(filters, kernel, padding=padding, kernel_initializer=initializer(seed=0),
                      name=name + "_conv")(X)
    X = layers.BatchNormalization(axis=-1, name=name + "_bn")(X)
    return layers.ReLU(name=name + "_relu")(X) if relu else X


def identity_block(X, f, filters, initializer=glorot_uniform):
    F1, F2, F3 = filters
    main = conv_bn(X, F1, 1, "valid", initializer, "a")
    main = conv_bn(main, F2, f, "same", initializer, "b")
    main = conv_bn(main, F3, 1, "valid", initializer, "c", relu=False)
    return layers.ReLU(name="out")(layers.Add(name="skip")([X, main]))


def identity_block_unused(X, f, filters, initializer=glorot_uniform):
"""


BLOCK_EXERCISES = ("dense_residual_block", "identity_block", "convolutional_block")


@dataclasses.dataclass(frozen=True)
class Entry:
    """One corpus submission.

    Attributes:
        name: a short id, also the test id.
        exercise: the exercise the edits change.
        edits: (old, new) text replacements; ``old`` must occur in the source.
        fails: the exercise's checks (test names) that must fail; empty for a valid variant.
        says: a phrase the first failing check's message must contain.
        kind: what kind of construction or mistake it is, for the corpus's results by kind.
        others: further exercises built from the same source, which must get full marks.
    """

    name: str
    exercise: str
    edits: tuple[tuple[str, str], ...] = ()
    fails: frozenset = frozenset()
    says: str = ""
    kind: str = ""
    others: tuple[str, ...] = ()

    @property
    def builds(self) -> tuple[str, ...]:
        """Every exercise whose artifacts are built: the entry's own, then the others."""
        return (self.exercise,) + self.others

    def source(self) -> str:
        """Returns the reference source with this entry's edits applied."""
        text = REFERENCE_SOURCE
        for old, new in self.edits:
            if old not in text:
                raise ValueError(
                    f"corpus entry {self.name}: {old!r} is not in the reference source"
                )
            text = text.replace(old, new)
        return text


def _mistake(name, exercise, edits, fails, says, kind="", others=()):
    return Entry(name, exercise, tuple(edits), frozenset(fails), says, kind, tuple(others))


def function_source(name: str) -> str:
    """Returns the text of one function of the reference source, ``def`` to its last line."""
    start = REFERENCE_SOURCE.index(f"\ndef {name}(") + 1
    end = REFERENCE_SOURCE.find("\n\n\ndef ", start)
    return REFERENCE_SOURCE[start : end if end >= 0 else len(REFERENCE_SOURCE)].rstrip("\n")


def rewrite(name, kind, exercise, source, fails=(), says="", others=None, function=None):
    """An entry that replaces a whole function of the reference (by default the exercise's own).

    Args:
        name: the entry's id.
        kind: what kind of construction or mistake it is.
        exercise: the exercise it is graded on.
        source: the new function(s), replacing the old function's text.
        fails: the checks that must fail (empty for a valid construction).
        says: a phrase the failing checks' messages must contain.
        others: exercises also built, which must get full marks; for a mistake in a block, by
            default the other blocks.
        function: the function to replace, when not the exercise's.

    Returns:
        The entry.
    """
    edits = [(function_source(function or exercise), source.strip("\n"))]
    if fails:
        if others is None:
            others = tuple(e for e in BLOCK_EXERCISES if e != exercise)
        return _mistake(name, exercise, edits, fails, says, kind, others)
    return Entry(name, exercise, tuple(edits), kind=kind, others=tuple(others or ()))


VALID = (
    Entry("reference_identity", "identity_block"),
    Entry("reference_convolutional", "convolutional_block"),
    Entry("reference_dense", "dense_residual_block"),
    Entry("relu_layer", "identity_block", (("layers.Activation('relu')", "layers.ReLU()"),)),
    Entry("ops_relu", "convolutional_block", ((ID_RELU, "    X = keras.ops.relu(X)\n"),)),
    Entry(
        "plus_operator", "identity_block", (("layers.Add()([X, X_shortcut])", "X + X_shortcut"),)
    ),
    Entry(
        "ops_add_reversed",
        "convolutional_block",
        (("layers.Add()([X, X_shortcut])", "keras.ops.add(X_shortcut, X)"),),
    ),
    Entry("axis_minus_one", "convolutional_block", (("axis=3", "axis=-1"),)),
    Entry(
        "tuple_kernels",
        "identity_block",
        (("kernel_size=1,", "kernel_size=(1, 1),"), ("kernel_size=f,", "kernel_size=(f, f),")),
    ),
    Entry(
        "explicit_defaults",
        "identity_block",
        (
            (
                "layers.BatchNormalization(axis=3)",
                "layers.BatchNormalization(axis=3, momentum=0.99, epsilon=0.001, center=True, "
                "scale=True)",
            ),
            (
                "padding='valid', kernel_initializer",
                "padding='valid', dilation_rate=(1, 1), use_bias=True, activation=None, "
                "kernel_initializer",
            ),
        ),
    ),
    Entry(
        "named_layers_and_helper",
        "identity_block",
        (("\ndef identity_block(X, f, filters, initializer=glorot_uniform):\n", HELPER_IDENTITY),),
    ),
    Entry(
        "shortcut_first",
        "convolutional_block",
        (
            (
                "    X_shortcut = X\n    X = layers.Conv2D(F1, (1, 1)",
                "    X_shortcut = layers.BatchNormalization(axis=3)(layers.Conv2D(F3, 1, "
                "strides=s, kernel_initializer=initializer(seed=0))(X))\n    X = "
                "layers.Conv2D(F1, (1, 1)",
            ),
            (CB_SHORTCUT_CONV + CB_SHORTCUT_BN, ""),
        ),
    ),
    Entry(
        "dense_fused_relu_and_ops",
        "dense_residual_block",
        (
            (
                "z1 = layers.Dense(units, kernel_initializer=initializer(seed=0))(a_prev)\n    "
                "a1 = layers.ReLU()(z1)",
                "a1 = layers.Dense(units, activation='relu', "
                "kernel_initializer=initializer(seed=0))(a_prev)",
            ),
            (
                "z2_plus = layers.Add()([z2, a_shortcut])\n    return layers.ReLU()(z2_plus)",
                "return keras.ops.relu(keras.ops.add(a_shortcut, z2))",
            ),
        ),
    ),
)

MISTAKES = (
    # identity_block
    _mistake(
        "id_skip_after_final_relu",
        "identity_block",
        [
            (
                ID_ADD_RELU_END,
                "    X = layers.Activation('relu')(X)\n    X = layers.Add()([X, X_shortcut])\n   "
                " return X\n\n\ndef convolutional_block",
            )
        ],
        ["test_skip_is_added_before_final_relu", *BLOCK_NUMERIC],
        "added after the final ReLU",
    ),
    _mistake(
        "id_no_skip",
        "identity_block",
        [
            (
                ID_ADD_RELU_END,
                "    X = layers.Activation('relu')(X)\n    return X\n\n\ndef convolutional_block",
            )
        ],
        [
            "test_skip_carries_unchanged_input",
            "test_skip_is_added_before_final_relu",
            *BLOCK_NUMERIC,
        ],
        "no skip connection",
    ),
    _mistake(
        "id_skip_from_intermediate",
        "identity_block",
        [
            (
                "    X_shortcut = X\n    X = layers.Conv2D(filters=F1",
                "    X = layers.Conv2D(filters=F1",
            ),
            (
                ID_BN3,
                ID_BN3.replace(
                    "    X = layers.BatchNormalization",
                    "    X_shortcut = X\n    X = layers.BatchNormalization",
                ),
            ),
        ],
        ["test_skip_carries_unchanged_input", *BLOCK_NUMERIC],
        "intermediate tensor",
    ),
    _mistake(
        "id_relu_before_add",
        "identity_block",
        [(ID_BN3, ID_BN3 + ID_RELU)],
        ["test_main_path_is_conv_bn_relu_conv_bn_relu_conv_bn", *BLOCK_NUMERIC],
        "before the Add",
    ),
    _mistake(
        "id_missing_bn",
        "identity_block",
        [(ID_CONV2, ID_CONV2.split("\n")[0] + "\n")],
        ["test_main_path_is_conv_bn_relu_conv_bn_relu_conv_bn", *BLOCK_NUMERIC],
        "fewer bn",
    ),
    _mistake(
        "id_bn_wrong_axis",
        "identity_block",
        [(ID_CONV2, ID_CONV2.replace("axis=3", "axis=1"))],
        ["test_batchnorm_normalizes_channel_axis", *BLOCK_NUMERIC],
        "not the channel axis",
    ),
    _mistake(
        "id_valid_padding",
        "identity_block",
        [(ID_CONV2, ID_CONV2.replace("padding='same'", "padding='valid'"))],
        ID_ALL,
        "padding='same'",
    ),
    _mistake(
        "id_filters_swapped",
        "identity_block",
        [
            (
                "    F1, F2, F3 = filters\n    X_shortcut = X\n    X = layers.Conv2D(filters=F1",
                "    F2, F1, F3 = filters\n    X_shortcut = X\n    X = layers.Conv2D(filters=F1",
            )
        ],
        ["test_filters_are_f1_f2_f3_in_order", *BLOCK_NUMERIC],
        "F1, F2, F3",
    ),
    _mistake(
        "id_kernels_swapped",
        "identity_block",
        [
            (
                "filters=F1, kernel_size=1, strides=(1, 1), padding='valid'",
                "filters=F1, kernel_size=f, strides=(1, 1), padding='same'",
            ),
            ("filters=F2, kernel_size=f,", "filters=F2, kernel_size=1,"),
        ],
        ["test_kernels_are_1x1_fxf_same_1x1", *BLOCK_NUMERIC],
        "kernels are",
    ),
    _mistake(
        "id_bn_frozen_in_training_mode",
        "identity_block",
        [
            (
                ID_BN3,
                ID_BN3.replace(
                    "BatchNormalization(axis=3)(X)", "BatchNormalization(axis=3)(X, training=True)"
                ),
            )
        ],
        ["test_no_batchnorm_mode_is_baked_in"],
        "training=True",
    ),
    _mistake(
        "id_returns_precomputed_tensor",
        "identity_block",
        [
            (
                "    F1, F2, F3 = filters\n    X_shortcut = X\n    X = layers.Conv2D(filters=F1",
                "    return keras.ops.zeros((1, 8, 8, 12))\n    F1, F2, F3 = filters\n    "
                "X_shortcut = X\n    X = layers.Conv2D(filters=F1",
            )
        ],
        ID_ALL,
        "not a symbolic tensor",
    ),
    # convolutional_block
    _mistake(
        "cb_skip_after_final_relu",
        "convolutional_block",
        [
            (
                CB_ADD_RELU_END,
                "    X = layers.Activation('relu')(X)\n    X = layers.Add()([X, X_shortcut])\n   "
                " return X\n\n\ndef ResNet50",
            )
        ],
        ["test_skip_is_added_before_final_relu", *BLOCK_NUMERIC],
        "added after the final ReLU",
    ),
    _mistake(
        "cb_stride_on_fxf_conv",
        "convolutional_block",
        [
            (CB_CONV1, CB_CONV1.replace("strides=(s, s)", "strides=(1, 1)")),
            (CB_CONV2, CB_CONV2.replace("strides=(1, 1)", "strides=(s, s)")),
        ],
        ["test_stride_is_on_first_1x1_conv", *BLOCK_NUMERIC],
        "first 1×1 conv",
    ),
    _mistake(
        "cb_shortcut_without_conv",
        "convolutional_block",
        [(CB_SHORTCUT_CONV, "")],
        CB_ALL,
        "1×1 conv with F3 filters and stride s",
    ),
    _mistake(
        "cb_shortcut_without_bn",
        "convolutional_block",
        [(CB_SHORTCUT_BN, "")],
        ["test_shortcut_is_strided_1x1_conv_then_bn", *BLOCK_NUMERIC],
        "followed by BatchNormalization",
    ),
    _mistake(
        "cb_shortcut_kernel_f",
        "convolutional_block",
        [
            (
                CB_SHORTCUT_CONV,
                CB_SHORTCUT_CONV.replace(
                    "(F3, (1, 1), strides=(s, s), padding='valid'",
                    "(F3, (f, f), strides=(s, s), padding='same'",
                ),
            )
        ],
        ["test_shortcut_is_strided_1x1_conv_then_bn", *BLOCK_NUMERIC],
        "1×1 kernel",
    ),
    _mistake(
        "cb_valid_padding",
        "convolutional_block",
        [(CB_CONV2, CB_CONV2.replace("padding='same'", "padding='valid'"))],
        CB_ALL,
        "padding='same'",
    ),
    _mistake(
        "cb_no_skip",
        "convolutional_block",
        [(CB_ADD_RELU_END, "    X = layers.Activation('relu')(X)\n    return X\n\n\ndef ResNet50")],
        [
            "test_shortcut_is_strided_1x1_conv_then_bn",
            "test_skip_is_added_before_final_relu",
            *BLOCK_NUMERIC,
        ],
        "no skip connection",
    ),
    _mistake(
        "cb_returns_tensor_of_another_input",
        "convolutional_block",
        [
            (
                "    F1, F2, F3 = filters\n    X_shortcut = X\n    X = layers.Conv2D(F1",
                "    F1, F2, F3 = filters\n    X = keras.Input((8, 8, 6))\n    X_shortcut = X\n  "
                "  X = layers.Conv2D(F1",
            )
        ],
        CB_ALL,
        "does not depend on its input",
    ),
    # dense_residual_block
    _mistake(
        "dr_skip_after_final_relu",
        "dense_residual_block",
        [
            (
                "z2_plus = layers.Add()([z2, a_shortcut])\n    return layers.ReLU()(z2_plus)",
                "return layers.Add()([layers.ReLU()(z2), a_shortcut])",
            )
        ],
        ["test_skip_is_added_before_final_relu", "test_output_equals_g_of_z_plus_a"],
        "added after the final ReLU",
    ),
    _mistake(
        "dr_no_skip",
        "dense_residual_block",
        [
            (
                "z2_plus = layers.Add()([z2, a_shortcut])\n    return layers.ReLU()(z2_plus)",
                "return layers.ReLU()(z2)",
            )
        ],
        [
            "test_skip_carries_unchanged_input",
            "test_skip_is_added_before_final_relu",
            "test_output_equals_g_of_z_plus_a",
        ],
        "no skip connection",
    ),
    _mistake(
        "dr_relu_on_second_dense",
        "dense_residual_block",
        [
            (
                "z2 = layers.Dense(units, kernel_initializer=initializer(seed=1))(a1)",
                "z2 = layers.Dense(units, activation='relu', "
                "kernel_initializer=initializer(seed=1))(a1)",
            )
        ],
        ["test_main_path_is_dense_relu_dense", "test_output_equals_g_of_z_plus_a"],
        "before the Add",
    ),
)

RESNET_ALL = {
    "test_builds_a_model",
    "test_output_shape_is_batch_by_classes",
    "test_parameter_count",
    "test_stem",
    "test_stages_have_3_4_6_3_blocks",
    "test_blocks_have_lecture_filters_and_strides",
    "test_every_addition_feeds_a_relu",
    "test_head_is_pool_flatten_softmax",
}

EXERCISE_CHECKS = {
    "identity_block": ID_ALL,
    "convolutional_block": CB_ALL,
    "dense_residual_block": DR_ALL,
    "ResNet50": RESNET_ALL,
}

_KINDS = {
    "reference_identity": "reference",
    "reference_convolutional": "reference",
    "reference_dense": "reference",
    "relu_layer": "activation and addition spelling",
    "ops_relu": "activation and addition spelling",
    "plus_operator": "activation and addition spelling",
    "ops_add_reversed": "activation and addition spelling",
    "axis_minus_one": "explicit defaults and names",
    "tuple_kernels": "explicit defaults and names",
    "explicit_defaults": "explicit defaults and names",
    "named_layers_and_helper": "loops and helpers",
    "shortcut_first": "order of the code",
    "dense_fused_relu_and_ops": "activation and addition spelling",
    "id_skip_after_final_relu": "skip connection",
    "id_no_skip": "skip connection",
    "id_skip_from_intermediate": "skip connection",
    "id_relu_before_add": "main path",
    "id_missing_bn": "main path",
    "id_bn_wrong_axis": "BatchNormalization",
    "id_valid_padding": "padding",
    "id_filters_swapped": "dimensions",
    "id_kernels_swapped": "dimensions",
    "id_bn_frozen_in_training_mode": "BatchNormalization",
    "id_returns_precomputed_tensor": "returns no block",
    "cb_skip_after_final_relu": "skip connection",
    "cb_stride_on_fxf_conv": "dimensions",
    "cb_shortcut_without_conv": "shortcut",
    "cb_shortcut_without_bn": "shortcut",
    "cb_shortcut_kernel_f": "shortcut",
    "cb_valid_padding": "padding",
    "cb_no_skip": "skip connection",
    "cb_returns_tensor_of_another_input": "returns no block",
    "dr_skip_after_final_relu": "skip connection",
    "dr_no_skip": "skip connection",
    "dr_relu_on_second_dense": "main path",
}
VALID = tuple(dataclasses.replace(entry, kind=_KINDS[entry.name]) for entry in VALID)
MISTAKES = tuple(dataclasses.replace(entry, kind=_KINDS[entry.name]) for entry in MISTAKES)
