"""Starts the judge in a sandbox of its own and reads its verdicts back from one validated file.

The judge is trusted code, but every file it opens was written or chosen by student code, so it runs
at the producer's isolation level: no network; the artifacts, the grader's code and the data set
read-only; one empty scratch folder in memory and one folder for its verdicts; at the ``bwrap``
level nothing else exists (no gradebook, no other submission, no solution); limits on wall time,
memory, processes and file size. Its verdicts come back as one JSON file, read with
:meth:`grader.report.result.Verdicts.load`, which refuses anything malformed.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from grader.pipeline.child_process import sandboxed_python_environment
from grader.pipeline.errors import GradingError
from grader.pipeline.sandbox import Limits, Mounts, SandboxResult, run_sandboxed
from grader.report.result import ResultError, Verdicts

#: Seconds the judge may take on one submission's artifacts.
JUDGE_TIMEOUT_S = 600.0
#: Memory of the judge's process tree: a ResNet-50, its copy for a check, and TensorFlow.
JUDGE_MEMORY_BYTES = 4 * 2**30
#: What the judge's scratch folder (its home and temporary folder) may hold.
JUDGE_SCRATCH_BYTES = 256 * 2**20
JUDGE_FILE_BYTES = 64 * 2**20
JUDGE_MAX_PROCESSES = 16
VERDICTS_NAME = "verdicts.json"
# Packages the judge imports from the project (installed editable, so their folders are mounted).
JUDGE_PACKAGES = ("grader", "resnet_course", "signs_data")
DATA_DIR_VARIABLE = "SIGNS_DATA_DIR"
# The data files the judge reads: the public training split and the hidden split.
DATA_FILES = ("train_signs.h5", "test_signs.h5", "hidden_signs.h5")
_OUTPUT_CHARS = 4000


@dataclass
class JudgeRun:
    """The judge's verdicts and how its sandboxed run went.

    Attributes:
        verdicts: the verdicts it wrote.
        run: its sandboxed run (wall time, peak memory, isolation).
    """

    verdicts: Verdicts
    run: SandboxResult


def run_judge(
    artifact_dir: Path,
    workdir: Path,
    *,
    timeout_s: float = JUDGE_TIMEOUT_S,
    isolation: str | None = None,
    hidden: tuple[Path, ...] = (),
) -> JudgeRun:
    """Runs ``python -m grader.judge ARTIFACT_DIR --out VERDICTS`` in the sandbox.

    Args:
        artifact_dir: the producer's artifact directory.
        workdir: an empty folder for the judge's verdicts and scratch space.
        timeout_s: wall-clock seconds before the judge is stopped.
        isolation: the sandbox level; None for the strongest available.
        hidden: paths to cover at the ``unshare`` level (the course's private files).

    Returns:
        The verdicts and the run.

    Raises:
        GradingError: if the judge failed, timed out, or wrote no readable verdicts.
    """
    out_dir, scratch = workdir / "out", workdir / "scratch"
    for folder in (out_dir, scratch):
        folder.mkdir(parents=True, exist_ok=True)
    verdicts_path = out_dir / VERDICTS_NAME
    verdicts_path.unlink(missing_ok=True)
    data_dir = prepared_data_dir()
    run = run_sandboxed(
        [
            sys.executable,
            "-s",
            "-m",
            "grader.judge",
            str(artifact_dir),
            "--out",
            str(verdicts_path),
        ],
        cwd=scratch,
        mounts=judge_mounts(artifact_dir, out_dir, scratch, data_dir, hidden),
        limits=Limits(
            wall_s=timeout_s,
            memory_bytes=JUDGE_MEMORY_BYTES,
            file_bytes=JUDGE_FILE_BYTES,
            max_processes=JUDGE_MAX_PROCESSES,
        ),
        env=_environment(scratch, data_dir),
        isolation=isolation,
    )
    if run.timed_out:
        raise GradingError(f"the judge did not finish within {timeout_s:.0f} s")
    if run.memory_exceeded or run.processes_exceeded:
        limit = "memory" if run.memory_exceeded else "process"
        raise GradingError(f"the judge was stopped at its {limit} limit:\n{_tail(run)}")
    if run.returncode != 0 or not verdicts_path.is_file():
        raise GradingError(f"the judge failed (exit status {run.returncode}):\n{_tail(run)}")
    try:
        return JudgeRun(Verdicts.load(verdicts_path), run)
    except ResultError as exc:
        raise GradingError(f"the judge wrote unreadable verdicts: {exc}") from exc


def judge_mounts(
    artifact_dir: Path, out_dir: Path, scratch: Path, data_dir: Path, hidden: tuple[Path, ...]
) -> Mounts:
    """What the judge may see: its inputs read-only, its verdicts folder and its scratch space.

    Args:
        artifact_dir: the submission's artifacts.
        out_dir: the folder it writes its verdicts to.
        scratch: its home and temporary folder (an empty, capped file system).
        data_dir: the data set's folder; only the splits it reads are shown.
        hidden: paths to cover at the ``unshare`` level.

    Returns:
        The mounts.
    """
    return Mounts(
        read_write=(out_dir,),
        read_only=(artifact_dir, *_package_dirs(), *_data_files(data_dir)),
        hidden=hidden,
        scratch=((scratch, JUDGE_SCRATCH_BYTES),),
    )


def prepared_data_dir() -> Path:
    """Returns the data folder, after generating any split the judge reads that is missing.

    The judge cannot write the data folder from its sandbox, so a missing split (a fresh clone, or
    the hidden split on first use) is made here, by the judge's own code in a process of its own
    that reads no submission.

    Raises:
        GradingError: if the data set cannot be made.
    """
    data_dir = _data_dir()
    if all((data_dir / name).is_file() for name in DATA_FILES):
        return data_dir
    done = subprocess.run(
        [sys.executable, "-m", "grader.judge", "--prepare-data"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=600,
    )
    if done.returncode != 0:
        raise GradingError(f"the data set could not be prepared:\n{done.stderr[-_OUTPUT_CHARS:]}")
    return data_dir


def _data_dir() -> Path:
    configured = os.environ.get(DATA_DIR_VARIABLE)
    if configured:
        return Path(configured).expanduser().resolve()
    spec = importlib.util.find_spec("signs_data")
    return Path(next(iter(spec.submodule_search_locations))).resolve().parent


def _data_files(data_dir: Path) -> tuple[Path, ...]:
    return tuple(data_dir / name for name in DATA_FILES if (data_dir / name).is_file())


def _package_dirs() -> tuple[Path, ...]:
    folders = []
    for name in JUDGE_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            folders += [Path(p) for p in spec.submodule_search_locations]
    return tuple(folders)


def _environment(scratch: Path, data_dir: Path) -> dict[str, str]:
    # The judge imports its packages from the folders mounted for it, the ones this process
    # found; an installer's own lookup (an editable install's finder) may point elsewhere, or
    # be missing where the grader runs from an unpacked copy (the Gradescope package).
    search_path = os.pathsep.join(sorted({str(folder.parent) for folder in _package_dirs()}))
    return {
        **sandboxed_python_environment(scratch),
        DATA_DIR_VARIABLE: str(data_dir),
        "PYTHONPATH": search_path,
    }


def _tail(run: SandboxResult) -> str:
    text = run.output.strip()
    return text if len(text) <= _OUTPUT_CHARS else "..." + text[-_OUTPUT_CHARS:]
