"""Training helpers for the Residual Networks notebook.

They cover what is not the point of the exercises but decides whether training
works on a student's machine: which device runs the model and in which
precision, how the images reach the model (the same batches on every Keras
backend), how the batch-normalization statistics are made trustworthy after a
short training run, and how the trained model is saved small enough to hand in.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

# The notebooks call training.detect_device(); the device has a module of its own.
from resnet_course.device import Device, detect_device  # noqa: F401

#: Set this environment variable (to anything but "" or "0") for a quick run:
#: one epoch on a small subset, for continuous integration.
QUICK_ENV = "RESNETS_QUICK"
#: nbgrader sets this variable while it executes a submission.
AUTOGRADE_ENV = "NBGRADER_EXECUTION"
#: nbgrader's default limit for one submitted file is 100,000 kB, counted as 1000 bytes each.
SUBMISSION_LIMIT_BYTES = 100_000 * 1000


def quick_mode() -> bool:
    """Returns True when `RESNETS_QUICK` asks for a reduced run."""
    return os.environ.get(QUICK_ENV, "") not in ("", "0")


def autograding() -> bool:
    """Returns True while nbgrader executes the notebook."""
    return bool(os.environ.get(AUTOGRADE_ENV))


def configure_precision(device: Device) -> str:
    """Chooses the Keras dtype policy for training on `device`.

    On a GPU, mixed precision (float16 compute, float32 weights) roughly doubles
    throughput on tensor cores. On a CPU float16 is slower, so the policy is left
    as it is.

    Args:
        device: The device from `detect_device`.

    Returns:
        The name of the global dtype policy now in force.
    """
    import keras

    if device.is_gpu:
        keras.mixed_precision.set_global_policy("mixed_float16")
    return keras.mixed_precision.global_policy().name


def ensure_float32_output(model):
    """Makes a classifier compute its softmax in float32 and return float32 probabilities.

    Under mixed precision every layer computes in float16, whose smallest positive number is
    about 6e-8: a softmax computed in float16 rounds every smaller probability to exactly 0,
    and casting the result to float32 afterwards cannot bring it back. So the layer that
    produces the output (the classifier's Dense layer with its softmax) is rebuilt with the
    float32 dtype policy and the same weights: its inputs are cast to float32, and its
    logits and softmax are computed in float32.

    Args:
        model: A functional Keras model.

    Returns:
        `model` itself when its output is float32 already, otherwise a new model that shares
        every other layer and ends in the float32 copy of the last layer.
    """
    import keras

    output = model.outputs[0]
    if str(output.dtype) == "float32":
        return model
    last = output._keras_history.operation
    if not isinstance(last, keras.layers.Layer):
        # A bare operation (keras.ops.softmax, say) has no dtype policy to change: cast its result.
        outputs = keras.layers.Activation("linear", dtype="float32", name="float32_output")(output)
        return keras.Model(model.inputs, outputs, name=model.name)
    config = dict(last.get_config(), dtype="float32")
    float32_last = type(last).from_config(config)
    outputs = float32_last(last.input)
    float32_last.set_weights(last.get_weights())
    return keras.Model(model.inputs, outputs, name=model.name)


def normalize_images(images: np.ndarray) -> np.ndarray:
    """Scales uint8 pixels to float32 values in [0, 1].

    Args:
        images: Array of shape (m, height, width, channels), uint8 in [0, 255].

    Returns:
        The images as float32 divided by 255.

    Raises:
        ValueError: If `images` is not a 4-D array.
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(
            f"expected images of shape (m, height, width, channels), got shape {images.shape}"
        )
    return images.astype(np.float32) / 255.0


def make_dataset(images, labels_one_hot, batch_size: int, shuffle: bool = False, seed: int = 0):
    """Builds the input pipeline: batches of scaled images and their labels, (shuffled).

    Args:
        images: uint8 array of shape (m, height, width, channels).
        labels_one_hot: float array of shape (m, classes), e.g. from `signs_data.one_hot`.
        batch_size: Examples per batch.
        shuffle: Reshuffle the examples every epoch (for training).
        seed: Seed of the shuffle, for repeatable runs.

    Returns:
        A dataset of (images float32 in [0, 1], one-hot labels float32) batches: on TensorFlow a
        `tf.data.Dataset`, which kept TensorFlow's training speed, on the other backends an
        `ImageBatches` (a `keras.utils.PyDataset`).

    Raises:
        ValueError: If the arrays do not have the expected shapes or lengths.
    """
    import keras

    from resnet_course.image_batches import ImageBatches
    from resnet_course.tf_data_batches import tf_data_batches

    images = np.asarray(images)
    labels_one_hot = np.asarray(labels_one_hot, dtype=np.float32)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (m, height, width, channels), got {images.shape}")
    if labels_one_hot.ndim != 2:
        raise ValueError(
            f"labels must be one-hot with shape (m, classes), got {labels_one_hot.shape}; "
            "convert integer labels with signs_data.one_hot"
        )
    if len(images) != len(labels_one_hot):
        raise ValueError(
            f"{len(images)} images but {len(labels_one_hot)} labels: they must match one to one"
        )
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    if keras.config.backend() == "tensorflow":
        return tf_data_batches(images, labels_one_hot, batch_size, shuffle=shuffle, seed=seed)
    return ImageBatches(images, labels_one_hot, batch_size, shuffle=shuffle, seed=seed)


def warmup_cosine_schedule(peak_learning_rate: float, total_steps: int, warmup_steps: int):
    """A learning rate that rises linearly to its peak, then decays along a cosine.

    A short warm-up keeps Adam's first, badly estimated steps from throwing the
    freshly initialized batch-normalization layers far off.

    Args:
        peak_learning_rate: Learning rate at the end of the warm-up.
        total_steps: Training steps in the whole run.
        warmup_steps: Steps of the linear warm-up (less than `total_steps`).

    Returns:
        A `keras.optimizers.schedules.CosineDecay` to pass as `learning_rate`.

    Raises:
        ValueError: If the step counts are inconsistent.
    """
    import keras

    if not 0 <= warmup_steps < total_steps:
        raise ValueError(
            f"need 0 <= warmup_steps < total_steps, got warmup_steps={warmup_steps}, "
            f"total_steps={total_steps}"
        )
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak_learning_rate / 10 if warmup_steps else peak_learning_rate,
        decay_steps=total_steps - warmup_steps,
        alpha=0.01,
        warmup_target=peak_learning_rate if warmup_steps else None,
        warmup_steps=warmup_steps,
    )


