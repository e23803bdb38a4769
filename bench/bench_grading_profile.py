r"""Profiles one grading by phase, for one checkout or for several side by side.

For each checkout, with its own ``.venv``, on the same notebook copy with the same
``resnet50_signs.keras`` beside it, ``bench/grading_profile_worker.py`` times:

* process start, alone and with Keras (TensorFlow) imported;
* the real grading (notebook reading, the sandboxed producer, the sandboxed judge), with the
  producer's own per-exercise times and the judge's own time for its checks, then a whole grading
  as the checkout orders it (``grade_notebook``: where the judge starts with the producer, and is
  split in two, this row shows it);
* the producer's steps one at a time, in one process: each cell, then each case's build and save;
* the judge's steps one at a time, in one process: each artifact's validation and load, the
  trained model's evaluation on the training and hidden subsets, the retrain, then every check
  (the checks load what they need again, as in a real judge).

The stages alternate between the checkouts. Prints one table (a column per checkout) and the load
average before and after; ``--csv`` also writes the rows. ``bench/grading_profile.csv`` is one such
run on an idle 2-core AMD EPYC (load 1.0 at the start): before = commit d8c85a1, after = with the
retrain judge started on its artifact while the producer goes on and the full-size ResNet-50 saved
as its structure alone, each checkout in a virtual environment of its own (a shared one would import
one checkout's editable grader for both), on the reference notebook with an untrained ResNet-50
handed in as ``resnet50_signs.keras`` (the judge validates, loads and scores it as a trained one;
its two accuracy checks fail). The producer's save rows use each checkout's own way of saving. The
other in-process rows of the two columns run the same code, so their differences are the machine's
noise; the sandboxed rows, the save and load of ``ResNet50/full`` and the whole-grading row are the
change.

Usage::

    python bench/bench_grading_profile.py --checkout before=/tmp/before --checkout after=. \\
        [--model resnet50_signs.keras] [--csv bench/grading_profile.csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_grading import DEFAULT_NOTEBOOK, MODEL_NAME, copy_with_model

WORKER = Path(__file__).resolve().parent / "grading_profile_worker.py"


def run_stage(checkout: Path, *args: str) -> tuple[list, str]:
    """Runs one worker stage with ``checkout``'s interpreter; returns (rows, its stdout)."""
    done = subprocess.run(
        [str(checkout / ".venv/bin/python"), str(WORKER), *args],
        capture_output=True,
        text=True,
        cwd=checkout,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: stage {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout


def profile(checkouts: dict[str, Path], notebook: Path, work: Path) -> dict[str, list]:
    """Runs every stage for every checkout, alternating; returns the rows per checkout."""
    rows: dict[str, list] = {name: [] for name in checkouts}
    artifacts: dict[str, str] = {}
    for stage in ("start", "pipeline", "producer", "judge"):
        for name, checkout in checkouts.items():
            folder = work / name / stage
            folder.mkdir(parents=True)
            if stage == "start":
                args = ["start"]
            elif stage == "pipeline":
                args = ["pipeline", str(notebook), str(folder)]
            elif stage == "producer":
                args = ["producer", str(notebook), str(folder)]
            else:
                args = ["judge", artifacts[name]]
            stage_rows, stdout = run_stage(checkout, *args)
            if stage == "pipeline":
                artifacts[name] = stdout.split("ARTIFACTS ", 1)[1].splitlines()[0]
            rows[name] += stage_rows
            print(f"{name}: {stage} done", file=sys.stderr, flush=True)
    return rows


def table(rows: dict[str, list]) -> list[list[str]]:
    """Joins the checkouts' rows by phase, in first-seen order."""
    phases: dict[str, dict[str, tuple]] = {}
    for name, checkout_rows in rows.items():
        for phase, seconds, note in checkout_rows:
            phases.setdefault(phase, {})[name] = (seconds, note)
    lines = []
    for phase, values in phases.items():
        cells = []
        for name in rows:
            seconds, note = values.get(name, ("", ""))
            text = (
                "-"
                if seconds == ""
                else (f"{seconds:.2f}" if isinstance(seconds, float) else str(seconds))
            )
            cells.append(f"{text} {note}".strip())
        lines.append([phase, *cells])
    return lines


def main(argv: list[str] | None = None) -> int:
    """Profiles the grading of one notebook by each checkout and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--checkout",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a checkout with its .venv (repeat for side by side; default: this one)",
    )
    parser.add_argument("--notebook", type=Path, default=DEFAULT_NOTEBOOK)
    parser.add_argument(
        "--model", type=Path, default=None, help=f"placed beside it as {MODEL_NAME}"
    )
    parser.add_argument("--csv", type=Path, default=None, help="also write the table here")
    args = parser.parse_args(argv)
    pairs = args.checkout or [f"this={Path(__file__).resolve().parents[1]}"]
    checkouts = {
        name: Path(path).resolve() for name, path in (pair.split("=", 1) for pair in pairs)
    }
    print(f"cpu cores: {os.cpu_count()}, load average at start: {os.getloadavg()}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    try:
        notebook = copy_with_model(args.notebook, args.model, work)
        print(
            f"model beside the notebook: {args.model or 'an untrained ResNet-50 (no --model)'}",
            flush=True,
        )
        rows = profile(checkouts, notebook, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = table(rows)
    header = ["phase (seconds)", *checkouts]
    width = max(len(line[0]) for line in lines)
    print(f"{header[0]:{width}s}  " + "  ".join(f"{h:>22s}" for h in header[1:]))
    for line in lines:
        print(f"{line[0]:{width}s}  " + "  ".join(f"{c:>22s}" for c in line[1:]))
    print(f"load average at end: {os.getloadavg()}")
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
