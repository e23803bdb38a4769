"""Public checks for the Residual Networks notebook.

Each `check_*` function takes the student's function, builds it on small
symbolic inputs, reads the resulting graph with `resnet_course.blocks`, and
checks structure and behaviour. Expected values are computed here at run time
from the student's own weights or from properties of a residual block, never
recorded beforehand. A failed check raises `CheckFailed` with a message in the
lecture's terms; a passed one prints "All checks passed". In a notebook, a
failed check shows its message alone (`resnet_course.check_display`), and an
error raised by the student's own code shows the student's frames without the
checker's.

The checks accept every construction the grader's hidden checks accept, and
the messages are the hidden checks' own (`resnet_course.mistakes`). The grader
runs further, hidden checks on the same functions.
"""

from __future__ import annotations

import os

import numpy as np

from resnet_course import block_calls, check_display, mistakes, spec, stages
from resnet_course.blocks import analyse_block
from resnet_course.graph import BN, CONV, DENSE, INPUT, RELU, Graph
from resnet_course.network import analyse_graph


class CheckFailed(AssertionError):
    """A public check found a mistake; the message says what and how to fix it."""


check_display.show_failures_as_messages(CheckFailed)


def _fail(message: str):
    raise CheckFailed(message)


def _passed(name: str) -> None:
    print(f"All checks passed for {name}.")


def _fail_on(problem: str, name: str) -> None:
    """Fails with ``problem``, naming the exercise, when there is one."""
    if problem:
        _fail(f"{name}: {problem}")


def _symbolic(fn, name: str, shape: tuple, *args, **kwargs):
    """Calls a block function on a keras.Input and wraps the result in a model."""
    __tracebackhide__ = True
    import keras

    block_input = keras.Input(shape)
    try:
        output = fn(block_input, *args, **kwargs)
    except NotImplementedError as error:
        if str(error):
            raise
        _fail(mistakes.unanswered(name))
    if output is None:
        _fail(f"{name} returned None: return the block's output tensor a[l+2].")
    if not hasattr(output, "_keras_history"):
        _fail(
            f"{name} returned {type(output).__name__}, not a Keras tensor: return the block's "
            "output tensor."
        )
    try:
        model = keras.Model(block_input, output)
    except ValueError:
        _fail(
            f"{name} returned a tensor that is not computed from its input: apply the block's "
            "layers to the function's own input (here a keras.Input), not to a tensor made "
            "elsewhere."
        )
    graph = Graph.from_model(model)
    if all(node.kind == INPUT for node in graph.nodes):
        _fail(mistakes.builds_nothing(name))
    _fail_on(_custom_class_problem(graph), name)
    return model


def _custom_class_problem(graph: Graph) -> str:
    """The message for the first layer of the student's own class, which no grader can read."""
    custom = next((node.custom_class for node in graph.nodes if node.custom_class), "")
    if custom:
        return mistakes.custom_class(custom)
    lambdas = [node for node in graph.nodes if type(node.op).__name__ == "Lambda"]
    return mistakes.lambda_layer() if lambdas else ""


def _check_structure_problems(structure, name: str) -> None:
    if structure.problems:
        _fail(f"{name}: {structure.problems[0]}")


def _marking_initializer(value: float):
    """An initializer that fills kernels with ``value``, used directly or called like a class.

    Students pass ``initializer`` on as ``kernel_initializer=initializer`` or, in the classic
    assignment's style, ``kernel_initializer=initializer(seed=0)``; both get this initializer.
    """
    import keras

    class Marking(keras.initializers.Constant):
        def __call__(self, shape=None, dtype=None, **kwargs):
            if shape is None:
                return self
            return super().__call__(shape, dtype=dtype)

    return Marking(value)


def _to_numpy(tensor) -> np.ndarray:
    """A backend tensor as a NumPy array (PyTorch's need detaching from autograd first)."""
    import keras

    return keras.ops.convert_to_numpy(tensor)


