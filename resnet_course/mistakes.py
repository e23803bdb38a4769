"""What each mistake in a residual block or in ResNet-50 is called: one message per mistake.

The notebook's public checks and the grader's hidden checks report a mistake with the same function
from here, so that a student reads the same words whichever check found it. A function named for a
mistake returns its message; a function named ``..._problem`` looks for the mistake itself and
returns its message, or an empty string when there is none.
"""

from __future__ import annotations

from collections.abc import Iterable

from resnet_course import spec
from resnet_course.graph import (
    AVGPOOL,
    BN,
    CONV,
    DENSE,
    FLATTEN,
    GLOBALAVGPOOL,
    MAXPOOL,
    RELU,
    SOFTMAX,
    ZEROPAD,
    Graph,
    Node,
    describe,
)

# --------------------------------------------------------------------------- one residual block


def no_skip() -> str:
    """The block never adds its input (or, in a convolutional block, its projection) to z[l+2]."""
    return (
        "there is no skip connection: the block never adds a[l] (or, in a convolutional block, its "
        "projection) to z[l+2]. Keep the block input, X_shortcut = X, and compute "
        "a[l+2] = g(z[l+2] + a[l]) with an Add before the final ReLU."
    )


def several_additions(count: int) -> str:
    """The block adds more than once."""
    return f"the block has {count} additions; a residual block adds the shortcut exactly once."


def add_without_two_inputs(count: int) -> str:
    """The Add does not add exactly two tensors."""
    return f"the Add has {count} inputs; it should add exactly two tensors, z[l+2] and a[l]."


def branches_without_common_input() -> str:
    """The two added tensors do not both come from the block input."""
    return (
        "the two tensors that are added do not come from a common a[l]: the shortcut must start at "
        "the block input."
    )


def skip_from_intermediate(source: Node | None) -> str:
    """The shortcut starts somewhere on the main path instead of at the block input."""
    name = f"'{source.name}'" if source is not None else "another tensor"
    return (
        f"the shortcut starts from an intermediate tensor ({name}), not from the block input: "
        "save X_shortcut = X before the main path changes X, so that the skip carries a[l] "
        "itself (or, in a convolutional block, its projection) to the Add."
    )


def shortcut_not_identity(path: list[Node]) -> str:
    """Layers sit on the shortcut of a block whose shortcut must carry a[l] unchanged."""
    return (
        f"the shortcut applies {describe(path)} to a[l]; in this block a[l] must reach the Add "
        "unchanged."
    )


def shortcut_not_projection(path: list[Node]) -> str:
    """A convolutional block's shortcut is not a 1x1 convolution followed by BatchNormalization."""
    return (
        f"the shortcut is {describe(path)}; it should be a 1x1 convolution followed by "
        "BatchNormalization, nothing else: a 1x1 convolution with F3 filters and stride s, so "
        "that it matches z[l+2]'s shape."
    )


def relu_before_add(z_name: str, main_path: list[Node]) -> str:
    """G is applied to z[l+2] before the shortcut is added."""
    return (
        f"the main path applies a ReLU after its last {z_name} and before the Add "
        f"({describe(main_path)}). z[l+2] is the last {z_name}'s output: apply g only once, after "
        "adding a[l]."
    )


def skip_after_final_relu() -> str:
    """a[l] is added to g(z[l+2]) instead of to z[l+2]."""
    return (
        "a[l] is added after the final ReLU: add it to z[l+2] before applying g, "
        "so that a[l+2] = g(z[l+2] + a[l])."
    )


def sum_without_relu() -> str:
    """The block returns z[l+2] + a[l] itself."""
    return (
        "the block returns the sum without applying g: a[l+2] = g(z[l+2] + a[l]) needs a ReLU "
        "after the Add."
    )


def output_not_relu_of_add(output: Node) -> str:
    """Something other than the Add's ReLU is the block's output."""
    return (
        f"the block's output is {output.kind} ('{output.name}'), not the ReLU of the Add: apply g "
        "directly to z[l+2] + a[l] and return that."
    )


def valid_padding(padding: str) -> str:
    """The f x f convolution shrinks the image."""
    return (
        f"the f x f convolution uses padding='{padding}', which shrinks the image: use "
        "padding='same' so that z[l+2] keeps a[l]'s height and width for the addition."
    )


def baked_mode_problem(nodes: Iterable[Node]) -> str:
    """Looks for a layer called with a fixed ``training`` argument.

    Args:
        nodes: the nodes to look at (the public checks look at every layer, the hidden checks at the
            BatchNormalization layers).

    Returns:
        The message for the first such node, or ''.
    """
    for node in nodes:
        if "training" in node.call_kwargs:
            mode = node.call_kwargs["training"]
            kept = "batch statistics" if mode else "its moving averages"
            return (
                f"{type(node.op).__name__} '{node.name}' is called with training={mode}. fit, "
                "predict and evaluate override that, but calling the model directly, model(x), "
                f"as a custom training loop does, keeps it on {kept}. Call layers without a "
                "training argument: fit and predict set the mode."
            )
    return ""


