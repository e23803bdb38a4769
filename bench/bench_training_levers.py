"""What each training lever buys the notebook's ResNet-50 on this CPU, side by side in one process.

Every lever is one ResNet-50, built from the solution notebook's own cells, that differs from the
notebook's training (float32, 64x64 images, batches of 20, TensorFlow's graph without XLA) in one
respect:

- ``bfloat16``: the ``mixed_bfloat16`` dtype policy (bfloat16 arithmetic, float32 weights);
- ``xla``: the training step compiled by XLA (``jit_compile=True``);
- ``48x48``: images of 48x48 pixels, as the early epochs of progressive resizing would train
  (40x40 is the smallest input the network's final 2x2 average pooling accepts);
- ``batch 32`` and ``batch 64``: larger batches.

A dtype policy, an input size and XLA are all fixed per model, so the models live in one process.
Each first trains one batch (the warm-up step, which traces and compiles its training step; the
figure a student waits for once per model), then they take turns, a few steps each in every round,
so that a change in the machine's load meets them all alike. The script prints the warm-up seconds,
the median images per second and its ratio to the notebook's training, and the CPU's bfloat16
support.

Usage: python bench/bench_training_levers.py [--levers notebook bfloat16 ...] [--rounds 4]
    [--steps 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras
from bench_training_throughput import step_seconds
from cpu_peak import read_cpuinfo

from instructor.run_reference import solution_namespace
from resnet_course import training
from signs_data import load_signs, one_hot


@dataclasses.dataclass(frozen=True)
class Lever:
    """One way to train the network, as far as its speed goes."""

    policy: str = "float32"
    jit_compile: bool = False
    size: int = 64
    batch_size: int = 20


LEVERS = {
    "notebook": Lever(),
    "bfloat16": Lever(policy="mixed_bfloat16"),
    "xla": Lever(jit_compile=True),
    "48x48": Lever(size=48),
    "batch 32": Lever(batch_size=32),
    "batch 64": Lever(batch_size=64),
}


def build(lever: Lever, build_resnet50):
    """Returns the compiled ResNet-50 of `lever`, built under its dtype policy."""
    keras.mixed_precision.set_global_policy(lever.policy)
    try:
        model = build_resnet50(input_shape=(lever.size, lever.size, 3), classes=6)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="categorical_crossentropy",
        jit_compile=lever.jit_compile,
    )
    return model


def main(argv=None) -> None:
    """Runs the chosen levers side by side and prints their figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levers", nargs="+", default=list(LEVERS), choices=list(LEVERS))
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--steps", type=int, default=3, help="steps per lever in each round")
    args = parser.parse_args(argv)
    names = ["notebook"] + [name for name in args.levers if name != "notebook"]

    keras.utils.set_random_seed(0)
    x_train, y_train, _, _, _ = load_signs()
    labels = one_hot(y_train)
    build_resnet50 = solution_namespace()["ResNet50"]
    full_size = training.normalize_images(x_train)
    models, images, warm_up = {}, {}, {}
    for name in names:
        lever = LEVERS[name]
        pixels = full_size
        if lever.size != 64:
            pixels = keras.ops.convert_to_numpy(
                keras.ops.image.resize(full_size, (lever.size, lever.size), antialias=True)
            )
        images[name] = pixels
        models[name] = build(lever, build_resnet50)
        started = time.perf_counter()
        step_seconds(models[name], pixels, labels, lever.batch_size, 0)
        warm_up[name] = time.perf_counter() - started
        print(f"{name}: warm-up step {warm_up[name]:.1f} s", flush=True)

    rates: dict[str, list[float]] = {name: [] for name in names}
    step = 1
    for round_number in range(args.rounds):
        order = names if round_number % 2 == 0 else list(reversed(names))
        for name in order:
            batch_size = LEVERS[name].batch_size
            for _ in range(args.steps):
                seconds = step_seconds(models[name], images[name], labels, batch_size, step)
                rates[name].append(batch_size / seconds)
                step += 1
        print(f"round {round_number + 1}/{args.rounds} done", flush=True)

    notebook_rate = statistics.median(rates["notebook"])
    flags = read_cpuinfo()["flags"] if Path("/proc/cpuinfo").exists() else set()
    bf16 = sorted(flag for flag in flags if "bf16" in flag) or ["none listed"]
    print()
    print(
        f"{keras.backend.backend()}, {os.cpu_count()} cores, "
        f"CPU bfloat16 flags: {', '.join(bf16)}; {args.rounds} rounds of "
        f"{args.steps} steps per lever, median of the steps"
    )
    for name in names:
        rate = statistics.median(rates[name])
        print(
            f"{name:10s} {dataclasses.asdict(LEVERS[name])}: warm-up {warm_up[name]:5.1f} s, "
            f"{rate:6.1f} images/s, {rate / notebook_rate:.2f}x the notebook's"
        )
    print(f"(1-minute load average at the end: {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