def _note_initializer_use(fn, name: str, shape: tuple, kind: str, *args) -> None:
    """Says which layers ignore the initializer argument; the student's choice is not a mistake."""
    __tracebackhide__ = True
    model = _symbolic(fn, name, shape, *args, initializer=_marking_initializer(0.125))
    ignored = [
        node.name
        for node in Graph.from_model(model).find(kind)
        if not np.all(node.weights[0] == np.float32(0.125))
    ]
    if ignored:
        print(
            f"Note: {', '.join(ignored)} {'does' if len(ignored) == 1 else 'do'} not use the "
            "initializer argument. That is your choice and is not graded; the exercise passes it "
            "on as kernel_initializer=initializer."
        )


# --------------------------------------------------------------------------- Exercise 1


def check_dense_residual_block(dense_residual_block) -> None:
    """Checks the student's `dense_residual_block(a_prev, units, initializer=...)`.

    The block is built on a symbolic a[l] of 5 units. Its graph must be Dense, ReLU, Dense added to
    a[l] before the final ReLU, and its output the lecture's formula with its own weights.

    Raises:
        CheckFailed: Naming the first mistake, e.g. g applied before a[l] is added.
    """
    __tracebackhide__ = True
    name = "dense_residual_block"
    units = 5
    model = _symbolic(dense_residual_block, name, (units,), units)
    if tuple(model.output.shape) != (None, units):
        _fail(
            f"{name}: a[l+2] has shape {tuple(model.output.shape)}; it should keep a[l]'s shape "
            f"(None, {units})."
        )
    structure = analyse_block(model)
    _fail_on(mistakes.baked_mode_problem(structure.graph.nodes), name)
    _check_structure_problems(structure, name)
    dense = [n for n in structure.main_path if n.kind == DENSE]
    if len(dense) != 2:
        _fail(
            f"{name}: the main path has {len(dense)} Dense layers; it needs two, W[l+1] and W[l+2]."
        )
    if structure.shortcut_path:
        _fail(f"{name}: {mistakes.shortcut_not_identity(structure.shortcut_path)}")
    kinds = structure.main_kinds
    if kinds[-1] == RELU:
        _fail(f"{name}: {mistakes.relu_before_add('Dense', structure.main_path)}")
    if kinds != [DENSE, RELU, DENSE]:
        _fail(
            f"{name}: the main path is {' -> '.join(kinds)}; it should be Dense (z[l+1]) -> ReLU "
            "(a[l+1]) -> Dense (z[l+2])."
        )
    for node in dense:
        if node.config["units"] != units:
            _fail(f"{name}: {mistakes.dense_width(node.name, node.config['units'], units)}")
        if not node.config["use_bias"]:
            _fail(f"{name}: {mistakes.dense_without_bias(node.name)}")

    rng = np.random.default_rng(0)
    for node in dense:
        node.op.set_weights(
            [rng.normal(size=w.shape).astype(np.float32) * 0.5 for w in node.op.get_weights()]
        )
    (W1, b1), (W2, b2) = (node.op.get_weights() for node in dense)
    a_prev = rng.normal(size=(4, units)).astype(np.float32)
    # g is the ReLU: a[l+2] = g(W[l+2] g(W[l+1] a[l] + b[l+1]) + b[l+2] + a[l]).
    expected = np.maximum(np.maximum(a_prev @ W1 + b1, 0) @ W2 + b2 + a_prev, 0)
    actual = _to_numpy(model(a_prev))
    if not np.allclose(actual, expected, rtol=1e-4, atol=1e-5):
        _fail(
            f"{name}: for a test input the block returns {np.round(actual[0], 3)} but g(W[l+2] "
            "g(W[l+1] a[l] + b[l+1]) + b[l+2] + a[l]) with your own weights is "
            f"{np.round(expected[0], 3)}."
        )
    _note_initializer_use(dense_residual_block, name, (units,), DENSE, units)
    _passed(name)


# --------------------------------------------------------------------------- Exercises 2 and 3


