"""Benchmark class grading: seconds per submission and submissions per hour, with 1 and with N workers.

Builds a class of copies of a few notebooks (the reference solution, one with the skip added after the final
ReLU, one that implements only the first exercise), grades it with ``grader.batch.grade_class`` on the
embedded Dask cluster with one worker and then with N, and prints the figures and the scaling ratio
(throughput with N workers / throughput with 1). Each run starts from an empty output folder, so nothing is
skipped.

Usage::

    python bench/bench_batch_grading.py                      # class of 20, N from the machine
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

from grader.batch import BatchOptions, available_memory_bytes, default_workers, grade_class
from grader.sample_submissions import IDENTITY_BLOCK_SKIP_AFTER_RELU, NOT_ANSWERED, solution_sources, with_cells

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "solutions" / "resnets" / "Residual_Networks.ipynb"


def class_notebooks() -> list[nbformat.NotebookNode]:
    """Returns the few distinct notebooks the class is made of."""
    source = nbformat.read(SOURCE, as_version=4)
    reference = with_cells(source, solution_sources(source))
    mistake = with_cells(reference, {"identity_block": IDENTITY_BLOCK_SKIP_AFTER_RELU})
    first_only = with_cells(reference, dict.fromkeys(("identity_block", "convolutional_block", "ResNet50"), NOT_ANSWERED))
    return [reference, mistake, first_only]


def write_class(folder: Path, size: int) -> None:
    """Writes ``size`` students, cycling through :func:`class_notebooks`, each copy a little different."""
    notebooks = class_notebooks()
    for index in range(size):
        notebook = nbformat.from_dict(notebooks[index % len(notebooks)])
        notebook.cells.append(new_markdown_cell(f"Submitted by student {index:02d}."))
        nbformat.write(notebook, folder / f"student{index:02d}.ipynb")


def timed_run(folder: Path, out: Path, workers: int) -> float:
    """Grades the class from scratch and returns the wall-clock seconds."""
    start = time.perf_counter()
    report = grade_class(BatchOptions(folder, out, workers=workers))
    seconds = time.perf_counter() - start
    if report.failed:
        print(f"  warning: {len(report.failed)} gradings failed: {report.failed}", file=sys.stderr)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None, help="N (default: what the machine allows)")
    parser.add_argument("--runs", default=None,
                        help="comma-separated worker counts to time (default: 1 and N)")
    args = parser.parse_args(argv)
    workers = args.workers or default_workers()
    counts = [int(c) for c in args.runs.split(",")] if args.runs else list(dict.fromkeys((1, workers)))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {cores} cores, {available_memory_bytes() / 2**30:.1f} GiB available, "
          f"load average {os.getloadavg()[0]:.1f}; class of {args.class_size}; N = {workers}")
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        folder = Path(scratch) / "class"
        folder.mkdir()
        write_class(folder, args.class_size)
        results = {}
        for count in counts:
            seconds = timed_run(folder, Path(scratch) / f"out-{count}", count)
            results[count] = seconds
            print(f"workers={count}: {seconds:.0f} s total, {seconds / args.class_size:.1f} s per submission, "
                  f"{3600 * args.class_size / seconds:.0f} submissions per hour")
    for count in counts:
        if count != 1 and 1 in results:
            print(f"scaling ratio (throughput with {count} workers / with 1): {results[1] / results[count]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
