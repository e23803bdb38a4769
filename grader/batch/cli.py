"""Command line for grading a class: ``python -m grader grade`` / ``python -m grader.batch``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path

from grader.batch.discovery import DiscoveryError

# The options whose BatchOptions field has another name.
_FIELDS = {"out": "out_dir", "timeout": "timeout_s"}
DESCRIPTION = (
    "Grade every submission in an nbgrader submitted/ folder (<student>/<assignment>/*.ipynb) or "
    "a folder of notebooks (student = file name), in parallel, and write a CSV gradebook, "
    "feedback and Gradescope results.json per student, and a class summary with a plot. "
    "Submissions graded before and unchanged are skipped."
)


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Adds the ``grade`` command's arguments to ``parser`` (a sub-command of a CLI).

    Args:
        parser: the parser or sub-parser to fill.

    Returns:
        The same parser.
    """
    parser.add_argument(
        "submissions", type=Path, help="nbgrader submitted/ folder or a folder of .ipynb files"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="output folder (created if missing)"
    )
    parser.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help="parallel gradings on this machine (default: from cores and available memory)",
    )
    parser.add_argument(
        "--force", action="store_true", help="regrade submissions already graded and unchanged"
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        help="Dask scheduler address (tcp://host:port) or scheduler file; default: a local "
        "cluster. Its workers need this environment and must see SUBMISSIONS at the same path",
    )
    parser.add_argument(
        "--gpu",
        action="store_true",
        help="give each grading one GPU worker resource (workers started with --resources GPU=1)",
    )
    parser.add_argument(
        "--assignment", default=None, help="assignment to grade when the folder holds several"
    )
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds allowed per submission"
    )
    parser.add_argument(
        "--canvas-csv",
        type=Path,
        default=None,
        help="also write the class's scores in Canvas's grade-import CSV format to this file",
    )
    parser.add_argument(
        "--roster",
        type=Path,
        default=None,
        help="CSV mapping student ids to Canvas identities, for --canvas-csv (columns: student, "
        "name, canvas_id, sis_user_id, sis_login_id, section)",
    )
    parser.add_argument(
        "--canvas-assignment",
        default=None,
        help="the Canvas column's title; 'Title (ID)' updates that existing assignment (default: "
        "the assignment's name)",
    )
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Runs the ``grade`` command.

    Args:
        args: the parsed arguments (see :func:`add_arguments`).

    Returns:
        0 when grading ran (whatever the scores and even if some submissions could not be graded),
        2 when it could not start, 4 when it stopped because the output folder could not be
        written, 130 when interrupted.
    """
    from grader.batch.canvas import RosterError, read_roster
    from grader.batch.run import (
        BatchError,
        BatchOptions,
        OutputError,
        grade_class,
        interrupt_on_sigint,
    )

    try:
        roster = read_roster(args.roster) if args.roster else None
    except RosterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Every option of the command is a field of BatchOptions, under its name or the one here.
    given = {
        _FIELDS.get(name, name): value for name, value in vars(args).items() if value is not None
    }
    options = BatchOptions(
        **{field.name: given[field.name] for field in fields(BatchOptions) if field.name in given}
    )
    interrupt_on_sigint()
    try:
        report = grade_class(options)
    except (DiscoveryError, BatchError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OutputError as exc:
        print(f"stopped: {exc}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        print(
            f"interrupted: finished gradings are saved in {args.out}; run the same command "
            "again to grade the rest",
            file=sys.stderr,
        )
        return 130
    if args.canvas_csv:
        _write_canvas(args, report.records, roster)
    print(
        f"{len(report.records)} students: {len(report.graded)} graded, {len(report.skipped)} "
        f"unchanged and skipped, {len(report.failed)} could not be graded; {report.wall_s:.0f} s "
        f"with {report.workers or 0} workers. Gradebook: {Path(args.out) / 'gradebook.csv'}",
        file=sys.stderr,
    )
    return 0


def _write_canvas(args: argparse.Namespace, records, roster) -> None:
    from grader.batch.canvas import assignment_title, write_canvas_csv

    title = args.canvas_assignment or assignment_title(records)
    unlisted = write_canvas_csv(args.canvas_csv, records, title, roster)
    print(f"Canvas import file: {args.canvas_csv} (column {title!r})", file=sys.stderr)
    if unlisted:
        print(
            f"warning: not in the roster, written under their own ids: {', '.join(unlisted)}",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> int:
    """Parses ``argv`` and runs the ``grade`` command."""
    parser = add_arguments(
        argparse.ArgumentParser(prog="python -m grader grade", description=DESCRIPTION)
    )
    return run(parser.parse_args(argv))


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of workers, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 worker, got {value}")
    return value
