"""Times ``python -m grader check`` on one submission with two checkouts of the grader, alternating.

For a change's cost: give the Python of a second checkout (its own virtual environment, whose
editable install points at that checkout) with ``--before``; this checkout's Python is the other.
Both grade the same copy of the notebook, with the same ``resnet50_signs.keras`` beside it, turn by
turn (before, after, before, ...), each from a folder outside either checkout, after one untimed
warm-up each (data generation, file caches). Prints every run's wall time and phases, the medians,
the ratio after / before and the machine's load before and after.

Usage::

    python bench/bench_two_checkouts.py --before /tmp/old/.venv/bin/python [--repeat 3]
        [--notebook solutions/resnets/Residual_Networks.ipynb] [--model resnet50_signs.keras]

Without ``--model``, an untrained ResNet-50 built by the notebook's own ``ResNet50`` is handed in,
so that both judges load and evaluate a full-size model.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench_grading import DEFAULT_NOTEBOOK, copy_with_model, time_grader_check


def main(argv: list[str] | None = None) -> int:
    """Grades the notebook with both checkouts, alternating, and prints the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the other checkout's Python")
    parser.add_argument("--after", default=sys.executable, help="default: this Python")
    parser.add_argument("--notebook", type=Path, default=DEFAULT_NOTEBOOK)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each checkout")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-checkouts-"))
    print(f"cpu cores: {os.cpu_count()}, load average before: {os.getloadavg()}", flush=True)
    try:
        notebook = copy_with_model(args.notebook, args.model, work)
        sides = {"before": args.before, "after": args.after}
        for side, python in sides.items():
            wall, _ = time_grader_check(notebook, python=python, cwd=notebook.parent)
            print(f"warm-up {side}: {wall:.1f} s", flush=True)
        walls: dict[str, list[float]] = {side: [] for side in sides}
        for run in range(1, args.repeat + 1):
            for side, python in sides.items():
                wall, results = time_grader_check(notebook, python=python, cwd=notebook.parent)
                walls[side].append(wall)
                timings = results.get("extra_data", {}).get("timings", {})
                print(
                    f"run {run} {side:6}: {wall:6.1f} s (producer {timings.get('producer', 0):.1f}"
                    f" s, judge {timings.get('judge', 0):.1f} s; score {results['score']}/"
                    f"{results['max_score']}; load {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    medians = {side: statistics.median(values) for side, values in walls.items()}
    for side, median in medians.items():
        print(f"{side}: median {median:.1f} s of {walls[side]}")
    print(f"ratio after / before: {medians['after'] / medians['before']:.3f}")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
