"""Scores trained ResNet-50 models exactly as the training checks do, to set their bars.

Usage: ``python bench/bench_trained_bars.py MODEL.keras [MODEL.keras ...] [--csv
    bench/trained_bars.csv]``

Each MODEL is the ``resnet50_signs.keras`` of one run of the reference notebook with its own seed
(``python -m instructor.run_reference --output runs/seedN``). For each it prints the accuracy on the
checks' fixed subsets of the training set and of the hidden split (and on the whole hidden split),
and appends a row to the CSV. The bars in ``grader/judge/bars.py`` must sit below the worst model
with a margin.
"""

import argparse
import os
import time
from pathlib import Path

from csv_log import appending_rows

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

COLUMNS = ("date", "keras", "model", "train_subset", "hidden_subset", "hidden_all", "eval_seconds")


def main() -> None:
    """Scores saved reference models on the training checks' image sets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", type=Path)
    parser.add_argument("--csv", default=str(Path(__file__).with_name("trained_bars.csv")))
    args = parser.parse_args()

    import keras

    from grader.judge import evaluation

    sets = evaluation.bar_image_sets()
    with appending_rows(args.csv, COLUMNS) as writer:
        for path in args.models:
            model = keras.saving.load_model(path, compile=False, safe_mode=True)
            started = time.perf_counter()
            scores = [
                evaluation.accuracy(model, *sets[name])
                for name in ("train_subset", "hidden_subset")
            ]
            seconds = time.perf_counter() - started
            scores.append(evaluation.accuracy(model, *sets["hidden_all"]))
            print(
                f"{path}: training subset {scores[0]:.3f}, hidden subset {scores[1]:.3f}, "
                f"whole hidden split {scores[2]:.3f} (subsets scored in {seconds:.1f} s)",
                flush=True,
            )
            writer.writerow(
                [time.strftime("%Y-%m-%d"), keras.__version__, str(path)]
                + [f"{s:.4f}" for s in scores]
                + [f"{seconds:.1f}"]
            )


if __name__ == "__main__":
    main()
