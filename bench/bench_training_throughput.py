"""Training throughput of the notebook's ResNet-50 against keras.applications.ResNet50.

Both models train on the same SIGNS batches with the same batch size, in one
process. After a warm-up step each (which traces and compiles the training
function), they alternate in rounds of a few steps so that a change in
machine load affects both alike. The script prints images per second for
each, their ratio, and the fraction of the CPU's peak FLOP/s the notebook's
model reaches, counting a training step as 3x the forward FLOPs. The peak
comes from the vector width the CPU's flags announce (`bench/cpu_peak.py`).

The notebook's ResNet50 is built from the solution notebook's own cells
(`instructor.run_reference.solution_namespace`), not from a copy.

Usage: python bench/bench_training_throughput.py [--batch-size 32] [--steps 2] [--rounds 3]
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
from cpu_peak import cpu_peak_flops

from instructor.run_reference import solution_namespace
from signs_data import load_signs, one_hot


def forward_flops(model) -> int:
    """Counts the multiply-add FLOPs of one image's forward pass through Conv2D and Dense layers.

    Batch normalization, ReLU, additions and pooling add well under 1% and are left out.

    Args:
        model: A built functional Keras model.

    Returns:
        FLOPs (2 per multiply-add) for one image.
    """
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, height, width, channels_out = layer.output.shape
            kernel_h, kernel_w = layer.kernel_size
            channels_in = layer.input.shape[-1]
            total += 2 * height * width * kernel_h * kernel_w * channels_in * channels_out
        elif isinstance(layer, keras.layers.Dense):
            total += 2 * layer.input.shape[-1] * layer.units
    return total


def step_seconds(model, images, labels, batch_size: int, step: int) -> float:
    """Times one training step on the step-th batch and returns its duration in seconds."""
    start = (step * batch_size) % (len(images) - batch_size + 1)
    started = time.perf_counter()
    model.train_on_batch(images[start : start + batch_size], labels[start : start + batch_size])
    return time.perf_counter() - started


def main(argv=None) -> None:
    """Runs the benchmark and prints the figures."""
    parser = argparse.ArgumentParser(
        description="Training images/s: notebook ResNet-50 vs keras.applications"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=2, help="ABBA step groups per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument(
        "--policy",
        default="float32",
        choices=["float32", "mixed_float16"],
        help="Keras dtype policy (the notebook uses mixed_float16 on a GPU)",
    )
    args = parser.parse_args(argv)
    keras.mixed_precision.set_global_policy(args.policy)

    keras.utils.set_random_seed(0)
    X_train, Y_train, _, _, _ = load_signs()
    images = X_train[: 8 * args.batch_size].astype(np.float32) / 255.0
    labels = one_hot(Y_train[: 8 * args.batch_size])

    models = {
        "notebook ResNet50": solution_namespace()["ResNet50"](input_shape=(64, 64, 3), classes=6),
        "keras.applications.ResNet50": keras.applications.ResNet50(
            weights=None, input_shape=(64, 64, 3), classes=6
        ),
    }
    for name, model in models.items():
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy")
        started = time.perf_counter()
        model.train_on_batch(images[: args.batch_size], labels[: args.batch_size])
        print(
            f"{name}: {model.count_params():,} parameters, warm-up step "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )

    # Alternate step by step (ABBA order within each round) so that both models see the same machine
    # load.
    rates: dict[str, list[float]] = {name: [] for name in models}
    step = 0
    for round_number in range(args.rounds):
        for _ in range(args.steps):
            for name in list(models) + list(reversed(models)):
                rates[name].append(
                    args.batch_size
                    / step_seconds(models[name], images, labels, args.batch_size, step)
                )
                step += 1
        print(
            f"round {round_number + 1}/{args.rounds}: "
            + ", ".join(
                f"{name} {statistics.median(rates[name]):.2f} img/s so far" for name in models
            ),
            flush=True,
        )

    ours, theirs = (statistics.median(rates[name]) for name in models)
    flops = forward_flops(models["notebook ResNet50"])
    peak, how = cpu_peak_flops()
    achieved = 3 * flops * ours
    print()
    print(
        f"backend {keras.backend.backend()}, policy {args.policy}, batch size {args.batch_size}; "
        f"{len(rates[next(iter(models))])} timed steps per model, alternating; median of the steps"
    )
    print(f"notebook ResNet50            {ours:7.2f} images/s")
    print(f"keras.applications.ResNet50  {theirs:7.2f} images/s")
    print(f"ratio notebook / keras.applications: {ours / theirs:.3f}")
    print(
        f"forward pass {flops / 1e9:.3f} GFLOP/image; training ~3x = {3 * flops / 1e9:.3f} "
        "GFLOP/image (keras.applications: "
        f"{forward_flops(models['keras.applications.ResNet50']) / 1e9:.3f} GFLOP/image forward, "
        "its stage 2 runs at 16x16 instead of 15x15)"
    )
    print(
        f"achieved {achieved / 1e9:.1f} GFLOP/s of a {peak / 1e9:.1f} GFLOP/s peak ({how}): "
        f"{achieved / peak:.1%}"
    )
    print(
        f"(machine load at the end, 1-minute average: {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
