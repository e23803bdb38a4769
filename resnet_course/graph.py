"""Reads a Keras functional model as a graph of normalized nodes.

Keras 3 records every layer call and every `keras.ops` call on symbolic tensors
as a node, and keeps that record when a model is saved and loaded again with
`safe_mode=True`. This module turns that record into plain data, so that checks
can ask structural questions ("does the Add feed the last ReLU?") without caring
which of the equivalent spellings a student used: `layers.ReLU()`,
`layers.Activation("relu")` and `keras.ops.relu` are all a `relu` node, and
`layers.Add()`, `x + y` and `keras.ops.add` are all an `add` node. A Dense or
Conv2D layer with a fused activation becomes two nodes, the linear part and
its activation, so `Dense(units, activation="relu")` reads like `Dense` then
`ReLU`; `keras.ops.maximum(x, 0)` is a `relu` node too.

A Sequential or functional model used as a layer is read as the layers it
holds, as if they had been called one by one; `Identity` and linear
`Activation` layers, which change nothing, are read through. A convolution's
padding is read by what it does: a `ZeroPadding2D` that pads exactly as
'same' would, followed by a 'valid' convolution, is a 'same' convolution.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

INPUT = "input"
CONV = "conv"
DENSE = "dense"
BN = "bn"
RELU = "relu"
ADD = "add"
ZEROPAD = "zeropad"
MAXPOOL = "maxpool"
AVGPOOL = "avgpool"
GLOBALAVGPOOL = "globalavgpool"
FLATTEN = "flatten"
SOFTMAX = "softmax"
ACTIVATION = "activation"
OTHER = "other"

_KIND_BY_CLASS = {
    "InputLayer": INPUT,
    "Conv2D": CONV,
    "Dense": DENSE,
    "BatchNormalization": BN,
    "Add": ADD,
    "ZeroPadding2D": ZEROPAD,
    "MaxPooling2D": MAXPOOL,
    "AveragePooling2D": AVGPOOL,
    "GlobalAveragePooling2D": GLOBALAVGPOOL,
    "Flatten": FLATTEN,
    "Softmax": SOFTMAX,
    "Relu": RELU,
    "Sigmoid": ACTIVATION,
}

_CONFIG_KEYS = {
    CONV: ("filters", "kernel_size", "strides", "padding", "use_bias", "dilation_rate", "groups"),
    DENSE: ("units", "use_bias"),
    MAXPOOL: ("pool_size", "strides", "padding"),
    AVGPOOL: ("pool_size", "strides", "padding"),
    ZEROPAD: ("padding",),
}


@dataclasses.dataclass(eq=False)
class Node:
    """One operation call in a functional model, in normalized form.

    Attributes:
        kind: The normalized kind, one of the module's kind constants.
        name: The Keras name of the layer or op, after the names of the sub-models
            holding it (`"main_path/conv2d"`); virtual activation nodes get
            `"<layer>/activation"`.
        op: The Keras `Operation` (a layer or an op) that ran; for a virtual
            activation node, the layer whose fused activation it stands for.
        inputs: The nodes whose outputs this node consumes, in call order.
        shape: The output shape, with `None` for the batch dimension.
        config: Normalized attributes of the kind (filters, kernel_size, strides,
            padding, units, axis, pool_size, activation name, ...).
        call_kwargs: Non-tensor keyword arguments of the call, e.g.
            `{"training": True}` when a student baked a mode into the graph.
        virtual: True for an activation split out of a Dense or Conv2D layer.
    """

    kind: str
    name: str
    op: Any
    inputs: tuple["Node", ...]
    shape: tuple
    config: dict
    call_kwargs: dict
    virtual: bool = False

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.name!r}, shape={self.shape})"

    @property
    def custom_class(self) -> str:
        """The op's class name when it is not one of Keras's own; '' for a Keras layer or op."""
        cls = type(self.op)
        return "" if cls.__module__.split(".")[0] == "keras" else cls.__name__

    @property
    def weights(self) -> list:
        """The op's weight values as numpy arrays (empty for ops and virtual nodes)."""
        if self.virtual or not hasattr(self.op, "get_weights"):
            return []
        return self.op.get_weights()


