"""What the batch-norm refresh costs after training, by batch size, and what it gives.

The notebook refreshes the moving statistics of every BatchNormalization layer on 20 batches of 20
training images (``training.refresh_batchnorm_statistics``), eagerly. This script loads a trained
model (the notebook saves one as ``resnet50_signs.keras``) and refreshes it again on the same 400
images in batches of each size asked for, taking turns over the rounds. Each refresh replaces the
statistics entirely (the first batch's momentum is 0), so every refresh starts from the same
weights. It prints the seconds of each refresh and the test accuracy after it.

Usage: python bench/bench_refresh_batches.py MODEL [--batch-sizes 20 50 100] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

from resnet_course import training
from signs_data import load_signs

#: The images the notebook's refresh sees: 20 batches of 20.
REFRESH_IMAGES = 400


def main(argv=None) -> None:
    """Refreshes the model at each batch size in turn; prints seconds and test accuracy."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a trained model saved by the notebook")
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[20, 50, 100])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)

    x_train, _, x_test, y_test, _ = load_signs()
    y_test = np.asarray(y_test).reshape(-1)
    images = training.normalize_images(x_train[:REFRESH_IMAGES])
    model = training.load_trained_model(args.model)
    seconds: dict[int, list[float]] = {size: [] for size in args.batch_sizes}
    accuracy: dict[int, float] = {}
    for round_number in range(args.rounds):
        order = args.batch_sizes if round_number % 2 == 0 else list(reversed(args.batch_sizes))
        for size in order:
            batches = [images[start : start + size] for start in range(0, len(images), size)]
            started = time.perf_counter()
            training.refresh_batchnorm_statistics(model, batches, verbose=False)
            seconds[size].append(time.perf_counter() - started)
            accuracy[size] = float(np.mean(training.predict_classes(model, x_test) == y_test))
    print(f"{REFRESH_IMAGES} training images, {args.rounds} rounds, {os.cpu_count()} cores")
    for size in args.batch_sizes:
        runs = ", ".join(f"{value:.1f}" for value in seconds[size])
        print(
            f"batches of {size:3d}: refresh {statistics.median(seconds[size]):5.1f} s (median of "
            f"{runs} s), test accuracy after it {accuracy[size]:.3f}"
        )
    print(f"(1-minute load average at the end: {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
