"""A picture of example images, a row per class."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .generate import generate_split

SAMPLES_SEED = 7


def sample_grid(per_class: int = 8, seed: int = SAMPLES_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Generates ``per_class`` images of each class, ordered by class.

    Returns:
        ``(X, Y)`` with X uint8 (6 * per_class, 64, 64, 3), sorted by label.
    """
    images, labels = generate_split(6 * per_class, seed)
    order = np.argsort(labels, kind="stable")
    return images[order], labels[order]


def write_samples(out: Path, per_class: int = 8, seed: int = SAMPLES_SEED) -> Path:
    """Draws a grid of example images, one row per class, labelled, and saves it as a PNG.

    Args:
        out: the PNG path.
        per_class: images per row.
        seed: the seed of the example images.

    Returns:
        The path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images, labels = sample_grid(per_class, seed)
    fig, axes = plt.subplots(6, per_class, figsize=(1.3 * per_class, 1.3 * 6 + 0.5))
    for index, ax in enumerate(axes.flat):
        ax.imshow(images[index], interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if index % per_class == 0:
            fingers = labels[index]
            ax.set_ylabel(f"{fingers} finger{'s' if fingers != 1 else ''}", fontsize=10)
    fig.suptitle(
        "signs_data: generated 64×64 images, one row per class (raised fingers)", fontsize=11
    )
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return out
