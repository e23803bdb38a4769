"""ResNet50 is built with the lecture's blocks, its block calls recorded as validated data."""

import keras
import pytest

from grader.sandboxed.cases import build_case, get_case
from grader.sandboxed.contract import (
    MAX_BLOCK_CALLS,
    BlockCall,
    ExerciseRecord,
    Manifest,
    ManifestError,
)

RESNET = get_case("ResNet50", "full")
SOURCE = """
import keras
from keras import layers


def identity_block(X, f, filters, initializer=None):
    raise NotImplementedError()


def convolutional_block(X, f, filters, s=2, initializer=None):
    raise NotImplementedError()


def ResNet50(input_shape=(64, 64, 3), classes=6):
    X_input = keras.Input(input_shape)
    X = layers.MaxPooling2D(8)(X_input)
    X = convolutional_block(X, f=3, filters=[2, 2, 4])
    X = identity_block(X, 3, (2, 2, WIDTH))
    X = layers.Flatten()(X)
    return keras.Model(X_input, layers.Dense(classes, activation='softmax')(X))
"""


def _namespace(width: int) -> dict:
    namespace: dict = {"WIDTH": width}
    exec(compile(SOURCE, "submission", "exec"), namespace)
    return namespace


def test_resnet50_is_built_with_the_lecture_blocks_not_the_students():
    model = build_case(RESNET, _namespace(width=4))
    assert tuple(model.output.shape) == (None, 6) and len(model.layers) > 10


def test_block_calls_are_recorded_with_the_students_defaults():
    calls = []
    build_case(RESNET, _namespace(width=4), calls)
    assert calls == [
        BlockCall("convolutional_block", 3, [2, 2, 4], 2, [8, 8, 3]),
        BlockCall("identity_block", 3, [2, 2, 4], None, [4, 4, 4]),
    ]


def test_failing_block_call_is_recorded_with_its_error():
    calls = []
    with pytest.raises(ValueError):
        build_case(RESNET, _namespace(width=8), calls)
    assert calls[-1].function == "identity_block" and "incompatible shapes" in calls[-1].error


def test_students_blocks_are_back_after_the_build():
    namespace = _namespace(width=8)
    blocks = (namespace["identity_block"], namespace["convolutional_block"])
    with pytest.raises(ValueError):
        build_case(RESNET, namespace)
    assert (namespace["identity_block"], namespace["convolutional_block"]) == blocks
    keras.backend.clear_session()


def test_block_calls_survive_the_manifest_round_trip():
    manifest = Manifest()
    manifest.exercises["ResNet50"] = ExerciseRecord(
        block_calls=[BlockCall("convolutional_block", 3, [64, 64, 256], 1, [15, 15, 64], "")]
    )
    again = Manifest.from_json(manifest.to_json())
    assert again.exercises["ResNet50"].block_calls == manifest.exercises["ResNet50"].block_calls


@pytest.mark.parametrize(
    "call",
    [
        {"function": "os.system", "f": 3},
        {"function": "identity_block", "f": 10**9},
        {"function": "identity_block", "f": True},
        {"function": "identity_block", "filters": list(range(100))},
        {"function": "identity_block", "input_shape": "(15, 15, 256)"},
        {"function": "identity_block", "error": ["not", "text"]},
    ],
    ids=["function", "huge", "bool", "long-list", "shape-text", "error-list"],
)
def test_malformed_block_call_is_refused(call):
    data = Manifest().to_json()
    data["exercises"]["ResNet50"]["block_calls"] = [call]
    with pytest.raises(ManifestError):
        Manifest.from_json(data)


def test_too_many_block_calls_are_refused():
    data = Manifest().to_json()
    data["exercises"]["ResNet50"]["block_calls"] = [{"function": "identity_block"}] * (
        MAX_BLOCK_CALLS + 1
    )
    with pytest.raises(ManifestError):
        Manifest.from_json(data)


def test_long_error_is_cut_to_the_limit():
    data = Manifest().to_json()
    data["exercises"]["ResNet50"]["block_calls"] = [
        {"function": "identity_block", "error": "x" * 100_000}
    ]
    call = Manifest.from_json(data).exercises["ResNet50"].block_calls[0]
    assert len(call.error) == 1000
