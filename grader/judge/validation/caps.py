"""How large a model file, its parts and the model it describes may be before it is refused."""

from __future__ import annotations

from dataclasses import dataclass

from grader.sandboxed.contract import TRAINED_MODEL_MAX_BYTES


@dataclass(frozen=True)
class Caps:
    """Limits a ``.keras`` file must stay within to be loaded.

    The weights entry's limit is not here: it is derived from the architecture the configuration
    declares (see :func:`weights_entry_cap`).

    Attributes:
        file_bytes: the whole file on disk.
        config_bytes: ``config.json``, uncompressed (a ResNet-50's takes about 170 KB).
        metadata_bytes: ``metadata.json``, uncompressed (Keras writes about 64 bytes).
        compression_ratio: how many times its stored size an entry may expand to (Keras stores its
            entries uncompressed; a decompression bomb expands about a thousandfold).
        parameters: the model's parameter count (ResNet-50 has 23.6 million).
        tensor_elements: the values one tensor of the graph holds for one example.
        total_elements: the values all tensors of the graph hold together for one example.
        layers: layers and operations in the whole configuration, nested models included.
        nesting: models nested within models.
        config_depth: how deeply the configuration's JSON may nest.
        optimizer_slots: values an optimizer may keep per weight (Adam with AMSGrad keeps three).
        h5_overhead_bytes: the HDF5 file's own bookkeeping beyond the weights, plus
            ``h5_bytes_per_object`` for each layer.
        h5_bytes_per_object: see ``h5_overhead_bytes``.
    """

    file_bytes: int = TRAINED_MODEL_MAX_BYTES
    config_bytes: int = 8 * 2**20
    metadata_bytes: int = 64 * 2**10
    compression_ratio: float = 100.0
    parameters: int = 100_000_000
    tensor_elements: int = 2**22
    total_elements: int = 2**26
    layers: int = 4000
    nesting: int = 8
    config_depth: int = 64
    optimizer_slots: int = 3
    h5_overhead_bytes: int = 2**20
    h5_bytes_per_object: int = 16 * 2**10


DEFAULT_CAPS = Caps()


def weights_entry_cap(weight_bytes: int, weight_count: int, layer_count: int, caps: Caps) -> int:
    """Returns the largest ``model.weights.h5`` the declared architecture can explain.

    Args:
        weight_bytes: bytes of the model's weights, computed from the configuration.
        weight_count: the model's weight tensors.
        layer_count: the model's layers.
        caps: the limits in force.

    Returns:
        The weights plus an optimizer's state for each of them, plus HDF5's bookkeeping.
    """
    objects = layer_count + weight_count * (1 + caps.optimizer_slots) + 8
    return (
        weight_bytes * (1 + caps.optimizer_slots)
        + caps.h5_overhead_bytes
        + objects * caps.h5_bytes_per_object
    )


def describe_bytes(count: int) -> str:
    """Returns a byte count in words, e.g. ``4.0 GiB``, ``12 KiB``, ``300 bytes``."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= size:
            value = count / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{count} bytes"