class Graph:
    """The normalized node graph of a Keras functional model.

    Build it with `Graph.from_model(model)`. `nodes` is in topological order,
    inputs first.
    """

    def __init__(self, nodes: list[Node], inputs: list[Node], outputs: list[Node]):
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self._consumers: dict[int, list[Node]] = {id(n): [] for n in nodes}
        for node in nodes:
            for parent in node.inputs:
                self._consumers[id(parent)].append(node)

    @classmethod
    def from_model(cls, model) -> "Graph":
        """Builds the graph of a functional model.

        Args:
            model: A Keras functional `Model` (built from `keras.Input`s), including
                one loaded with `keras.saving.load_model(..., safe_mode=True)`.

        Returns:
            The model's `Graph`.

        Raises:
            TypeError: If the model has no symbolic inputs and outputs (a
                subclassed or unbuilt Sequential model).
        """
        outputs = getattr(model, "outputs", None)
        if not outputs:
            raise TypeError(
                f"{type(model).__name__} has no symbolic outputs: build it with the "
                "functional API, keras.Model(inputs, outputs)."
            )
        builder = _GraphBuilder()
        output_nodes = [builder.node_for(t) for t in _flatten(outputs)]
        input_nodes = [builder.node_for(t) for t in _flatten(model.inputs)]
        return cls(_fold_padding(builder.ordered, output_nodes), input_nodes, output_nodes)

    def consumers(self, node: Node) -> list[Node]:
        """Returns the nodes that take `node`'s output as an input."""
        return list(self._consumers[id(node)])

    def find(self, kind: str) -> list[Node]:
        """Returns every node of `kind`, in topological order."""
        return [n for n in self.nodes if n.kind == kind]

    def kinds(self) -> list[str]:
        """Returns the kinds of all nodes in topological order."""
        return [n.kind for n in self.nodes]

    def chain_back(self, node: Node) -> list[Node]:
        """Follows single-input nodes backwards from `node` to where the chain starts.

        Args:
            node: The node to start from.

        Returns:
            `node` and the nodes before it, latest first, up to and including the first input
            node or the first node that joins several inputs.
        """
        chain = [node]
        while chain[-1].kind != INPUT and len(chain[-1].inputs) == 1:
            chain.append(chain[-1].inputs[0])
        return chain

    def ancestors(self, node: Node) -> set[int]:
        """Returns the ids of every node that `node` depends on, itself excluded."""
        seen: set[int] = set()
        stack = list(node.inputs)
        while stack:
            current = stack.pop()
            if id(current) not in seen:
                seen.add(id(current))
                stack.extend(current.inputs)
        return seen


class _Scope:
    """One call of a sub-model (a Sequential or functional model used as a layer).

    Attributes:
        key: what tells this call apart from every other call of any sub-model.
        bindings: the history key of each of the sub-model's own inputs -> the (tensor, scope)
            that the call passed in its place.
        call_kwargs: the plain keyword arguments of this call and of the calls around it, which
            every layer inside inherits (``training=True`` given to a Sequential reaches its
            BatchNormalization layers).
        prefix: the sub-models' names, outermost first, e.g. ``"main_path/"``.
    """

    def __init__(self, key: tuple, bindings: dict, call_kwargs: dict, prefix: str):
        self.key = key
        self.bindings = bindings
        self.call_kwargs = call_kwargs
        self.prefix = prefix


