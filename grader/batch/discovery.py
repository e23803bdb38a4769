"""Finds the submissions to grade: an nbgrader ``submitted/`` tree or a folder of notebooks.

Two layouts are understood:

* nbgrader: ``ROOT/<student>/<assignment>/<notebook>.ipynb`` (``ROOT`` is the course's
``submitted/``
  folder), with the student's trained model, if any, next to the notebook as
  ``resnet50_signs.keras``;
* flat: ``ROOT/<student>.ipynb``, the student's id being the file's stem, with an optional model
beside
  it as ``<student>.keras``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from grader.sandboxed.contract import TRAINED_MODEL_NAME, trained_model_problem

DEFAULT_NOTEBOOK_NAME = "Residual_Networks.ipynb"


class DiscoveryError(ValueError):
    """The submissions folder is missing, empty, or laid out in a way the grader cannot read."""


@dataclass(frozen=True)
class SubmissionFiles:
    """One student's submission.

    Attributes:
        student: the student's id.
        assignment: the assignment's name ('' for a flat folder of notebooks).
        notebook: the notebook to grade, or None when the submission has none to grade.
        model: the student's saved trained model, or None.
        problem: why the submission cannot be graded ('' when it can).
        model_problem: why the saved model beside the notebook is left out ('' when it is taken or
            there is none): a symbolic link, not a file, or too large.
    """

    student: str
    assignment: str
    notebook: Path | None
    model: Path | None
    problem: str = ""
    model_problem: str = ""


def discover(
    root: str | Path, *, assignment: str | None = None, notebook_name: str = DEFAULT_NOTEBOOK_NAME
) -> list[SubmissionFiles]:
    """Lists the submissions under ``root``, sorted by student.

    Args:
        root: an nbgrader ``submitted/`` folder or a folder of ``.ipynb`` files.
        assignment: in an nbgrader tree, the assignment to grade; needed only when students
            submitted more than one.
        notebook_name: the notebook to grade when a submission folder holds several.

    Returns:
        One entry per student. A student whose folder has no notebook, or several with none named
        ``notebook_name``, gets an entry whose ``problem`` says so, so that the gradebook shows
        them.

    Raises:
        DiscoveryError: if ``root`` is not a folder, holds no submissions, or holds several
            assignments and ``assignment`` is not given.
    """
    root = Path(root)
    if not root.is_dir():
        raise DiscoveryError(
            f"{root}: no such folder (expected an nbgrader submitted/ folder or a folder of "
            ".ipynb notebooks)"
        )
    flat = sorted(root.glob("*.ipynb"))
    if flat:
        return [_flat_submission(path) for path in flat]
    return _nbgrader_submissions(root, assignment, notebook_name)


def _flat_submission(path: Path) -> SubmissionFiles:
    model, model_problem = _model(path.with_suffix(".keras"))
    problem = _not_a_notebook_file(path)
    notebook = None if problem else path
    return SubmissionFiles(path.stem, "", notebook, model, problem, model_problem)


def _real_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _model(path: Path) -> tuple[Path | None, str]:
    """The saved model to grade, or why it is left out; (None, '') when there is none."""
    if not os.path.lexists(path):
        return None, ""
    problem = trained_model_problem(path)
    return (None, problem) if problem else (path, "")


def _not_a_notebook_file(path: Path) -> str:
    """Why ``path`` cannot be graded as a notebook file ('' when it can).

    A symbolic link could name another student's notebook or the solutions; a folder or a FIFO
    named ``*.ipynb`` is no notebook (and reading a FIFO would wait forever).
    """
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return f"{path} is a symbolic link, not a notebook file; hand in the notebook itself"
    if stat.S_ISDIR(info.st_mode):
        return f"{path} is a folder, not a notebook file"
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file (a FIFO or a device), not a notebook"
    return ""


def _nbgrader_submissions(
    root: Path, assignment: str | None, notebook_name: str
) -> list[SubmissionFiles]:
    # A linked folder could pass another student's work off as this one's: only real folders count.
    students = sorted(p for p in root.iterdir() if _real_folder(p) and not p.name.startswith("."))
    found_assignments = sorted({a.name for s in students for a in s.iterdir() if a.is_dir()})
    if not found_assignments:
        raise DiscoveryError(
            f"{root}: no submissions found (expected <student>/<assignment>/*.ipynb as in "
            "nbgrader's submitted/ folder, or .ipynb files directly in the folder)"
        )
    if assignment is None:
        if len(found_assignments) > 1:
            raise DiscoveryError(
                f"{root}: submissions for several assignments ({', '.join(found_assignments)}); "
                "choose one with --assignment"
            )
        assignment = found_assignments[0]
    elif assignment not in found_assignments:
        raise DiscoveryError(
            f"{root}: no student submitted assignment {assignment!r} (found: "
            f"{', '.join(found_assignments)})"
        )
    submissions = []
    for student in students:
        folder = student / assignment
        if _real_folder(folder):
            submissions.append(_folder_submission(student.name, assignment, folder, notebook_name))
    return submissions


def _folder_submission(
    student: str, assignment: str, folder: Path, notebook_name: str
) -> SubmissionFiles:
    model, model_problem = _model(folder / TRAINED_MODEL_NAME)
    notebooks = sorted(folder.glob("*.ipynb"))
    named = folder / notebook_name
    if os.path.lexists(named) or len(notebooks) == 1:
        notebook = named if os.path.lexists(named) else notebooks[0]
        problem = _not_a_notebook_file(notebook)
        return SubmissionFiles(
            student, assignment, None if problem else notebook, model, problem, model_problem
        )
    if not notebooks:
        problem = f"no notebook in {folder} (expected {notebook_name})"
    else:
        problem = (
            f"{len(notebooks)} notebooks in {folder} and none named {notebook_name}: "
            f"{', '.join(p.name for p in notebooks)}"
        )
    return SubmissionFiles(student, assignment, None, model, problem, model_problem)