def zero_init_residual_branches(model) -> int:
    """Sets gamma of the last BatchNormalization on each residual block's main path to zero.

    With gamma = 0 (and beta at its initial 0) that BN outputs zeros, so z[l+3] = 0 and every block
    starts as a[l+3] = g(shortcut): an identity block is exactly the identity (a[l] is a ReLU
    output), and the network starts as shallow as its shortcuts. Training then grows each block's
    contribution from zero, which makes the first epochs of a deep network far more stable.

    Args:
        model: A functional ResNet whose blocks end in BN -> Add -> ReLU.

    Returns:
        The number of blocks changed.
    """
    from keras import layers

    from resnet_course.blocks import residual_blocks

    changed = 0
    for block in residual_blocks(model):
        last = block.main_path[-1] if block.main_path else None
        if isinstance(last, layers.BatchNormalization):
            gamma, beta, *statistics = last.get_weights()
            last.set_weights([np.zeros_like(gamma), beta, *statistics])
            changed += 1
    return changed


def run_eagerly_if_quick(quick: bool) -> None:
    """In a quick run on TensorFlow, executes its functions eagerly instead of compiling them.

    Tracing and compiling ResNet-50's training step costs TensorFlow about a minute on a
    small CPU, far longer than the few steps of a quick run. PyTorch runs eagerly already. JAX
    keeps `jit`: without it every operation is compiled on its own, and a quick run of the
    notebook's training took longer (300 s against 217 s on a busy 2-core CPU).

    Args:
        quick: Whether this is a quick run (see `quick_mode`).
    """
    import keras

    if not quick or keras.config.backend() != "tensorflow":
        return
    import warnings

    import tensorflow as tf

    tf.config.run_functions_eagerly(True)
    # tf.data always compiles its functions; TensorFlow warns that the eager setting does not
    # reach them.
    warnings.filterwarnings("ignore", message=".*does not apply to tf.data functions.*")


