"""Every hidden check's title and points, in one place.

A check is a test function in ``grader/judge/checks/test_<exercise>.py``; its id, shown to students
and used as the Gradescope test name, is ``"<exercise>: <title>"``. ``tests/grader/test_points.py``
keeps this table and the check files in step: every check has points here and every entry names a
check.

The accuracy bars of the training checks are in :mod:`grader.judge.bars`, with the measurements
behind them.
"""

from __future__ import annotations

import dataclasses

from grader.report.result import check_name
from resnet_course import spec


@dataclasses.dataclass(frozen=True)
class CheckSpec:
    """One hidden check.

    Attributes:
        exercise: the graded exercise (the function name, or ``train_resnet50``).
        test: the test function's name in ``grader/judge/checks/test_<exercise>.py``.
        title: what the check asserts, in the lecture's terms.
        points: what passing it is worth.
    """

    exercise: str
    test: str
    title: str
    points: int

    @property
    def id(self) -> str:
        """The check's name, e.g. ``identity_block: the skip is added before the final ReLU``."""
        return check_name(self.exercise, self.title)


_STEM = spec.STEM
_INPUT = "×".join(str(size) for size in spec.INPUT_SHAPE)
_STAGE_BLOCKS = (
    ", ".join(str(stage.blocks) for stage in spec.STAGES[:-1]) + f" and {spec.STAGES[-1].blocks}"
)

_BUILDS = ("test_builds_from_symbolic_input", "builds a block from a symbolic input", 1)
_MAIN_PATH = (
    "test_main_path_is_conv_bn_relu_conv_bn_relu_conv_bn",
    "main path is conv → BN → ReLU → conv → BN → ReLU → conv → BN",
    2,
)
_KERNELS = (
    "test_kernels_are_1x1_fxf_same_1x1",
    "convolutions are 1×1, f×f with 'same' padding, 1×1",
    1,
)
_FILTERS = (
    "test_filters_are_f1_f2_f3_in_order",
    "convolutions have F1, F2, F3 filters in order",
    1,
)
_BN_AXIS = (
    "test_batchnorm_normalizes_channel_axis",
    "BatchNormalization normalizes the channel axis",
    1,
)
_ADD_BEFORE_RELU = (
    "test_skip_is_added_before_final_relu",
    "the skip is added before the final ReLU and the sum feeds it",
    2,
)
_NO_BAKED_MODE = (
    "test_no_batchnorm_mode_is_baked_in",
    "no BatchNormalization is fixed to training or inference mode",
    1,
)
_SAME_INFERENCE = (
    "test_matches_reference_in_inference_mode",
    "matches the lecture's block in inference mode",
    2,
)
_SAME_TRAINING = (
    "test_matches_reference_in_training_mode",
    "matches the lecture's block in a training-mode forward pass",
    1,
)

