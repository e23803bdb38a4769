"""What a batch run keeps on disk per student, so that a re-run grades only what changed.

Layout under the output folder::

    students/<student>/results.json   # Gradescope results for this student
    students/<student>/feedback.md    # the student's feedback
    students/<student>/record.json    # the grading record, holding the typed result; written last

A student counts as graded only once ``record.json`` exists with status ``graded`` and the
fingerprint of the files graded; a run interrupted before that regrades the student next time. Every
file is written to a temporary name and moved into place, so none is ever half-written.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from grader.report.result import GradeResult, ResultError

STATUS_GRADED = "graded"
STATUS_FAILED = "failed"
RECORD_NAME = "record.json"
RESULTS_NAME = "results.json"
FEEDBACK_NAME = "feedback.md"
_CHUNK = 1 << 20
# The packages whose code decides a grade: the producer's side, one grading's orchestration, the
# judge, the graph reading and ResNet-50 spec the checks use, and the data loaders with the hidden
# split's generator. Presentation (report, batch, the front doors) is left out: editing it keeps old
# grades.
GRADE_PACKAGES = (
    "grader.sandboxed",
    "grader.pipeline",
    "grader.judge",
    "resnet_course",
    "signs_data",
)


@dataclass
class GradingRecord:
    """The outcome of grading one student's submission.

    Attributes:
        student: the student's id.
        assignment: the assignment's name ('' for a flat folder of notebooks).
        notebook: the notebook graded (as a path string; '' when there was none).
        fingerprint: content hash of the notebook, the saved model and the grader (see
            :func:`fingerprint`).
        status: ``graded`` (the grader produced a result) or ``failed`` (it could not; see
            ``reason``).
        reason: why grading failed; '' when graded.
        result: the grading result; None when grading failed.
        wall_s: seconds the grading took.
        host: the machine that graded it.
    """

    student: str
    assignment: str = ""
    notebook: str = ""
    fingerprint: str = ""
    status: str = STATUS_FAILED
    reason: str = ""
    result: GradeResult | None = None
    wall_s: float = 0.0
    host: str = ""

    @property
    def graded(self) -> bool:
        """True when the grader produced a result for this submission."""
        return self.status == STATUS_GRADED and self.result is not None

    @property
    def heading(self) -> str:
        """Whom and what the record is about, e.g. ``alice on resnets``."""
        return self.student + (f" on {self.assignment}" if self.assignment else "")

    def to_json(self) -> dict:
        """Returns the record as a JSON-serialisable dict, its result in the result's own schema."""
        return {
            "student": self.student,
            "assignment": self.assignment,
            "notebook": self.notebook,
            "fingerprint": self.fingerprint,
            "status": self.status,
            "reason": self.reason,
            "result": None if self.result is None else self.result.to_json(),
            "wall_s": self.wall_s,
            "host": self.host,
        }

    @classmethod
    def from_json(cls, data: dict) -> GradingRecord:
        """Builds a record from its JSON form, ignoring keys it does not know.

        Args:
            data: the parsed ``record.json``.

        Returns:
            The record.

        Raises:
            ResultError: if ``data`` is not a record, or its result is not a well-formed grading
                result.
        """
        if not isinstance(data, dict) or not isinstance(data.get("student"), str):
            raise ResultError("not a grading record (no student)")
        result = data.get("result")
        return cls(
            student=data["student"],
            assignment=str(data.get("assignment", "")),
            notebook=str(data.get("notebook", "")),
            fingerprint=str(data.get("fingerprint", "")),
            status=str(data.get("status", STATUS_FAILED)),
            reason=str(data.get("reason", "")),
            result=None if result is None else GradeResult.from_json(result),
            wall_s=float(data.get("wall_s", 0.0)),
            host=str(data.get("host", "")),
        )


def fingerprint(notebook: Path | None, model: Path | None) -> str:
    """Hashes what a grade depends on: the notebook's bytes, the model's bytes and the grading code.

    Args:
        notebook: the notebook, or None.
        model: the saved trained model, or None.

    Returns:
        A hex SHA-256 digest; equal digests mean a regrade would give the same result.
    """
    digest = hashlib.sha256()
    for label, path in (("notebook", notebook), ("model", model)):
        digest.update(label.encode() + b"\0")
        if path is None:
            digest.update(b"none\0")
        else:
            _hash_file(digest, path)
    digest.update(b"grader\0" + grading_code_digest().encode())
    return digest.hexdigest()


def grading_code_files() -> list[tuple[str, Path]]:
    """Lists the files that decide a grade: ``.py`` and ``.json`` files of :data:`GRADE_PACKAGES`.

    Returns:
        ``(name, path)`` pairs in a fixed order, the name being the file's path within its package's
        folder, prefixed with the package, e.g. ``resnet_course/graph.py``.
    """
    files = []
    for package in GRADE_PACKAGES:
        spec = importlib.util.find_spec(package)
        for folder in spec.submodule_search_locations or ():
            root = Path(folder)
            label = package.replace(".", "/")
            files += [
                (f"{label}/{path.relative_to(root)}", path)
                for path in sorted(root.rglob("*"))
                if path.is_file()
                and path.suffix in (".py", ".json")
                and "__pycache__" not in path.parts
            ]
    return files


@lru_cache(maxsize=1)
def grading_code_digest() -> str:
    """Hashes the grading code (:func:`grading_code_files`): changed checks void old grades."""
    digest = hashlib.sha256()
    for name, path in grading_code_files():
        digest.update(name.encode() + b"\0")
        _hash_file(digest, path)
    return digest.hexdigest()


def _hash_file(digest, path: Path) -> None:
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    digest.update(b"\0")


def student_dir(out_dir: Path, student: str) -> Path:
    """Returns the folder holding one student's outputs."""
    return Path(out_dir) / "students" / student


def read_record(out_dir: Path, student: str) -> GradingRecord | None:
    """Reads a student's grading record; None when there is none or it is unreadable."""
    path = student_dir(out_dir, student) / RECORD_NAME
    try:
        return GradingRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def remove_unfinished_writes(out_dir: Path) -> list[Path]:
    """Deletes the temporary files of writes that a killed run left unfinished.

    Every output is written to ``.<name>.<random>.tmp`` and then moved into place; a run killed in
    between leaves that file behind, never a partial output under the real name.

    Args:
        out_dir: the batch output folder.

    Returns:
        The files deleted.
    """
    folders = [Path(out_dir), *sorted((Path(out_dir) / "students").glob("*/"))]
    removed = []
    for folder in folders:
        for path in folder.glob(".*.tmp"):
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def is_up_to_date(out_dir: Path, student: str, current_fingerprint: str) -> bool:
    """True when the student was graded before from exactly the same files and grader."""
    record = read_record(out_dir, student)
    return record is not None and record.graded and record.fingerprint == current_fingerprint