def _build_block(fn, name: str, shape: tuple, f: int, filters, **kwargs):
    """Builds a convolutional residual block, explaining a failed build when it can.

    A misplaced stride, 'valid' padding, a missing projection or a shortcut
    taken from the wrong tensor makes the Add fail on mismatching shapes
    before any graph exists. On a 1x1 input with f=1 and every convolution as
    wide as the input, all of these variants have matching shapes, so the
    structure can be read and the mistake named.
    """
    __tracebackhide__ = True
    try:
        return _symbolic(fn, name, shape, f, filters, **kwargs)
    except CheckFailed:
        raise
    except Exception as error:  # any build error is diagnosed below
        channels = shape[-1]
        try:
            model = _symbolic(fn, name, (1, 1, channels), 1, [channels] * 3, **kwargs)
        except Exception:  # the original error is the one to report
            model = None
        if model is not None:
            _diagnose_block(
                model,
                name,
                shortcut_kind="projection" if "s" in kwargs else "identity",
                stride=kwargs.get("s", 1),
                check_padding=True,
            )
        _fail(
            f"building {name} on an input of shape {shape} with f={f}, filters={list(filters)} "
            f"failed: {type(error).__name__}: {error}. z[l+2] and the shortcut must have the same "
            "shape to be added."
        )


def _diagnose_block(model, name: str, shortcut_kind: str, stride: int, check_padding: bool):
    """Checks the layout of a bottleneck block's graph; returns its BlockStructure."""
    __tracebackhide__ = True
    structure = analyse_block(model)
    _fail_on(mistakes.baked_mode_problem(structure.graph.nodes), name)
    _check_structure_problems(structure, name)
    main = structure.main_path
    convs = [n for n in main if n.kind == CONV]
    if len(convs) != 3:
        _fail(
            f"{name}: the main path has {len(convs)} convolutions; it needs three: 1x1 (F1), f x "
            "f (F2), 1x1 (F3)."
        )
    for position, conv in zip(("first", "second", "third"), convs, strict=False):
        index = main.index(conv)
        if index + 1 >= len(main) or main[index + 1].kind != BN:
            _fail(
                f"{name}: the {position} convolution of the main path is not followed by "
                "BatchNormalization; each convolution is followed by BN (over the channels axis)."
            )
    bns = [n for n in main if n.kind == BN]
    if len(bns) != 3:
        _fail(
            f"{name}: the main path has {len(bns)} BatchNormalization layers; it needs one after "
            "each convolution."
        )
    for position, bn in zip(("first", "second"), bns[:2], strict=False):
        index = main.index(bn)
        if main[index + 1].kind != RELU:
            _fail(
                f"{name}: the {position} BatchNormalization is not followed by a ReLU; the main "
                "path is conv -> BN -> ReLU, conv -> BN -> ReLU, conv -> BN."
            )
    if main[-1].kind == RELU:
        _fail(f"{name}: {mistakes.relu_before_add('BatchNormalization', main)}")
    if main[-1].kind != BN:
        _fail(
            f"{name}: the main path ends with {main[-1].kind}; it should end with the third "
            "BatchNormalization, whose output z[l+2] is added to the shortcut."
        )
    _fail_on(mistakes.batchnorm_axis_problem(structure.graph.find(BN)), name)
    if check_padding and convs[1].config["padding"] != "same":
        _fail(f"{name}: {mistakes.valid_padding(convs[1].config['padding'])}")
    for position, conv in (("first 1x1", convs[0]), ("f x f", convs[1]), ("last 1x1", convs[2])):
        wanted = (stride, stride) if position == "first 1x1" else (1, 1)
        if tuple(conv.config["strides"]) != wanted:
            where = (
                "the first 1x1 convolution (and the shortcut's 1x1 convolution)"
                if stride != 1
                else "no convolution"
            )
            _fail(
                f"{name}: the {position} convolution has strides {tuple(conv.config['strides'])}; "
                f"the stride s belongs in {where}, every other convolution of the main path has "
                "stride 1."
            )
    shortcut = structure.shortcut_kinds
    if shortcut_kind == "identity":
        if shortcut:
            _fail(f"{name}: {mistakes.shortcut_not_identity(structure.shortcut_path)}")
    else:
        if CONV not in shortcut:
            _fail(
                f"{name}: the shortcut has no 1x1 convolution: a convolutional block projects "
                "a[l] with a 1x1 convolution (F3 filters, stride s) followed by "
                "BatchNormalization, so it matches z[l+2]'s shape."
            )
        if shortcut != [CONV, BN]:
            _fail(f"{name}: {mistakes.shortcut_not_projection(structure.shortcut_path)}")
        projection = structure.shortcut_path[0]
        if tuple(projection.config["kernel_size"]) != (1, 1):
            _fail(
                f"{name}: the shortcut's convolution is {projection.config['kernel_size']}; it "
                "should be 1x1."
            )
        if tuple(projection.config["strides"]) != (stride, stride):
            _fail(
                f"{name}: the shortcut's 1x1 convolution has strides "
                f"{tuple(projection.config['strides'])}; it needs stride s={stride}, like the "
                "first convolution of the main path."
            )
    return structure


