"""Reads a model's ``config.json`` as data: which layers, how they connect, how large everything is.

The whole graph is walked without Keras: every layer and operation must be on the allow-list of
:mod:`grader.judge.validation.layers`, every option a plain value or one of Keras's own option
objects, and the shape of every tensor and weight is computed from the declared input shapes, so
that the parameter count and the largest tensor are known, and capped, before Keras allocates
anything. Keras names each layer's weights in ``model.weights.h5`` after the layer's class, in the
order of the model's layers; :class:`Architecture` lists those paths with the shapes they must hold.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from grader.judge.validation.caps import DEFAULT_CAPS, Caps
from grader.judge.validation.errors import ModelFileError
from grader.judge.validation.layers import LAYERS, LAYERS_MODULE, OPERATIONS, Shape, check_keys
from grader.judge.validation.objects import (
    INPUT_DTYPES,
    check_options,
    refuse_foreign,
    variable_bytes,
)

FUNCTIONAL = ("keras.src.models.functional", "Functional")
SEQUENTIAL = ("keras", "Sequential")
_ENTRY_KEYS = frozenset(
    {
        "module",
        "class_name",
        "config",
        "registered_name",
        "build_config",
        "compile_config",
        "name",
        "inbound_nodes",
    }
)
_INPUT_KEYS = frozenset(
    {"batch_shape", "batch_input_shape", "dtype", "sparse", "ragged", "name", "optional"}
)
_MODEL_KEYS = frozenset(
    {"name", "trainable", "dtype", "layers", "input_layers", "output_layers", "build_input_shape"}
)
_TOP_KEYS = frozenset({"module", "class_name", "config", "registered_name", "build_config"})
_KERAS_TENSOR = "__keras_tensor__"
_MAX_RANK = 8
_MAX_DIMENSION = 2**31


@dataclass(frozen=True)
class WeightSet:
    """The weights one layer keeps in ``model.weights.h5``.

    Attributes:
        path: the layer's group in the HDF5 file, e.g. ``layers/conv2d_3``; its weights are the
            datasets ``<path>/vars/0``, ``<path>/vars/1``, ...
        layer: the layer's name, for messages.
        shapes: each weight's shape, in Keras's order.
        itemsize: bytes per value.
    """

    path: str
    layer: str
    shapes: tuple[tuple[int, ...], ...]
    itemsize: int

    @property
    def nbytes(self) -> int:
        """Bytes of all the layer's weights."""
        return sum(math.prod(shape) for shape in self.shapes) * self.itemsize


@dataclass
class Architecture:
    """What the configuration declares, measured.

    Attributes:
        weight_sets: every layer with weights, nested models' included.
        layer_paths: the HDF5 group of every layer, with or without weights.
        layer_count: layers and operations in the configuration, nested ones included.
        largest_tensor: the most values one tensor holds for one example (0 when none is known).
        total_elements: the values all tensors hold together for one example.
        inputs: the model's input shapes.
        outputs: the model's output shapes.
    """

    weight_sets: list[WeightSet] = field(default_factory=list)
    layer_paths: set[str] = field(default_factory=set)
    layer_count: int = 0
    largest_tensor: int = 0
    total_elements: int = 0
    inputs: list[Shape] = field(default_factory=list)
    outputs: list[Shape] = field(default_factory=list)

    @property
    def parameters(self) -> int:
        """The number of values in all weights."""
        return sum(math.prod(s) for ws in self.weight_sets for s in ws.shapes)

    @property
    def weight_bytes(self) -> int:
        """Bytes of all weights."""
        return sum(ws.nbytes for ws in self.weight_sets)

    @property
    def weight_count(self) -> int:
        """The number of weight tensors."""
        return sum(len(ws.shapes) for ws in self.weight_sets)


