"""What each mistake in a residual block or in ResNet-50 is called: one message per mistake.

The notebook's public checks and the grader's hidden checks report a mistake with the same function
from here, so that a student reads the same words whichever check found it. A function named for a
mistake returns its message; a function named ``..._problem`` looks for the mistake itself and
returns its message, or an empty string when there is none.
"""

from __future__ import annotations

import re
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

# --------------------------------------------------------------------------- building


_WHAT_TO_WRITE = {
    "dense_residual_block": (
        "z[l+1] = Dense(units), a[l+1] = ReLU, z[l+2] = Dense(units), then a[l+2] = "
        "g(z[l+2] + a_prev) with the Add before the ReLU; return a[l+2]."
    ),
    "identity_block": (
        "the main path Conv2D 1x1 (F1) -> BN -> ReLU -> Conv2D f x f 'same' (F2) -> BN -> ReLU -> "
        "Conv2D 1x1 (F3) -> BN, then add X and apply the ReLU; return the result."
    ),
    "convolutional_block": (
        "the identity block's main path with stride s on its first 1x1 convolution, and a "
        "shortcut Conv2D 1x1 (F3, stride s) -> BN on X; add the two, apply the ReLU and return "
        "the result."
    ),
    "ResNet50": (
        "the stem, then stages 2 to 5 (each a convolutional_block followed by identity_blocks), "
        f"AveragePooling2D(pool_size={spec.HEAD.pool}), Flatten and a softmax Dense of "
        "`classes` units; return keras.Model(inputs=X_input, outputs=X)."
    ),
    "silence_residual_branches": (
        "for each block of residual_blocks(model), take the last BatchNormalization of "
        "block.main_path and set its gamma to zeros (layer.gamma.assign(...)), leaving beta, "
        "the moving statistics and every other layer as they are; return how many blocks you "
        "changed."
    ),
    "train_resnet50": (
        "compile the model with keras.optimizers.Adam(learning_rate), "
        "loss='categorical_crossentropy' and metrics=['accuracy'], then return the History of "
        "model.fit(train_ds, epochs=epochs, validation_data=validation_data)."
    ),
}


def unanswered(exercise: str) -> str:
    """The exercise's cell still holds the release's ``raise NotImplementedError()``.

    Args:
        exercise: the exercise's function name.

    Returns:
        What is missing and, for the notebook's exercises, what the function should build.
    """
    what = _WHAT_TO_WRITE.get(exercise)
    to_write = f" What to write: {what}" if what else ""
    return (
        f"{exercise} is not written yet: its cell still runs `raise NotImplementedError()`. "
        f"Replace that line with your code (under # YOUR CODE HERE in the {exercise} cell), run "
        f"the cell, then check it again.{to_write}"
    )


def builds_nothing(exercise: str) -> str:
    """The function returns its input without applying a single layer."""
    return (
        f"{exercise} returns its input unchanged: it applies no layer at all, so there is no "
        "block to grade. Apply the block's layers to the input and return their output."
    )


def nothing_to_check(part: str) -> str:
    """A check about a part of the block that the student did not build."""
    return f"not checked: the block has no {part}, so there is nothing of it to check."


def custom_class(class_name: str) -> str:
    """A layer of the student's own class, which a model read as data cannot rebuild."""
    return (
        f"the model uses '{class_name}', a layer class of your own. The grader reads your model "
        "as data and never runs your code, so it cannot rebuild that class, and neither can "
        "keras.saving.load_model(..., safe_mode=True). Write what its call() computes directly "
        "in the function with keras.layers and keras.ops (a helper function that applies them "
        "is fine), then check it again."
    )


def lambda_layer() -> str:
    """A Lambda layer, whose Python code a model read as data cannot hold."""
    return (
        "the model uses a Lambda layer. The grader reads your model as data and never runs your "
        "code, so a Lambda's Python function cannot be read back. Use the Keras layer or "
        "keras.ops function that does the same (layers.ReLU(), keras.ops.add, x + y, ...)."
    )


def pooling_without_size(layer: str) -> str:
    """A pooling layer built with no pool size, which Keras 2 allowed and Keras 3 refuses."""
    if layer.startswith("Max"):
        size, rest = spec.STEM.pool, f", strides=({spec.STEM.pool_stride}, {spec.STEM.pool_stride})"
    else:
        size, rest = spec.HEAD.pool, ""
    return (
        f"{layer}() has no pool size. Keras 2 defaulted to (2, 2); Keras 3 needs it written "
        f"out: here {layer}(({size}, {size}){rest})."
    )