_TABLE = {
    "dense_residual_block": (
        ("test_builds_from_symbolic_input", "builds a block from a symbolic input", 1),
        ("test_output_shape_equals_input_shape", "output shape equals input shape", 1),
        ("test_main_path_is_dense_relu_dense", "main path is Dense → ReLU → Dense", 1),
        (
            "test_dense_layers_are_units_wide_with_biases",
            "both Dense layers have `units` units and a bias",
            1,
        ),
        ("test_skip_carries_unchanged_input", "the skip carries a[l] unchanged to the Add", 1),
        (
            "test_skip_is_added_before_final_relu",
            "a[l] is added to z[l+2] before the final ReLU",
            2,
        ),
        (
            "test_output_equals_g_of_z_plus_a",
            "output equals g(z[l+2] + a[l]) with its own weights",
            2,
        ),
    ),
    "identity_block": (
        _BUILDS,
        ("test_output_shape_equals_input_shape", "output shape equals input shape", 1),
        _MAIN_PATH,
        _KERNELS,
        _FILTERS,
        _BN_AXIS,
        (
            "test_skip_carries_unchanged_input",
            "the skip carries the unchanged block input to the Add",
            2,
        ),
        _ADD_BEFORE_RELU,
        _NO_BAKED_MODE,
        _SAME_INFERENCE,
        _SAME_TRAINING,
    ),
    "convolutional_block": (
        _BUILDS,
        ("test_output_shape_is_downsampled_to_f3", "output shape is (H/s, W/s, F3)", 1),
        _MAIN_PATH,
        _KERNELS,
        _FILTERS,
        ("test_stride_is_on_first_1x1_conv", "the stride s is on the first 1×1 conv", 1),
        _BN_AXIS,
        (
            "test_shortcut_is_strided_1x1_conv_then_bn",
            "the shortcut is a 1×1 conv with stride s and F3 filters, then BN, from the block "
            "input",
            2,
        ),
        _ADD_BEFORE_RELU,
        _NO_BAKED_MODE,
        _SAME_INFERENCE,
        _SAME_TRAINING,
    ),
    "ResNet50": (
        ("test_builds_a_model", "builds a functional model", 1),
        ("test_output_shape_is_batch_by_classes", "output shape is (None, classes)", 1),
        (
            "test_parameter_count",
            f"has {spec.PARAMETERS:,} parameters for {_INPUT} inputs and {spec.CLASSES} classes",
            2,
        ),
        (
            "test_stem",
            f"stem is zero-padding {_STEM.padding}, conv "
            f"{_STEM.kernel}×{_STEM.kernel}/{_STEM.stride} with {_STEM.filters} filters, BN, "
            f"ReLU, max-pool {_STEM.pool}×{_STEM.pool}/{_STEM.pool_stride}",
            1,
        ),
        ("test_stages_have_3_4_6_3_blocks", f"stages have {_STAGE_BLOCKS} blocks", 2),
        (
            "test_blocks_have_lecture_filters_and_strides",
            "each block has its stage's filters, kernels, strides, padding and shortcut",
            2,
        ),
        (
            "test_every_addition_feeds_a_relu",
            "every residual addition feeds a ReLU",
            1,
        ),
        (
            "test_head_is_pool_flatten_softmax",
            "head is average pooling, flatten and a softmax Dense of `classes` units",
            1,
        ),
    ),
    "silence_residual_branches": (
        (
            "test_last_main_path_gammas_are_zero",
            "gamma of the last BN on every block's main path is zero",
            2,
        ),
        (
            "test_shortcut_batchnorm_is_unchanged",
            "the projection shortcut's BN keeps its gamma and beta",
            1,
        ),
        (
            "test_beta_and_statistics_are_unchanged",
            "beta and the moving statistics of that BN are unchanged",
            1,
        ),
        ("test_every_other_weight_is_unchanged", "every other weight is unchanged", 1),
        (
            "test_identity_blocks_compute_their_input",
            "each identity block then computes a[l+3] = a[l]",
            2,
        ),
        (
            "test_returns_number_of_blocks_changed",
            "returns the number of blocks it changed",
            1,
        ),
    ),
    "train_resnet50": (
        (
            "test_saved_model_is_resnet50",
            "the saved model has this notebook's ResNet-50 architecture",
            1,
        ),
        ("test_training_accuracy_bar", "the saved model reaches the training-accuracy bar", 2),
        (
            "test_hidden_split_accuracy_bar",
            "the saved model reaches the accuracy bar on the hidden test split",
            2,
        ),
        (
            "test_retrain_from_scratch_learns",
            "a short retrain of your blocks from scratch learns",
            2,
        ),
    ),
}

CHECKS: tuple[CheckSpec, ...] = tuple(
    CheckSpec(exercise, test, title, points)
    for exercise, rows in _TABLE.items()
    for test, title, points in rows
)


def check_spec(exercise: str, test: str) -> CheckSpec:
    """Returns the spec of one check.

    Raises:
        KeyError: if no check of that name is configured for the exercise.
    """
    for check in CHECKS:
        if check.exercise == exercise and check.test == test:
            return check
    raise KeyError(f"no points configured for {exercise}::{test} in grader/judge/points.py")