class _GraphBuilder:
    """Walks Keras history backwards from output tensors, iteratively, through sub-models."""

    def __init__(self):
        self.ordered: list[Node] = []
        self._by_call: dict[tuple, Node] = {}
        self._scopes: dict[tuple, _Scope | None] = {}

    def node_for(self, tensor) -> Node:
        start = self._resolve(tensor, None)
        pending = [(start, False)]
        while pending:
            (current, scope), parents_done = pending.pop()
            key = _node_key(current, scope)
            if key in self._by_call:
                continue
            op, node_index, _ = current._keras_history
            call = op._inbound_nodes[node_index]
            parents = [self._resolve(p, scope) for p in call.input_tensors]
            if not parents_done:
                pending.append(((current, scope), True))
                pending.extend(
                    (p, False) for p in reversed(parents) if _node_key(*p) not in self._by_call
                )
                continue
            self._add_call(key, op, call, current, scope, parents)
        return self._by_call[_node_key(*start)]

    def _resolve(self, tensor, scope: _Scope | None) -> tuple:
        """Returns the (tensor, scope) that really computes ``tensor``.

        A sub-model's input stands for the tensor its call received, a sub-model's output for the
        inner tensor that computes it, and a layer that changes nothing (``Identity``,
        ``Activation("linear")``) for its input.
        """
        while True:
            op, node_index, tensor_index = tensor._keras_history
            if scope is not None and _history_key(tensor) in scope.bindings:
                tensor, scope = scope.bindings[_history_key(tensor)]
                continue
            inner_outputs = _submodel_outputs(op)
            if inner_outputs is not None:
                inner = self._scope(op, node_index, scope)
                if inner is not None and tensor_index < len(inner_outputs):
                    tensor, scope = inner_outputs[tensor_index], inner
                    continue
            call = op._inbound_nodes[node_index]
            if _passes_through(op) and len(call.input_tensors) == 1:
                tensor = call.input_tensors[0]
                continue
            return tensor, scope

    def _scope(self, op, node_index: int, outer: _Scope | None) -> _Scope | None:
        """Returns the scope of one call of a sub-model; None when its inputs cannot be matched."""
        key = (outer.key if outer else ()) + ((id(op), node_index),)
        if key not in self._scopes:
            call = op._inbound_nodes[node_index]
            inner_inputs = _flatten(op.inputs)
            given = list(call.input_tensors)
            scope = None
            if len(inner_inputs) == len(given):
                scope = _Scope(
                    key,
                    {
                        _history_key(inner): (outer_tensor, outer)
                        for inner, outer_tensor in zip(inner_inputs, given, strict=True)
                    },
                    {**(outer.call_kwargs if outer else {}), **_call_kwargs(call)},
                    (outer.prefix if outer else "") + f"{op.name}/",
                )
            self._scopes[key] = scope
        return self._scopes[key]

    def _add_call(self, key, op, call, tensor, scope: _Scope | None, parents: list) -> None:
        inputs = tuple(self._by_call[_node_key(*parent)] for parent in parents)
        kind, activation = _classify(op, call)
        shape = _shape_of(tensor)
        name = (scope.prefix if scope else "") + op.name
        node = Node(
            kind=kind,
            name=name,
            op=op,
            inputs=inputs,
            shape=shape,
            config=_normalized_config(op, kind, inputs),
            call_kwargs={**(scope.call_kwargs if scope else {}), **_call_kwargs(call)},
        )
        self.ordered.append(node)
        if activation is not None:
            node = Node(
                kind=activation,
                name=f"{name}/activation",
                op=op,
                inputs=(node,),
                shape=shape,
                config={"activation": _activation_name(op)},
                call_kwargs={},
                virtual=True,
            )
            self.ordered.append(node)
        self._by_call[key] = node


def _history_key(tensor) -> tuple[int, int, int]:
    op, node_index, tensor_index = tensor._keras_history
    return id(op), node_index, tensor_index


def _node_key(tensor, scope: _Scope | None) -> tuple:
    op, node_index, _ = tensor._keras_history
    return (scope.key if scope else (), id(op), node_index)


def _submodel_outputs(op) -> list | None:
    """Returns the output tensors of a functional or Sequential model used as a layer, else None."""
    if not any(
        cls.__name__ == "Model" and cls.__module__.startswith("keras") for cls in type(op).__mro__
    ):
        return None
    try:
        outputs = _flatten(op.outputs)
    except (AttributeError, ValueError):  # a subclassed model has no graph to enter
        return None
    if outputs and all(hasattr(t, "_keras_history") for t in outputs):
        return outputs
    return None


def _passes_through(op) -> bool:
    """True for a layer whose output is its input: ``Identity`` or a linear ``Activation``."""
    name = type(op).__name__
    return name == "Identity" or (name == "Activation" and _activation_name(op) == "linear")


def _flatten(tensors) -> list:
    if isinstance(tensors, dict):
        return list(tensors.values())
    if isinstance(tensors, (list, tuple)):
        return list(tensors)
    return [tensors]


def _shape_of(tensor) -> tuple:
    shape = getattr(tensor, "shape", None)
    return tuple(shape) if shape is not None else ()


def _activation_name(op) -> str:
    """Returns the name of a layer's activation ('relu', 'softmax', 'linear', ...)."""
    activation = getattr(op, "activation", None)
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", type(activation).__name__)


def _activation_kind(name: str) -> str:
    return {"relu": RELU, "softmax": SOFTMAX}.get(name, ACTIVATION)


def _classify(op, call) -> tuple[str, str | None]:
    """Returns (kind, fused activation kind or None) for an operation."""
    class_name = type(op).__name__
    if class_name == "Activation":
        return _activation_kind(_activation_name(op)), None
    if class_name == "ReLU":
        plain = not op.max_value and not op.negative_slope and not op.threshold
        return (RELU if plain else ACTIVATION), None
    if class_name == "Maximum" and _is_max_with_zero(call):
        return RELU, None
    kind = _KIND_BY_CLASS.get(class_name, OTHER)
    if kind in (CONV, DENSE):
        name = _activation_name(op)
        if name != "linear":
            return kind, _activation_kind(name)
    return kind, None


