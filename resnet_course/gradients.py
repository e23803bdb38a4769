"""The gradient of a loss with respect to Keras variables, on TensorFlow, JAX or PyTorch.

TensorFlow records the computation on a `GradientTape` and PyTorch on its autograd graph, so
both differentiate a loss computed the ordinary, stateful way. JAX differentiates functions of
their inputs only: there the variables' values are passed in through a `keras.StatelessScope`,
and whatever the computation assigns (batch normalization's moving averages, say) comes out of
the function and is written back afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np


def loss_and_gradients(
    compute_loss: Callable, variables: Sequence, state: Sequence = ()
) -> tuple[float, list]:
    """Computes a scalar loss and its gradient with respect to each of `variables`.

    Args:
        compute_loss: Called with no arguments, returns the scalar loss; it reads the variables
            through the layers that own them (a model call, say) or directly.
        variables: Trainable `keras.Variable`s to differentiate with respect to.
        state: Variables that `compute_loss` may assign, such as a model's non-trainable
            variables; on every backend they end up holding what the computation assigned.

    Returns:
        The loss as a float, and one gradient (a tensor of the backend) per variable, in order.
    """
    differentiate = {"jax": _jax, "torch": _torch}.get(keras.config.backend(), _tensorflow)
    loss, gradients = differentiate(compute_loss, list(variables), list(state))
    return float(keras.ops.convert_to_numpy(loss)), list(gradients)


def l2_norms(gradients: Sequence) -> np.ndarray:
    """The Euclidean norm of each gradient, as a float64 array."""
    return np.array(
        [float(np.linalg.norm(keras.ops.convert_to_numpy(g).astype(np.float64))) for g in gradients]
    )


def _tensorflow(compute_loss, variables, state):
    import tensorflow as tf

    values = [variable.value for variable in variables]
    with tf.GradientTape() as tape:
        tape.watch(values)
        loss = compute_loss()
    return loss, tape.gradient(loss, values)


def _torch(compute_loss, variables, state):
    import torch

    loss = compute_loss()
    return loss, torch.autograd.grad(loss, [variable.value for variable in variables])


def _jax(compute_loss, variables, state):
    import jax

    def loss_of(values):
        with keras.StatelessScope(state_mapping=list(zip(variables, values, strict=True))) as scope:
            loss = compute_loss()
        return loss, [scope.get_current_value(variable) for variable in state]

    (loss, assigned), gradients = jax.value_and_grad(loss_of, has_aux=True)(
        [variable.value for variable in variables]
    )
    for variable, value in zip(state, assigned, strict=True):
        if value is not None:
            variable.assign(value)
    return loss, gradients
