"""The grader's own reference blocks, and weight transplanting for the numerical checks.

The structure checks find which of the student's layers plays which role in a block (the three
main-path convolutions and their batch normalizations, and the shortcut's convolution and batch
normalization). Here the lecture's block is built from plain Keras layers, the student's weights are
copied into it role by role, and both are run on the same random inputs. If the student's graph
computes a[l+2] = g(z[l+2] + a[l]) as the lecture defines it, the outputs agree to float32 rounding,
in inference mode and in a training-mode forward pass (batch statistics) alike.
"""

from __future__ import annotations

import numpy as np

from grader.sandboxed.lecture_blocks import reference_block
from resnet_course.blocks import BlockStructure
from resnet_course.graph import BN, CONV, Node

MAIN_ROLES = ("conv1", "bn1", "conv2", "bn2", "conv3", "bn3")
SHORTCUT_ROLES = ("shortcut_conv", "shortcut_bn")


class RoleError(ValueError):
    """The student's block does not have one layer for each role of the lecture's block."""


def find_roles(structure: BlockStructure, projection: bool) -> dict[str, Node]:
    """Maps each role of the lecture's block to the student's node that plays it.

    Args:
        structure: the analysed block.
        projection: True for a convolutional block, whose shortcut has a conv and a BN.

    Returns:
        Role name -> node, for ``MAIN_ROLES`` (and ``SHORTCUT_ROLES`` when ``projection``).

    Raises:
        RoleError: if a path does not hold the expected number of convolutions and normalizations.
    """
    convs, norms = _convs_and_norms(
        structure.main_path, 3, "the main path", "the lecture's block has 3 of each"
    )
    roles = dict(
        zip(MAIN_ROLES, (convs[0], norms[0], convs[1], norms[1], convs[2], norms[2]), strict=True)
    )
    if projection:
        (conv,), (norm,) = _convs_and_norms(
            structure.shortcut_path,
            1,
            "the shortcut",
            "the lecture's convolutional block projects a[l] with one of each",
        )
        roles.update(shortcut_conv=conv, shortcut_bn=norm)
    return roles


def _convs_and_norms(path: list[Node], count: int, where: str, lecture: str):
    """Returns the convolutions and normalizations of ``path``, ``count`` of each, or raises."""
    convs = [n for n in path if n.kind == CONV]
    norms = [n for n in path if n.kind == BN]
    if len(convs) != count or len(norms) != count:
        raise RoleError(
            f"{where} has {len(convs)} Conv2D and {len(norms)} BatchNormalization layers; {lecture}"
        )
    return convs, norms


def build_reference_block(
    input_shape: tuple, f: int, filters, s: int | None = None, epsilon: float = 1e-3
):
    """Builds the lecture's block as a one-block model whose layers are named after their roles.

    Args:
        input_shape: the block input's shape, (H, W, C).
        f: the middle convolution's kernel size.
        filters: [F1, F2, F3].
        s: the convolutional block's stride; None for an identity block.
        epsilon: the batch normalizations' epsilon.

    Returns:
        A ``keras.Model`` whose layers are named after ``MAIN_ROLES`` and ``SHORTCUT_ROLES``.
    """
    import keras

    block_input = keras.Input(shape=input_shape)
    return keras.Model(
        block_input, reference_block(block_input, f, filters, s=s, epsilon=epsilon, named=True)
    )


def randomize_weights(model, seed: int) -> None:
    """Gives every weight of ``model`` a random value, so that no part of the block is an identity.

    Freshly initialized batch normalizations (mean 0, variance 1, gamma 1, beta 0) hide mistakes in
    inference mode; random statistics do not. Variances and gammas stay positive.
    """
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        name = variable.path.rsplit("/", 1)[-1]
        shape = tuple(variable.shape)
        if name in ("moving_variance", "gamma"):
            value = rng.uniform(0.5, 1.5, shape)
        else:
            value = rng.normal(0.0, 0.5, shape)
        variable.assign(value.astype(variable.dtype))


def transplant(roles: dict[str, Node], reference) -> None:
    """Copies the student's weights into the reference block, role by role.

    Raises:
        RoleError: if a weight's shape differs from the one its role needs in the lecture's block.
    """
    for role, node in roles.items():
        target = reference.get_layer(role)
        if node.kind == CONV:
            values = [
                _value(node.op, "kernel"),
                _value(node.op, "bias", default=0.0, like=target.bias),
            ]
        else:
            values = [
                _value(node.op, "gamma", default=1.0, like=target.gamma),
                _value(node.op, "beta", default=0.0, like=target.beta),
                _value(node.op, "moving_mean"),
                _value(node.op, "moving_variance"),
            ]
        for variable, value in zip(target.weights, values, strict=False):
            if tuple(variable.shape) != tuple(value.shape):
                raise RoleError(
                    f"{role} ({node.name}) has a weight of shape {tuple(value.shape)} where the "
                    f"lecture's block needs {tuple(variable.shape)}"
                )
            variable.assign(value)


def _value(layer, attribute: str, default: float | None = None, like=None) -> np.ndarray:
    import keras

    variable = getattr(layer, attribute, None)
    if variable is not None:
        return keras.ops.convert_to_numpy(variable)
    return np.full(tuple(like.shape), default, dtype="float32")


def compare_with_reference(
    model,
    structure: BlockStructure,
    input_shape: tuple,
    f: int,
    filters,
    s: int | None = None,
    training: bool = False,
    seed: int = 0,
) -> float:
    """Runs the student's block and the reference block, same weights, on the same random batch.

    Args:
        model: the student's block, loaded from its artifact (its weights are randomized in place).
        structure: the block's analysis.
        input_shape: the block input's shape.
        f: the middle kernel size.
        filters: [F1, F2, F3].
        s: the stride of a convolutional block; None for an identity block.
        training: run both in training mode (batch statistics) instead of inference mode.
        seed: seeds the weights and the inputs.

    Returns:
        The largest absolute difference between the two outputs, relative to the reference's scale.

    Raises:
        RoleError: if the student's layers cannot be matched to the lecture's block.
    """
    import keras

    roles = find_roles(structure, projection=s is not None)
    epsilon = float(roles["bn1"].op.epsilon)
    reference = build_reference_block(input_shape, f, filters, s=s, epsilon=epsilon)
    randomize_weights(model, seed)
    transplant(roles, reference)
    batch = (
        np.random.default_rng(seed + 1)
        .normal(0.0, 1.0, (4,) + tuple(input_shape))
        .astype("float32")
    )
    # convert_to_numpy, not np.asarray: a PyTorch output that tracks gradients refuses the latter.
    expected = keras.ops.convert_to_numpy(reference(batch, training=training))
    actual = keras.ops.convert_to_numpy(model(batch, training=training))
    if expected.shape != actual.shape:
        return float("inf")
    return float(np.max(np.abs(expected - actual)) / max(1.0, float(np.max(np.abs(expected)))))
