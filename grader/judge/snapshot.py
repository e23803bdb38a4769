"""A private copy of the artifacts a judge part reads, for a judge whose gate opens mid-production.

The retrain judge may start on its artifact while the producer still runs student code (see
:class:`grader.pipeline.judging.StartedJudge`). Student code could then swap a file between the
moment the validator reads it and the moment Keras loads it. So that judge first copies what it
needs into its own scratch folder, in one read of each file, and checks and loads only the copy.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from grader.judge.points import CheckSpec
from grader.sandboxed.cases import CASES
from grader.sandboxed.contract import MANIFEST_NAME

#: The most copied of one file. An honest manifest or retrain network is well under 1 MiB; a longer
#: file is cut here, under the judge's own file-size limit, and the validator refuses the cut copy.
SNAPSHOT_FILE_BYTES = 32 * 2**20
_CHUNK_BYTES = 2**20


def files_for(checks: tuple[CheckSpec, ...]) -> tuple[str, ...]:
    """The manifest and the artifact files of every case of the checks' exercises."""
    exercises = {spec.exercise for spec in checks}
    return (MANIFEST_NAME,) + tuple(case.file_name for case in CASES if case.exercise in exercises)


def snapshot_artifacts(
    artifact_dir: Path,
    names: tuple[str, ...],
    max_bytes: int = SNAPSHOT_FILE_BYTES,
    parent: Path | None = None,
) -> Path:
    """Copies the named files of ``artifact_dir`` into a new folder.

    A name that is not a regular file (absent, a symbolic link, a folder, a FIFO), or that cannot be
    copied, is left out, so the checks report it as missing. A file longer than ``max_bytes`` is cut
    there, so the validator refuses it as damaged rather than the copy filling the scratch space.

    Args:
        artifact_dir: the producer's artifact directory.
        names: file names in it.
        max_bytes: the most bytes copied of one file.
        parent: where to make the new folder; default: the temporary directory.

    Returns:
        The folder holding the copies.
    """
    target = Path(tempfile.mkdtemp(prefix="artifacts-", dir=parent))
    for name in names:
        try:
            source = os.open(
                os.path.join(artifact_dir, name), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
            )
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(source).st_mode):
                _copy_prefix(source, target / name, max_bytes)
        except OSError:
            (target / name).unlink(missing_ok=True)
        finally:
            os.close(source)
    return target


def _copy_prefix(source: int, path: Path, max_bytes: int) -> None:
    left = max_bytes
    with open(path, "wb") as out:
        while left > 0:
            chunk = os.read(source, min(_CHUNK_BYTES, left))
            if not chunk:
                return
            out.write(chunk)
            left -= len(chunk)
