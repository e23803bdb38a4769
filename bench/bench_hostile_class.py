"""Benchmark a class of honest, mistaken and hostile submissions: throughput, memory, grades lost.

Builds a class of at least 100 (by default): honest notebooks (the reference solution, with an
untrained ResNet-50 handed in as the trained model, so that the judge loads and scores a full-size
model), mistaken ones (the sample mistakes), hostile code (a fork bomb, a memory bomb, an endless
loop, killing the grading process, monkeypatching), every crafted model file of
``instructor.hostile_files`` and every broken notebook of ``instructor.broken_notebooks``. Grades it
with ``grader.batch.run.grade_class`` on the embedded cluster and prints:

* submissions per hour, and the wall time;
* the peak memory per grading (producer and judge, proportional set size of each sandboxed process
  tree) and of the whole machine (used memory, sampled every half second, before and during);
* grades lost: students found but without a gradebook row, or with two (must be 0);
* a table of every crafted file and broken notebook: its verdict, the reason the student reads, the
  judge's peak memory and the disk its grading used.

Usage::

    python bench/bench_hostile_class.py                  # a class of 100, workers from the machine
    python bench/bench_hostile_class.py --honest 4 --mistaken 4 --hostile-code 5 --workers 2
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import nbformat
import psutil

from grader.batch.run import BatchOptions, default_workers, grade_class
from grader.batch.state import read_record
from grader.pipeline.backend import usable_cores
from instructor import sample_submissions as samples
from instructor.broken_notebooks import BROKEN
from instructor.hostile_files import CRAFTED

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "solutions" / "resnets" / "Residual_Networks.ipynb"
ASSIGNMENT = "resnets"
NOTEBOOK = "Residual_Networks.ipynb"
HOSTILE_CODE = {
    "fork_bomb": "import os, time\nfor _ in range(10):\n    os.fork()\ntime.sleep(120)\n",
    "memory_bomb": "_blocks = []\nwhile True:\n    _blocks.append(bytearray(256 * 2**20))\n",
    "endless_loop": "while True:\n    pass\n",
    "kills_its_parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n",
    "disk_filler": (
        "with open('fill', 'wb') as _f:\n    while True:\n        _f.write(bytes(2**24))\n"
    ),
}


def write_class(root: Path, honest: int, mistaken: int, hostile_code: int) -> dict[str, str]:
    """Writes the class under ``root/submitted``; returns each student's kind."""
    source = nbformat.read(SOURCE, as_version=4)
    solutions = samples.solution_sources(source)
    reference = samples.with_cells(source, solutions)
    mistakes = [
        {"identity_block": samples.IDENTITY_BLOCK_SKIP_AFTER_RELU},
        {"convolutional_block": samples.CONVOLUTIONAL_BLOCK_RAISES},
        {"dense_residual_block": samples.HOSTILE_DENSE_RESIDUAL_BLOCK},
    ]
    not_answered = dict.fromkeys(
        ("identity_block", "convolutional_block", "ResNet50"), samples.NOT_ANSWERED
    )
    first_only = samples.with_cells(reference, not_answered)
    kinds: dict[str, str] = {}

    def folder(student: str, kind: str) -> Path:
        path = root / "submitted" / student / ASSIGNMENT
        path.mkdir(parents=True)
        kinds[student] = kind
        return path

    trained = root / "untrained_resnet50.keras"
    _save_untrained_resnet50(solutions, trained)
    for index in range(honest):
        target = folder(f"honest{index:02d}", "honest")
        nbformat.write(reference, target / NOTEBOOK)
        os.link(trained, target / "resnet50_signs.keras")
    for index in range(mistaken):
        target = folder(f"mistaken{index:02d}", "mistaken")
        mistake = samples.with_cells(reference, mistakes[index % len(mistakes)])
        nbformat.write(mistake, target / NOTEBOOK)
    names = list(HOSTILE_CODE)
    for index in range(hostile_code):
        name = names[index % len(names)]
        code = HOSTILE_CODE[name] + solutions["dense_residual_block"]
        target = folder(f"code_{name}{index:02d}", "hostile code")
        hostile = samples.with_cells(first_only, {"dense_residual_block": code})
        nbformat.write(hostile, target / NOTEBOOK)
    base = root / "base.ipynb"
    nbformat.write(first_only, base)
    honest_file = root / "honest_small.keras"
    _save_small_model(solutions, honest_file)
    for crafted in CRAFTED:
        target = folder(f"file_{crafted.name}", "crafted file")
        nbformat.write(first_only, target / NOTEBOOK)
        crafted.make(target / "resnet50_signs.keras", honest_file)
    for broken in BROKEN:
        target = folder(f"notebook_{broken.name}", "broken notebook")
        broken.make(target / NOTEBOOK, base)
    return kinds


def _namespace(solutions: dict[str, str]) -> dict:
    namespace: dict = {}
    source = nbformat.read(SOURCE, as_version=4)
    imports = next(
        cell.source
        for cell in source.cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "imports"
    )
    exec(imports, namespace)
    for name in ("identity_block", "convolutional_block", "ResNet50"):
        exec(solutions[name], namespace)
    return namespace