def snake_case(class_name: str) -> str:
    """Returns the name Keras files a layer's weights under, e.g. ``ReLU`` -> ``re_lu``."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def read_architecture(config: object, caps: Caps = DEFAULT_CAPS) -> Architecture:
    """Reads a parsed ``config.json`` and measures the model it declares.

    Args:
        config: the parsed JSON.
        caps: the limits in force.

    Returns:
        The architecture.

    Raises:
        ModelFileError: if anything in it is not allowed, is malformed, or is over a cap.
    """
    if not isinstance(config, dict):
        raise ModelFileError("config.json does not hold a model (it is not a JSON object)")
    unknown = sorted(set(config) - _TOP_KEYS - {"compile_config"})
    if unknown:
        raise ModelFileError(f"config.json has entries a Keras model file has not: {unknown}")
    # compile_config is dropped unread: the judge loads models with compile=False.
    reader = _Reader(caps)
    model = reader.model(config, prefix="", depth=0)
    architecture = reader.architecture
    architecture.inputs = model.declared_inputs()
    architecture.outputs, weights = model.run(architecture.inputs)
    architecture.weight_sets = sorted(weights.values(), key=lambda ws: ws.path)
    if architecture.parameters > caps.parameters:
        raise ModelFileError(
            f"the model declares {architecture.parameters:,} parameters; the grader loads at most "
            f"{caps.parameters:,} (this notebook's ResNet-50 has about 23.6 million)"
        )
    return architecture


class _Reader:
    """Walks one configuration, counting layers and tensor sizes against the caps."""

    def __init__(self, caps: Caps):
        self.caps = caps
        self.architecture = Architecture()
        self.node_runs = 0

    def model(self, entry: dict, prefix: str, depth: int) -> _Model:
        if depth > self.caps.nesting:
            raise ModelFileError(f"models are nested more than {self.caps.nesting} deep")
        _expect_names(entry)
        key = (entry.get("module"), entry.get("class_name"))
        registered = entry.get("registered_name")
        if key not in (FUNCTIONAL, SEQUENTIAL) or registered not in (None, key[1]):
            refuse_foreign(key[1], key[0], registered)
        config = _dict(entry.get("config"), "the model's config")
        unknown = sorted(set(config) - _MODEL_KEYS)
        if unknown:
            raise ModelFileError(f"the model {config.get('name')!r} has unknown entries {unknown}")
        self.architecture.layer_paths.add(prefix)
        if key == FUNCTIONAL:
            return _Functional(self, entry, config, prefix, depth)
        return _Sequential(self, entry, config, prefix, depth)

    def layer(self, entry: dict, depth: int) -> tuple[str, object]:
        """Classifies one entry of a model's layer list: ``input``, ``layer``, ``op`` or ``model``.

        Returns:
            The kind, and the kind's description (a LayerKind, or None).
        """
        self.architecture.layer_count += 1
        if self.architecture.layer_count > self.caps.layers:
            raise ModelFileError(f"the model has more than {self.caps.layers} layers")
        if not isinstance(entry, dict):
            raise ModelFileError("a layer of the model is not a JSON object")
        unknown = sorted(set(entry) - _ENTRY_KEYS)
        if unknown:
            raise ModelFileError(f"a layer entry has unknown keys {unknown}")
        _expect_names(entry)
        if entry.get("compile_config") not in (None, {}):
            # Keras would compile a nested model, rebuilding its optimizer and losses.
            raise ModelFileError("a model nested in the model carries a training configuration")
        module, class_name = entry.get("module"), entry.get("class_name")
        registered = entry.get("registered_name")
        if (module, class_name) in (FUNCTIONAL, SEQUENTIAL):
            return "model", None
        if module == LAYERS_MODULE and class_name == "InputLayer" and registered is None:
            return "input", None
        if module == LAYERS_MODULE and class_name in LAYERS and registered in (None, class_name):
            return "layer", LAYERS[class_name]
        if (module, class_name) in OPERATIONS and registered in (None, class_name):
            return "op", OPERATIONS[(module, class_name)]
        refuse_foreign(class_name, module, registered)

    def count_tensors(self, shapes: list[Shape], where: str) -> None:
        self.node_runs += 1
        if self.node_runs > 4 * self.caps.layers:
            raise ModelFileError("the model's graph calls its layers too many times to check")
        for shape in shapes:
            if any(d is None for d in shape[1:]):
                continue
            size = math.prod(shape[1:])
            if size > self.caps.tensor_elements:
                raise ModelFileError(
                    f"{where} makes a tensor of shape {shape}, {size:,} values per example; the "
                    f"grader loads models whose tensors hold at most {self.caps.tensor_elements:,} "
                    "(a 64×64×3 image holds 12,288)"
                )
            self.architecture.largest_tensor = max(self.architecture.largest_tensor, size)
            self.architecture.total_elements += size
            if self.architecture.total_elements > self.caps.total_elements:
                raise ModelFileError(
                    f"the model's tensors hold more than {self.caps.total_elements:,} values per "
                    "example together"
                )


@dataclass
class _Layer:
    """One entry of a model's layer list, read."""

    name: str
    class_name: str
    kind: str
    description: object
    config: dict
    path: str | None
    itemsize: int
    build_shapes: list[Shape] | None
    nodes: list = field(default_factory=list)
    submodel: object = None


