"""nbgrader plug-in: score each grade cell from the sandboxed grader's hidden checks.

``nbgrader autograde`` executes a submission in its own kernel, in the student's process space, and
scores each grade cell from that cell's outputs. A student's code can fake those outputs (patch
``numpy.testing``, print "all tests passed"), so this bridge takes the score out of the kernel's
hands:

1. :class:`StartHiddenChecks`, placed before nbgrader's ``Execute``, starts the real grader
   (``python -m grader check --json``: sandboxed producer, then the judge in its own process) on the
   sanitized submission and the student's saved model, before any student code has run on this
   machine. While it works, nbgrader's kernel executes the notebook as usual.
2. :class:`WriteHiddenVerdicts`, placed just before ``SaveAutoGrades``, replaces the outputs of
every
   ``test_<exercise>`` grade cell with the grader's verdicts for that exercise: one line per check,
   the message of each failed one, and an ``execute_result`` holding the points earned, which
   nbgrader reads as partial credit (``nbgrader.utils.determine_grade``). If grading could not run,
   the cell gets an error output, so it scores 0 and formgrader shows why.

The verdicts name checks and say what is wrong; the checks' source code lives in the grader package
and never enters the notebook, so ``generate_feedback`` cannot leak it.

Enable it in ``nbgrader_config.py``::

    from grader.nbgrader_bridge import autograde_preprocessors
    c.Autograde.autograde_preprocessors = autograde_preprocessors()
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Dict, Float, Unicode

from grader.pipeline.child_process import GRADING_TIMEOUT_S, grade_files
from grader.pipeline.errors import GradingError
from grader.report.gradescope import check_outputs
from grader.report.numbers import format_number
from grader.report.result import UNSANDBOXED_WARNING, GradeResult
from grader.sandboxed.contract import TRAINED_MODEL_NAME, trained_model_problem

RESOURCE_KEY = "grader_hidden_checks"
GRADE_CELL_PREFIX = "test_"
_MESSAGE_CHARS = 1500


class StartHiddenChecks(NbGraderPreprocessor):
    """Starts the sandboxed grader on the submission, before nbgrader's kernel runs any of it.

    It also copies the student's saved model (which the course's ``ignore`` list keeps nbgrader from
    copying) next to the notebook being autograded, so that the training cell can load it.
    """

    timeout = Float(GRADING_TIMEOUT_S, help="Seconds the grader may take on one submission.").tag(
        config=True
    )
    model_name = Unicode(TRAINED_MODEL_NAME, help="File name of the student's saved model.").tag(
        config=True
    )

    def preprocess(self, nb, resources):
        """Starts grading in the background and stores the pending result in ``resources``.

        Args:
            nb: the sanitized submission.
            resources: nbgrader's resources for this notebook.

        Returns:
            ``nb`` unchanged and ``resources`` with the pending grading under
            ``grader_hidden_checks``.
        """
        info = resources["nbgrader"]
        course = CourseDirectory(config=self.config)
        submitted = Path(
            course.format_path(course.submitted_directory, info["student"], info["assignment"])
        )
        model = submitted / self.model_name
        model_problem = trained_model_problem(model) if os.path.lexists(model) else ""
        model = model if os.path.lexists(model) and not model_problem else None
        autograded = Path(resources.get("metadata", {}).get("path") or ".")
        if model is not None and autograded.is_dir():
            shutil.copyfile(model, autograded / self.model_name)
        snapshot = copy.deepcopy(nb)
        self.log.info(
            "Starting the hidden checks for %s (model: %s)", info["student"], model or "none"
        )
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hidden-checks")
        resources[RESOURCE_KEY] = executor.submit(
            _grade_snapshot, snapshot, info["notebook"], model, self.timeout, model_problem
        )
        executor.shutdown(wait=False)
        return nb, resources


class WriteHiddenVerdicts(NbGraderPreprocessor):
    """Writes the verdicts into the ``test_<exercise>`` grade cells, for ``SaveAutoGrades``."""

    aliases = Dict(
        {"train_resnet50": ["training"]},
        help="Other exercise names whose checks also score a grade cell, keyed by the cell's "
        "exercise.",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        """Waits for the grader and rewrites the grade cells' outputs.

        Args:
            nb: the executed notebook.
            resources: nbgrader's resources, holding the pending grading.

        Returns:
            The notebook with every ``test_<exercise>`` grade cell's outputs replaced, and
            ``resources``.
        """
        pending: Future | None = resources.pop(RESOURCE_KEY, None)
        result, failure = None, ""
        if pending is None:
            failure = (
                "the hidden checks were not started (StartHiddenChecks must run before Execute)"
            )
        else:
            try:
                result = pending.result()
            except GradingError as exc:
                failure = str(exc)
            except (
                Exception
            ) as exc:  # a fault here must cost this student's cells, not the whole autograde
                failure = f"{type(exc).__name__}: {exc}"
        if failure:
            self.log.error(
                "Hidden checks failed for %s: %s", resources["nbgrader"].get("student"), failure
            )
        for cell in nb.cells:
            if _is_check_cell(cell):
                exercise = cell.metadata.nbgrader["grade_id"][len(GRADE_CELL_PREFIX) :]
                cell.outputs = (
                    _error_outputs(failure)
                    if failure
                    else verdict_outputs(exercise, result, cell, self.aliases.get(exercise, []))
                )
        return nb, resources


def autograde_preprocessors(base: list | None = None) -> list:
    """Returns nbgrader's autograde pipeline with the hidden-check steps in place.

    Args:
        base: the pipeline to extend; defaults to nbgrader's own
            ``Autograde.autograde_preprocessors``.

    Returns:
        ``base`` with :class:`StartHiddenChecks` before ``Execute`` and :class:`WriteHiddenVerdicts`
        before ``SaveAutoGrades``.
    """
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute, SaveAutoGrades

    steps = [
        p
        for p in (
            base
            if base is not None
            else Autograde.class_traits()["autograde_preprocessors"].default()
        )
        if p not in (StartHiddenChecks, WriteHiddenVerdicts)
    ]
    steps.insert(steps.index(Execute), StartHiddenChecks)
    steps.insert(steps.index(SaveAutoGrades), WriteHiddenVerdicts)
    return steps


def verdict_outputs(
    exercise: str, result: GradeResult, cell, aliases: list[str] | tuple = ()
) -> list:
    """Builds a grade cell's outputs from the grading result, for one exercise.

    Args:
        exercise: the exercise the cell grades (its ``grade_id`` without ``test_``).
        result: the graded notebook.
        cell: the grade cell (for its points and execution count).
        aliases: other exercise names whose checks count for this cell.

    Returns:
        A stdout stream listing every check and each failure's message, then an ``execute_result``
        whose ``text/plain`` is the points earned: the cell's points times the fraction of the
        exercise's check points the student earned.
    """
    names = {exercise, *aliases}
    checks = [
        (check, output)
        for check, output in zip(result.checks, check_outputs(result), strict=True)
        if check.exercise in names
    ]
    max_points = float(cell.metadata.nbgrader.get("points", 0))
    earned = sum(check.score for check, _ in checks)
    possible = sum(check.max_score for check, _ in checks)
    points = format_number(max_points * earned / possible if possible else 0.0)
    out_of = f"{points} / {format_number(max_points)} points"
    lines = [
        f"Hidden checks for {exercise} (run by the course grader, outside this notebook): {out_of}"
    ]
    if result.unsandboxed:
        lines.append("  " + UNSANDBOXED_WARNING)
    if not checks:
        lines.append(f"  The grader reported no checks for {exercise}; this cell scores 0.")
    for check, output in checks:
        lines.append(f"  [{'PASS' if check.passed else 'FAIL'}] {check.name}")
        message = output.strip()
        if not check.passed and message:
            if len(message) > _MESSAGE_CHARS:
                message = message[:_MESSAGE_CHARS] + " ..."
            lines += ["        " + line for line in message.splitlines()]
    return [
        nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n"),
        nbformat.v4.new_output(
            "execute_result",
            data={"text/plain": points, "text/html": f"<b>{out_of}</b>"},
            execution_count=cell.get("execution_count"),
        ),
    ]


def _error_outputs(reason: str) -> list:
    return [
        nbformat.v4.new_output(
            "error",
            ename="GradingError",
            evalue=f"the hidden checks could not run: {reason}",
            traceback=[
                f"GradingError: the hidden checks could not run: {reason}",
                "This cell scores 0 until an instructor regrades it.",
            ],
        )
    ]


def _is_check_cell(cell) -> bool:
    return (
        cell.cell_type == "code"
        and utils.is_grade(cell)
        and not utils.is_solution(cell)
        and str(cell.metadata.nbgrader.get("grade_id", "")).startswith(GRADE_CELL_PREFIX)
    )


def _grade_snapshot(
    notebook, notebook_id: str, model: Path | None, timeout_s: float, model_problem: str
) -> GradeResult:
    with tempfile.TemporaryDirectory(prefix="nbgrader-hidden-") as scratch:
        path = Path(scratch) / f"{notebook_id}.ipynb"
        nbformat.write(notebook, os.fspath(path))
        return grade_files(path, model, timeout_s=timeout_s, model_problem=model_problem)
