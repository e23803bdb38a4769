"""The producer and the judge start Keras on TensorFlow without loading JAX."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed (make env installs it)"
)
IMPORT_KERAS = "from grader.sandboxed.keras_import import import_keras; keras = import_keras(); "


def _printed(code: str, backend: str = "tensorflow") -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "KERAS_BACKEND": backend},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.split()


def test_plain_import_of_keras_on_tensorflow_loads_jax():
    # What import_keras avoids; when TensorFlow stops probing for JAX, the helper can go.
    assert _printed("import sys, keras; print(keras.config.backend(), 'jax' in sys.modules)") == [
        "tensorflow",
        "True",
    ]


def test_import_keras_on_tensorflow_leaves_jax_unloaded():
    code = IMPORT_KERAS + "import sys; print(keras.config.backend(), 'jax' in sys.modules)"
    assert _printed(code) == ["tensorflow", "False"]


def test_jax_still_imports_after_keras_started_without_it():
    code = IMPORT_KERAS + "import jax.numpy as jnp; print(int(jnp.ones(3).sum()))"
    assert _printed(code) == ["3"]


def test_import_keras_on_jax_runs_on_jax():
    assert _printed(IMPORT_KERAS + "print(keras.config.backend())", backend="jax") == ["jax"]
