"""How the training checks score a handed-in model: fixed image subsets and the accuracy on them.

The bench script ``bench/bench_trained_bars.py`` uses the same functions, so the bars in
:mod:`grader.judge.bars` are measured exactly as the checks measure.
"""

from __future__ import annotations

import numpy as np

from grader.judge import bars

# Each subset in one forward pass: on a 2-core CPU a ResNet-50 scores 240 images about a quarter
# faster in batches of 120 than in batches of 40 (bench/bench_grading_profile.py).
EVALUATION_BATCH_SIZE = max(bars.TRAINING_EVAL_IMAGES, bars.HIDDEN_EVAL_IMAGES)


def evenly_spaced(images: np.ndarray, labels: np.ndarray, count: int):
    """Returns ``count`` images spread evenly over the split (all of them when it is smaller)."""
    chosen = np.linspace(0, len(labels) - 1, num=min(count, len(labels))).round().astype(int)
    return images[chosen], labels[chosen]


def training_subset(data_dir=None):
    """The training images the training-accuracy check uses."""
    from signs_data import load_signs

    images, labels, _, _, _ = load_signs(data_dir)
    return evenly_spaced(images, labels, bars.TRAINING_EVAL_IMAGES)


def hidden_subset(data_dir=None):
    """The hidden-split images the held-out check uses."""
    from grader.judge.hidden_split import ensure_hidden_split
    from signs_data import load_hidden_split

    images, labels = load_hidden_split(ensure_hidden_split(data_dir))
    return evenly_spaced(images, labels, bars.HIDDEN_EVAL_IMAGES)


def bar_image_sets(data_dir=None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Returns the image sets the benchmarks score reference models on, to set the bars.

    The checks' two subsets and the whole hidden split, keyed ``train_subset``,
    ``hidden_subset`` and ``hidden_all``.
    """
    from grader.judge.hidden_split import ensure_hidden_split
    from signs_data import load_hidden_split

    return {
        "train_subset": training_subset(data_dir),
        "hidden_subset": hidden_subset(data_dir),
        "hidden_all": load_hidden_split(ensure_hidden_split(data_dir)),
    }


def accuracy(model, images: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of uint8 images that ``model`` classifies right."""
    from resnet_course.training import predict_classes

    return float(
        np.mean(predict_classes(model, images, batch_size=EVALUATION_BATCH_SIZE) == labels)
    )
