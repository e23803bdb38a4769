"""The backend-neutral gradient: right on each backend, and the same on all three."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from resnet_course import gradients, plots

BACKENDS = ("tensorflow", "jax", "torch")


def dense_relu_model(weights):
    inputs = keras.Input((weights[0].shape[0],))
    model = keras.Model(inputs, keras.layers.Dense(weights[0].shape[1], activation="relu")(inputs))
    model.set_weights(weights)
    return model


def linear_loss_of_a_dense_relu_layer():
    """x, W, b, r and dL/dW, dL/db for L = sum(relu(x W + b) * r), worked out by hand."""
    rng = np.random.default_rng(0)
    x, r = rng.normal(size=(5, 4)).astype("float32"), rng.normal(size=(5, 3)).astype("float32")
    kernel, bias = rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=3).astype("float32")
    upstream = r * (x @ kernel + bias > 0)
    return x, r, [kernel, bias], [x.T @ upstream, upstream.sum(axis=0)]


def differentiate_the_dense_relu_layer():
    """The hand-derived case (inputs, weights, gradients) and what loss_and_gradients returns."""
    x, r, weights, expected = linear_loss_of_a_dense_relu_layer()
    model = dense_relu_model(weights)
    loss, found = gradients.loss_and_gradients(
        lambda: keras.ops.sum(keras.ops.multiply(model(x), r)), model.trainable_variables
    )
    return x, r, weights, expected, loss, found


@pytest.mark.every_backend
def test_gradients_match_the_hand_derived_ones():
    _, _, _, expected, _, found = differentiate_the_dense_relu_layer()
    for gradient, wanted in zip(found, expected, strict=True):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(gradient), wanted, rtol=1e-5)


@pytest.mark.every_backend
def test_loss_is_returned_as_a_float():
    x, r, weights, _, loss, _ = differentiate_the_dense_relu_layer()
    assert isinstance(loss, float)
    assert np.isclose(loss, float(np.sum(np.maximum(x @ weights[0] + weights[1], 0) * r)))


@pytest.mark.every_backend
def test_moving_averages_assigned_while_differentiating_are_kept():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.BatchNormalization(momentum=0.5)(inputs))
    x = np.random.default_rng(1).normal(4.0, 1.0, size=(8, 3)).astype("float32")
    gradients.loss_and_gradients(
        lambda: keras.ops.sum(model(x, training=True)),
        model.trainable_variables,
        state=model.non_trainable_variables,
    )
    moving_mean = keras.ops.convert_to_numpy(model.layers[1].moving_mean)
    np.testing.assert_allclose(moving_mean, 0.5 * x.mean(axis=0), rtol=1e-5)


@pytest.mark.every_backend
def test_l2_norms_are_the_euclidean_norms():
    found = gradients.l2_norms([keras.ops.ones((2, 2)), keras.ops.convert_to_tensor([3.0, 4.0])])
    np.testing.assert_allclose(found, [2.0, 5.0])


@pytest.mark.every_backend
def test_plain_stack_gradient_shrinks_towards_the_input_with_small_weights():
    norms = plots.gradient_norms_by_layer(8, width=16, weight_variance=0.5, batch_size=32)
    assert norms.shape == (8,) and norms[0] < norms[-1]


# Run in a fresh interpreter on each backend: the gradient norms of every weighted layer of a
# small degradation network, its weights drawn from NumPy so that all three backends share them.
NORMS_ON_A_BACKEND = """
import json
import numpy as np
import keras
from resnet_course.degradation.gradient_flow import layer_gradient_norms
from resnet_course.degradation.models import build_cifar_net

rng = np.random.default_rng(0)
model = build_cifar_net(8, residual=True, input_shape=(8, 8, 3), classes=4)
# Kernels from NumPy; the vectors (biases, BN's gamma, beta and averages) start as 0s and 1s.
model.set_weights([rng.normal(0, 0.3, w.shape).astype("float32") if w.ndim > 1 else w
                   for w in model.get_weights()])
x = rng.random((6, 8, 8, 3), dtype=np.float32)
print(json.dumps(layer_gradient_norms(model, x, np.arange(6) % 4).tolist()))
"""


def norms_on(backend):
    result = subprocess.run(
        [sys.executable, "-c", NORMS_ON_A_BACKEND],
        env={**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return np.array(json.loads(result.stdout))


def test_degradation_gradient_norms_agree_across_the_three_backends():
    norms = {backend: norms_on(backend) for backend in BACKENDS}
    for backend in BACKENDS[1:]:
        np.testing.assert_allclose(norms[backend], norms["tensorflow"], rtol=1e-4, err_msg=backend)