def _check_conv_configs(structure, name: str, f: int, filters) -> None:
    convs = [n for n in structure.main_path if n.kind == CONV]
    for conv, size, count, label in zip(
        convs, (1, f, 1), filters, ("F1", "F2", "F3"), strict=False
    ):
        if tuple(conv.config["kernel_size"]) != (size, size):
            _fail(
                f"{name}: the convolution with {label} filters has a {conv.config['kernel_size']} "
                f"window; it should be {size}x{size}."
            )
        if conv.config["filters"] != count:
            _fail(
                f"{name}: a main-path convolution has {conv.config['filters']} filters where "
                f"{label}={count} were asked for."
            )
    if structure.shortcut_path and structure.shortcut_path[0].config["filters"] != filters[2]:
        _fail(
            f"{name}: the shortcut's convolution has "
            f"{structure.shortcut_path[0].config['filters']} filters; it needs F3={filters[2]} to "
            "match z[l+2]."
        )


def _main_path_silenced_output(model, structure, inputs: np.ndarray) -> np.ndarray:
    """Runs the block with the last main-path BN's gamma and beta set to zero, so z[l+2] = 0."""
    last_bn = structure.main_path[-1].op
    gamma, beta, mean, variance = last_bn.get_weights()
    last_bn.set_weights([np.zeros_like(gamma), np.zeros_like(beta), mean, variance])
    return _to_numpy(model(inputs, training=False))


def check_identity_block(identity_block) -> None:
    """Checks the student's `identity_block(X, f, filters, initializer=...)` on a 6x6x4 input.

    Raises:
        CheckFailed: If the graph is not the lecture's bottleneck, or the block does not return
            g(a[l]) with z[l+2] forced to zero.
    """
    __tracebackhide__ = True
    name = "identity_block"
    shape, f, filters = (6, 6, 4), 3, [2, 3, 4]
    model = _build_block(identity_block, name, shape, f, filters)
    if tuple(model.output.shape) != (None,) + shape:
        _fail(
            f"{name}: the output has shape {tuple(model.output.shape)}; an identity block keeps "
            f"its input's shape (None, {', '.join(map(str, shape))})."
        )
    structure = _diagnose_block(model, name, "identity", stride=1, check_padding=True)
    _check_conv_configs(structure, name, f, filters)

    inputs = np.random.default_rng(1).normal(size=(2,) + shape).astype(np.float32)
    output = _main_path_silenced_output(model, structure, inputs)
    if not np.allclose(output, np.maximum(inputs, 0), atol=1e-5):
        _fail(
            f"{name}: with z[l+2] forced to zero the block should return g(a[l]) = ReLU(X), but "
            "it does not: check that the shortcut carries X itself and that ReLU comes after the "
            "addition."
        )
    _note_initializer_use(identity_block, name, shape, CONV, f, filters)
    _passed(name)


def check_convolutional_block(convolutional_block) -> None:
    """Checks the student's `convolutional_block(X, f, filters, s=2, initializer=...)`.

    It is built on an 8x8x3 input with s=2 and again with s=1; with z[l+2] forced to zero it must
    return the ReLU of its projected shortcut.

    Raises:
        CheckFailed: Naming the first mistake, in the lecture's terms.
    """
    __tracebackhide__ = True
    name = "convolutional_block"
    shape, f, filters, s = (8, 8, 3), 3, [2, 3, 5], 2
    model = _build_block(convolutional_block, name, shape, f, filters, s=s)
    expected_shape = (None, 4, 4, filters[2])
    if tuple(model.output.shape) != expected_shape:
        _fail(
            f"{name}: on input {shape} with s={s} the output has shape "
            f"{tuple(model.output.shape)}; expected {expected_shape}: the stride halves height "
            "and width, F3 sets the channels."
        )
    structure = _diagnose_block(model, name, "projection", stride=s, check_padding=True)
    _check_conv_configs(structure, name, f, filters)

    inputs = np.random.default_rng(2).normal(size=(2,) + shape).astype(np.float32)
    output = _main_path_silenced_output(model, structure, inputs)
    expected = np.maximum(_run_inference(structure.shortcut_path, inputs), 0)
    if not np.allclose(output, expected, atol=1e-5):
        _fail(
            f"{name}: with z[l+2] forced to zero the block should return ReLU(shortcut), but it "
            "does not: check that the projected shortcut is what gets added, and that ReLU comes "
            "after the addition."
        )

    model_s1 = _build_block(convolutional_block, name, shape, f, filters, s=1)
    if tuple(model_s1.output.shape) != (None, 8, 8, filters[2]):
        _fail(
            f"{name}: with s=1 the output has shape {tuple(model_s1.output.shape)}; the stride "
            "argument s must be used (height and width stay 8 when s=1)."
        )
    _note_initializer_use(convolutional_block, name, shape, CONV, f, filters)
    _passed(name)


