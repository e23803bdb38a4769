"""What the baked-in training mode message says about Keras holds on the pinned Keras.

A layer called with ``training=...`` inside a functional model keeps that value for a direct call,
``model(x)``, while ``fit``, ``predict`` and ``evaluate`` pass their own mode and override it.
"""

import keras
import numpy as np
import pytest
from keras import layers

from resnet_course import mistakes
from resnet_course.graph import BN, Graph

DATA = np.random.default_rng(0).normal(2.0, 3.0, size=(8, 4)).astype("float32")


def _model(training: bool):
    inputs = keras.Input((4,))
    outputs = layers.BatchNormalization(name="bn")(inputs, training=training)
    model = keras.Model(inputs, outputs)
    model.compile(loss="mse")
    return model


def _moving_mean(model):
    return np.asarray(model.get_layer("bn").moving_mean).copy()


def test_direct_call_keeps_a_baked_training_mode():
    model = _model(training=True)
    assert np.allclose(model(DATA), model(DATA, training=True), atol=1e-5)
    assert not np.allclose(model(DATA), model(DATA, training=False), atol=1e-3)


def test_predict_overrides_a_baked_training_mode():
    model = _model(training=True)
    assert np.allclose(model.predict(DATA, verbose=0), model(DATA, training=False), atol=1e-5)


def test_evaluate_overrides_a_baked_training_mode():
    model = _model(training=True)
    target = np.asarray(model(DATA, training=False))
    assert model.evaluate(DATA, target, verbose=0) == pytest.approx(0.0, abs=1e-8)


def test_fit_overrides_a_baked_inference_mode():
    model = _model(training=False)
    before = _moving_mean(model)
    model.fit(DATA, DATA, epochs=1, verbose=0)
    assert not np.allclose(_moving_mean(model), before)


def test_message_names_the_layer_the_mode_and_what_overrides_it():
    message = mistakes.baked_mode_problem(Graph.from_model(_model(training=True)).find(BN))
    assert "'bn' is called with training=True" in message
    assert "fit, predict and evaluate override that" in message and "model(x)" in message
