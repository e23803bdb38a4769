"""Times a class's grading by two checkouts of the project, side by side, in one run.

Writes one class (copies of the reference solution, of a mistaken submission and of one that
answers only the first exercise, as ``bench_batch_grading.py`` does), then grades it with each
checkout's own virtual environment, ``CHECKOUT/.venv/bin/python -m grader grade CLASS --out OUT``,
with the default workers, from an empty output folder each time. Rounds alternate which checkout
goes first. Prints each run's wall time and submissions per hour, the load average before and
after, and the throughput ratio after / before.

With ``--own-notebooks`` each checkout grades a class written by its own ``write_class`` from its
own solution notebook, for a ``before`` whose grader cannot run today's notebook (its imports cell
names a module that checkout lacks). The classes then hold the same students, each from that
checkout's notebook, and the scores are compared as before.

Usage::

    python bench/bench_class_side_by_side.py --before /tmp/before --after . [--class-size 20]
        [--rounds 1] [--own-notebooks]
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_batch_grading import write_class


def grade_class(checkout: Path, folder: Path, out: Path) -> float:
    """Grades ``folder`` with ``checkout``'s code and default workers; returns wall seconds.

    Raises:
        SystemExit: the grading failed, or a submission has no grade.
    """
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(checkout / ".venv/bin/python"),
            "-m",
            "grader",
            "grade",
            str(folder),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=checkout,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"{checkout}: grade failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
        )
    return seconds


def write_checkout_class(checkout: Path, folder: Path, size: int) -> None:
    """Writes a class of ``size`` with ``checkout``'s own ``write_class`` and solution notebook."""
    program = (
        "import sys; from pathlib import Path; sys.path.insert(0, 'bench'); "
        "from bench_batch_grading import write_class; "
        "write_class(Path(sys.argv[1]), int(sys.argv[2]))"
    )
    subprocess.run(
        [str(checkout / ".venv/bin/python"), "-c", program, str(folder), str(size)],
        cwd=checkout,
        check=True,
    )


def scores(out: Path) -> list[tuple[str, str]]:
    """Each student's score from the gradebook CSV in ``out``."""
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        return sorted((row["student"], row["score"]) for row in csv.DictReader(handle))


def main(argv: list[str] | None = None) -> int:
    """Grades one class with two checkouts, alternating, and prints the throughputs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout before the change")
    parser.add_argument("--after", type=Path, required=True, help="checkout after the change")
    parser.add_argument("--class-size", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1, help="rounds (default %(default)s)")
    parser.add_argument(
        "--own-notebooks",
        action="store_true",
        help="each checkout grades a class written from its own solution notebook",
    )
    args = parser.parse_args(argv)
    checkouts = {"before": args.before.resolve(), "after": args.after.resolve()}
    print(f"cpu cores: {os.cpu_count()}, load average at start: {os.getloadavg()}", flush=True)
    walls: dict[str, list[float]] = {name: [] for name in checkouts}
    with tempfile.TemporaryDirectory(prefix="bench-class-") as scratch:
        if args.own_notebooks:
            folders = {name: Path(scratch) / f"class-{name}" for name in checkouts}
            for name, folder in folders.items():
                folder.mkdir()
                write_checkout_class(checkouts[name], folder, args.class_size)
        else:
            shared = Path(scratch) / "class"
            shared.mkdir()
            write_class(shared, args.class_size)
            folders = dict.fromkeys(checkouts, shared)
        graded: dict[str, list] = {}
        for round_number in range(args.rounds):
            order = list(checkouts) if round_number % 2 == 0 else list(reversed(checkouts))
            for name in order:
                out = Path(scratch) / f"out-{name}-{round_number}"
                seconds = grade_class(checkouts[name], folders[name], out)
                walls[name].append(seconds)
                graded[name] = scores(out)
                print(
                    f"round {round_number + 1} {name:6s}: {seconds:6.0f} s, "
                    f"{3600 * args.class_size / seconds:5.0f} submissions per hour "
                    f"(load average {os.getloadavg()[0]:.1f})",
                    flush=True,
                )
    print(f"load average at end: {os.getloadavg()}")
    print(f"same scores from both checkouts: {graded['before'] == graded['after']}")
    medians = {name: statistics.median(values) for name, values in walls.items()}
    for name, value in medians.items():
        print(
            f"{name:6s}: median {value:.0f} s for {args.class_size}, "
            f"{3600 * args.class_size / value:.0f} submissions per hour"
        )
    print(f"throughput after / before: {medians['before'] / medians['after']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
