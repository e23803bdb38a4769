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

from dataclasses import dataclass
from pathlib import Path

from grader.sandboxed.contract import TRAINED_MODEL_NAME

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
    """

    student: str
    assignment: str
    notebook: Path | None
    model: Path | None
    problem: str = ""


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
    flat = sorted(p for p in root.glob("*.ipynb") if p.is_file())
    if flat:
        return [_flat_submission(path) for path in flat]
    return _nbgrader_submissions(root, assignment, notebook_name)


def _flat_submission(path: Path) -> SubmissionFiles:
    model = path.with_suffix(".keras")
    return SubmissionFiles(path.stem, "", path, model if model.is_file() else None)


def _nbgrader_submissions(
    root: Path, assignment: str | None, notebook_name: str
) -> list[SubmissionFiles]:
    students = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
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
        if folder.is_dir():
            submissions.append(_folder_submission(student.name, assignment, folder, notebook_name))
    return submissions


def _folder_submission(
    student: str, assignment: str, folder: Path, notebook_name: str
) -> SubmissionFiles:
    model = folder / TRAINED_MODEL_NAME
    model = model if model.is_file() else None
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    if (folder / notebook_name).is_file():
        return SubmissionFiles(student, assignment, folder / notebook_name, model)
    if len(notebooks) == 1:
        return SubmissionFiles(student, assignment, notebooks[0], model)
    if not notebooks:
        problem = f"no notebook in {folder} (expected {notebook_name})"
    else:
        problem = (
            f"{len(notebooks)} notebooks in {folder} and none named {notebook_name}: "
            f"{', '.join(p.name for p in notebooks)}"
        )
    return SubmissionFiles(student, assignment, None, model, problem)
