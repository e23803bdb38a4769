"""What a batch run keeps on disk per student, so that a re-run grades only what changed.

Layout under the output folder::

    students/<student>/results.json   # Gradescope results for this student
    students/<student>/feedback.md    # the student's feedback
    students/<student>/record.json    # the grading record; written last

A student counts as graded only once ``record.json`` exists with status ``graded`` and the fingerprint of
the files graded; a run interrupted before that regrades the student next time. Every file is written to a
temporary name and moved into place, so none is ever half-written.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from grader.sandboxed.contract import write_bytes_atomic, write_json_atomic

STATUS_GRADED = "graded"
STATUS_FAILED = "failed"
RECORD_NAME = "record.json"
RESULTS_NAME = "results.json"
FEEDBACK_NAME = "feedback.md"
_CHUNK = 1 << 20
# Modules that present grades without changing them: editing them must not invalidate old grades.
_PRESENTATION_MODULES = frozenset({
    "run.py", "cli.py", "discovery.py", "state.py", "task.py", "progress.py",
    "gradebook.py", "feedback.py", "summary.py", "nbgrader_bridge.py", "child_process.py",
})


@dataclass
class GradingRecord:
    """The outcome of grading one student's submission.

    Attributes:
        student: the student's id.
        assignment: the assignment's name ('' for a flat folder of notebooks).
        notebook: the notebook graded (as a path string; '' when there was none).
        fingerprint: content hash of the notebook, the saved model and the grader (see :func:`fingerprint`).
        status: ``graded`` (the grader produced results) or ``failed`` (it could not; see ``reason``).
        reason: why grading failed; '' when graded.
        results: the Gradescope results (``score``, ``max_score``, ``tests``...); None when failed.
        wall_s: seconds the grading took.
        host: the machine that graded it.
    """

    student: str
    assignment: str = ""
    notebook: str = ""
    fingerprint: str = ""
    status: str = STATUS_FAILED
    reason: str = ""
    results: dict | None = None
    wall_s: float = 0.0
    host: str = ""

    @property
    def graded(self) -> bool:
        """True when the grader produced results for this submission."""
        return self.status == STATUS_GRADED and self.results is not None

    def to_json(self) -> dict:
        """Returns the record as a JSON-serialisable dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "GradingRecord":
        """Builds a record from its JSON form, ignoring keys it does not know."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


def fingerprint(notebook: Path | None, model: Path | None) -> str:
    """Hashes what a grade depends on: the notebook's bytes, the model's bytes and the grader's code.

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
    digest.update(b"grader\0" + grader_code_digest().encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def grader_code_digest() -> str:
    """Hashes the grader package's grading code, so that changed hidden checks invalidate old grades."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if (
            path.is_file()
            and path.suffix in (".py", ".json")
            and "__pycache__" not in path.parts
            and path.name not in _PRESENTATION_MODULES
        ):
            digest.update(str(path.relative_to(package)).encode() + b"\0")
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


def is_up_to_date(out_dir: Path, student: str, current_fingerprint: str) -> bool:
    """True when the student was graded before from exactly the same files and grader."""
    record = read_record(out_dir, student)
    return record is not None and record.graded and record.fingerprint == current_fingerprint


def write_text_atomic(path: Path, text: str) -> None:
    """Writes a text file so that readers see the old file or the new one, never a partial one.

    Args:
        path: the destination; its folder is created if needed.
        text: the content.
    """
    write_bytes_atomic(path, text.encode("utf-8"))


