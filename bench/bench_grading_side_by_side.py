"""Times one submission's grading by two checkouts of the project, side by side, alternating.

Each checkout grades the same notebook copy (with the same ``resnet50_signs.keras`` beside it) with
its own virtual environment, ``CHECKOUT/.venv/bin/python -m grader check NOTEBOOK --json``, so that
the code before a change and after it run the same work on the same machine, turn by turn. After a
warm-up run of each, the rounds alternate which checkout goes first. Prints every run's wall time
with the producer's and the judge's, the load average before and after, and the medians and their
ratio.

Usage::

    python bench/bench_grading_side_by_side.py --before /tmp/before --after . [--repeat 4]
        [--notebook solutions/resnets/Residual_Networks.ipynb] [--model resnet50_signs.keras |
        --no-model]

``--no-model`` grades the notebook alone, as a student's check part-way through the assignment
does, before any model is trained.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench_grading import DEFAULT_NOTEBOOK, MODEL_NAME, copy_with_model, time_grader_check


def grade(checkout: Path, notebook: Path) -> tuple[float, dict]:
    """Grades ``notebook`` with ``checkout``'s code; returns (wall seconds, timings and score)."""
    wall, results = time_grader_check(
        notebook, python=str(checkout / ".venv/bin/python"), cwd=checkout
    )
    timings = results.get("extra_data", {}).get("timings", {})
    return wall, {
        "producer": timings.get("producer", float("nan")),
        "judge": timings.get("judge", float("nan")),
        "score": f"{results['score']}/{results['max_score']}",
    }


def main(argv: list[str] | None = None) -> int:
    """Grades one notebook with two checkouts, alternating, and prints the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout before the change")
    parser.add_argument("--after", type=Path, required=True, help="checkout after the change")
    parser.add_argument("--notebook", type=Path, default=DEFAULT_NOTEBOOK)
    models = parser.add_mutually_exclusive_group()
    models.add_argument(
        "--model", type=Path, default=None, help=f"placed beside it as {MODEL_NAME}"
    )
    models.add_argument("--no-model", action="store_true", help="no model file beside it")
    parser.add_argument("--repeat", type=int, default=4, help="rounds (default %(default)s)")
    args = parser.parse_args(argv)
    checkouts = {"before": args.before.resolve(), "after": args.after.resolve()}

    work = Path(tempfile.mkdtemp(prefix="bench-side-by-side-"))
    try:
        notebook = copy_with_model(args.notebook, args.model, work, untrained=not args.no_model)
        print(f"cpu cores: {os.cpu_count()}, load average at start: {os.getloadavg()}", flush=True)
        for name, checkout in checkouts.items():
            wall, info = grade(checkout, notebook)
            print(f"warm-up {name}: {wall:6.1f} s ({info})", flush=True)
        walls: dict[str, list[float]] = {name: [] for name in checkouts}
        for round_number in range(args.repeat):
            order = list(checkouts) if round_number % 2 == 0 else list(reversed(checkouts))
            for name in order:
                wall, info = grade(checkouts[name], notebook)
                walls[name].append(wall)
                print(
                    f"round {round_number + 1} {name:6s}: {wall:6.1f} s (producer "
                    f"{info['producer']:.1f} s, judge {info['judge']:.1f} s, score "
                    f"{info['score']})",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in walls.items()}
    print(f"load average at end: {os.getloadavg()}")
    for name, value in medians.items():
        print(f"{name:6s} median of {args.repeat}: {value:6.1f} s")
    print(f"after / before: {medians['after'] / medians['before']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
