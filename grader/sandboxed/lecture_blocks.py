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


def small_resnet(input_shape, stages, stem_filters: int, classes: int):
    """Builds a small ResNet of the lecture's blocks.

    A stem, then per stage a convolutional block and an identity block, then a softmax classifier.

    Args:
        input_shape: the shape of one image.
        stages: one ``{"f", "filters", "s"}`` mapping per stage.
        stem_filters: the stem convolution's filters.
        classes: the classifier's units.

    Returns:
        The functional ``keras.Model``; its layers are always created in the same order.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape, name="X")
    x = layers.Conv2D(stem_filters, 3, strides=2, padding="same", name="stem_conv")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    for stage in stages:
        x = reference_block(x, stage["f"], list(stage["filters"]), s=stage["s"])
        x = reference_block(x, stage["f"], list(stage["filters"]))
    x = layers.GlobalAveragePooling2D(name="head_pool")(x)
    outputs = layers.Dense(classes, activation="softmax", name="head_softmax")(x)
    return keras.Model(inputs, outputs, name="small_resnet")


def set_seeded_weights(model, seed: int, trained_batch_norm: bool) -> None:
    """Gives every weight of ``model`` a value drawn from one seed, the same in every process.

    Kernels are drawn with He variance and biases are zero. Batch normalizations keep Keras's
    initial values (gamma 1, beta 0, moving mean 0, moving variance 1) unless
    ``trained_batch_norm``: then all four are drawn away from them, as after some training, so
    that a change to any one of them shows.

    Args:
        model: a model of Conv2D, Dense and BatchNormalization layers (others hold no weights).
        seed: the seed.
        trained_batch_norm: draw the batch normalizations' parameters and statistics too.
    """
    import numpy as np
    from keras import layers

    rng = np.random.default_rng(seed)
    for layer in model.layers:
        values = layer.get_weights()
        if not values:
            continue
        if isinstance(layer, layers.BatchNormalization):
            if trained_batch_norm:
                size = values[0].shape
                values = [
                    rng.uniform(0.5, 1.5, size),
                    rng.normal(0.0, 0.2, size),
                    rng.normal(0.0, 0.2, size),
                    rng.uniform(0.5, 1.5, size),
                ]
        else:
            kernel, *rest = values
            fan_in = int(np.prod(kernel.shape[:-1]))
            values = [rng.normal(0.0, np.sqrt(2.0 / fan_in), kernel.shape)] + [
                np.zeros_like(value) for value in rest
            ]
        layer.set_weights([np.asarray(value, dtype="float32") for value in values])
