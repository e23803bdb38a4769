"""Command line: ``python -m signs_data generate|samples|verify``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .checksums import verify
from .errors import SignsDataError
from .generate import DEFAULT_SEED, DEFAULT_TEST_SIZE, DEFAULT_TRAIN_SIZE, generate_files
from .loaders import default_data_dir
from .samples import write_samples


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Returns the parser of ``python -m signs_data``."""
    parser = argparse.ArgumentParser(
        prog="python -m signs_data",
        description="Generate, inspect and verify the SIGNS-style data set.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write train_signs.h5 and test_signs.h5")
    generate.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="output folder (default: $SIGNS_DATA_DIR, else the repository's data/)",
    )
    generate.add_argument("--seed", type=_non_negative, default=DEFAULT_SEED)
    generate.add_argument("--train-size", type=_non_negative, default=DEFAULT_TRAIN_SIZE)
    generate.add_argument("--test-size", type=_non_negative, default=DEFAULT_TEST_SIZE)
    generate.add_argument(
        "--force",
        action="store_true",
        help="replace existing generated files (files not made by signs_data are never replaced)",
    )
    samples = commands.add_parser("samples", help="draw a grid of example images")
    samples.add_argument(
        "--out", type=Path, default=None, help="PNG path (default: <data dir>/samples.png)"
    )
    check = commands.add_parser("verify", help="check the files against the recorded checksums")
    check.add_argument("--data-dir", type=Path, default=None)
    return parser


def main(argv=None) -> int:
    """Runs ``python -m signs_data``; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "generate":
            data_dir = args.data_dir or default_data_dir()
            written = generate_files(
                data_dir,
                seed=args.seed,
                train_size=args.train_size,
                test_size=args.test_size,
                force=args.force,
            )
            if not written:
                print(
                    f"{data_dir}: train_signs.h5 and test_signs.h5 exist; use --force to regenerate"
                )
            for path in written:
                print(f"wrote {path}")
        elif args.command == "samples":
            out = args.out or default_data_dir() / "samples.png"
            print(f"wrote {write_samples(out)}")
        else:
            for line in verify(args.data_dir or default_data_dir()):
                print(line)
    except SignsDataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