def batchnorm_axis_problem(nodes: Iterable[Node]) -> str:
    """Looks for a BatchNormalization that does not normalize the channels.

    Args:
        nodes: BatchNormalization nodes.

    Returns:
        The message for the first one whose axis is not the last (the channels), or ''.
    """
    for node in nodes:
        rank = len(node.inputs[0].shape)
        if node.config["axis"] != rank - 1:
            return (
                f"BatchNormalization '{node.name}' normalizes axis {node.config['axis']}, not the "
                f"channel axis: use axis={rank - 1} (or -1), so that each of the "
                f"{node.inputs[0].shape[-1]} channels gets its own mean and variance."
            )
    return ""


# --------------------------------------------------------------------------- ResNet-50


def parameter_count(count: int) -> str:
    """The network's parameter count is not ResNet-50's."""
    return (
        f"the model has {count:,} parameters for a {spec.INPUT_SHAPE} input and {spec.CLASSES} "
        f"classes; the lecture's ResNet-50 has {spec.PARAMETERS:,}, as "
        "keras.applications.ResNet50 does. A different count means a layer, a filter count or a "
        "block differs: check the filters of every block and that the convolutions keep their "
        "biases."
    )


def additions_without_relu(names: list[str]) -> str:
    """Residual additions that no ReLU follows."""
    which = "an addition is" if len(names) == 1 else f"{len(names)} additions are"
    return (
        f"{which} not followed by a ReLU ({', '.join(names[:3])}): each block ends with "
        "g(z[l+2] + a[l])."
    )


def stem_problem(graph: Graph) -> str:
    """Compares the layers from the input to the first block with the lecture's stem.

    Args:
        graph: the network's graph.

    Returns:
        What differs from :data:`resnet_course.spec.STEM`, or ''.
    """
    kinds = [ZEROPAD, CONV, BN, RELU, MAXPOOL]
    chain: list[Node] = []
    node = graph.inputs[0]
    while len(chain) < len(kinds):
        consumers = graph.consumers(node)
        if len(consumers) != 1:
            break
        node = consumers[0]
        chain.append(node)
    stem = spec.STEM
    if [n.kind for n in chain] != kinds:
        return (
            f"the stem is {describe(chain)}; the lecture's ResNet-50 starts with "
            f"ZeroPadding2D(({stem.padding}, {stem.padding})), Conv2D({stem.filters}, "
            f"({stem.kernel}, {stem.kernel}), strides=({stem.stride}, {stem.stride})), "
            f"BatchNormalization(axis={stem.batchnorm_axis}), ReLU, MaxPooling2D(({stem.pool}, "
            f"{stem.pool}), strides=({stem.pool_stride}, {stem.pool_stride}))."
        )
    pad, conv, norm, _, pool = chain
    found = {
        "padding": _pairs(pad.config["padding"]),
        "conv": (
            conv.config["filters"],
            tuple(conv.config["kernel_size"]),
            tuple(conv.config["strides"]),
        ),
        "bn axis": norm.config["axis"],
        "pool": (tuple(pool.config["pool_size"]), tuple(pool.config["strides"])),
    }
    wanted = {
        "padding": _pairs(stem.padding),
        "conv": (stem.filters, (stem.kernel,) * 2, (stem.stride,) * 2),
        "bn axis": stem.batchnorm_axis,
        "pool": ((stem.pool,) * 2, (stem.pool_stride,) * 2),
    }
    wrong = [
        f"{key} {found[key]} (expected {wanted[key]})"
        for key in wanted
        if found[key] != wanted[key]
    ]
    if wrong:
        return "the stem's layers have the wrong settings: " + "; ".join(wrong) + "."
    return ""


def head_problem(graph: Graph, classes: int) -> str:
    """Checks that the network ends with pooling to 1x1, maybe Flatten, and a softmax Dense layer.

    Args:
        graph: the network's graph.
        classes: the number of classes.

    Returns:
        What differs, or ''.
    """
    output = graph.outputs[0]
    if output.kind != SOFTMAX:
        return (
            f"the model's output comes from {output.kind} ('{output.name}'), not a softmax: end "
            "with Dense(classes, activation='softmax') so that the output is a probability per "
            "class."
        )
    dense = output.inputs[0]
    if dense.kind != DENSE or dense.config["units"] != classes:
        units = dense.config.get("units") if dense.kind == DENSE else dense.kind
        return (
            f"the softmax should act on a Dense layer with classes={classes} units; it acts "
            f"on {units}."
        )
    before = dense.inputs[0]
    if before.kind == FLATTEN:
        before = before.inputs[0]
    pool = spec.HEAD.pool
    if before.kind not in (AVGPOOL, GLOBALAVGPOOL):
        return (
            f"the classifier reads {before.kind} ('{before.name}'); the lecture's head is "
            f"AveragePooling2D(({pool}, {pool})), then Flatten, then the softmax Dense layer."
        )
    if before.kind == GLOBALAVGPOOL or tuple(before.shape[1:3]) == (1, 1):
        return ""
    return (
        f"after pooling the feature map is still {tuple(before.shape[1:])}: use "
        f"AveragePooling2D(({pool}, {pool})) on the {pool}×{pool} output of the last stage."
    )


def _pairs(padding) -> tuple:
    if isinstance(padding, int):
        return ((padding, padding), (padding, padding))
    return tuple(tuple(p) if isinstance(p, (list, tuple)) else (p, p) for p in padding)
