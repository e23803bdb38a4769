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
`ReLU`.
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
        name: The Keras name of the layer or op (virtual activation nodes get
            `"<layer>/activation"`).
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
        return cls(builder.ordered, input_nodes, output_nodes)

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


class _GraphBuilder:
    """Walks Keras history backwards from output tensors, iteratively."""

    def __init__(self):
        self.ordered: list[Node] = []
        self._by_call: dict[tuple[int, int], Node] = {}

    def node_for(self, tensor) -> Node:
        pending = [(tensor, False)]
        while pending:
            current, parents_done = pending.pop()
            key = _call_key(current)
            if key in self._by_call:
                continue
            op, node_index, _ = current._keras_history
            call = op._inbound_nodes[node_index]
            parents = list(call.input_tensors)
            if not parents_done:
                pending.append((current, True))
                pending.extend(
                    (p, False) for p in reversed(parents) if _call_key(p) not in self._by_call
                )
                continue
            self._add_call(key, op, call, current)
        return self._by_call[_call_key(tensor)]

    def _add_call(self, key, op, call, tensor) -> None:
        inputs = tuple(self._by_call[_call_key(t)] for t in call.input_tensors)
        kind, activation = _classify(op)
        shape = _shape_of(tensor)
        node = Node(
            kind=kind,
            name=op.name,
            op=op,
            inputs=inputs,
            shape=shape,
            config=_normalized_config(op, kind, inputs),
            call_kwargs=_call_kwargs(call),
        )
        self.ordered.append(node)
        if activation is not None:
            node = Node(
                kind=activation,
                name=f"{op.name}/activation",
                op=op,
                inputs=(node,),
                shape=shape,
                config={"activation": _activation_name(op)},
                call_kwargs={},
                virtual=True,
            )
            self.ordered.append(node)
        self._by_call[key] = node


def _call_key(tensor) -> tuple[int, int]:
    op, node_index, _ = tensor._keras_history
    return id(op), node_index


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


def _classify(op) -> tuple[str, str | None]:
    """Returns (kind, fused activation kind or None) for an operation."""
    class_name = type(op).__name__
    if class_name == "Activation":
        return _activation_kind(_activation_name(op)), None
    if class_name == "ReLU":
        plain = not op.max_value and not op.negative_slope and not op.threshold
        return (RELU if plain else ACTIVATION), None
    kind = _KIND_BY_CLASS.get(class_name, OTHER)
    if kind in (CONV, DENSE):
        name = _activation_name(op)
        if name != "linear":
            return kind, _activation_kind(name)
    return kind, None


def _normalized_config(op, kind: str, inputs: tuple[Node, ...]) -> dict:
    config: dict = {}
    for key in _CONFIG_KEYS.get(kind, ()):
        value = getattr(op, key, None)
        if isinstance(value, list):
            value = tuple(value)
        config[key] = value
    if kind == BN:
        rank = len(inputs[0].shape) if inputs else None
        config["axis"] = _positive_axes(op.axis, rank)
        config["momentum"] = getattr(op, "momentum", None)
        config["epsilon"] = getattr(op, "epsilon", None)
    if kind == ADD:
        config["n_inputs"] = len(inputs)
    if kind in (CONV, DENSE):
        config["activation"] = _activation_name(op)
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
