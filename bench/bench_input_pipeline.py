"""Training images/s of the notebook's ResNet-50 fed by several input pipelines, side by side.

* ``neutral``: ``resnet_course.image_batches.ImageBatches``, a ``keras.utils.PyDataset`` that
  every Keras backend reads (on TensorFlow through a generator-fed ``tf.data`` pipeline of Keras's
  own), what ``training.make_dataset`` returns on JAX and PyTorch;
* ``tf.data``: ``resnet_course.tf_data_batches.tf_data_batches``, what ``make_dataset`` returns
  on TensorFlow (one private tf.data thread, no autotuning, prefetch of one batch);
* ``autotuned``: that pipeline with tf.data's autotuning (``AUTOTUNE`` parallelism and prefetch,
  the usual recipe);
* ``numpy``: ``Model.fit`` on in-memory NumPy arrays, for reference.

Each pipeline trains its own copy of the model; after a warm-up epoch each (which traces the
training step), they take turns epoch by epoch, in alternating order, so that a change in machine
load affects all alike. The medians of the timed epochs, their ratios and the ratios of the total
times to the first pipeline's, and the machine's load averages before and after are printed. The
tf.data pipelines need the TensorFlow backend.

Usage: python bench/bench_input_pipeline.py [--images 400] [--rounds 3] [--batch-size 20]
       [--pipelines neutral tf.data autotuned numpy]
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

if keras.config.backend() == "tensorflow":
    import tensorflow as tf

from instructor.run_reference import solution_namespace
from resnet_course.image_batches import ImageBatches
from resnet_course.tf_data_batches import tf_data_batches
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


def load_averages() -> str:
    """The 1-, 5- and 15-minute load averages and the core count, as one phrase."""
    loads = ", ".join(f"{load:.1f}" for load in os.getloadavg())
    return f"load averages {loads} on {os.cpu_count()} cores"


def main(argv=None) -> None:
    """Runs the comparison and prints images/s per pipeline."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=400, help="training images per epoch")
    parser.add_argument("--rounds", type=int, default=3, help="timed epochs per pipeline")
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument(
        "--pipelines",
        nargs="+",
        default=["neutral", "tf.data"],
        choices=["neutral", "tf.data", "autotuned", "numpy"],
        help="the pipelines to compare; ratios are to the first",
    )
    args = parser.parse_args(argv)
    print(f"Keras {keras.__version__} on {keras.config.backend()}; {load_averages()}", flush=True)

    x_train, y_train, _, _, _ = load_signs()
    images, labels = x_train[: args.images], one_hot(y_train[: args.images])
    all_feeds = {
        "neutral": lambda: {"x": ImageBatches(images, labels, args.batch_size, shuffle=True)},
        "tf.data": lambda: {"x": tf_data_batches(images, labels, args.batch_size, shuffle=True)},
        "autotuned": lambda: {"x": autotuned_dataset(images, labels, args.batch_size)},
        "numpy": lambda: {
            "x": images.astype(np.float32) / 255.0,
            "y": labels,
            "batch_size": args.batch_size,
        },
    }
    feeds = {name: all_feeds[name] for name in args.pipelines}
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
        # Every other round runs them in the reverse order, so that none always goes first.
        for name in list(feeds)[:: -1 if round_number % 2 else 1]:
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
    # A few slow epochs leave the median alone but cost a student their time: compare totals too.
    seconds = {name: sum(args.images / rate for rate in rates[name]) for name in feeds}
    first = args.pipelines[0]
    for name in args.pipelines[1:]:
        ratio = statistics.median(rates[first]) / statistics.median(rates[name])
        print(f"ratio {first} / {name}, medians: {ratio:.3f} ({(ratio - 1) * 100:+.1f} %)")
        ratio = seconds[name] / seconds[first]
        print(
            f"ratio {first} / {name}, images per second over all timed epochs: {ratio:.3f} "
            f"({seconds[first]:.0f} s against {seconds[name]:.0f} s)"
        )
    print(f"(at the end: {load_averages()})")


if __name__ == "__main__":
    main()
