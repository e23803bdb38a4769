"""Imports Keras in a grading process without TensorFlow's probe for JAX.

``import tensorflow`` imports its TFLite converter, which imports JAX whenever JAX is installed,
only to keep ``jax.jit`` for converting JAX functions, a path grading never takes. Where the JAX
backend is installed beside TensorFlow (``make env`` installs it), that probe costs each producer
and each judge process about 0.6 s on 2 cores, about a sixth of its Keras start.
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType


def import_keras() -> ModuleType:
    """Imports and returns ``keras``; on TensorFlow, with JAX hidden during that import only.

    Code that imports JAX afterwards gets it as usual; TensorFlow's converter simply records that
    JAX was unavailable when it started.

    Returns:
        The ``keras`` module.
    """
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend != "tensorflow" or "keras" in sys.modules or "jax" in sys.modules:
        return importlib.import_module("keras")
    sys.modules["jax"] = None
    try:
        return importlib.import_module("keras")
    finally:
        if sys.modules.get("jax", False) is None:
            del sys.modules["jax"]
