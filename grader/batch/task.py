"""The unit of work a batch worker runs: grade one submission and never raise.

Runs on a Dask worker, which may be another machine: it reads the submission from the shared file
system, grades it in a private temporary folder and returns the record as plain data. The caller
writes every output file, so workers need no access to the output folder.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from grader.batch.state import STATUS_FAILED, STATUS_GRADED, GradingRecord
from grader.pipeline.child_process import GRADING_TIMEOUT_S, grade_files
from grader.pipeline.errors import GradingError


def grade_submission(
    student: str,
    assignment: str,
    notebook: str | None,
    model: str | None,
    fingerprint: str,
    timeout_s: float = GRADING_TIMEOUT_S,
    threads: int | None = None,
    model_problem: str = "",
) -> dict:
    """Grades one submission, turning any failure into a failed record.

    Args:
        student: the student's id.
        assignment: the assignment's name.
        notebook: the notebook's path, as the worker sees it.
        model: the saved trained model's path, or None.
        fingerprint: the submission's content hash (see :func:`grader.batch.state.fingerprint`).
        timeout_s: wall-clock seconds allowed for the whole grading.
        threads: TensorFlow threads the grading may use; None for TensorFlow's default.
        model_problem: why the student's saved model was left out; empty when it was not.

    Returns:
        A :class:`~grader.batch.state.GradingRecord` as a dict: status ``graded`` with the grading
        result, or ``failed`` with the reason.
    """
    record = GradingRecord(
        student=student,
        assignment=assignment,
        notebook=notebook or "",
        fingerprint=fingerprint,
        host=socket.gethostname(),
    )
    start = time.monotonic()
    try:
        if notebook is None:
            raise GradingError("the submission has no notebook")
        for path in (notebook, model):
            if path is not None and not Path(path).is_file():
                raise GradingError(f"{path} is not visible on grading host {record.host}")
        record.result = grade_files(
            Path(notebook),
            None if model is None else Path(model),
            timeout_s=timeout_s,
            threads=threads,
            model_problem=model_problem,
        )
        record.status = STATUS_GRADED
    except GradingError as exc:
        record.status, record.reason = STATUS_FAILED, str(exc)
    except Exception as exc:  # one bad submission must never stop the others
        record.status, record.reason = STATUS_FAILED, f"{type(exc).__name__}: {exc}"
    record.wall_s = round(time.monotonic() - start, 2)
    return record.to_json()
