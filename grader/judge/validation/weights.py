"""Checks ``model.weights.h5`` against the architecture, reading only its structure.

Every dataset must be a weight the configuration declares, with exactly the declared shape, or an
optimizer's state for such a weight; nothing may link elsewhere (soft links, links to other files,
external raw storage, virtual datasets), and no dataset may be compressed or of a type that is not a
number. No weight value is read.
"""

from __future__ import annotations

import math
from typing import BinaryIO

import h5py

from grader.judge.validation.architecture import Architecture
from grader.judge.validation.caps import DEFAULT_CAPS, Caps
from grader.judge.validation.errors import ModelFileError

WEIGHTS_ENTRY = "model.weights.h5"
OPTIMIZER_GROUP = "optimizer"
# Attributes Keras writes: a layer's name on its ``vars`` group, bfloat16 marked on a dataset.
_GROUP_ATTRIBUTES = frozenset({"name"})
_DATASET_ATTRIBUTES = {"dtype": "bfloat16"}
_NUMBER_KINDS = "fiu"


def check_weights(handle: BinaryIO, architecture: Architecture, caps: Caps = DEFAULT_CAPS) -> None:
    """Checks an HDF5 weights file against the architecture its configuration declares.

    Args:
        handle: the weights file, open for reading (seekable).
        architecture: what the configuration declares.
        caps: the limits in force.

    Raises:
        ModelFileError: if the file is not HDF5, links anywhere, or holds data the model does not
            declare.
    """
    try:
        h5 = h5py.File(handle, "r")
    except OSError as exc:
        raise ModelFileError(f"{WEIGHTS_ENTRY} is not a readable HDF5 file ({exc})") from None
    try:
        with h5:
            datasets = _datasets(h5, architecture)
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(f"{WEIGHTS_ENTRY} could not be read as weights ({exc})") from None
    _expect_declared(datasets, architecture, caps)


def _datasets(h5: h5py.File, architecture: Architecture) -> dict[str, tuple[int, ...]]:
    """Walks every link from the root; returns each dataset's path and shape."""
    limit = 8 + 4 * (architecture.layer_count + architecture.weight_count * 4)
    found: dict[str, tuple[int, ...]] = {}
    seen_objects = set()
    pending: list[tuple[str, h5py.Group]] = [("", h5)]
    visited = 0
    while pending:
        prefix, group = pending.pop()
        _expect_attributes(group, prefix or "/", _GROUP_ATTRIBUTES)
        for name in group:
            visited += 1
            if visited > limit:
                raise ModelFileError(f"{WEIGHTS_ENTRY} holds far more objects than the model has")
            path = f"{prefix}/{name}".lstrip("/")
            link = group.get(name, getlink=True)
            if not isinstance(link, h5py.HardLink):
                kind = "a link to another file" if isinstance(link, h5py.ExternalLink) else "a link"
                raise ModelFileError(
                    f"{WEIGHTS_ENTRY} has {kind} at {path!r}; a Keras weights file has none"
                )
            item = group.get(name)
            address = item.id.__hash__()
            if address in seen_objects:
                raise ModelFileError(f"{WEIGHTS_ENTRY} reaches one object twice (at {path!r})")
            seen_objects.add(address)
            if isinstance(item, h5py.Group):
                pending.append((path, item))
            elif isinstance(item, h5py.Dataset):
                found[path] = _dataset_shape(item, path)
            else:
                raise ModelFileError(f"{WEIGHTS_ENTRY} holds {type(item).__name__} at {path!r}")
    return found


def _dataset_shape(dataset: h5py.Dataset, path: str) -> tuple[int, ...]:
    _expect_attributes(dataset, path, _DATASET_ATTRIBUTES)
    if dataset.is_virtual:
        raise ModelFileError(f"{WEIGHTS_ENTRY}: {path!r} is a virtual dataset made of other files")
    if dataset.external:
        raise ModelFileError(f"{WEIGHTS_ENTRY}: {path!r} keeps its values in another file")
    if dataset.id.get_create_plist().get_nfilters():
        raise ModelFileError(f"{WEIGHTS_ENTRY}: {path!r} is compressed; Keras writes weights plain")
    dtype = dataset.dtype
    if dtype.kind not in _NUMBER_KINDS or dtype.itemsize > 8 or dtype.fields or dtype.subdtype:
        raise ModelFileError(f"{WEIGHTS_ENTRY}: {path!r} holds {dtype}, not numbers")
    if dataset.shape is None:
        raise ModelFileError(f"{WEIGHTS_ENTRY}: {path!r} has no shape")
    return tuple(int(size) for size in dataset.shape)


def _expect_attributes(item, path: str, allowed) -> None:
    names = list(item.attrs.keys())
    extra = [name for name in names if name not in allowed]
    if extra:
        raise ModelFileError(f"{WEIGHTS_ENTRY}: {path!r} carries unexpected attributes {extra}")
    if isinstance(allowed, dict):
        for name in names:
            if item.attrs[name] != allowed[name]:
                raise ModelFileError(f"{WEIGHTS_ENTRY}: {path!r} has attribute {name} of odd value")


def _expect_declared(
    datasets: dict[str, tuple[int, ...]], architecture: Architecture, caps: Caps
) -> None:
    expected = {
        f"{ws.path}/vars/{index}": (shape, ws.layer)
        for ws in architecture.weight_sets
        for index, shape in enumerate(ws.shapes)
    }
    weight_shapes = {shape for shape, _ in expected.values()}
    optimizer = []
    for path, shape in datasets.items():
        if path in expected:
            declared, layer = expected.pop(path)
            if shape != declared:
                raise ModelFileError(
                    f"{WEIGHTS_ENTRY} holds a weight of shape {shape} for layer {layer!r}, which "
                    f"declares {declared}: the weights do not belong to this model"
                )
        elif path.startswith(f"{OPTIMIZER_GROUP}/vars/") and shape in weight_shapes | {()}:
            optimizer.append(path)
        else:
            size = math.prod(shape)
            raise ModelFileError(
                f"{WEIGHTS_ENTRY} holds {path!r} (shape {shape}, {size:,} values), which no layer "
                "of the model declares"
            )
    if len(optimizer) > caps.optimizer_slots * architecture.weight_count + 8:
        raise ModelFileError(f"{WEIGHTS_ENTRY} holds more optimizer state than any optimizer keeps")
    if expected:
        path, (shape, layer) = sorted(expected.items())[0]
        raise ModelFileError(
            f"{WEIGHTS_ENTRY} has no weights for layer {layer!r} (expected {path!r} of shape "
            f"{shape}); {len(expected)} weights are missing"
        )
