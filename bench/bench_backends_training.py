"""Training speed and accuracy of the notebook's ResNet-50 on each Keras backend, one run.

For each backend asked for (TensorFlow, JAX, PyTorch; GPU where one is present), a fresh process
with ``KERAS_BACKEND`` set trains the network exactly as the notebook does: it runs the solution
notebook's own cells (imports, the blocks, ``ResNet50``, ``silence_residual_branches``, the training
set-up with its recipe and input pipeline, ``train_resnet50``) and the training cell's steps. After
every epoch it refreshes the batch-norm statistics as the notebook does after training, and scores
the test split; that time is not counted as training. It records, per backend:

- images per second over the epochs after the first (the first includes tracing and compiling);
- the training seconds until the test accuracy first reaches 90 % and 95 %;
- the seconds of the last refresh (the one the notebook makes after training);
- the final test accuracy, the device and the dtype policy.

Backends run one after the other, so the load averages are recorded with each row: compare the
figures of one run, on an otherwise quiet machine.

Usage: python bench/bench_backends_training.py [--backends tensorflow jax torch] [--seed 0]
    [--csv bench/backends_training.csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NOTEBOOK_CELLS = (
    "imports",
    "identity_block",
    "convolutional_block",
    "ResNet50",
    "silence_residual_branches",
    "training_setup",
    "train_resnet50",
)
BARS = (0.90, 0.95)


def train_on_this_backend(seed: int, recipe: dict | None = None) -> dict:
    """Trains the notebook's ResNet-50 in this process and returns its figures.

    Args:
        seed: Keras's global seed, set before the network is built.
        recipe: What to change in the notebook's recipe, or None for the notebook's own: the keys
            "epochs", "batch_size", "peak_learning_rate", "warmup_cosine" (False: a constant rate),
            "zero_gamma" (False: no silenced start) and "policy" (a Keras dtype policy). The batch
            order is then shuffled with `seed` too.

    Returns:
        One dict of figures, with one entry per epoch under "epochs".
    """
    os.environ.pop("RESNETS_QUICK", None)
    from instructor.run_reference import SOLUTION_NOTEBOOK, cell_sources
    from signs_data import load_signs

    cells = cell_sources(SOLUTION_NOTEBOOK)
    x_train, y_train, x_test, y_test, _ = load_signs()
    namespace: dict = {"__name__": "notebook", "X_train": x_train, "Y_train": y_train}
    for grade_id in NOTEBOOK_CELLS:
        exec(compile(cells[grade_id], grade_id, "exec"), namespace)

    import keras
    import numpy as np

    training = namespace["training"]
    if recipe:
        _apply_recipe(namespace, recipe, seed)
    keras.utils.set_random_seed(seed)
    model = training.ensure_float32_output(
        namespace["ResNet50"](input_shape=(64, 64, 3), classes=6)
    )
    if not recipe or recipe["zero_gamma"]:
        namespace["silence_residual_branches"](model)
    per_epoch: list[dict] = []

    class EpochProbe(keras.callbacks.Callback):
        """Times each epoch and scores the test split after it, outside the timed span."""

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.perf_counter() - self.started
            training.refresh_batchnorm_statistics(
                model, namespace["train_ds"], max_batches=20, verbose=False
            )
            refresh_seconds = time.perf_counter() - self.started - seconds
            accuracy = float(np.mean(training.predict_classes(model, x_test) == y_test))
            per_epoch.append(
                {
                    "epoch": epoch + 1,
                    "seconds": seconds,
                    "refresh_seconds": refresh_seconds,
                    "test_accuracy": accuracy,
                    "loadavg": os.getloadavg()[0],
                }
            )
            print(f"epoch {epoch + 1}: {seconds:.1f} s, test accuracy {accuracy:.3f}", flush=True)

    plain_fit = model.fit
    model.fit = lambda *args, **kwargs: plain_fit(
        *args, **dict(kwargs, callbacks=[EpochProbe()], verbose=0)
    )
    namespace["train_resnet50"](
        model, namespace["train_ds"], namespace["EPOCHS"], namespace["learning_rate"]
    )
    return {
        "backend": keras.backend.backend(),
        "device": namespace["device"].name,
        "policy": keras.mixed_precision.global_policy().name,
        "training_images": len(x_train),
        "epochs": per_epoch,
    }


def _apply_recipe(namespace: dict, recipe: dict, seed: int) -> None:
    """Replaces the training set-up cell's recipe in `namespace` by `recipe`'s."""
    import keras

    training, one_hot = namespace["training"], namespace["one_hot"]
    keras.mixed_precision.set_global_policy(recipe["policy"])
    images, labels = namespace["X_train"], namespace["Y_train"]
    namespace["EPOCHS"] = recipe["epochs"]
    namespace["train_ds"] = training.make_dataset(
        images, one_hot(labels), recipe["batch_size"], shuffle=True, seed=seed
    )
    steps = recipe["epochs"] * -(-len(images) // recipe["batch_size"])
    namespace["learning_rate"] = (
        training.warmup_cosine_schedule(
            recipe["peak_learning_rate"], total_steps=steps, warmup_steps=steps // 10
        )
        if recipe["warmup_cosine"]
        else recipe["peak_learning_rate"]
    )


def summarize(figures: dict) -> dict:
    """Reduces one backend's per-epoch figures to the row the benchmark reports."""
    epochs = figures["epochs"]
    elapsed, reached = 0.0, {}
    for epoch in epochs:
        elapsed += epoch["seconds"]
        for bar in BARS:
            if bar not in reached and epoch["test_accuracy"] >= bar:
                reached[bar] = elapsed
    steady = sorted(e["seconds"] for e in epochs[1:]) or [epochs[0]["seconds"]]
    median_epoch = steady[len(steady) // 2]
    return {
        "backend": figures["backend"],
        "device": figures["device"],
        "policy": figures["policy"],
        "images_per_second": round(figures["training_images"] / median_epoch, 1),
        "first_epoch_s": round(epochs[0]["seconds"], 1),
        "train_s": round(elapsed, 1),
        "refresh_s": round(epochs[-1]["refresh_seconds"], 1),
        **{
            f"to_{round(bar * 100)}pct_s": round(reached[bar], 1) if bar in reached else ""
            for bar in BARS
        },
        "final_test_accuracy": round(epochs[-1]["test_accuracy"], 4),
        "accuracy_by_epoch": " ".join(f"{e['test_accuracy']:.3f}" for e in epochs),
        "loadavg_1min": " ".join(f"{e['loadavg']:.1f}" for e in epochs),
    }


def run_backend(backend: str, seed: int) -> dict:
    """Runs :func:`train_on_this_backend` in a fresh process on ``backend``; returns its summary."""
    result = ROOT / f".bench_backend_{backend}.json"
    command = [sys.executable, __file__, "--worker", str(result), "--seed", str(seed)]
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    subprocess.run(command, check=True, env=env, cwd=ROOT)
    try:
        return summarize(json.loads(result.read_text()))
    finally:
        result.unlink(missing_ok=True)


def main(argv=None) -> None:
    """Trains on each backend in turn; prints and records one row per backend."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax", "torch"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", type=Path, default=HERE / "backends_training.csv")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        args.worker.write_text(json.dumps(train_on_this_backend(args.seed)))
        return
    rows = []
    for backend in args.backends:
        row = run_backend(backend, args.seed)
        print(" ".join(f"{key}={value}" for key, value in row.items()), flush=True)
        rows.append(row)
    with open(args.csv, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
