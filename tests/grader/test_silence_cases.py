"""The silence_residual_branches cases: a seeded network, and what the function returned as data."""

import numpy as np
import pytest

from grader.sandboxed.cases import (
    SILENCE_EXERCISE,
    build_case,
    get_case,
    returned_text,
    silencing_network,
)
from grader.sandboxed.contract import MAX_RETURNED_CASES, Manifest, ManifestError

TRAINED_BN = get_case(SILENCE_EXERCISE, "trained_bn")
FRESH = get_case(SILENCE_EXERCISE, "fresh")


def _weights(model):
    return [w for layer in model.layers for w in layer.get_weights()]


@pytest.mark.every_backend
def test_the_same_case_builds_the_same_weights():
    first, second = silencing_network(TRAINED_BN), silencing_network(TRAINED_BN)
    assert all(np.array_equal(a, b) for a, b in zip(_weights(first), _weights(second), strict=True))


@pytest.mark.every_backend
def test_fresh_case_keeps_keras_batch_norm_start_and_trained_case_moves_every_parameter():
    import keras

    def batchnorms(model):
        return [x for x in model.layers if isinstance(x, keras.layers.BatchNormalization)]

    for layer in batchnorms(silencing_network(FRESH)):
        gamma, beta, mean, variance = layer.get_weights()
        assert (
            (gamma == 1).all() and (beta == 0).all() and (mean == 0).all() and (variance == 1).all()
        )
    for layer in batchnorms(silencing_network(TRAINED_BN)):
        gamma, beta, mean, variance = layer.get_weights()
        assert (
            (gamma != 1).all() and (beta != 0).all() and (mean != 0).all() and (variance != 1).all()
        )


@pytest.mark.every_backend
def test_build_records_what_the_function_returned():
    returned = {}
    model = build_case(TRAINED_BN, {SILENCE_EXERCISE: lambda model: np.int64(4)}, [], returned)
    assert returned == {"trained_bn": "4"} and model.count_params() > 0


@pytest.mark.parametrize(
    "value, text",
    [
        (4, "4"),
        (np.int32(2), "2"),
        (None, "None"),
        (True, "<bool>"),
        (4.0, "<float>"),
        ("4", "<str>"),
    ],
)
def test_returned_value_is_recorded_as_an_integer_or_its_type(value, text):
    assert returned_text(value) == text


@pytest.mark.parametrize(
    "returned",
    [["4"], {"fresh": 4}, {f"case{i}": "1" for i in range(MAX_RETURNED_CASES + 1)}],
    ids=["list", "not-text", "too-many"],
)
def test_malformed_returned_record_is_refused(returned):
    data = Manifest().to_json()
    data["exercises"][SILENCE_EXERCISE]["returned"] = returned
    with pytest.raises(ManifestError):
        Manifest.from_json(data)


def test_long_returned_text_is_cut():
    data = Manifest().to_json()
    data["exercises"][SILENCE_EXERCISE]["returned"] = {"fresh": "9" * 10_000}
    assert len(Manifest.from_json(data).exercises[SILENCE_EXERCISE].returned["fresh"]) == 100