class _Model:
    """A functional or sequential model's layer list, read once and run on given input shapes."""

    def __init__(self, reader: _Reader, entry: dict, config: dict, prefix: str, depth: int):
        self.reader = reader
        self.entry = entry
        self.name = str(config.get("name", ""))
        self.prefix = prefix
        self.depth = depth
        raw = config.get("layers")
        if not isinstance(raw, list) or not raw:
            raise ModelFileError(f"the model {self.name!r} lists no layers")
        self.layers: list[_Layer] = []
        used: dict[str, int] = {}
        for item in raw:
            kind, description = reader.layer(item, depth)
            layer_config = _dict(item.get("config"), "a layer's config")
            class_name = item["class_name"]
            name = layer_config.get("name", item.get("name"))
            if not isinstance(name, str) or (item.get("name") not in (None, name)):
                raise ModelFileError(f"a {class_name} layer has no consistent name")
            where = f"layer {name!r} ({class_name})"
            path = None
            if kind != "op" and not (kind == "input" and self.skips_inputs):
                path = self._unique_path(snake_case(class_name), used)
            itemsize = 4
            if kind == "model":
                submodel = reader.model(item, path, depth + 1)
            else:
                submodel = None
                with _context(where):
                    self._check_options(kind, description, layer_config)
                    itemsize = variable_bytes(layer_config.get("dtype"))
            if path is not None:
                reader.architecture.layer_paths.add(path)
            with _context(where):
                build = _build_shapes(item.get("build_config"))
            layer = _Layer(name, class_name, kind, description, layer_config, path, itemsize, build)
            layer.submodel = submodel
            layer.nodes = item.get("inbound_nodes", [])
            if not isinstance(layer.nodes, list) or len(layer.nodes) > 64:
                raise ModelFileError(f"{where} lists too many or malformed inbound nodes")
            self.layers.append(layer)

    skips_inputs = False

    def _unique_path(self, base: str, used: dict[str, int]) -> str:
        if base in used:
            used[base] += 1
            base = f"{base}_{used[base]}"
        else:
            used[base] = 0
        return f"{self.prefix}/layers/{base}".lstrip("/")

    def _check_options(self, kind: str, description, config: dict) -> None:
        caps = self.reader.caps
        if kind == "input":
            unknown = sorted(set(config) - _INPUT_KEYS)
            if unknown:
                raise ModelFileError(f"it has options an input does not take: {unknown}")
            dtype = config.get("dtype", "float32")
            if not isinstance(dtype, str) or dtype not in INPUT_DTYPES:
                raise ModelFileError(f"its dtype {config.get('dtype')!r} is not a number type")
            for option in ("sparse", "ragged", "optional"):
                if config.get(option, False) is not False:
                    raise ModelFileError(f"{option} inputs are not supported")
            return
        check_keys(description, config)
        for key, value in config.items():
            check_options(value, key, 0, caps.config_depth)

    def call(self, layer: _Layer, inputs: list[Shape], weights: dict) -> list[Shape]:
        """Runs one layer on input shapes: records its weights, returns its output shapes."""
        where = f"layer {layer.name!r} ({layer.class_name})"
        if layer.kind == "model":
            built = layer.submodel.build_weights()
            outputs, used = layer.submodel.run(inputs)
            if used != built:
                raise ModelFileError(
                    f"{where} is called on inputs of shape {inputs} that do not fit its weights"
                )
            weights.update(used)
        else:
            with _context(where):
                outputs, shapes = layer.description.rule(layer.config, inputs)
                if layer.build_shapes is not None:
                    _, built = layer.description.rule(layer.config, layer.build_shapes)
                    if built != shapes:
                        raise ModelFileError(
                            f"it is built for inputs of shape {layer.build_shapes} but called on "
                            f"{inputs}"
                        )
            if shapes:
                ws = WeightSet(layer.path, layer.name, tuple(shapes), layer.itemsize)
                if weights.setdefault(layer.path, ws) != ws:
                    raise ModelFileError(f"{where} is called twice on inputs of different sizes")
        self.reader.count_tensors(outputs, where)
        return outputs

    def build_weights(self) -> dict:
        """The weights Keras creates when it rebuilds this model from its own declared inputs."""
        if not hasattr(self, "_built"):
            self._built = self.run(self.declared_inputs())[1]
        return self._built

    def unbuilt_weights(self, weights: dict) -> None:
        """Adds the weights of layers that are built from their build_config but never called."""
        for layer in self.layers:
            if layer.kind == "layer" and not layer.nodes and layer.build_shapes is not None:
                with _context(f"layer {layer.name!r} ({layer.class_name})"):
                    _, shapes = layer.description.rule(layer.config, layer.build_shapes)
                if shapes:
                    weights[layer.path] = WeightSet(
                        layer.path, layer.name, tuple(shapes), layer.itemsize
                    )

    def declared_inputs(self) -> list[Shape]:
        raise NotImplementedError

    def run(self, inputs: list[Shape]) -> tuple[list[Shape], dict]:
        raise NotImplementedError


