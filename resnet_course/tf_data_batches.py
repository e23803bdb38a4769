"""The input pipeline on TensorFlow: a `tf.data` pipeline, which keeps TensorFlow as fast as before.

On the other backends `image_batches.ImageBatches` serves the same batches. On TensorFlow, Keras
reads a `PyDataset` through a Python generator and an autotuned prefetch, which measured slower on
a 2-core CPU (bench/bench_input_pipeline.py); this pipeline is the one the notebook had before.
"""

from __future__ import annotations

import warnings


def tf_data_batches(images, labels_one_hot, batch_size: int, shuffle=False, seed=0):
    """Builds the `tf.data` pipeline: (shuffle), batch, scale, prefetch.

    Args:
        images: uint8 array of shape (m, height, width, channels).
        labels_one_hot: float32 array of shape (m, classes).
        batch_size: Examples per batch; the last batch holds the remainder.
        shuffle: Reshuffle the examples every epoch.
        seed: Seed of the shuffle.

    Returns:
        A `tf.data.Dataset` of (images float32 in [0, 1], one-hot labels float32) batches.
    """
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((images, labels_one_hot))
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    # Keras warns, at every fit on a tf.data dataset, that fit's own shuffle does not apply: this
    # pipeline shuffles itself where asked to, as the other backends' batches do.
    warnings.filterwarnings("ignore", message=r"`shuffle=True` was passed.*tf\.data\.Dataset")
    # Scaling after batching is one vectorized op per batch instead of one per image.
    dataset = dataset.batch(batch_size).map(_scale_pixels)
    # One private thread prepares the next batch. Autotuning would add threads of its own, and on a
    # 2-core CPU they compete with the training step: it measured 10-25% slower there.
    options = tf.data.Options()
    options.autotune.enabled = False
    options.threading.private_threadpool_size = 1
    return dataset.prefetch(1).with_options(options)


def _scale_pixels(images, labels):
    import tensorflow as tf

    return tf.cast(images, tf.float32) / 255.0, labels