def _run_inference(path, inputs: np.ndarray) -> np.ndarray:
    """Runs a path's layers one after another, as in inference (the shortcut's conv and BN)."""
    values = inputs
    for node in path:
        values = node.op(values, training=False) if node.kind == BN else node.op(values)
    return _to_numpy(values)


# --------------------------------------------------------------------------- Exercise 4


def _build_network(ResNet50, name: str, input_shape: tuple, classes: int):
    """Builds the student's network, recording its block calls; a failed build names the block."""
    __tracebackhide__ = True
    with block_calls.recording(ResNet50) as calls:
        try:
            model = ResNet50(input_shape=input_shape, classes=classes)
        except CheckFailed:
            raise
        except NotImplementedError as error:
            if str(error) or calls:
                _fail_network_build(name, calls, error)
            _fail(mistakes.unanswered(name))
        except Exception as error:  # diagnosed from the block calls
            _fail_network_build(name, calls, error)
    return model, calls


def _fail_network_build(name: str, calls, error: Exception) -> None:
    text = block_calls.error_text(error)
    _fail(f"{name} could not be built: {block_calls.build_problem(calls, text, own_blocks=True)}")


def check_ResNet50(ResNet50) -> None:
    """Checks the student's `ResNet50(input_shape=(64, 64, 3), classes=6)` against the spec.

    Raises:
        CheckFailed: If the network cannot be built, or its stem, a stage or block, the head or the
            parameter count differs from ResNet-50; naming the stage and block at fault.
    """
    __tracebackhide__ = True
    name = "ResNet50"
    input_shape, classes = spec.INPUT_SHAPE, spec.CLASSES
    model, calls = _build_network(ResNet50, name, input_shape, classes)
    if not hasattr(model, "count_params") or not getattr(model, "outputs", None):
        _fail(
            f"{name} returned {type(model).__name__}; return keras.Model(inputs=X_input, "
            "outputs=X)."
        )
    if tuple(model.input_shape) != (None,) + input_shape:
        _fail(
            f"{name}: the model's input shape is {model.input_shape}; build "
            "keras.Input(input_shape)."
        )
    _fail_on(block_calls.calls_problem(calls), name)
    if tuple(model.output_shape) != (None, classes):
        _fail(
            f"{name}: the model's output shape is {model.output_shape}; expected (None, {classes})."
        )
    graph = Graph.from_model(model)
    _fail_on(_custom_class_problem(graph), name)
    _fail_on(mistakes.baked_mode_problem(graph.nodes), name)
    _fail_on(mistakes.batchnorm_axis_problem(graph.find(BN)), name)
    _fail_on(mistakes.stem_problem(graph), name)
    network = analyse_graph(graph)
    _fail_on(stages.additions_problem(graph), name)
    _fail_on(stages.stages_problem(network), name)
    _fail_on("; ".join(stages.block_problems(network)[:2]), name)
    _fail_on(mistakes.head_problem(graph, classes), name)
    if model.count_params() != spec.PARAMETERS:
        _fail(f"{name}: {mistakes.parameter_count(model.count_params())}")
    probabilities = _to_numpy(
        model(np.random.default_rng(3).random((2,) + input_shape, dtype=np.float32))
    )
    if not np.allclose(probabilities.sum(axis=-1), 1.0, atol=1e-3):
        _fail(
            f"{name}: the outputs do not sum to 1 over the classes; the last layer needs a softmax."
        )
    print(f"{name}: {model.count_params():,} parameters, the same as keras.applications.ResNet50.")
    _passed(name)


