"""Training recipes for the notebook's ResNet-50 side by side: time to 90 % and 95 % test accuracy.

Each run is a fresh process that trains the network as the notebook does
(``bench_backends_training.train_on_this_backend``: the solution notebook's own cells, the
batch-norm statistics refreshed and the test split scored after every epoch, outside the timed
span), with the recipe's epochs, batch size, learning rate, start and dtype policy in place of the
training set-up cell's. The runs go seed by seed, each seed through every recipe, so that the
recipes share the machine's state as evenly as one machine allows.

Recipes:

- ``today``: the notebook's own recipe, read from its training set-up cell (no override).
- ``classic``: the classic course's recipe: Adam at its default rate (1e-3, constant), batches of
  32, 10 epochs, no silenced start, float32.
- the candidates in ``RECIPES``: today's recipe with fewer epochs or bfloat16 arithmetic.

For each run it prints and records the training seconds (the first epoch includes tracing the
training step), the seconds until the test accuracy first reaches 90 % and 95 %, the last refresh's
seconds, the accuracy after each epoch and the final test accuracy; then a summary per recipe with
the ratio of its median training time to today's.

Usage: python bench/bench_cpu_training_recipes.py [--recipes today classic ...] [--seeds 0 1 2 3 4]
    [--csv bench/cpu_training_recipes.csv]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench_backends_training import summarize, train_on_this_backend
from csv_log import appending_rows

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _recipe(
    epochs, batch_size, peak_learning_rate, *, warmup_cosine=True, zero_gamma=True, policy="float32"
):
    return {
        "epochs": epochs,
        "batch_size": batch_size,
        "peak_learning_rate": peak_learning_rate,
        "warmup_cosine": warmup_cosine,
        "zero_gamma": zero_gamma,
        "policy": policy,
    }


#: None stands for the notebook's own recipe.
RECIPES = {
    "today": None,
    "classic": _recipe(10, 32, 1e-3, warmup_cosine=False, zero_gamma=False),
    "b20_e4": _recipe(4, 20, 3e-3),
    "b20_e5_bf16": _recipe(5, 20, 3e-3, policy="mixed_bfloat16"),
    "b20_e4_bf16": _recipe(4, 20, 3e-3, policy="mixed_bfloat16"),
    "b20_e3_bf16": _recipe(3, 20, 3e-3, policy="mixed_bfloat16"),
}


def run_recipe(name: str, seed: int) -> dict:
    """Trains with recipe `name` and `seed` in a fresh TensorFlow process; returns its row."""
    result = ROOT / f".bench_recipe_{name}_{seed}.json"
    command = [
        sys.executable,
        __file__,
        "--worker",
        str(result),
        "--recipes",
        name,
        "--seeds",
        str(seed),
    ]
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    subprocess.run(command, check=True, env=env, cwd=ROOT)
    try:
        return {"recipe": name, "seed": seed, **summarize(json.loads(result.read_text()))}
    finally:
        result.unlink(missing_ok=True)


def summary_lines(rows: list[dict]) -> list[str]:
    """One line per recipe: medians over its seeds, the worst final accuracy, the ratio to today."""
    by_recipe: dict[str, list[dict]] = {}
    for row in rows:
        by_recipe.setdefault(row["recipe"], []).append(row)

    def median(recipe_rows, key):
        values = [row[key] for row in recipe_rows if row[key] != ""]
        return statistics.median(values) if len(values) == len(recipe_rows) else None

    today = median(by_recipe["today"], "train_s") if "today" in by_recipe else None
    lines = []
    for name, recipe_rows in by_recipe.items():
        train_s = median(recipe_rows, "train_s")
        to_90, to_95 = median(recipe_rows, "to_90pct_s"), median(recipe_rows, "to_95pct_s")
        worst = min(row["final_test_accuracy"] for row in recipe_rows)
        ratio = f"{train_s / today:.2f}x today's" if today else "no 'today' runs to compare"
        lines.append(
            f"{name}: {len(recipe_rows)} seed(s), median training {train_s:.1f} s ({ratio}), "
            f"median to 90 % {_seconds(to_90)}, to 95 % {_seconds(to_95)} (not reached by every "
            f"seed where '-'), worst final test accuracy {worst:.3f}"
        )
    return lines


def _seconds(value) -> str:
    return "-" if value is None else f"{value:.1f} s"


def main(argv=None) -> None:
    """Runs every recipe on every seed; prints and records one row per run, then the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", nargs="+", default=["today", "classic"], choices=list(RECIPES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--csv", type=Path, default=HERE / "cpu_training_recipes.csv")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        figures = train_on_this_backend(args.seeds[0], RECIPES[args.recipes[0]])
        args.worker.write_text(json.dumps(figures))
        return
    rows = []
    for seed in args.seeds:
        for name in args.recipes:
            row = run_recipe(name, seed)
            print(" ".join(f"{key}={value}" for key, value in row.items()), flush=True)
            rows.append(row)
            with appending_rows(args.csv, tuple(row)) as writer:
                writer.writerow(row.values())
    print("\n".join(summary_lines(rows)))


if __name__ == "__main__":
    main()
