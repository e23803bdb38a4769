"""Training images/s of the notebook's ResNet-50 fed by three input pipelines, side by side.

* ``fixed``: ``resnet_course.training.make_dataset`` as the notebook uses it (one private tf.data
thread,
  no autotuning, prefetch of one batch);
* ``autotuned``: the same pipeline with tf.data's autotuning (``AUTOTUNE`` parallelism and prefetch,
the
  usual recipe);
* ``numpy``: ``Model.fit`` on in-memory NumPy arrays, for reference.

Each pipeline trains its own copy of the model; after a warm-up epoch each (which traces the
training step), they take turns epoch by epoch so that a change in machine load affects all alike.
The medians of the timed epochs are printed.

Usage: python bench/bench_input_pipeline.py [--images 400] [--rounds 3] [--batch-size 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
import numpy as np
import tensorflow as tf

from instructor.run_reference import solution_namespace
from resnet_course import training
from signs_data import load_signs, one_hot


def autotuned_dataset(images, labels, batch_size):
    """The common tf.data recipe: shuffle, batch, map and prefetch with AUTOTUNE."""
    dataset = (
        tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(len(images)).batch(batch_size)
    )
    dataset = dataset.map(
        lambda x, y: (tf.cast(x, tf.float32) / 255.0, y), num_parallel_calls=tf.data.AUTOTUNE
    )
    return dataset.prefetch(tf.data.AUTOTUNE)


def main(argv=None) -> None:
    """Runs the comparison and prints images/s per pipeline."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=400, help="training images per epoch")
    parser.add_argument("--rounds", type=int, default=3, help="timed epochs per pipeline")
    parser.add_argument("--batch-size", type=int, default=20)
    args = parser.parse_args(argv)

    x_train, y_train, _, _, _ = load_signs()
    images, labels = x_train[: args.images], one_hot(y_train[: args.images])
    feeds = {
        "fixed": lambda: {
            "x": training.make_dataset(images, labels, args.batch_size, shuffle=True)
        },
        "autotuned": lambda: {"x": autotuned_dataset(images, labels, args.batch_size)},
        "numpy": lambda: {
            "x": images.astype(np.float32) / 255.0,
            "y": labels,
            "batch_size": args.batch_size,
        },
    }
    build = solution_namespace()["ResNet50"]
    models = {}
    for name in feeds:
        keras.utils.set_random_seed(0)
        models[name] = build(input_shape=(64, 64, 3), classes=6)
        models[name].compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss="categorical_crossentropy",
            metrics=["accuracy"],
        )
        started = time.perf_counter()
        models[name].fit(**feeds[name](), epochs=1, verbose=0)
        print(f"{name}: warm-up epoch {time.perf_counter() - started:.1f} s", flush=True)

    rates: dict[str, list[float]] = {name: [] for name in feeds}
    for round_number in range(args.rounds):
        for name in feeds:
            started = time.perf_counter()
            models[name].fit(**feeds[name](), epochs=1, verbose=0)
            rates[name].append(args.images / (time.perf_counter() - started))
        print(
            f"round {round_number + 1}/{args.rounds}: "
            + ", ".join(f"{name} {rates[name][-1]:.2f} img/s" for name in feeds),
            flush=True,
        )

    print(
        f"\nbatch {args.batch_size}, {args.images} images per epoch, median of {args.rounds} "
        "epochs each:"
    )
    for name in feeds:
        print(
            f"  {name:10s} {statistics.median(rates[name]):6.2f} images/s  (epochs: "
            + ", ".join(f"{rate:.2f}" for rate in rates[name])
            + ")"
        )
    fixed, autotuned = statistics.median(rates["fixed"]), statistics.median(rates["autotuned"])
    print(f"ratio fixed / autotuned: {fixed / autotuned:.3f}")
    print(
        f"(machine load at the end, 1-minute average: {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