def refresh_batchnorm_statistics(
    model, dataset, max_batches: int | None = None, verbose: bool = True
) -> int:
    """Replaces every BatchNormalization layer's moving statistics by their average over `dataset`.

    During training BN normalizes with each batch's own mean and variance and
    keeps exponential moving averages (momentum 0.99) for inference. After only
    a few hundred steps those averages still remember their initial values and
    the weights of early training, so the model predicts worse than it trains.
    Running the data once more in training mode, with the momentum of the k-th
    batch set to (k-1)/k, turns the moving averages into plain averages over
    the data under the final weights. The weights themselves do not change.

    Args:
        model: A Keras model containing BatchNormalization layers.
        dataset: Batches of (images, labels) or of images, e.g. the training pipeline.
        max_batches: Stop after this many batches (all when None).
        verbose: Print one progress line.

    Returns:
        The number of batches used.
    """
    import keras

    bn_layers = [
        layer for layer in _all_layers(model) if isinstance(layer, keras.layers.BatchNormalization)
    ]
    if not bn_layers:
        return 0
    saved_momentum = [layer.momentum for layer in bn_layers]
    started = time.perf_counter()
    used = 0
    try:
        for batch in dataset:
            images = batch[0] if isinstance(batch, (tuple, list)) else batch
            used += 1
            for layer in bn_layers:
                layer.momentum = (used - 1) / used
            model(images, training=True)
            if verbose:
                print(
                    f"\rRefreshing batch-norm statistics: batch {used}",
                    end="",
                    file=sys.stdout,
                    flush=True,
                )
            if max_batches is not None and used >= max_batches:
                break
    finally:
        for layer, momentum in zip(bn_layers, saved_momentum, strict=False):
            layer.momentum = momentum
    if verbose:
        print(f" ({len(bn_layers)} layers, {time.perf_counter() - started:.0f} s)", flush=True)
    return used


def _all_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers") and layer is not model:
            yield from _all_layers(layer)
        yield layer


def save_for_grading(model, path) -> int:
    """Saves the trained model without its optimizer state, and checks its size.

    Adam keeps two extra values per weight, which would triple the file: a
    ResNet-50 would go from about 95 MB to about 285 MB, over nbgrader's
    limit for a submitted file. An uncompiled model over the same layers is
    all the grader needs to evaluate it.

    Args:
        model: The trained functional model.
        path: Where to write the `.keras` file.

    Returns:
        The file size in bytes.

    Raises:
        ValueError: If the saved file is over nbgrader's submission limit.
    """
    import keras

    # A new functional model over the same layers shares the trained weights but has no optimizer
    # attached.
    inference_copy = keras.Model(model.input, model.output, name=model.name)
    inference_copy.save(path)
    size = os.path.getsize(path)
    if size > SUBMISSION_LIMIT_BYTES:
        raise ValueError(
            f"{path} is {size / 1e6:.1f} MB, over nbgrader's {SUBMISSION_LIMIT_BYTES / 1e6:.0f} "
            "MB limit for a submitted file; the grader would never receive it"
        )
    return size


def load_trained_model(path):
    """Loads a model saved by `save_for_grading`, without running any custom code.

    Args:
        path: The `.keras` file.

    Returns:
        The uncompiled Keras model.

    Raises:
        FileNotFoundError: If there is no file at `path`.
    """
    import keras

    if not os.path.exists(path):
        raise FileNotFoundError(
            f"no trained model at {path}: run the training cell (without NBGRADER_EXECUTION set) "
            "to create it"
        )
    return keras.saving.load_model(path, compile=False, safe_mode=True)


def predict_classes(model, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Returns the most probable class of each uint8 image.

    Args:
        model: A classifier taking float32 images in [0, 1].
        images: uint8 array of shape (m, height, width, channels).
        batch_size: Images per forward pass.

    Returns:
        int64 array of shape (m,).

    Raises:
        NotImplementedError: If `model` is None because the exercises that build and
            train it are not done yet.
    """
    if model is None:
        raise NotImplementedError(
            "there is no trained model yet: complete ResNet50 (Exercise 4) and train_resnet50 "
            "(Exercise 5), then run the training cell"
        )
    import keras

    # A direct call in inference mode, not model.predict: predict traces a new TensorFlow function
    # for each model and each last-batch size, and after a few such traces in one session
    # TensorFlow prints a retracing warning.
    pixels = normalize_images(images)
    classes = [
        np.argmax(
            keras.ops.convert_to_numpy(model(pixels[start : start + batch_size], training=False)),
            axis=-1,
        )
        for start in range(0, len(pixels), batch_size)
    ]
    return np.concatenate(classes).astype(np.int64) if classes else np.zeros(0, np.int64)
