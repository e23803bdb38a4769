"""Test accuracy of the notebook's ResNet-50 under several training recipes, to choose its defaults.

Every recipe trains the reference ResNet50 (built from the solution notebook's cells) from scratch
on the SIGNS-style training split, refreshes the batch-norm statistics as the notebook does, and
scores the test split in inference mode. The data are fed as NumPy arrays, so the script runs on any
Keras backend: on a GPU machine without TensorFlow, ``KERAS_BACKEND=jax`` trains the same model in
float32 and shows how a recipe would fare on the CPU, many times faster.

Usage:
    python bench/bench_training_recipes.py [--recipes NAME ...] [--seeds 0 1] [--worker I --workers
    N]
        [--csv bench/training_recipes.csv] [--policy float32|mixed_float16|mixed_bfloat16]

Each run prints one line and appends one CSV row: recipe, seed, images seen, test accuracy before
and after the statistics refresh, training accuracy (inference mode, after the refresh), seconds,
and the accuracies the grader's training checks measure (``grader.judge.evaluation``), from which
the bars are set.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
from csv_log import appending_rows

from grader.judge import evaluation
from instructor.run_reference import solution_namespace
from resnet_course import training
from signs_data import load_signs, one_hot


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One way to train: batch size, Adam's peak rate, epochs and the optional extras."""

    batch_size: int
    peak_learning_rate: float
    epochs: int
    zero_gamma: bool = True
    augment: bool = False
    label_smoothing: float = 0.0
    weight_decay: float = 0.0
    refresh_batches: int | None = None


RECIPES = {
    "b32_lr3e-4_e4": Recipe(32, 3e-4, 4),
    "b32_lr1e-3_e4": Recipe(32, 1e-3, 4),
    "b16_lr3e-4_e4": Recipe(16, 3e-4, 4),
    "b16_lr1e-3_e4": Recipe(16, 1e-3, 4),
    "b16_lr2e-3_e4": Recipe(16, 2e-3, 4),
    "b16_lr2e-3_e4_aug": Recipe(16, 2e-3, 4, augment=True),
    "b16_lr1.5e-3_e4_aug": Recipe(16, 1.5e-3, 4, augment=True),
    "b16_lr2e-3_e4_ls": Recipe(16, 2e-3, 4, label_smoothing=0.1),
    "b8_lr5e-4_e4": Recipe(8, 5e-4, 4),
    "b16_lr1e-3_e4_aug": Recipe(16, 1e-3, 4, augment=True),
    "b32_lr1e-3_e4_aug": Recipe(32, 1e-3, 4, augment=True),
    "b16_lr1e-3_e4_nozero": Recipe(16, 1e-3, 4, zero_gamma=False),
    "b16_lr1e-3_e4_ls": Recipe(16, 1e-3, 4, label_smoothing=0.1),
    "b16_lr1e-3_e4_wd": Recipe(16, 1e-3, 4, weight_decay=0.05),
    "b16_lr1e-3_e3": Recipe(16, 1e-3, 3),
    "b16_lr1e-3_e6_aug": Recipe(16, 1e-3, 6, augment=True),
    "b32_lr3e-4_e10": Recipe(32, 3e-4, 10),
    # Batches of 20 divide both splits (1080 and 120 images): no second trace for a smaller last
    # batch.
    "b20_lr2e-3_e4": Recipe(20, 2e-3, 4, refresh_batches=20),
    "b20_lr2e-3_e5": Recipe(20, 2e-3, 5, refresh_batches=20),
    "b20_lr3e-3_e5": Recipe(20, 3e-3, 5, refresh_batches=20),
}


def augmented(images: np.ndarray, rng: np.random.Generator, shift: int = 4) -> np.ndarray:
    """Mirrors half the images left-right and shifts each up to `shift` pixels.

    A mirrored hand shows as many fingers, so both changes keep the label.
    """
    m, height, width, _ = images.shape
    flip = rng.random(m) < 0.5
    out = np.where(flip[:, None, None, None], images[:, :, ::-1], images)
    padded = np.pad(out, ((0, 0), (shift, shift), (shift, shift), (0, 0)), mode="reflect")
    dy, dx = rng.integers(0, 2 * shift + 1, size=(2, m))
    return np.stack([padded[i, dy[i] : dy[i] + height, dx[i] : dx[i] + width] for i in range(m)])


