"""A ResNet-50 function's block calls, recorded and compared with the spec, name stage and block."""

import dataclasses

from resnet_course import block_calls, spec
from resnet_course.block_calls import RecordedCall


def _lecture_calls() -> list[RecordedCall]:
    return [
        RecordedCall(c.function, c.f, c.filters, c.s, c.input_shape) for c in spec.block_calls()
    ]


def _changed(position: int, **changes) -> list[RecordedCall]:
    calls = _lecture_calls()
    calls[position] = dataclasses.replace(calls[position], **changes)
    return calls


def test_lecture_calls_have_no_problem():
    assert block_calls.calls_problem(_lecture_calls()) == ""


def test_no_recorded_call_has_no_problem():
    assert block_calls.calls_problem([]) == ""


def test_stage_2_left_at_the_default_stride_is_named_with_its_fix():
    problem = block_calls.calls_problem(_changed(0, s=2))
    assert problem.startswith("stage 2, block 1 (convolutional_block) runs with s=2")
    assert "pass s=1" in problem


def test_narrow_identity_block_is_named_with_the_channels_it_receives():
    problem = block_calls.calls_problem(_changed(4, filters=(128, 128, 256)))
    assert problem.startswith("stage 3, block 2 (identity_block) is called with filters=")
    assert "the 512 channels it receives" in problem


def test_missing_identity_block_names_its_stage():
    calls = _lecture_calls()
    del calls[8]
    assert block_calls.calls_problem(calls).startswith(
        "stage 4 has 5 residual blocks; ResNet-50's stage 4 has 6"
    )


def test_first_block_on_the_wrong_input_points_at_the_stem():
    problem = block_calls.calls_problem(_changed(0, input_shape=(16, 16, 64)))
    assert "receives a (16, 16, 64) input" in problem and "check the stem" in problem


def test_unanswered_block_of_the_student_is_named_where_resnet50_calls_it():
    calls = [dataclasses.replace(_lecture_calls()[0], error="NotImplementedError")]
    problem = block_calls.build_problem(calls, "NotImplementedError", own_blocks=True)
    assert problem.startswith(
        "stage 2, block 1 (convolutional_block): convolutional_block is not written yet"
    )


def test_pooling_without_a_size_is_explained():
    error = "TypeError: AveragePooling2D.__init__() missing 1 required positional argument: " + (
        "'pool_size'"
    )
    problem = block_calls.build_problem(_lecture_calls(), error, own_blocks=True)
    assert problem.startswith("AveragePooling2D() has no pool size")


def test_unknown_error_is_reported_as_it_is():
    assert block_calls.build_problem([], "ValueError: odd", own_blocks=True) == "ValueError: odd"


def test_recording_binds_defaults_and_restores_the_functions():
    class Tensor:
        shape = (None, 15, 15, 64)

    def convolutional_block(X, f, filters, s=2, initializer=None):
        return X

    namespace = {"convolutional_block": convolutional_block}
    exec("def ResNet50(X):\n    return convolutional_block(X, 3, [64, 64, 256])", namespace)
    with block_calls.recording(namespace["ResNet50"]) as calls:
        namespace["ResNet50"](Tensor())
    assert calls == [RecordedCall("convolutional_block", 3, (64, 64, 256), 2, (15, 15, 64))]
    assert namespace["convolutional_block"] is convolutional_block
