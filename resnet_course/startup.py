"""Start Keras on the backend chosen the Keras way, and say which backend and device it uses.

The backend comes from `KERAS_BACKEND`, or else from ``~/.keras/keras.json``, TensorFlow being
Keras's default. Whichever it is, the start goes through `tensorflow_startup.filtered_stderr`,
which keeps TensorFlow's C++ start-up notices out of the notebook and every other line in it:
TensorFlow is imported there on every backend where it is installed, since Keras's
`set_random_seed` imports it anyway.
"""

from __future__ import annotations

import importlib
import importlib.util
import os

from resnet_course.device import Device, detect_device
from resnet_course.tensorflow_startup import filtered_stderr


def startup_line(keras_version: str, backend: str, device: Device) -> str:
    """The line `start_keras` prints, e.g. "Keras 3.15.1 on jax; device: CPU (2 cores)"."""
    return f"Keras {keras_version} on {backend}; device: {device.name}"


def start_keras() -> Device:
    """Imports Keras and its backend, finds the device, and prints both.

    TensorFlow's later INFO lines (from XLA, say) are kept out too, through
    `TF_CPP_MIN_LOG_LEVEL=1`, unless the variable is set already; warnings and errors still show.

    Returns:
        The `Device` the backend will train on.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    with filtered_stderr():
        keras = importlib.import_module("keras")
        backend = keras.config.backend()
        if importlib.util.find_spec("tensorflow") is not None:
            # keras.utils.set_random_seed seeds TensorFlow too wherever it is installed, whatever
            # the backend: imported later, it would print its notices into the notebook.
            importlib.import_module("tensorflow")
        device = detect_device(backend)
    print(startup_line(keras.__version__, backend, device), flush=True)
    return device
