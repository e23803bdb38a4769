"""The device the Keras backend trains on: a GPU when the backend sees one, otherwise the CPU."""

from __future__ import annotations

import dataclasses
import os


@dataclasses.dataclass(frozen=True)
class Device:
    """The device the Keras backend will train on.

    Attributes:
        kind: "GPU" or "CPU".
        name: A human-readable description, e.g. "1 GPU (NVIDIA H100)" or "CPU (2 cores)".
    """

    kind: str
    name: str

    @property
    def is_gpu(self) -> bool:
        """True when at least one GPU is visible to the backend."""
        return self.kind == "GPU"


def gpu_device(names: list[str]) -> Device:
    """Describes the GPUs a backend found.

    Args:
        names: One name per GPU, e.g. ["NVIDIA H100", "NVIDIA H100"].

    Returns:
        A GPU `Device` naming how many GPUs there are and their distinct models.
    """
    return Device("GPU", f"{len(names)} GPU ({', '.join(sorted(set(names)))})")


def cpu_device() -> Device:
    """The CPU, with its number of cores."""
    return Device("CPU", f"CPU ({os.cpu_count()} cores)")


def detect_device(backend: str | None = None) -> Device:
    """Finds the device the Keras backend will use.

    Args:
        backend: "tensorflow", "jax" or "torch"; Keras's configured backend when None.

    Returns:
        A `Device`: the GPUs when the backend sees any, otherwise the CPU.
    """
    if backend is None:
        import keras

        backend = keras.config.backend()
    names = {"tensorflow": _tensorflow_gpus, "jax": _jax_gpus, "torch": _torch_gpus}.get(
        backend, lambda: []
    )()
    return gpu_device(names) if names else cpu_device()


def _tensorflow_gpus() -> list[str]:
    import tensorflow as tf

    return [
        tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
        for gpu in tf.config.list_physical_devices("GPU")
    ]


def _jax_gpus() -> list[str]:
    import jax

    # A CPU-only jaxlib has no GPU platform at all; jax.devices() then lists the CPU.
    return [device.device_kind for device in jax.devices() if device.platform == "gpu"]


def _torch_gpus() -> list[str]:
    import torch

    if not torch.cuda.is_available():
        return []
    return [torch.cuda.get_device_name(index) for index in range(torch.cuda.device_count())]
