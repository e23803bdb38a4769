"""The layers and operations a ResNet built from Keras's own parts may use, and their shape rules.

Each rule reads one layer's configuration as data and, from the shapes of its inputs, computes the
shapes of its outputs and of the weights Keras would create for it, so that the size of everything
is known before Keras allocates any of it. Shapes include the batch dimension; ``None`` is a
dimension known only when data flows. Only ``channels_last`` images are read, the layout of this
course.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from grader.judge.validation.errors import ModelFileError

Shape = tuple[int | None, ...]
# A rule: (configuration, input shapes) -> (output shapes, weight shapes in Keras's order).
Rule = Callable[[dict, list[Shape]], tuple[list[Shape], list[tuple[int, ...]]]]

LAYERS_MODULE = "keras.layers"
#: Keras's activation functions that a configuration may name as a string.
ACTIVATIONS = frozenset(
    {
        "linear",
        "relu",
        "relu6",
        "leaky_relu",
        "elu",
        "selu",
        "gelu",
        "silu",
        "swish",
        "mish",
        "sigmoid",
        "hard_sigmoid",
        "tanh",
        "softplus",
        "softsign",
        "exponential",
        "softmax",
        "log_softmax",
    }
)
# Largest filter, unit or kernel count a rule accepts; the parameter cap bounds their product.
_MAX_WIDTH = 2**31
_MAX_RANK = 8


@dataclass(frozen=True)
class LayerKind:
    """What the validator knows about one allowed class.

    Attributes:
        rule: computes output and weight shapes.
        keys: the configuration keys the class accepts (any other key is refused).
    """

    rule: Rule
    keys: frozenset[str]


def _refuse(message: str):
    raise ModelFileError(message)


# Readers of configuration values: each refuses a value of the wrong type or out of range.


def integer(config: dict, key: str, low: int = 1, high: int = _MAX_WIDTH, default=None) -> int:
    """Returns ``config[key]`` as an int in ``[low, high]``."""
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _refuse(f"{key}={value!r} is not a whole number from {low} to {high}")
    return value


def flag(config: dict, key: str, default: bool) -> bool:
    """Returns ``config[key]`` as a bool."""
    value = config.get(key, default)
    if not isinstance(value, bool):
        _refuse(f"{key}={value!r} is not true or false")
    return value


def number(config: dict, key: str, default: float | None = 0.0, *, optional=False) -> float | None:
    """Returns ``config[key]`` as a finite number (or None when ``optional``)."""
    value = config.get(key, default)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _refuse(f"{key}={value!r} is not a number")
    if isinstance(value, int) and abs(value) > 2**63 or not math.isfinite(value):
        _refuse(f"{key}={value!r} is not a finite number of sensible size")
    return float(value)


def choice(config: dict, key: str, options: tuple, default=None):
    """Returns ``config[key]`` if it is one of ``options``."""
    value = config.get(key, default)
    if value not in options:
        _refuse(f"{key}={value!r} is not one of {', '.join(repr(o) for o in options)}")
    return value


def pair(config: dict, key: str, low: int = 1, high: int = 2**16, default=None) -> tuple[int, int]:
    """Returns ``config[key]`` (an int or two ints) as two ints in ``[low, high]``."""
    value = config.get(key, default)
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        _refuse(f"{key}={value!r} is not one or two whole numbers")
    return (
        integer({key: value[0]}, key, low, high),
        integer({key: value[1]}, key, low, high),
    )


def activation(config: dict, key: str = "activation") -> None:
    """Accepts an activation named by one of Keras's own function names."""
    value = config.get(key, "linear")
    if value is None:
        return
    if not isinstance(value, str) or value not in ACTIVATIONS:
        shown = value.get("class_name", value) if isinstance(value, dict) else value
        _refuse(
            f"the activation {shown!r} is not one of Keras's own activations by name (use "
            "'relu', 'softmax', ...: a function of your own cannot be loaded)"
        )


