"""The judge: runs the hidden checks over a submission's artifacts, in a fresh trusted process.

Usage::

    python -m grader.judge ARTIFACT_DIR --out VERDICTS.json
    python -m grader.judge ARTIFACT_DIR [ARTIFACT_DIR ...] --out OUT_DIR   # several submissions
    python -m grader.judge --prepare-data    # make any missing split of the data set, then exit
    python -m grader.judge ARTIFACT_DIR --out VERDICTS.json --wait-for GATE_FILE [--part retrain]

With ``--wait-for``, the judge starts Keras and its checks first, then waits until ``GATE_FILE``
exists before it reads anything in ``ARTIFACT_DIR``: the pipeline starts it while the producer is
still writing the artifacts, and creates the gate file once the producer's processes are gone.
With ``--part``, it runs only some of the checks (see :data:`grader.judge.run.PARTS`), so that two
judge processes can share a submission's checks. With ``--snapshot``, it copies the files its part
reads into its own temporary folder once the gate opens, and checks only the copies: the pipeline
opens the retrain judge's gate while the producer may still run (see
:mod:`grader.judge.snapshot`).

The grading pipeline runs the judge in a sandbox of its own (see :mod:`grader.pipeline.judging`),
where the data folder is read-only: ``--prepare-data`` is run before, outside it, when a split the
checks read is missing.

The judge never imports or executes student code: it reads ``manifest.json`` (see
:mod:`grader.sandboxed.contract`), checks each ``.keras`` file as data (see
:mod:`grader.judge.validation`) and only then loads it with ``safe_mode=True``, so what it checks is
the student's computation graph as data. The checks are ordinary pytest tests in
``grader/judge/checks`` (see :mod:`grader.judge.run`).

``VERDICTS.json`` is :class:`grader.report.result.Verdicts` in its JSON form: one verdict per hidden
check (exercise, title, passed, points, message for the student). The exit status is 0 whenever
verdicts were written, whatever the score, and 2 when the judge itself could not run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from grader.judge.run import PARTS, part_checks, run_checks
from grader.judge.snapshot import files_for, snapshot_artifacts
from grader.sandboxed.keras_import import import_keras


def main(argv: list[str] | None = None) -> int:
    """Runs the judge from the command line; see the module docstring."""
    parser = argparse.ArgumentParser(
        prog="python -m grader.judge", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "artifact_dirs", nargs="*", metavar="ARTIFACT_DIR", help="a producer's artifact directory"
    )
    parser.add_argument(
        "--out",
        help="the verdicts file; with several ARTIFACT_DIRs, a folder for <dir name>.json files",
    )
    parser.add_argument(
        "--prepare-data",
        action="store_true",
        help="generate any missing split of the data set the checks read, and exit",
    )
    parser.add_argument(
        "--wait-for",
        metavar="GATE_FILE",
        help="start up, then wait until this file exists before reading any artifact",
    )
    parser.add_argument(
        "--part",
        choices=sorted(PARTS),
        default="all",
        help="run only these checks: the retrain, all others, or all (the default)",
    )
    parser.add_argument(
        "--snapshot",
        action="store_true",
        help="once the gate opens, check private copies of the files the part reads",
    )
    args = parser.parse_args(argv)
    if args.prepare_data:
        return prepare_data()
    if not args.artifact_dirs or not args.out:
        parser.error("ARTIFACT_DIR and --out are required")
    missing = [d for d in args.artifact_dirs if not Path(d).is_dir()]
    if missing:
        print(f"grader.judge: not an artifact directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    names = [Path(d).resolve().name for d in args.artifact_dirs]
    if len(args.artifact_dirs) > 1 and len(set(names)) != len(names):
        print(
            "grader.judge: several ARTIFACT_DIRs share a folder name; their verdict files would "
            "clash",
            file=sys.stderr,
        )
        return 2
    import_keras()
    if args.wait_for:
        wait_for_gate(Path(args.wait_for))
    checked = args.artifact_dirs
    if args.snapshot:
        names = files_for(part_checks(args.part))
        checked = [str(snapshot_artifacts(Path(d), names)) for d in args.artifact_dirs]
    results = run_checks(checked, part=args.part)
    if len(args.artifact_dirs) == 1:
        targets = [Path(args.out)]
    else:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        targets = [Path(args.out) / f"{name}.json" for name in names]
    for target, verdicts in zip(targets, results, strict=True):
        verdicts.save(target)
    return 0


def wait_for_gate(gate: Path, poll_s: float = 0.02) -> None:
    """Returns once ``gate`` exists; whoever started the judge stops it if it never will."""
    while not gate.exists():
        time.sleep(poll_s)


def prepare_data() -> int:
    """Makes the public splits and the hidden split if they are missing; returns the exit status."""
    from grader.judge.hidden_split import ensure_hidden_split
    from signs_data import load_signs

    load_signs()
    ensure_hidden_split()
    return 0


if __name__ == "__main__":
    sys.exit(main())