class _Functional(_Model):
    """A functional model: layers connected by the tensors their inbound nodes name."""

    def __init__(self, reader, entry, config, prefix, depth):
        super().__init__(reader, entry, config, prefix, depth)
        self.by_name = {}
        for layer in self.layers:
            if layer.name in self.by_name:
                raise ModelFileError(f"two layers of the model are named {layer.name!r}")
            self.by_name[layer.name] = layer
        self.input_refs = _refs(config.get("input_layers"), "input_layers")
        self.output_refs = _refs(config.get("output_layers"), "output_layers")
        for name, node, _ in self.input_refs:
            if self.by_name.get(name) is None or self.by_name[name].kind != "input" or node != 0:
                raise ModelFileError(f"the model's input {name!r} is not one of its Input layers")

    def declared_inputs(self) -> list[Shape]:
        return [_input_shape(self.by_name[name].config) for name, _, _ in self.input_refs]

    def run(self, inputs: list[Shape]) -> tuple[list[Shape], dict]:
        declared = self.declared_inputs()
        if len(inputs) != len(declared):
            raise ModelFileError(
                f"the model {self.name!r} takes {len(declared)} inputs, but is given {len(inputs)}"
            )
        produced: dict[tuple[str, int], list[Shape]] = {}
        for (name, _, _), given, own in zip(self.input_refs, inputs, declared, strict=True):
            _expect_compatible(given, own, f"the input {name!r}")
            self.reader.count_tensors([given], f"the input {name!r}")
            produced[(name, 0)] = [given]
        for layer in self.layers:
            if layer.kind == "input" and (layer.name, 0) not in produced:
                produced[(layer.name, 0)] = [_input_shape(layer.config)]
        weights: dict = {}
        waiting = [
            (layer, index, node)
            for layer in self.layers
            if layer.kind != "input"
            for index, node in enumerate(layer.nodes)
        ]
        # Nodes may be listed before the nodes they read from: run whatever is ready until nothing
        # is left, or nothing more can run (a reference to a missing layer, or a cycle).
        while waiting:
            still = []
            for layer, index, node in waiting:
                refs = _node_inputs(node, f"layer {layer.name!r}")
                if all((name, n) in produced for name, n, _ in refs):
                    shapes = [_pick(produced[(name, n)], t, name) for name, n, t in refs]
                    produced[(layer.name, index)] = self.call(layer, shapes, weights)
                else:
                    still.append((layer, index, node))
            if len(still) == len(waiting):
                missing = sorted(
                    {name for _, _, node in still for name, _, _ in _node_inputs(node, "")}
                    - {name for name, _ in produced}
                )
                raise ModelFileError(
                    "the model's layers read tensors no layer makes (from "
                    f"{', '.join(repr(m) for m in missing) or 'a cycle'})"
                )
            waiting = still
        self.unbuilt_weights(weights)
        outputs = []
        for name, node, tensor in self.output_refs:
            if isinstance(getattr(self.by_name.get(name), "submodel", None), _Functional):
                # Keras numbers a nested functional model's output nodes from 1 (its own
                # construction was node 0) and loads them one lower; a layer's argument tensors
                # keep the node's own index.
                node -= 1
            if (name, node) not in produced:
                raise ModelFileError(f"the model's output names layer {name!r}, which it lacks")
            outputs.append(_pick(produced[(name, node)], tensor, name))
        return outputs, weights


class _Sequential(_Model):
    """A sequential model: each layer applied to the previous one's output."""

    skips_inputs = True

    def __init__(self, reader, entry, config, prefix, depth):
        super().__init__(reader, entry, config, prefix, depth)
        self.input_layer = self.layers[0] if self.layers[0].kind == "input" else None
        self.build_input = config.get("build_input_shape")
        if any(layer.kind == "input" for layer in self.layers[1:]):
            raise ModelFileError(f"the sequential model {self.name!r} has an Input in its middle")

    def declared_inputs(self) -> list[Shape]:
        if self.input_layer is not None:
            return [_input_shape(self.input_layer.config)]
        build_config = self.entry.get("build_config")
        built = build_config.get("input_shape") if isinstance(build_config, dict) else None
        for candidate in (self.build_input, built):
            if candidate is not None:
                return [_shape(candidate, "the sequential model's input shape")]
        raise ModelFileError(f"the sequential model {self.name!r} declares no input shape")

    def run(self, inputs: list[Shape]) -> tuple[list[Shape], dict]:
        if len(inputs) != 1:
            raise ModelFileError(f"the sequential model {self.name!r} takes one input")
        _expect_compatible(inputs[0], self.declared_inputs()[0], "the sequential model's input")
        weights: dict = {}
        shapes = inputs
        for layer in self.layers:
            if layer.kind != "input":
                shapes = self.call(layer, shapes, weights)
        return shapes, weights


