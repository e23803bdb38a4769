"""The ResNet-50 spec is the network keras.applications builds, and every reader of it agrees."""

import keras

from grader.sandboxed.cases import get_case
from resnet_course import spec


def test_parameter_count_is_keras_applications_resnet50():
    model = keras.applications.ResNet50(
        weights=None, input_shape=spec.INPUT_SHAPE, classes=spec.CLASSES
    )
    assert model.count_params() == spec.PARAMETERS


def test_stages_hold_sixteen_blocks_in_a_3_4_6_3_pattern():
    assert [stage.blocks for stage in spec.STAGES] == [3, 4, 6, 3] and spec.ADDITIONS == 16


def test_producer_builds_resnet50_on_the_spec_input_and_classes():
    case = get_case("ResNet50", "full")
    assert (case.input_shape, case.kwargs["classes"]) == (spec.INPUT_SHAPE, spec.CLASSES)


def test_block_calls_follow_the_stage_table():
    calls = spec.block_calls()
    assert len(calls) == spec.ADDITIONS
    assert [c.function for c in calls[:4]] == [
        "convolutional_block",
        "identity_block",
        "identity_block",
        "convolutional_block",
    ]
    assert [c.s for c in calls if c.index == 1] == [stage.stride for stage in spec.STAGES]