# --------------------------------------------------------------------------- Exercise 5


def _bottleneck(x, filters, s=None):
    """The lecture's bottleneck block, identity (``s`` None) or convolutional, from plain layers."""
    from keras import layers

    f1, f2, f3 = filters
    z = layers.Conv2D(f1, 1, strides=s or 1)(x)
    z = layers.ReLU()(layers.BatchNormalization()(z))
    z = layers.Conv2D(f2, 3, padding="same")(z)
    z = layers.ReLU()(layers.BatchNormalization()(z))
    z = layers.BatchNormalization()(layers.Conv2D(f3, 1)(z))
    shortcut = x if s is None else layers.BatchNormalization()(layers.Conv2D(f3, 1, strides=s)(x))
    return layers.ReLU()(layers.Add()([z, shortcut]))


def _silencing_network(seed: int, trained_batch_norm: bool):
    """A stem, a convolutional and an identity block, a classifier; weights drawn from ``seed``.

    With ``trained_batch_norm`` every BN's gamma, beta and moving statistics are drawn away from
    their initial values, so that a change to any of them shows.
    """
    import keras
    from keras import layers

    inputs = keras.Input((12, 12, 3))
    x = layers.ReLU()(layers.BatchNormalization()(layers.Conv2D(8, 3, strides=2)(inputs)))
    x = _bottleneck(_bottleneck(x, [4, 4, 16], s=1), [4, 4, 16])
    outputs = layers.Dense(6, activation="softmax")(layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, outputs)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        values = layer.get_weights()
        if values and trained_batch_norm and isinstance(layer, layers.BatchNormalization):
            size = values[0].shape
            values = [rng.uniform(0.5, 1.5, size), rng.normal(0, 0.2, size)]
            values += [rng.normal(0, 0.2, size), rng.uniform(0.5, 1.5, size)]
            layer.set_weights([np.asarray(v, dtype="float32") for v in values])
    return model


def _returned_text(value) -> str:
    """What the function returned, in the form `mistakes.silencing_count` reads."""
    import numbers

    if value is None:
        return "None"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    return f"<{type(value).__name__}>"


def check_silence_residual_branches(silence_residual_branches) -> None:
    """Checks `silence_residual_branches(model)` on two small ResNets of two blocks each.

    One network is as Keras initializes it, as in the training cell; in the other every
    BatchNormalization's parameters and statistics are away from their initial values, so that
    changing the wrong one shows.

    Raises:
        CheckFailed: If the function changed anything but the main paths' last gammas, left one of
            them nonzero, or did not return the number of blocks.
    """
    __tracebackhide__ = True
    from resnet_course import zero_gamma

    name = "silence_residual_branches"
    images = np.random.default_rng(5).random((4, 12, 12, 3), dtype=np.float32)
    for trained_batch_norm in (True, False):
        model = _silencing_network(seed=3, trained_batch_norm=trained_batch_norm)
        before = [layer.get_weights() for layer in model.layers]
        try:
            returned = silence_residual_branches(model)
        except NotImplementedError as error:
            if str(error):
                raise
            _fail(mistakes.unanswered(name))
        _fail_on(zero_gamma.silencing_problem(zero_gamma.compare_silencing(model, before)), name)
        if not trained_batch_norm:
            wrong = zero_gamma.identity_blocks_not_identity(model, images)
            _fail_on(mistakes.identity_block_not_identity(wrong) if wrong else "", name)
        if _returned_text(returned) != "2":
            _fail(mistakes.silencing_count(_returned_text(returned), 2))
    _passed(name)


# --------------------------------------------------------------------------- Exercise 6