def build_error_problem(exercise: str, error: str) -> str:
    """Explains a build error that has a known cause in the student's code.

    Args:
        exercise: the function whose build raised.
        error: the error, as ``"TypeName: message"`` (or a sentence holding it).

    Returns:
        The explanation and the fix, or '' when the error has no known cause.
    """
    if re.search(r"\bNotImplementedError\b", error):
        return unanswered(exercise)
    pooling = re.search(
        r"(\w*Pooling\dD)\.__init__\(\) missing 1 required positional argument: 'pool_size'",
        error,
    )
    if pooling:
        return pooling_without_size(pooling.group(1))
    unknown = re.search(r"Could not locate class '(\w+)'", error)
    if unknown:
        return custom_class(unknown.group(1))
    if "Lambda" in error and "safe_mode" in error:
        return lambda_layer()
    return ""


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


def dense_width(name: str, found: int, units: int) -> str:
    """A Dense layer of the dense block is not ``units`` wide."""
    return (
        f"Dense layer '{name}' has {found} units; both Dense layers of the block have "
        f"units={units}: W[l+1] maps a[l] to z[l+1] of the same width, and W[l+2] maps a[l+1] "
        "to z[l+2], which is added to a[l]."
    )


def dense_without_bias(name: str) -> str:
    """A Dense layer of the dense block has no bias."""
    return (
        f"Dense layer '{name}' has no bias: z = W a + b needs b. Keep Keras's default "
        "use_bias=True."
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


def no_residual_blocks() -> str:
    """The network holds no residual block at all."""
    return (
        "the model has no residual block: no Add joins a shortcut to a main path. Build each "
        "stage from your convolutional_block and identity_block."
    )


def stage_stride_reason(stage: int, stride: int) -> str:
    """Why a stage's convolutional block has the stride it has."""
    if stride == 1:
        return (
            f"stage {stage} needs s=1, because the max pooling has just halved the image "
            "(convolutional_block's default is s=2, so pass s=1)."
        )
    return f"stage {stage} needs s={stride}: its convolutional block halves the height and width."


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
        "zero-padding": pad.config["padding"],
        "convolution (filters, kernel, strides, padding)": (
            conv.config["filters"],
            tuple(conv.config["kernel_size"]),
            tuple(conv.config["strides"]),
            conv.config["padding"],
        ),
        "BatchNormalization axis": norm.config["axis"],
        "max pooling (window, strides, padding)": (
            tuple(pool.config["pool_size"]),
            tuple(pool.config["strides"]),
            pool.config["padding"],
        ),
    }
    wanted = {
        "zero-padding": ((stem.padding,) * 2,) * 2,
        "convolution (filters, kernel, strides, padding)": (
            stem.filters,
            (stem.kernel,) * 2,
            (stem.stride,) * 2,
            "valid",
        ),
        "BatchNormalization axis": stem.batchnorm_axis,
        "max pooling (window, strides, padding)": (
            (stem.pool,) * 2,
            (stem.pool_stride,) * 2,
            "valid",
        ),
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
        if output.config.get("activation") == "sigmoid":
            return (
                "the last layer uses a sigmoid: it scores each class on its own, so the "
                f"{classes} outputs do not add up to 1, while each image shows exactly one sign. "
                "Use Dense(classes, activation='softmax'): one probability per class, summing "
                "to 1."
            )
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
    if before.kind == GLOBALAVGPOOL or tuple(before.config["pool_size"]) == (pool, pool):
        return ""
    return (
        f"the average pooling's window is {tuple(before.config['pool_size'])}: use "
        f"AveragePooling2D(({pool}, {pool})) on the {pool}×{pool} output of the last stage."
    )


# --------------------------------------------------------------------------- the zero-gamma start


def _blocks(numbers: list[int]) -> str:
    """``block 2`` or ``blocks 1, 3`` (blocks counted from 1 in the order the network runs them)."""
    listed = ", ".join(str(number) for number in numbers)
    return f"block {listed}" if len(numbers) == 1 else f"blocks {listed}"


def silenced_nothing() -> str:
    """The function left every weight of the network as it was."""
    return (
        "no weight of the network changed: set gamma of the last BatchNormalization on each "
        "block's main path to zero, so that z[l+3] = 0 and the block starts as "
        "a[l+3] = g(shortcut)."
    )


def silenced_every_batchnorm(names: list[str]) -> str:
    """Gamma was zeroed on BatchNormalizations that are not the last one of a main path."""
    return (
        f"gamma is zero in {', '.join(names[:4])}, which is not the last BatchNormalization of a "
        "main path: a zero there silences everything after it (the stem's BN would stop the "
        "whole network, a BN inside the main path its later layers' gradients). Zero only the "
        "last BN of each main path, the one whose output is z[l+3]."
    )


def silenced_shortcut(blocks: list[int]) -> str:
    """The projection shortcut's BatchNormalization was changed."""
    return (
        f"the shortcut's BatchNormalization changed in {_blocks(blocks)}: the projection must keep "
        "its gamma. With the main path silenced, a convolutional block computes "
        "a[l+3] = g(0 + BN(W_s a[l])); with the shortcut's gamma at zero too it outputs g(0) = 0 "
        "and nothing reaches the blocks after it. Change the main path's last BN only."
    )


def zeroed_kernel(names: list[str]) -> str:
    """A convolution's (or Dense layer's) kernel was set to zero."""
    return (
        f"the kernel of {', '.join(names[:4])} is now all zeros: the zero-gamma start leaves the "
        "weights W as initialized. Small weights do not silence a branch, because the next "
        "BatchNormalization divides by the batch's own standard deviation and scales any "
        "nonzero W back up; a zero W leaves it dividing 0 by sqrt(epsilon). Set gamma of the BN "
        "after the last convolution to zero instead."
    )


def silenced_beta(blocks: list[int]) -> str:
    """Beta of the main path's last BatchNormalization was changed, instead of (or with) gamma."""
    return (
        f"beta of the main path's last BatchNormalization changed in {_blocks(blocks)}: BN "
        "computes gamma * x_hat + beta, and beta is already 0 at initialization, so zeroing it "
        "leaves the branch adding a unit-variance z[l+3]. Set gamma (the layer's first weight, "
        "layer.gamma) to zero and leave beta as it is."
    )


def silenced_identity_blocks_only(identity: int, convolutional: int) -> str:
    """Only the identity blocks were silenced, not the convolutional ones."""
    return (
        f"gamma is zero in the identity blocks ({identity}) but not in the convolutional blocks "
        f"({convolutional}): a convolutional block's main path ends in a BN too, and silencing "
        "it leaves a[l+3] = g(BN(W_s a[l])), the projection alone. Do every block that "
        "residual_blocks(model) lists."
    )


def blocks_not_silenced(blocks: list[int], total: int) -> str:
    """Some blocks still have a nonzero gamma on their main path's last BatchNormalization."""
    return (
        f"gamma of the main path's last BatchNormalization is not all zeros in {_blocks(blocks)} "
        f"of {total}: set every entry of it to zero in every block, so that z[l+3] = 0."
    )


def changed_statistics(blocks: list[int]) -> str:
    """The moving mean or variance of the main path's last BatchNormalization was changed."""
    return (
        "the moving mean or variance of the main path's last BatchNormalization changed in "
        f"{_blocks(blocks)}: they are statistics of the data, which fit updates and prediction "
        "uses. Leave them and change gamma alone."
    )


def changed_other_weights(names: list[str]) -> str:
    """Weights changed that the zero-gamma start leaves alone."""
    return (
        f"weights changed in {', '.join(names[:4])}: the zero-gamma start changes gamma of each "
        "main path's last BatchNormalization and nothing else."
    )


def identity_block_not_identity(blocks: list[int]) -> str:
    """An identity block does not compute its input after the function ran."""
    return (
        f"identity {_blocks(blocks)} does not compute a[l+3] = a[l] afterwards: with gamma = 0 "
        "and beta = 0 on the main path's last BN, z[l+3] = 0 and a[l+3] = g(a[l]) = a[l], since "
        "a[l] is a ReLU output."
    )


def silencing_count(returned: str, expected: int) -> str:
    """The function returned something other than the number of blocks it changed."""
    if returned == "None":
        got = "returned nothing (None)"
    elif returned.startswith("<"):
        got = f"returned a {returned.strip('<>')}"
    else:
        got = f"returned {returned}"
    return (
        f"silence_residual_branches {got}; return the number of blocks it changed, an int: "
        f"{expected} for this network, one per residual block."
    )
