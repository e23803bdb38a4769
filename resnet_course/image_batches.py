"""Batches of images and one-hot labels for `Model.fit`, the same on every Keras backend."""

from __future__ import annotations

import math

import keras
import numpy as np


class ImageBatches(keras.utils.PyDataset):
    """uint8 images and one-hot labels served as float32 batches, pixels scaled to [0, 1].

    Each backend's `fit` reads a `PyDataset` its own way (a generator-fed `tf.data` pipeline
    on TensorFlow, an iterator on JAX, a data loader on PyTorch), so one class serves all three.
    Scaling happens per batch, which keeps the uint8 images (a quarter of the float32 size) in
    memory. With `shuffle`, the examples are dealt in a new order at the end of every epoch,
    drawn from a generator seeded once, so a run is repeatable.

    Args:
        images: uint8 array of shape (m, height, width, channels).
        labels_one_hot: float32 array of shape (m, classes).
        batch_size: Examples per batch; the last batch holds the remainder.
        shuffle: Deal the examples in a new random order every epoch.
        seed: Seed of the orders.
    """

    def __init__(self, images, labels_one_hot, batch_size: int, shuffle=False, seed=0):
        super().__init__()
        self.images = images
        self.labels_one_hot = labels_one_hot
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._order = self._new_order()

    def _new_order(self) -> np.ndarray:
        count = len(self.images)
        return self._rng.permutation(count) if self.shuffle else np.arange(count)

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, index: int):
        """Returns batch `index` as (float32 images in [0, 1], float32 one-hot labels)."""
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of a dataset of {len(self)} batches")
        picks = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        pixels = self.images[picks].astype(np.float32)
        pixels /= np.float32(255)
        return pixels, self.labels_one_hot[picks]

    def on_epoch_end(self) -> None:
        """Deals the next epoch's order (when shuffling)."""
        if self.shuffle:
            self._order = self._new_order()