def run(name: str, recipe: Recipe, seed: int, data, build, bar_sets) -> dict:
    """Trains one model with one recipe and seed.

    Returns the figures (`bar_sets`: evaluation.bar_image_sets()).
    """
    x_train, y_train, x_test, y_test = data
    keras.utils.set_random_seed(seed)
    model = training.ensure_float32_output(build(input_shape=(64, 64, 3), classes=6))
    if recipe.zero_gamma:
        training.zero_init_residual_branches(model)
    steps_per_epoch = int(np.ceil(len(x_train) / recipe.batch_size))
    total = recipe.epochs * steps_per_epoch
    schedule = training.warmup_cosine_schedule(
        recipe.peak_learning_rate, total_steps=total, warmup_steps=total // 10
    )
    optimizer = (
        keras.optimizers.AdamW(schedule, weight_decay=recipe.weight_decay)
        if recipe.weight_decay
        else keras.optimizers.Adam(schedule)
    )
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing),
        metrics=["accuracy"],
    )
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for epoch in range(recipe.epochs):
        order = rng.permutation(len(x_train))
        x = x_train[order]
        if recipe.augment:
            x = augmented(x, rng)
        model.fit(
            x.astype(np.float32) / 255.0,
            one_hot(y_train[order]),
            batch_size=recipe.batch_size,
            epochs=epoch + 1,
            initial_epoch=epoch,
            shuffle=False,
            verbose=0,
        )
    train_seconds = time.perf_counter() - started
    test_before = float(np.mean(training.predict_classes(model, x_test) == y_test))
    batches = [
        x_train[i : i + recipe.batch_size].astype(np.float32) / 255.0
        for i in range(0, len(x_train), recipe.batch_size)
    ]
    training.refresh_batchnorm_statistics(
        model, batches, max_batches=recipe.refresh_batches, verbose=False
    )
    return {
        "recipe": name,
        "seed": seed,
        "backend": keras.backend.backend(),
        "policy": keras.mixed_precision.global_policy().name,
        "images_seen": recipe.epochs * len(x_train),
        "steps": total,
        "test_acc_before_refresh": round(test_before, 4),
        "test_acc": round(float(np.mean(training.predict_classes(model, x_test) == y_test)), 4),
        "train_acc": round(float(np.mean(training.predict_classes(model, x_train) == y_train)), 4),
        "train_seconds": round(train_seconds, 1),
        # The training checks' own measures (grader.judge.evaluation), to set the bars in
        # grader/judge/bars.py.
        "check_train_subset": round(evaluation.accuracy(model, *bar_sets["train_subset"]), 4),
        "check_hidden_subset": round(evaluation.accuracy(model, *bar_sets["hidden_subset"]), 4),
        "hidden_all": round(evaluation.accuracy(model, *bar_sets["hidden_all"]), 4),
        **dataclasses.asdict(recipe),
    }


def main(argv=None) -> None:
    """Runs this worker's share of the chosen recipes and seeds; prints and records the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument(
        "--worker", type=int, default=0, help="this process's index among --workers"
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--policy", default="float32", choices=["float32", "mixed_float16", "mixed_bfloat16"]
    )
    parser.add_argument(
        "--csv", type=Path, default=Path(__file__).with_name("training_recipes.csv")
    )
    args = parser.parse_args(argv)

    keras.mixed_precision.set_global_policy(args.policy)
    x_train, y_train, x_test, y_test, _ = load_signs()
    data = (x_train, np.asarray(y_train).reshape(-1), x_test, np.asarray(y_test).reshape(-1))
    build = solution_namespace()["ResNet50"]
    bar_sets = evaluation.bar_image_sets()
    jobs = [(name, seed) for name in args.recipes for seed in args.seeds][
        args.worker :: args.workers
    ]
    for name, seed in jobs:
        row = run(name, RECIPES[name], seed, data, build, bar_sets)
        print(" ".join(f"{key}={value}" for key, value in row.items()), flush=True)
        with appending_rows(args.csv, tuple(row)) as writer:
            writer.writerow(row.values())


if __name__ == "__main__":
    main()
