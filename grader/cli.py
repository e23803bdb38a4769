"""The grader's command line.

``python -m grader check NOTEBOOK [--json]``, ``python -m grader grade`` and
``python -m grader gradescope``.
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_GRADED = 0
EXIT_BAD_INPUT = 2
EXIT_GRADER_FAILED = 3


def build_parser() -> argparse.ArgumentParser:
    """Returns the parser for every sub-command."""
    from grader.pipeline.child_process import MODEL_PROBLEM_OPTION, RESULT_FILE_OPTION
    from grader.pipeline.supervisor import PRODUCER_TIMEOUT_S, STEP_TIMEOUT_S

    parser = argparse.ArgumentParser(
        prog="python -m grader",
        description="Grade Residual Networks notebooks: student code runs sandboxed, hidden "
        "checks judge what it built.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser(
        "check",
        help="grade one notebook and explain every check",
        description="Grade one notebook and explain every check. The exit status is 0 whenever the "
        "notebook was graded, whatever the score; 2 when it is not a readable notebook; 3 when the "
        "grader itself failed.",
    )
    check.add_argument(
        "notebook", help="the submission .ipynb (a saved resnet50_signs.keras may lie beside it)"
    )
    check.add_argument(
        "--json", action="store_true", help="print Gradescope's results.json object instead"
    )
    check.add_argument(
        "--timeout",
        type=float,
        default=PRODUCER_TIMEOUT_S,
        help="seconds allowed for running the submission's code (default %(default)s)",
    )
    check.add_argument(
        "--step-timeout",
        type=float,
        default=STEP_TIMEOUT_S,
        help="seconds allowed for one cell or one exercise (default %(default)s)",
    )
    check.add_argument(
        "--isolation",
        choices=("bwrap", "unshare", "none"),
        default=None,
        help="sandbox level for the submission's code (default: the strongest that works here)",
    )
    check.add_argument(
        "--workdir",
        default=None,
        help="keep the artifacts and verdicts in this folder (default: a temporary one)",
    )
    check.add_argument(RESULT_FILE_OPTION, default=None, help=argparse.SUPPRESS)
    check.add_argument(MODEL_PROBLEM_OPTION, default="", help=argparse.SUPPRESS)
    check.set_defaults(handler=check_command)
    from grader.batch import cli as batch_cli

    grade = commands.add_parser(
        "grade", help="grade a whole class", description=batch_cli.DESCRIPTION
    )
    batch_cli.add_arguments(grade)
    from grader.gradescope import cli as gradescope_cli

    gradescope = commands.add_parser(
        "gradescope",
        help="build the Gradescope autograder package",
        description=gradescope_cli.DESCRIPTION,
    )
    gradescope_cli.add_arguments(gradescope)
    return parser


def check_command(args: argparse.Namespace) -> int:
    """Runs ``check``: grades the notebook and prints the report.

    With the internal ``--result-file PATH`` (see :mod:`grader.pipeline.child_process`) it writes
    the typed result to that file instead and prints nothing.

    Args:
        args: the parsed arguments.

    Returns:
        The exit status (see :func:`build_parser`).
    """
    from grader.pipeline.child_process import die_with_starter
    from grader.pipeline.errors import GradingError
    from grader.pipeline.grade import grade_notebook
    from grader.pipeline.notebook import NotebookError
    from grader.report.gradescope import gradescope_results
    from grader.report.text import text_report

    if not die_with_starter():
        print("grader: the process that started this grading has ended", file=sys.stderr)
        return EXIT_GRADER_FAILED
    try:
        result = grade_notebook(
            args.notebook,
            workdir=args.workdir,
            timeout=args.timeout,
            step_timeout=args.step_timeout,
            isolation=args.isolation,
            model_problem=args.model_problem,
        )
    except NotebookError as exc:
        print(f"grader: cannot grade this file: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except GradingError as exc:
        print(
            f"grader: grading {args.notebook} failed (a grader fault, not the submission's): {exc}",
            file=sys.stderr,
        )
        return EXIT_GRADER_FAILED
    if args.result_file:
        result.save(args.result_file)
    elif args.json:
        print(json.dumps(gradescope_results(result), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(text_report(result, ascii_only=not _can_print("✓✗")))
    return EXIT_GRADED


def _can_print(text: str) -> bool:
    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m grader``."""
    args = build_parser().parse_args(argv)
    return args.handler(args)