def channels_last(config: dict) -> None:
    """Accepts only the ``channels_last`` image layout."""
    if config.get("data_format") not in (None, "channels_last"):
        _refuse(
            f"data_format={config.get('data_format')!r}: the grader reads channels_last images "
            "(height, width, channels), this course's layout"
        )


def nothing_extra(config: dict, *keys: str) -> None:
    """Refuses options that would give a layer weights or behaviour a ResNet does not have."""
    for key in keys:
        if config.get(key) not in (None, 0, False):
            _refuse(f"{key}={config.get(key)!r} is not supported (a plain Keras layer has none)")


# Shape helpers.


def one_input(inputs: list[Shape], rank: int | None = None, known_last: bool = True) -> Shape:
    """Returns the single input's shape, checking its rank and that its last axis is known."""
    if len(inputs) != 1:
        _refuse(f"it takes one input, but is given {len(inputs)}")
    shape = inputs[0]
    if rank is not None and len(shape) != rank:
        _refuse(f"it needs an input of rank {rank} (batch included), but gets shape {shape}")
    if known_last and shape[-1] is None:
        _refuse(f"the last axis of its input {shape} has no fixed size")
    return shape


def window(size: int | None, kernel: int, stride: int, dilation: int, padding: str) -> int | None:
    """Returns the output size of a convolution or pooling along one axis."""
    if size is None:
        return None
    if padding == "same":
        return -(-size // stride)
    span = dilation * (kernel - 1) + 1
    out = (size - span) // stride + 1
    if out < 1:
        _refuse(
            f"a window of {span} does not fit in an input of size {size} with padding 'valid': "
            "the output would be empty"
        )
    return out


def broadcast(shapes: list[Shape]) -> Shape:
    """Returns the shape of an element-wise operation on ``shapes``, by NumPy's rules."""
    if not shapes:
        _refuse("it is given no tensor")
    rank = max(len(shape) for shape in shapes)
    result: list[int | None] = []
    for axis in range(-rank, 0):
        sizes = {shape[axis] for shape in shapes if len(shape) >= -axis} - {1}
        known = sizes - {None}
        if len(known) > 1:
            _refuse(f"it adds tensors of shapes {', '.join(str(s) for s in shapes)}, which differ")
        result.append(known.pop() if known else (None if None in sizes else 1))
    return tuple(result)


# The rules.


def _dense(config, inputs):
    nothing_extra(config, "lora_rank", "quantization_config")
    activation(config)
    units = integer(config, "units")
    shape = one_input(inputs)
    if len(shape) < 2:
        _refuse(f"Dense needs an input with a feature axis, but gets shape {shape}")
    weights = [(shape[-1], units)] + ([(units,)] if flag(config, "use_bias", True) else [])
    return [shape[:-1] + (units,)], weights


def _conv2d(config, inputs):
    nothing_extra(config, "lora_rank", "quantization_config")
    activation(config)
    channels_last(config)
    filters = integer(config, "filters")
    kernel = pair(config, "kernel_size")
    strides = pair(config, "strides", default=1)
    dilation = pair(config, "dilation_rate", default=1)
    padding = choice(config, "padding", ("valid", "same"), "valid")
    groups = integer(config, "groups", default=1)
    batch, height, width, channels = one_input(inputs, rank=4)
    if channels % groups or filters % groups:
        _refuse(f"groups={groups} does not divide {channels} input channels and {filters} filters")
    out = (
        batch,
        window(height, kernel[0], strides[0], dilation[0], padding),
        window(width, kernel[1], strides[1], dilation[1], padding),
        filters,
    )
    weights = [(*kernel, channels // groups, filters)]
    if flag(config, "use_bias", True):
        weights.append((filters,))
    return [out], weights


def _batch_normalization(config, inputs):
    nothing_extra(config, "renorm", "renorm_clipping")
    shape = one_input(inputs, known_last=False)
    axis = config.get("axis", -1)
    if isinstance(axis, list) and len(axis) == 1:
        axis = axis[0]
    axis = integer({"axis": axis}, "axis", -len(shape) + 1, len(shape) - 1)
    if axis == 0 or shape[axis] is None:
        _refuse(f"axis={axis} of an input of shape {shape} is not a feature axis of fixed size")
    count = 2 + flag(config, "scale", True) + flag(config, "center", True)
    number(config, "momentum", 0.99)
    number(config, "epsilon", 1e-3)
    return [shape], [(shape[axis],)] * count


def _same_shape(config, inputs):
    return [one_input(inputs, known_last=False)], []


def _activation(config, inputs):
    activation(config)
    return _same_shape(config, inputs)


def _relu(config, inputs):
    number(config, "max_value", None, optional=True)
    number(config, "negative_slope", 0.0)
    number(config, "threshold", 0.0)
    return _same_shape(config, inputs)


def _leaky_relu(config, inputs):
    number(config, "negative_slope", 0.3)
    return _same_shape(config, inputs)


def _softmax(config, inputs):
    axis = config.get("axis", -1)
    axes = axis if isinstance(axis, list) else [axis]
    for item in axes:
        integer({"axis": item}, "axis", -_MAX_RANK, _MAX_RANK)
    return _same_shape(config, inputs)


def _dropout(config, inputs):
    number(config, "rate", 0.5)
    if config.get("seed") is not None:
        integer(config, "seed", 0, 2**63)
    noise = config.get("noise_shape")
    if noise is not None and not (
        isinstance(noise, list) and all(n is None or isinstance(n, int) for n in noise)
    ):
        _refuse(f"noise_shape={noise!r} is not a shape")
    channels_last(config)
    return _same_shape(config, inputs)


def _rescaling(config, inputs):
    number(config, "scale", 1.0)
    number(config, "offset", 0.0)
    return _same_shape(config, inputs)


def _add(config, inputs):
    if len(inputs) < 2:
        _refuse(f"Add needs at least two tensors, but is given {len(inputs)}")
    return [broadcast(inputs)], []


def _zero_padding(config, inputs):
    channels_last(config)
    padding = config.get("padding", 1)
    if isinstance(padding, int) and not isinstance(padding, bool):
        padding = [[padding, padding], [padding, padding]]
    if not isinstance(padding, list) or len(padding) != 2:
        _refuse(f"padding={padding!r} is not one, two or two pairs of whole numbers")
    rows, cols = (
        [item, item] if isinstance(item, int) and not isinstance(item, bool) else item
        for item in padding
    )
    (top, bottom), (left, right) = pair({"p": rows}, "p", 0), pair({"p": cols}, "p", 0)
    batch, height, width, channels = one_input(inputs, rank=4, known_last=False)
    grow = [None if height is None else height + top + bottom]
    grow.append(None if width is None else width + left + right)
    return [(batch, *grow, channels)], []


def _pooling(config, inputs):
    channels_last(config)
    size = pair(config, "pool_size")
    strides = size if config.get("strides") is None else pair(config, "strides")
    padding = choice(config, "padding", ("valid", "same"), "valid")
    batch, height, width, channels = one_input(inputs, rank=4, known_last=False)
    out = (
        batch,
        window(height, size[0], strides[0], 1, padding),
        window(width, size[1], strides[1], 1, padding),
        channels,
    )
    return [out], []


def _global_pooling(config, inputs):
    channels_last(config)
    batch, _, _, channels = one_input(inputs, rank=4)
    keep = flag(config, "keepdims", False)
    return [(batch, 1, 1, channels) if keep else (batch, channels)], []


def _flatten(config, inputs):
    channels_last(config)
    shape = one_input(inputs, known_last=False)
    rest = shape[1:]
    size = None if any(d is None for d in rest) else math.prod(rest)
    return [(shape[0], size)], []


def _elementwise(config, inputs):
    return [broadcast(inputs)], []


_COMMON = frozenset({"name", "trainable", "dtype"})
_WEIGHTED = frozenset(
    {
        "kernel_initializer",
        "bias_initializer",
        "kernel_regularizer",
        "bias_regularizer",
        "activity_regularizer",
        "kernel_constraint",
        "bias_constraint",
        "lora_rank",
        "lora_alpha",
        "quantization_config",
    }
)


def _kind(rule: Rule, *keys: str, weighted: bool = False) -> LayerKind:
    return LayerKind(rule, _COMMON | frozenset(keys) | (_WEIGHTED if weighted else frozenset()))


_POOLING_KEYS = ("pool_size", "strides", "padding", "data_format")
#: The Keras layers (module ``keras.layers``) the validator can read, by class name.
LAYERS: dict[str, LayerKind] = {
    "Dense": _kind(_dense, "units", "activation", "use_bias", weighted=True),
    "Conv2D": _kind(
        _conv2d,
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "data_format",
        "dilation_rate",
        "groups",
        "activation",
        "use_bias",
        weighted=True,
    ),
    "BatchNormalization": _kind(
        _batch_normalization,
        "axis",
        "momentum",
        "epsilon",
        "center",
        "scale",
        "beta_initializer",
        "gamma_initializer",
        "moving_mean_initializer",
        "moving_variance_initializer",
        "beta_regularizer",
        "gamma_regularizer",
        "beta_constraint",
        "gamma_constraint",
        "synchronized",
        "renorm",
        "renorm_clipping",
        "renorm_momentum",
    ),
    "Activation": _kind(_activation, "activation"),
    "ReLU": _kind(_relu, "max_value", "negative_slope", "threshold"),
    "LeakyReLU": _kind(_leaky_relu, "negative_slope"),
    "Softmax": _kind(_softmax, "axis"),
    "Dropout": _kind(_dropout, "rate", "noise_shape", "seed"),
    "SpatialDropout2D": _kind(_dropout, "rate", "noise_shape", "seed", "data_format"),
    "Identity": _kind(_same_shape),
    "Rescaling": _kind(_rescaling, "scale", "offset"),
    "Add": _kind(_add),
    "ZeroPadding2D": _kind(_zero_padding, "padding", "data_format"),
    "MaxPooling2D": _kind(_pooling, *_POOLING_KEYS),
    "AveragePooling2D": _kind(_pooling, *_POOLING_KEYS),
    "GlobalAveragePooling2D": _kind(_global_pooling, "data_format", "keepdims"),
    "GlobalMaxPooling2D": _kind(_global_pooling, "data_format", "keepdims"),
    "Flatten": _kind(_flatten, "data_format"),
}

_UNARY = ("Relu", "Relu6", "Sigmoid", "Silu", "Gelu", "Elu", "Selu", "LeakyRelu", "Softplus")
#: The ``keras.ops`` operations Keras records in a functional graph, by (module, class name).
OPERATIONS: dict[tuple[str, str], LayerKind] = {
    **{
        ("keras.src.ops.nn", name): _kind(
            _same_shape, "approximate", "alpha", "negative_slope", "axis"
        )
        for name in _UNARY
    },
    ("keras.src.ops.nn", "Softmax"): _kind(_softmax, "axis"),
    # What keras.activations.relu(x) records when called on a symbolic tensor.
    ("keras.src.activations.activations", "ReLU"): _kind(
        _same_shape, "negative_slope", "max_value", "threshold"
    ),
    ("keras.src.ops.numpy", "Tanh"): _kind(_same_shape),
    **{
        ("keras.src.ops.numpy", name): _kind(_elementwise)
        for name in ("Add", "Subtract", "Multiply", "Maximum", "Minimum")
    },
}


def check_keys(kind: LayerKind, config: dict) -> None:
    """Refuses configuration keys the class does not have (they would reach its constructor)."""
    unknown = sorted(set(config) - kind.keys)
    if unknown:
        _refuse(f"it has options this Keras layer does not take: {', '.join(unknown)}")
