"""Measures the retrain check's accuracy for the reference blocks over several seeds.

Usage: ``python bench/bench_retrain_bar.py [--seeds 0 1 2 3 4] [--epochs N] [--threads N] [--csv
    bench/retrain_bar.csv]``

Runs on the Keras backend ``KERAS_BACKEND`` names, as the judge does; ``--threads`` caps its thread
pools as a grading's share of the cores does (the retrain judge of a split grading runs with 1,
see ``grader.pipeline.judging.start_judges``), and the machine column then names the cap. Prints
one line per seed (training accuracy after the retrain, wall and CPU seconds) and appends rows to
the CSV. The bar in ``grader/judge/bars.py`` must sit below the worst seed with a margin; timings
depend on the machine's load.
"""

import argparse
import os
import platform
import time
from pathlib import Path

from csv_log import appending_rows

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

COLUMNS = (
    "date",
    "machine",
    "keras",
    "epochs",
    "train_images",
    "seed",
    "accuracy",
    "wall_s",
    "cpu_s",
    "backend",
)


def main() -> None:
    """Measures the retrain check's accuracy of the reference blocks over seeds."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--csv", default=str(Path(__file__).with_name("retrain_bar.csv")))
    args = parser.parse_args()
    machine = f"{platform.machine()} {os.cpu_count()} cpus (shared)"
    if args.threads:
        from grader.pipeline.backend import thread_environment

        os.environ.update(thread_environment(args.threads))
        machine += f", {args.threads} threads"

    import keras

    from grader.judge import retrain
    from grader.sandboxed.cases import build_case, get_case
    from grader.sandboxed.lecture_blocks import reference_functions

    epochs = args.epochs or retrain.EPOCHS
    model = build_case(get_case("train_resnet50", "retrain"), reference_functions())
    data = retrain.retrain_data()
    print(
        f"retrain: {model.count_params()} parameters, {len(data[0])} training images, {epochs} "
        "epochs"
    )
    with appending_rows(args.csv, COLUMNS) as writer:
        for seed in args.seeds:
            started, cpu_started = time.perf_counter(), time.process_time()
            accuracy = retrain.retrain_accuracy(model, data, seed=seed, epochs=epochs)
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
            print(
                f"seed {seed}: training accuracy {accuracy:.3f} in {seconds:.1f} s wall, "
                f"{cpu_seconds:.1f} s CPU",
                flush=True,
            )
            writer.writerow(
                [
                    time.strftime("%Y-%m-%d"),
                    machine,
                    keras.__version__,
                    epochs,
                    retrain.TRAIN_IMAGES,
                    seed,
                    f"{accuracy:.4f}",
                    f"{seconds:.1f}",
                    f"{cpu_seconds:.1f}",
                    keras.backend.backend(),
                ]
            )


if __name__ == "__main__":
    main()
