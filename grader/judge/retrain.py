"""The retrain check's procedure: train a small ResNet made of the student's blocks, from scratch.

The ``train_resnet50/retrain`` artifact (see :mod:`grader.sandboxed.cases`) is a small ResNet
assembled from the student's ``convolutional_block`` and ``identity_block``. Its weights are
re-initialized from a fixed seed and it is trained on a fixed, class-balanced subset of the training
set, downscaled to 32×32, for a fixed number of epochs. It is then scored, in inference mode, on the
images it trained on: the check asks whether the student's blocks can learn at all (a block that
blocks the gradient or discards its input stays near chance), not how well they generalize; the
handed-in model's held-out bar does that. A budget this small leaves the small network at chance
level on unseen images even with the lecture's blocks, so training accuracy is the signal that
separates working from broken blocks. The budget is counted in epochs, not seconds, so that the same
submission gets the same grade on a fast or a busy machine. Its bar is in :mod:`grader.judge.bars`.
"""

from __future__ import annotations

import numpy as np

from grader.sandboxed.cases import RETRAIN_CLASSES, RETRAIN_IMAGE_SIZE
from resnet_course.training import refresh_batchnorm_statistics

TRAIN_IMAGES = 240
EPOCHS = 15
BATCH_SIZE = 32
LEARNING_RATE = 3e-3
GRADING_SEED = 0


def downscale(images: np.ndarray, size: int = RETRAIN_IMAGE_SIZE) -> np.ndarray:
    """Averages uint8 images down to ``size``×``size`` and scales them to [0, 1] (float32)."""
    factor = images.shape[1] // size
    m, height, width, channels = images.shape
    blocks = images.reshape(m, height // factor, factor, width // factor, factor, channels)
    return (blocks.mean(axis=(2, 4)) / 255.0).astype("float32")


def retrain_data(data_dir=None):
    """Returns (x_train, y_train one-hot, labels) for the retrain.

    A class-balanced subset at 32×32.
    """
    from signs_data import load_signs, one_hot

    images, labels, _, _, _ = load_signs(data_dir)
    # Every class equally: the first TRAIN_IMAGES / classes images of each, in file order.
    per_class = TRAIN_IMAGES // RETRAIN_CLASSES
    chosen = np.sort(
        np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in range(RETRAIN_CLASSES)])
    )
    return downscale(images[chosen]), one_hot(labels[chosen], RETRAIN_CLASSES), labels[chosen]


def retrain_accuracy(model, data, seed: int = GRADING_SEED, epochs: int = EPOCHS) -> float:
    """Re-initializes ``model``'s architecture, trains it for ``epochs`` and returns its accuracy.

    Args:
        model: the retrain artifact (its own weights are not used).
        data: the output of :func:`retrain_data`.
        seed: seeds the fresh weights and the shuffling.
        epochs: the training budget.

    Returns:
        The accuracy on the training images, in inference mode, in [0, 1].
    """
    import keras

    x_train, y_train, labels = data
    keras.utils.set_random_seed(seed)
    fresh = keras.Model.from_config(model.get_config())
    fresh.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="categorical_crossentropy")
    # Built here, Adam's slots are made once; left to fit(), TensorFlow makes them inside the traced
    # step and traces it a second time, which nearly doubles the retrain's fixed cost.
    fresh.optimizer.build(fresh.trainable_variables)
    fresh.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=epochs, shuffle=True, verbose=0)
    # A few hundred steps leave BatchNormalization's moving averages far from the data; average them
    # properly.
    batches = [x_train[i : i + 100] for i in range(0, len(x_train), 100)]
    refresh_batchnorm_statistics(fresh, batches, verbose=False)
    # One direct call in inference mode: predict() would trace a function for this fresh model.
    predicted = np.argmax(keras.ops.convert_to_numpy(fresh(x_train, training=False)), axis=-1)
    return float(np.mean(predicted == labels))
