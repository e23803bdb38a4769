"""Grades one Gradescope submission: ``python -m grader.gradescope.run --root /autograder``.

``run_autograder`` runs this in the autograder's root, which holds ``source/`` (the unpacked
package), ``submission/`` (the student's files) and ``results/``. The notebook is graded exactly as
``python -m grader check`` and batch grading grade it, and the result is written to
``results/results.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from grader.batch.discovery import DEFAULT_NOTEBOOK_NAME
from grader.gradescope.results import autograder_results, not_graded_results
from grader.gradescope.scripts import ROOT_VARIABLE, VISIBILITIES
from grader.sandboxed.contract import write_json_atomic

EXIT_GRADED = 0
EXIT_GRADER_FAILED = 3
RESULTS_FILE = Path("results") / "results.json"


class SubmissionError(ValueError):
    """The submission folder holds no notebook the grader can pick."""


def submission_notebook(folder: Path) -> Path:
    """Picks the notebook to grade in a Gradescope submission folder.

    Args:
        folder: ``/autograder/submission``.

    Returns:
        The notebook named like the assignment's, else the only ``.ipynb`` in the folder.

    Raises:
        SubmissionError: if there is no notebook, or several and none has the assignment's name.
    """
    named = folder / DEFAULT_NOTEBOOK_NAME
    if named.is_file():
        return named
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if len(notebooks) == 1:
        return notebooks[0]
    if not notebooks:
        raise SubmissionError(
            f"no notebook was submitted: upload {DEFAULT_NOTEBOOK_NAME} (and, if you trained it, "
            "resnet50_signs.keras)"
        )
    raise SubmissionError(
        f"{len(notebooks)} notebooks were submitted and none is named {DEFAULT_NOTEBOOK_NAME}: "
        f"{', '.join(p.name for p in notebooks)}; submit only the assignment's notebook"
    )


def grade_submission(root: Path, visibility: str) -> int:
    """Grades ``root/submission`` and writes ``root/results/results.json``.

    Args:
        root: the autograder's root (``/autograder`` on Gradescope).
        visibility: Gradescope's visibility for the hidden checks' test cases.

    Returns:
        0 when results.json was written (whatever the score, and for a submission that could not
        be graded, with the reason); 3 when the grader itself failed, which Gradescope shows as a
        failed autograder run for staff to rerun, rather than as a score.
    """
    from grader.pipeline.errors import GradingError
    from grader.pipeline.grade import grade_notebook
    from grader.pipeline.notebook import NotebookError

    results_path = root / RESULTS_FILE
    results_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        notebook = submission_notebook(root / "submission")
        result = grade_notebook(notebook)
    except (SubmissionError, NotebookError) as exc:
        write_json_atomic(results_path, not_graded_results(str(exc)))
        print(f"grader: not graded: {exc}", file=sys.stderr)
        return EXIT_GRADED
    except GradingError as exc:
        print(f"grader: grading failed (a grader fault, not the student's): {exc}", file=sys.stderr)
        return EXIT_GRADER_FAILED
    write_json_atomic(results_path, autograder_results(result, visibility))
    print(f"grader: {notebook.name} graded: {result.score:g}/{result.max_score:g}", file=sys.stderr)
    return EXIT_GRADED


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m grader.gradescope.run``."""
    parser = argparse.ArgumentParser(
        prog="python -m grader.gradescope.run",
        description="Grade the Gradescope submission in ROOT/submission into "
        "ROOT/results/results.json.",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(os.environ.get(ROOT_VARIABLE, "/autograder")),
        help=f"the autograder's root (default ${ROOT_VARIABLE}, else /autograder)",
    )
    parser.add_argument("--visibility", choices=VISIBILITIES, default="after_due_date")
    args = parser.parse_args(argv)
    return grade_submission(args.root, args.visibility)


if __name__ == "__main__":
    sys.exit(main())