def _is_max_with_zero(call) -> bool:
    """True for ``keras.ops.maximum(x, 0)`` (either order): the ReLU written out."""
    args = list(getattr(call.arguments, "args", ()) or ())
    scalars = [a for a in args if isinstance(a, (int, float)) and not isinstance(a, bool)]
    return len(call.input_tensors) == 1 and len(args) == 2 and scalars == [0]


def _normalized_config(op, kind: str, inputs: tuple[Node, ...]) -> dict:
    config: dict = {}
    for key in _CONFIG_KEYS.get(kind, ()):
        value = getattr(op, key, None)
        if isinstance(value, list):
            value = tuple(value)
        config[key] = value
    if kind == ZEROPAD:
        config["padding"] = _padding_pairs(config["padding"])
    if kind == BN:
        rank = len(inputs[0].shape) if inputs else None
        config["axis"] = _positive_axes(op.axis, rank)
        config["momentum"] = getattr(op, "momentum", None)
        config["epsilon"] = getattr(op, "epsilon", None)
    if kind == ADD:
        config["n_inputs"] = len(inputs)
    if kind in (CONV, DENSE, ACTIVATION):
        config["activation"] = (
            _activation_name(op) if hasattr(op, "activation") else type(op).__name__.lower()
        )
    return config


def _positive_axes(axis, rank: int | None):
    """Normalizes a BN axis (int or list, maybe negative) to a positive int or tuple."""
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    if rank is not None:
        axes = tuple(a % rank for a in axes)
    return axes[0] if len(axes) == 1 else axes


def _call_kwargs(call) -> dict:
    """Returns the call's keyword arguments that are plain values, not tensors."""
    kwargs = getattr(call.arguments, "kwargs", {}) or {}
    return {k: v for k, v in kwargs.items() if isinstance(v, (bool, int, float, str, type(None)))}


def _fold_padding(nodes: list[Node], outputs: list[Node]) -> list[Node]:
    """Reads a convolution's padding by what it does, not by how it is spelled.

    A ``ZeroPadding2D`` read only by a 'valid' convolution, padding exactly as 'same' would, is
    that convolution's 'same' padding written out: it is dropped and the convolution reads
    'same'. (A 1x1 convolution computes the same whatever its padding; no check reads it.)

    Args:
        nodes: the graph's nodes, in topological order.
        outputs: the graph's output nodes (never dropped).

    Returns:
        The nodes left.
    """
    readers: dict[int, int] = {}
    for node in nodes:
        for parent in node.inputs:
            readers[id(parent)] = readers.get(id(parent), 0) + 1
    dropped: set[int] = set()
    for node in nodes:
        if node.kind != CONV or not node.inputs:
            continue
        source = node.inputs[0]
        if (
            node.config["padding"] == "valid"
            and source.kind == ZEROPAD
            and readers.get(id(source)) == 1
            and all(source is not output for output in outputs)
            and source.config["padding"] == _same_pads(node, source.inputs[0].shape)
        ):
            node.inputs = source.inputs
            node.config["padding"] = "same"
            dropped.add(id(source))
    return [node for node in nodes if id(node) not in dropped]


def _same_pads(conv: Node, shape: tuple) -> tuple | None:
    """The ((top, bottom), (left, right)) zeros 'same' padding adds, as TensorFlow pads."""
    if (
        len(shape) != 4
        or None in shape[1:3]
        or getattr(conv.op, "data_format", "") != ("channels_last")
    ):
        return None
    pads = []
    for size, kernel, stride, dilation in zip(
        shape[1:3],
        conv.config["kernel_size"],
        conv.config["strides"],
        conv.config["dilation_rate"],
        strict=True,
    ):
        span = (kernel - 1) * dilation + 1
        total = max((-(-size // stride) - 1) * stride + span - size, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _padding_pairs(padding) -> tuple:
    """A ZeroPadding2D's padding as ((top, bottom), (left, right))."""
    if isinstance(padding, int):
        return ((padding, padding), (padding, padding))
    return tuple(tuple(p) if isinstance(p, (list, tuple)) else (p, p) for p in padding)


def describe(nodes: Iterable[Node]) -> str:
    """Renders nodes as a readable chain, e.g. 'conv(1x1) -> bn -> relu'."""
    parts = []
    for node in nodes:
        label = node.kind
        kernel = node.config.get("kernel_size") if node.kind == CONV else None
        if kernel:
            label += f"({'x'.join(str(k) for k in kernel)})"
        parts.append(label)
    return " -> ".join(parts) if parts else "(nothing)"
