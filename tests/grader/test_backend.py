"""The grader runs on its caller's Keras backend, with every backend's threads capped alike."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.pipeline.backend import keras_backend, thread_environment
from grader.pipeline.child_process import sandboxed_python_environment
from grader.pipeline.errors import GradingError


def test_tensorflow_is_the_backend_when_the_caller_names_none(monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert keras_backend() == "tensorflow"


def test_the_callers_backend_reaches_the_sandboxed_processes(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert sandboxed_python_environment(tmp_path)["KERAS_BACKEND"] == "jax"


def test_a_backend_the_grader_does_not_run_on_is_refused_by_name(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_BACKEND", "numpy")
    with pytest.raises(GradingError, match="KERAS_BACKEND='numpy'.*tensorflow, jax, torch"):
        sandboxed_python_environment(tmp_path)


def test_thread_caps_set_the_variable_each_backend_reads():
    assert thread_environment(3) == {
        "TF_NUM_INTRAOP_THREADS": "3",
        "TF_NUM_INTEROP_THREADS": "3",
        "OMP_NUM_THREADS": "3",
        "PJRT_NPROC": "3",
    }


def test_a_batch_gradings_thread_caps_reach_the_sandboxed_processes(monkeypatch, tmp_path):
    for name, value in thread_environment(2).items():
        monkeypatch.setenv(name, value)
    environment = sandboxed_python_environment(tmp_path)
    assert {name: environment.get(name) for name in thread_environment(2)} == thread_environment(2)


# Multiplies matrices and runs a convolution on the backend for a second and a half, then prints how
# many threads did at least a quarter of the busiest thread's work.
WORKING_THREADS = """
import os, time
import keras, numpy as np

def ticks():
    found = {}
    for task in os.listdir("/proc/self/task"):
        try:
            fields = open(f"/proc/self/task/{task}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[task] = int(fields[11]) + int(fields[12])
    return found

matrix = keras.ops.convert_to_tensor(np.random.rand(1200, 1200).astype("float32"))
conv = keras.layers.Conv2D(64, 3, padding="same")
images = np.random.rand(16, 64, 64, 32).astype("float32")
keras.ops.convert_to_numpy(keras.ops.stop_gradient(conv(images)))
before, started = ticks(), time.monotonic()
while time.monotonic() - started < 1.5:
    keras.ops.convert_to_numpy(keras.ops.matmul(matrix, matrix))
    keras.ops.convert_to_numpy(keras.ops.stop_gradient(conv(images)))
after = ticks()
work = [after[task] - before.get(task, 0) for task in after]
print(sum(w >= 0.25 * max(work) for w in work))
"""


@pytest.mark.every_backend
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: nothing to cap")
def test_thread_caps_hold_the_backend_to_one_working_thread():
    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **thread_environment(1))
    done = subprocess.run(
        [sys.executable, "-c", WORKING_THREADS],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        cwd=Path(__file__).parent,
        check=True,
    )
    assert done.stdout.split()[-1] == "1"
