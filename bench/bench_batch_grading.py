"""Benchmark class grading: seconds per submission and submissions per hour, 1 and N workers.

Builds a class of copies of a few notebooks (the reference solution, one with the skip added after
the final ReLU, one that implements only the first exercise), grades it with
``grader.batch.run.grade_class`` on the embedded Dask cluster with one worker, then with N, and
prints the figures and the scaling ratio (throughput with N workers / throughput with 1). With
``--oversubscribed`` it also grades with N workers whose TensorFlow keeps its default thread pools
(a thread per core in every grading) instead of a share of the cores each, the obvious alternative
to sharing. Each run starts from an empty output folder, so nothing is skipped.

Usage::

    python bench/bench_batch_grading.py                      # class of 20, N from the machine
    python bench/bench_batch_grading.py --oversubscribed     # and N workers, no thread share
    python bench/bench_batch_grading.py --class-size 6 --workers 2
    python bench/bench_batch_grading.py --runs 1 --class-size 4  # one configuration only
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell

from grader.batch.run import (
    BatchOptions,
    available_memory_bytes,
    default_workers,
    grade_class,
)
from grader.pipeline.backend import usable_cores
from instructor import sample_submissions as samples

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "solutions" / "resnets" / "Residual_Networks.ipynb"


def class_notebooks() -> list[nbformat.NotebookNode]:
    """Returns the few distinct notebooks the class is made of."""
    source = nbformat.read(SOURCE, as_version=4)
    reference = samples.with_cells(source, samples.solution_sources(source))
    mistake = samples.with_cells(
        reference, {"identity_block": samples.IDENTITY_BLOCK_SKIP_AFTER_RELU}
    )
    first_only = samples.with_cells(
        reference,
        dict.fromkeys(("identity_block", "convolutional_block", "ResNet50"), samples.NOT_ANSWERED),
    )
    return [reference, mistake, first_only]


def write_class(folder: Path, size: int) -> None:
    """Writes ``size`` students, cycling through :func:`class_notebooks`, each a little changed."""
    notebooks = class_notebooks()
    for index in range(size):
        notebook = nbformat.from_dict(notebooks[index % len(notebooks)])
        notebook.cells.append(new_markdown_cell(f"Submitted by student {index:02d}."))
        nbformat.write(notebook, folder / f"student{index:02d}.ipynb")


def timed_run(
    folder: Path, out: Path, workers: int, threads_per_grading: int | None = None
) -> float:
    """Grades the class from scratch and returns the wall-clock seconds.

    ``threads_per_grading`` is as in :class:`grader.batch.run.BatchOptions`.
    """
    start = time.perf_counter()
    report = grade_class(
        BatchOptions(folder, out, workers=workers, threads_per_grading=threads_per_grading)
    )
    seconds = time.perf_counter() - start
    if report.failed:
        print(f"  warning: {len(report.failed)} gradings failed: {report.failed}", file=sys.stderr)
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Times the class grading with 1 and with N workers and prints the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=20)
    parser.add_argument(
        "--workers", type=int, default=None, help="N (default: what the machine allows)"
    )
    parser.add_argument(
        "--runs", default=None, help="comma-separated worker counts to time (default: 1 and N)"
    )
    parser.add_argument(
        "--oversubscribed",
        action="store_true",
        help="also time N workers with TensorFlow's default threads in every grading",
    )
    args = parser.parse_args(argv)
    workers = args.workers or default_workers()
    counts = (
        [int(c) for c in args.runs.split(",")] if args.runs else list(dict.fromkeys((1, workers)))
    )
    cores = usable_cores()
    print(
        f"machine: {cores} cores, {available_memory_bytes() / 2**30:.1f} GiB available, "
        f"load average {os.getloadavg()[0]:.1f}; class of {args.class_size}; N = {workers}"
    )
    runs = [(f"workers={count}", count, None) for count in counts]
    if args.oversubscribed:
        runs.append((f"workers={workers}, TensorFlow's default threads", workers, 0))
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        folder = Path(scratch) / "class"
        folder.mkdir()
        write_class(folder, args.class_size)
        results = {}
        for index, (label, count, threads) in enumerate(runs):
            seconds = timed_run(folder, Path(scratch) / f"out-{index}", count, threads)
            results[label] = seconds
            print(
                f"{label}: {seconds:.0f} s total, {seconds / args.class_size:.1f} s per "
                f"submission, {3600 * args.class_size / seconds:.0f} submissions per hour",
                flush=True,
            )
    single = results.get("workers=1")
    for label, seconds in results.items():
        if single and label != "workers=1":
            print(
                f"scaling ratio (throughput with {label} / with 1 worker): {single / seconds:.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
