"""CIFAR-style plain and residual networks of depth 6n+2, identical apart from the shortcut."""

import keras
from keras import layers

STAGE_FILTERS = (16, 32, 64)
SHORTCUTS = ("A", "B")
# Short runs (a few hundred steps) need moving averages that forget the initial statistics fast.
BN_MOMENTUM = 0.9


def blocks_per_stage(depth):
    """Returns n for a network of depth 6n+2.

    Args:
        depth: number of weighted layers (convolutions plus the dense classifier).

    Returns:
        The number of two-convolution blocks in each of the three stages.

    Raises:
        ValueError: if depth is not of the form 6n+2 with n >= 1.
    """
    if not isinstance(depth, int) or isinstance(depth, bool) or depth < 8 or (depth - 2) % 6:
        raise ValueError(
            "depth must be an integer of the form 6n+2 with n >= 1 (8, 14, 20, 32, 44, 56, 110, "
            f"...), got {depth!r}"
        )
    return (depth - 2) // 6


def _conv_bn(x, filters, strides, name):
    x = layers.Conv2D(
        filters,
        3,
        strides=strides,
        padding="same",
        use_bias=False,
        kernel_initializer="he_normal",
        name=f"{name}_conv",
    )(x)
    return layers.BatchNormalization(axis=3, momentum=BN_MOMENTUM, name=f"{name}_bn")(x)


def _zero_pad_shortcut(x, filters, strides, name):
    """Option A: subsample by taking every `strides`-th pixel, zero-pad the new channels.

    It has no parameters.
    """
    if strides > 1:
        x = layers.MaxPooling2D(pool_size=1, strides=strides, name=f"{name}_0_subsample")(x)
    extra = filters - x.shape[-1]
    if extra:
        x = keras.ops.pad(x, [[0, 0], [0, 0], [0, 0], [extra // 2, extra - extra // 2]])
    return x


def _projection_shortcut(x, filters, strides, name):
    """Option B: a 1x1 convolution and BN where the shape changes."""
    x = layers.Conv2D(
        filters,
        1,
        strides=strides,
        use_bias=False,
        kernel_initializer="he_normal",
        name=f"{name}_0_conv",
    )(x)
    return layers.BatchNormalization(axis=3, momentum=BN_MOMENTUM, name=f"{name}_0_bn")(x)


def basic_block(x, filters, strides, residual, shortcut, name):
    """Two 3x3 conv-BN layers; a residual block adds its shortcut before the final ReLU.

    In the lecture's notation the residual block computes a[l+2] = g(z[l+2] + a[l]);
    the plain block computes a[l+2] = g(z[l+2]).

    Args:
        x: the block input a[l], a 4D tensor (batch, height, width, channels).
        filters: number of filters of both convolutions.
        strides: stride of the first convolution (2 where the feature map shrinks).
        residual: whether to add the shortcut.
        shortcut: 'A' (zero-padding identity) or 'B' (projection) where dimensions change.
        name: prefix of the block's layer names.

    Returns:
        The block output a[l+2].
    """
    a_l = x
    x = _conv_bn(x, filters, strides, f"{name}_1")
    x = layers.ReLU(name=f"{name}_1_relu")(x)
    z = _conv_bn(x, filters, 1, f"{name}_2")
    if residual:
        changes_shape = strides != 1 or a_l.shape[-1] != filters
        if changes_shape and shortcut == "B":
            a_l = _projection_shortcut(a_l, filters, strides, name)
        elif changes_shape:
            a_l = _zero_pad_shortcut(a_l, filters, strides, name)
        z = layers.Add(name=f"{name}_add")([z, a_l])
    return layers.ReLU(name=f"{name}_out")(z)


def build_cifar_net(depth, residual, shortcut="A", input_shape=(32, 32, 3), classes=6):
    """Builds the plain or residual CIFAR-style network of He et al. (2016), section 4.2.

    A 3x3 convolution with 16 filters, then three stages of n blocks with 16, 32 and 64 filters
    on feature maps of size s, s/2 and s/4, then global average pooling and a softmax layer:
    6n+2 weighted layers. With shortcut 'A' the plain and residual networks have the same
    parameters; only the additions differ.

    Args:
        depth: number of weighted layers, 6n+2 (20, 32, 44, 56, 110, ...).
        residual: True for a ResNet, False for the plain network.
        shortcut: 'A' (parameter-free zero-padding shortcut) or 'B' (projection) where dimensions
            change.
        input_shape: (height, width, channels) of the images.
        classes: number of output classes.

    Returns:
        A keras.Model named like 'resnet56' or 'plain56'.

    Raises:
        ValueError: if depth, shortcut or input_shape is invalid.
    """
    n = blocks_per_stage(depth)
    if shortcut not in SHORTCUTS:
        raise ValueError(
            f"shortcut must be one of {SHORTCUTS} (A: zero-padding, B: projection), got "
            f"{shortcut!r}"
        )
    if len(input_shape) != 3 or min(input_shape[:2]) < 4:
        raise ValueError(
            "input_shape must be (height, width, channels) with height, width >= 4, got "
            f"{input_shape!r}"
        )
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = _conv_bn(inputs, STAGE_FILTERS[0], 1, "conv1")
    x = layers.ReLU(name="conv1_relu")(x)
    for stage, filters in enumerate(STAGE_FILTERS, start=2):
        for block in range(1, n + 1):
            strides = 2 if stage > 2 and block == 1 else 1
            x = basic_block(
                x, filters, strides, residual, shortcut, name=f"conv{stage}_block{block}"
            )
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(classes, activation="softmax", name="predictions")(x)
    kind = "resnet" if residual else "plain"
    return keras.Model(inputs, outputs, name=f"{kind}{depth}")


def weighted_layers(model):
    """Returns the model's convolution and dense layers in order (projection shortcuts included).

    Args:
        model: a keras.Model.

    Returns:
        A list of the Conv2D and Dense layers.
    """
    return [layer for layer in model.layers if isinstance(layer, (layers.Conv2D, layers.Dense))]