class _context:
    """Prefixes a refusal raised inside it with the layer it concerns."""

    def __init__(self, where: str):
        self.where = where

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if isinstance(value, ModelFileError) and not str(value).startswith(("layer ", "the model")):
            raise ModelFileError(f"{self.where}: {value}") from None
        return False


def _expect_names(entry: dict) -> None:
    """Refuses an entry whose module, class or registered name is not text."""
    for key in ("module", "class_name", "registered_name"):
        if not isinstance(entry.get(key), (str, type(None))):
            raise ModelFileError(f"a layer's {key} is not text")


def _dict(value: object, what: str) -> dict:
    if not isinstance(value, dict):
        raise ModelFileError(f"{what} is not a JSON object")
    return value


def _shape(value: object, what: str) -> Shape:
    if isinstance(value, dict) and value.get("class_name") == "__tuple__":
        value = (value.get("config") or {}).get("value")
    if not isinstance(value, list) or not 1 <= len(value) <= _MAX_RANK:
        raise ModelFileError(f"{what} is not a shape")
    for size in value:
        if size is not None and (
            isinstance(size, bool) or not isinstance(size, int) or not 0 <= size < _MAX_DIMENSION
        ):
            raise ModelFileError(f"{what} has a dimension {size!r}")
    return tuple(value)


def _input_shape(config: dict) -> Shape:
    value = config.get("batch_shape", config.get("batch_input_shape"))
    return _shape(value, f"the input {config.get('name')!r}'s shape")


def _build_shapes(build_config: object) -> list[Shape] | None:
    if build_config is None:
        return None
    value = _dict(build_config, "a build_config").get("input_shape")
    if value is None:
        return None
    if isinstance(value, list) and value and all(isinstance(item, list) for item in value):
        return [_shape(item, "its build input shape") for item in value]
    return [_shape(value, "its build input shape")]


def _expect_compatible(given: Shape, own: Shape, what: str) -> None:
    if len(given) != len(own) or any(
        o is not None and g is not None and o != g for g, o in zip(given[1:], own[1:], strict=True)
    ):
        raise ModelFileError(f"{what} has shape {own}, but is given {given}")


def _refs(value: object, what: str) -> list[tuple[str, int, int]]:
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ModelFileError(f"the model's {what} are malformed")
    return [_ref(item, what) for item in value]


def _ref(item: object, what: str) -> tuple[str, int, int]:
    if (
        not isinstance(item, list)
        or len(item) != 3
        or not isinstance(item[0], str)
        or any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < 4096 for i in item[1:])
    ):
        raise ModelFileError(f"the model's {what} name a tensor malformed: {item!r}")
    return item[0], item[1], item[2]


def _node_inputs(node: object, where: str) -> list[tuple[str, int, int]]:
    """The tensors one inbound node reads, in order; scalars among its arguments are allowed."""
    if not isinstance(node, dict) or set(node) - {"args", "kwargs"}:
        raise ModelFileError(f"{where} has a malformed inbound node")
    refs: list[tuple[str, int, int]] = []
    pending = [node.get("args", [])]
    while pending:
        value = pending.pop(0)
        if isinstance(value, list):
            pending[:0] = value
        elif isinstance(value, dict) and value.get("class_name") == _KERAS_TENSOR:
            config = _dict(value.get("config"), "a tensor reference")
            refs.append(_ref(config.get("keras_history"), "inbound nodes"))
        elif not (value is None or isinstance(value, (int, float, bool))):
            raise ModelFileError(f"{where} is called on something that is not a tensor or number")
    kwargs = node.get("kwargs", {})
    if not isinstance(kwargs, dict) or not all(
        value is None or isinstance(value, (bool, int, float, str)) for value in kwargs.values()
    ):
        raise ModelFileError(f"{where} is called with keyword arguments that are not plain values")
    if not refs:
        raise ModelFileError(f"{where} is called on no tensor")
    return refs


def _pick(shapes: list[Shape], index: int, name: str) -> Shape:
    if index >= len(shapes):
        raise ModelFileError(f"layer {name!r} has no output number {index}")
    return shapes[index]
