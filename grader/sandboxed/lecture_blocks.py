"""The lecture's two bottleneck blocks, built from plain Keras layers.

The judge compares a student's block with them, weights transplanted
(:mod:`grader.judge.reference`). The producer builds the ResNet50 exercise with them in place of
the student's blocks (:mod:`grader.sandboxed.block_calls`), so that ResNet50 is graded on how it
assembles the network, and a mistake inside a block costs points on that block's exercise alone.
"""

from __future__ import annotations


def reference_block(
    x, f: int, filters, s: int | None = None, epsilon: float = 1e-3, named: bool = False
):
    """Applies the lecture's identity block (``s is None``) or convolutional block to a tensor.

    Args:
        x: the block input a[l], a 4-D symbolic tensor.
        f: the middle convolution's kernel size.
        filters: [F1, F2, F3].
        s: the convolutional block's stride; None for an identity block.
        epsilon: the batch normalizations' epsilon.
        named: name the layers after their roles, ``conv1``, ``bn1``, ... ``conv3``, ``bn3``,
            ``shortcut_conv`` and ``shortcut_bn`` (one block per model).

    Returns:
        The block output a[l+2].
    """
    from keras import layers

    def name(role):
        return role if named else None

    f1, f2, f3 = filters
    stride = 1 if s is None else s
    z = layers.Conv2D(f1, 1, strides=stride, padding="valid", name=name("conv1"))(x)
    z = layers.BatchNormalization(axis=-1, epsilon=epsilon, name=name("bn1"))(z)
    z = layers.ReLU()(z)
    z = layers.Conv2D(f2, f, padding="same", name=name("conv2"))(z)
    z = layers.BatchNormalization(axis=-1, epsilon=epsilon, name=name("bn2"))(z)
    z = layers.ReLU()(z)
    z = layers.Conv2D(f3, 1, padding="valid", name=name("conv3"))(z)
    z = layers.BatchNormalization(axis=-1, epsilon=epsilon, name=name("bn3"))(z)
    shortcut = x
    if s is not None:
        shortcut = layers.Conv2D(f3, 1, strides=s, padding="valid", name=name("shortcut_conv"))(x)
        shortcut = layers.BatchNormalization(axis=-1, epsilon=epsilon, name=name("shortcut_bn"))(
            shortcut
        )
    return layers.ReLU()(layers.Add()([z, shortcut]))


def reference_functions() -> dict:
    """Returns the reference blocks under the exercises' names and signatures."""

    def identity_block(X, f, filters, initializer=None):
        return reference_block(X, f, filters)

    def convolutional_block(X, f, filters, s=2, initializer=None):
        return reference_block(X, f, filters, s=s)

    return {"identity_block": identity_block, "convolutional_block": convolutional_block}