def _save_untrained_resnet50(solutions: dict[str, str], path: Path) -> None:
    namespace = _namespace(solutions)
    namespace["ResNet50"](input_shape=(64, 64, 3), classes=6).save(path)


def _save_small_model(solutions: dict[str, str], path: Path) -> None:
    from grader.sandboxed.cases import build_case, get_case

    build_case(get_case("train_resnet50", "retrain"), _namespace(solutions)).save(path)


class MemorySampler(threading.Thread):
    """Samples the machine's used memory every half second; keeps the peak."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0
        self._halt = threading.Event()

    def run(self) -> None:
        """Samples until stopped."""
        while not self._halt.is_set():
            self.peak = max(self.peak, psutil.virtual_memory().used)
            self._halt.wait(0.5)

    def stop(self) -> int:
        """Stops sampling; returns the peak in bytes."""
        self._halt.set()
        self.join()
        return self.peak


def verdict(record) -> tuple[str, str]:
    """Returns (verdict, what the student reads first) for a crafted file or broken notebook."""
    if not record.graded:
        return "refused", record.reason.splitlines()[0]
    result = record.result
    saved = [c for c in result.checks if c.test == "test_saved_model_is_resnet50"]
    if saved and not saved[0].passed and saved[0].message.startswith(("resnet50", "your trained")):
        return f"graded {result.score:g}/{result.max_score:g}", saved[0].message
    notes = "; ".join(result.notebook_problems[:1])
    return f"graded {result.score:g}/{result.max_score:g}", notes


def main(argv: list[str] | None = None) -> int:
    """Builds and grades the class and prints the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--honest", type=int, default=20)
    parser.add_argument("--mistaken", type=int, default=20)
    parser.add_argument("--hostile-code", type=int, default=18)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--csv", type=Path, default=None, help="also write the table here")
    args = parser.parse_args(argv)
    workers = args.workers or default_workers()
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as scratch:
        root = Path(scratch)
        kinds = write_class(root, args.honest, args.mistaken, args.hostile_code)
        mix = ", ".join(f"{count} {kind}" for kind, count in Counter(kinds.values()).items())
        print(
            f"machine: {usable_cores()} cores, {psutil.virtual_memory().total / 2**30:.1f} GiB, "
            f"load average {os.getloadavg()[0]:.1f}; class of {len(kinds)} ({mix}); "
            f"{workers} workers",
            flush=True,
        )
        before = psutil.virtual_memory().used
        sampler = MemorySampler()
        sampler.start()
        started = time.perf_counter()
        grade_class(BatchOptions(root / "submitted", root / "out", workers=workers))
        seconds = time.perf_counter() - started
        peak = sampler.stop()
        with open(root / "out" / "gradebook.csv", newline="") as handle:
            rows = [row["student"] for row in csv.DictReader(handle)]
        lost = sorted(set(kinds) - set(rows)) + sorted({s for s in rows if rows.count(s) > 1})
        records = {student: read_record(root / "out", student) for student in kinds}
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        _print_figures(kinds, records, seconds, before, peak, lost)
        _print_table(kinds, records, args.csv)
    return 0


def _print_figures(kinds, records, seconds, before, peak, lost) -> None:
    print(
        f"{len(kinds)} submissions in {seconds:.0f} s: {3600 * len(kinds) / seconds:.0f} "
        f"submissions per hour; grades lost: {len(lost)} {lost or ''}"
    )
    for phase in ("producer", "judge"):
        peaks = [
            r.result.resources.get(f"{phase}_peak_memory_bytes", 0)
            for r in records.values()
            if r is not None and r.graded
        ]
        print(
            f"{phase} peak memory per grading: median {_median(peaks) / 2**20:.0f} MiB, "
            f"largest {max(peaks) / 2**20:.0f} MiB"
        )
    print(
        f"machine used memory: {before / 2**30:.1f} GiB before, {peak / 2**30:.1f} GiB at the peak"
    )


def _print_table(kinds, records, csv_path) -> None:
    rows = []
    for student, kind in kinds.items():
        if kind not in ("crafted file", "broken notebook"):
            continue
        record = records[student]
        outcome, reason = verdict(record)
        resources = record.result.resources if record and record.graded else {}
        rows.append(
            (
                student,
                outcome,
                reason,
                f"{resources.get('judge_peak_memory_bytes', 0) / 2**20:.0f}",
                f"{resources.get('disk_bytes', 0) / 2**10:.0f}",
            )
        )
    header = ("student", "verdict", "what the student reads", "judge peak MiB", "disk KiB")
    print("\n| " + " | ".join(header) + " |\n|" + " --- |" * len(header))
    for row in rows:
        print("| " + " | ".join(cell.replace("|", "/")[:200] for cell in row) + " |")
    if csv_path:
        with open(csv_path, "w", newline="") as handle:
            csv.writer(handle).writerows([header, *rows])


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


if __name__ == "__main__":
    sys.exit(main())
