"""The ``gradescope`` command: ``python -m grader gradescope [--out ZIP] [--visibility V]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.gradescope.scripts import VISIBILITIES

DESCRIPTION = (
    "Build autograder.zip for a Gradescope programming assignment: setup.sh installs Python 3.11 "
    "and the pinned dependencies, run_autograder grades the submitted notebook (and the "
    "resnet50_signs.keras beside it) with the sandboxed grader and the hidden checks, and writes "
    "results.json. The zip holds the grader, the hidden checks and the data splits, the hidden "
    "one included; never the solutions."
)


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Adds the ``gradescope`` command's arguments to ``parser``.

    Args:
        parser: the sub-command's parser.

    Returns:
        The same parser.
    """
    parser.add_argument(
        "--out", type=Path, default=Path("autograder.zip"), help="zip to write (%(default)s)"
    )
    parser.add_argument(
        "--visibility",
        choices=VISIBILITIES,
        default="after_due_date",
        help="when students see each hidden check's result (default %(default)s); the top-level "
        "output with the score is always visible",
    )
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Runs the ``gradescope`` command.

    Args:
        args: the parsed arguments (see :func:`add_arguments`).

    Returns:
        0 when the zip was written, 2 when it could not be.
    """
    from grader.gradescope.package import PackageError, build_autograder_zip
    from signs_data import SignsDataError

    try:
        path = build_autograder_zip(args.out, visibility=args.visibility)
    except (PackageError, SignsDataError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    size = path.stat().st_size / 2**20
    print(
        f"{path}: {size:.1f} MiB. Upload it on Gradescope (Configure Autograder, Zip file upload, "
        f"Ubuntu 22.04 base image); hidden checks' visibility: {args.visibility}."
    )
    return 0
