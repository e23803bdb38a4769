"""Grades the test corpus under every pair of Keras backends: the student's and the grader's.

For each backend the student may have used, one process on that backend builds every corpus
entry's artifacts (``tests/grader/corpus``: the reference solution, its valid variants, the
mistakes), as the producer would; then one judge process per grader backend judges all of them. A
``.keras`` file is the same on every backend, so each entry must get the same verdicts whichever
pair graded it.

Writes ``bench/cross_backend_grading.csv``: one row per entry and pair (its score, the checks it
passed, whether its verdicts are those of the TensorFlow-TensorFlow pair), then one summary row per
pair (entry ``ALL``: total score, entries agreeing, the judge's wall time). Prints the table of
scores and the machine's load averages.

Usage::

    python bench/bench_cross_backend_grading.py [--entries N] [--backends tensorflow jax torch]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "grader"))

from corpus import catalogue, harness  # noqa: E402

OUT = REPO / "bench" / "cross_backend_grading.csv"
BACKENDS = ("tensorflow", "jax", "torch")
COLUMNS = (
    "entry",
    "kind",
    "student_backend",
    "grader_backend",
    "score",
    "max_score",
    "checks_passed",
    "checks",
    "same_as_tensorflow_pair",
    "judge_wall_s",
)
TIMEOUT_S = 3600


def verdict_signature(verdicts: dict) -> tuple:
    """What must not depend on the backends: each check's outcome and score."""
    return tuple(
        (c["exercise"], c["test"], c["passed"], c["score"], c["grader_error"])
        for c in verdicts["checks"]
    )


def grade_every_pair(entries, backends, root: Path) -> dict:
    """Builds the entries on each backend and judges them on each; returns verdicts and times.

    Returns:
        ``{(student, grader): (verdicts by entry name, judge wall seconds)}``.
    """
    results = {}
    for student in backends:
        started = time.monotonic()
        jobs = [
            (entry.source(), entry.builds, root / student / entry.name, ("small", "full"))
            for entry in entries
        ]
        dirs = harness.make_artifacts_on(student, jobs, timeout_s=TIMEOUT_S)
        print(f"built {len(dirs)} entries on {student} in {time.monotonic() - started:.0f} s")
        for grader in backends:
            started = time.monotonic()
            out = root / "verdicts" / f"{student}-{grader}"
            verdicts = harness.judge_in_one_process(
                dirs, out, timeout_s=TIMEOUT_S, KERAS_BACKEND=grader
            )
            wall_s = time.monotonic() - started
            results[(student, grader)] = (verdicts, wall_s)
            print(f"  judged on {grader} in {wall_s:.0f} s")
    return results


def write_table(entries, results, path: Path) -> int:
    """Writes the CSV; returns how many (entry, pair) verdicts differ from TensorFlow's pair."""
    baseline, _ = results[("tensorflow", "tensorflow")]
    differing = 0
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for (student, grader), (verdicts, wall_s) in results.items():
            total = maximum = agreeing = 0
            for entry in entries:
                checks = verdicts[entry.name]["checks"]
                same = verdict_signature(verdicts[entry.name]) == verdict_signature(
                    baseline[entry.name]
                )
                score = sum(c["score"] for c in checks)
                top = sum(c["max_score"] for c in checks)
                passed = sum(c["passed"] for c in checks)
                row = (entry.name, entry.kind, student, grader, score, top, passed, len(checks))
                writer.writerow((*row, same, ""))
                total, maximum, agreeing = total + score, maximum + top, agreeing + same
                differing += not same
            writer.writerow(
                ("ALL", f"{agreeing}/{len(entries)} entries agree", student, grader, total, maximum,
                 "", "", agreeing == len(entries), f"{wall_s:.1f}")
            )  # fmt: skip
    return differing


def print_scores(entries, results, backends) -> None:
    """Prints each entry's score under every pair, one column per pair."""
    pairs = [(s, g) for s in backends for g in backends]
    print("entry".ljust(40) + " ".join(f"{s[:5]}>{g[:5]}".rjust(12) for s, g in pairs))
    for entry in entries:
        scores = [sum(c["score"] for c in results[pair][0][entry.name]["checks"]) for pair in pairs]
        print(entry.name[:39].ljust(40) + " ".join(str(score).rjust(12) for score in scores))


def main() -> int:
    """Runs the benchmark; the exit status is 1 when any verdict depends on the backends."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=None, help="the first N corpus entries")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if "tensorflow" not in args.backends:
        parser.error("the TensorFlow pair is the baseline: keep tensorflow among --backends")
    missing = [b for b in args.backends if importlib.util.find_spec(b) is None]
    if missing:
        parser.error(f"not installed: {', '.join(missing)} (make env installs them)")
    entries = list(catalogue.ENTRIES[: args.entries])
    print(f"load averages before: {os.getloadavg()}; {os.cpu_count()} cores")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cross-backend-") as scratch:
        results = grade_every_pair(entries, args.backends, Path(scratch))
    wall_s = time.monotonic() - started
    differing = write_table(entries, results, args.out)
    print_scores(entries, results, args.backends)
    print(
        f"{len(entries)} entries x {len(results)} pairs in {wall_s:.0f} s; load averages after: "
        f"{os.getloadavg()}; verdicts differing from TensorFlow's pair: {differing}; "
        f"table: {args.out}"
    )
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