def check_train_resnet50(train_resnet50) -> None:
    """Checks `train_resnet50(model, train_ds, epochs, learning_rate, validation_data=None)`.

    The student's function trains a tiny model for 2 epochs; the history, the optimizer and the loss
    it compiled with are read back.

    Raises:
        CheckFailed: If any of them is not what the exercise asks for.
    """
    __tracebackhide__ = True
    import keras

    from resnet_course import training

    name = "train_resnet50"
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, size=(12, 8, 8, 3), dtype=np.uint8)
    labels = np.eye(6, dtype=np.float32)[np.arange(12) % 6]
    # The notebook's own kind of dataset, so that the check feeds fit what the training cell does.
    dataset = training.make_dataset(images, labels, batch_size=4)
    pixels = training.normalize_images(images)
    # float32 layers whatever the global policy: under mixed precision (GPU) float16 rounding would
    # blur the comparison of losses below.
    inputs = keras.Input((8, 8, 3))
    flat = keras.layers.Flatten(dtype="float32")(inputs)
    tiny = keras.Model(inputs, keras.layers.Dense(6, activation="softmax", dtype="float32")(flat))
    try:
        history = train_resnet50(tiny, dataset, 2, 0.003, validation_data=dataset)
    except NotImplementedError as error:
        if str(error):
            raise
        _fail(mistakes.unanswered(name))
    if not isinstance(history, keras.callbacks.History):
        _fail(
            f"{name} returned {type(history).__name__}; return the History that model.fit returns."
        )
    record = history.history
    if len(record.get("loss", [])) != 2:
        _fail(
            f"{name}: asked for 2 epochs, the history has {len(record.get('loss', []))}; pass "
            "epochs to fit."
        )
    if "accuracy" not in record:
        _fail(f"{name}: the history has no 'accuracy'; compile with metrics=['accuracy'].")
    if "val_loss" not in record:
        _fail(f"{name}: no validation results in the history; pass validation_data to fit.")
    if not isinstance(tiny.optimizer, keras.optimizers.Adam):
        _fail(
            f"{name}: the optimizer is {type(tiny.optimizer).__name__}; use keras.optimizers.Adam."
        )
    if not np.isclose(float(tiny.optimizer.learning_rate), 0.003):
        _fail(
            f"{name}: Adam's learning rate is {float(tiny.optimizer.learning_rate)}, not the "
            "learning_rate argument (0.003)."
        )
    expected_loss = keras.losses.CategoricalCrossentropy()(labels, tiny.predict(pixels, verbose=0))
    if not np.isclose(
        tiny.evaluate(pixels, labels, verbose=0, return_dict=True)["loss"],
        float(expected_loss),
        rtol=1e-3,
    ):
        _fail(
            f"{name}: the loss is not the categorical cross-entropy of one-hot labels; compile "
            "with loss='categorical_crossentropy'."
        )
    _passed(name)


def check_saved_model(
    path: str, images: np.ndarray, labels: np.ndarray, min_accuracy: float = 0.0
) -> float:
    """Checks the saved, trained model the grader will judge.

    Args:
        path: The `.keras` file next to the notebook.
        images: Test images, uint8 (m, 64, 64, 3).
        labels: Integer test labels (m,).
        min_accuracy: Fail when the test accuracy is lower.

    Returns:
        The test accuracy.

    Raises:
        CheckFailed: With what is wrong.
    """
    from resnet_course import training

    name = "train_resnet50"
    if not os.path.exists(path):
        _fail(
            f"{name}: there is no {path} next to the notebook; run the training cell, which saves "
            "it."
        )
    size = os.path.getsize(path)
    if size > training.SUBMISSION_LIMIT_BYTES:
        _fail(
            f"{name}: {path} is {size / 1e6:.1f} MB, over the "
            f"{training.SUBMISSION_LIMIT_BYTES / 1e6:.0f} MB submission limit; save it without "
            "the optimizer state (training.save_for_grading)."
        )
    model = training.load_trained_model(path)
    if tuple(model.output_shape) != (None, 6):
        _fail(
            f"{name}: the saved model's output shape is {model.output_shape}; expected (None, 6)."
        )
    accuracy = float(np.mean(training.predict_classes(model, images) == np.asarray(labels)))
    print(f"{path}: {size / 1e6:.1f} MB, test accuracy {accuracy:.1%}")
    if accuracy < min_accuracy:
        _fail(
            f"{name}: the saved model's test accuracy is {accuracy:.1%}; the assignment asks for "
            f"at least {min_accuracy:.0%}. Train with the notebook's default settings."
        )
    print("All checks passed for the saved model.")
    return accuracy
