"""The Keras backend the producer and the judge run on, and the variables that cap their threads.

The grader runs on the backend its caller chose with ``KERAS_BACKEND`` (TensorFlow when unset): the
sandboxed processes start with an environment of their own, so the choice is handed to them here.
A ``.keras`` file is the same on every backend, so the judge reads artifacts and trained models
saved under any of them.

Each backend sizes its CPU thread pools from variables of its own, read when it starts. Measured on
this project's machines (threads that did work while one process multiplied matrices and ran a
convolution, with the variables set to 1): TensorFlow honours ``TF_NUM_INTRAOP_THREADS`` and
``TF_NUM_INTEROP_THREADS``; PyTorch's intra-op pool honours ``OMP_NUM_THREADS`` (its inter-op pool
has no variable, and Keras's eager calls do not use it); JAX's CPU client honours ``PJRT_NPROC``,
while ``XLA_FLAGS=--xla_cpu_multi_thread_eigen=false`` changed nothing measurable, so it is not set.
"""

from __future__ import annotations

import os

from grader.pipeline.errors import GradingError

#: The Keras backends the grader runs on.
BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT_BACKEND = "tensorflow"
BACKEND_VARIABLE = "KERAS_BACKEND"
#: Variables that cap a backend's thread pools, by the backend that reads them.
THREAD_VARIABLES = {
    "tensorflow": ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"),
    "torch": ("OMP_NUM_THREADS",),
    "jax": ("PJRT_NPROC",),
}


def keras_backend() -> str:
    """The backend the caller chose: ``KERAS_BACKEND``, or TensorFlow when it is unset or empty.

    Raises:
        GradingError: if it names a backend the grader does not run on.
    """
    backend = os.environ.get(BACKEND_VARIABLE, "").strip() or DEFAULT_BACKEND
    if backend not in BACKENDS:
        raise GradingError(
            f"{BACKEND_VARIABLE}={backend!r}: the grader runs on {', '.join(BACKENDS)}"
        )
    return backend


def thread_environment(threads: int) -> dict[str, str]:
    """The variables that hold every backend's CPU thread pools to ``threads`` threads each.

    All backends' variables are set, whichever runs: each backend ignores the others'.
    """
    return {name: str(threads) for names in THREAD_VARIABLES.values() for name in names}


def inherited_thread_environment() -> dict[str, str]:
    """The thread variables of this process that are set, to hand on to a sandboxed process."""
    names = [name for names in THREAD_VARIABLES.values() for name in names]
    return {name: os.environ[name] for name in names if name in os.environ}


def usable_cores() -> int:
    """Returns the cores this process may run on."""
    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def grading_cores() -> int:
    """The cores a grading may use: its thread share where one is set, else :func:`usable_cores`.

    The share is the smallest of the variables :func:`thread_environment` sets.
    """
    shares = [int(value) for value in inherited_thread_environment().values() if value.isdigit()]
    return min(shares) if shares else usable_cores()
