"""Forward passes the judge only reads: no gradients recorded, whichever Keras backend runs."""

from __future__ import annotations

import contextlib


def without_gradients() -> contextlib.AbstractContextManager:
    """A context in which model calls record no gradients.

    On PyTorch a model's output otherwise tracks gradients, and ``np.asarray`` refuses such a
    tensor; TensorFlow and JAX record none outside a tape or a traced gradient, so nothing changes.
    """
    import keras

    if keras.backend.backend() == "torch":
        import torch

        return torch.no_grad()
    return contextlib.nullcontext()
