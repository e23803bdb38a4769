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
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from grader.pipeline.backend import grading_cores, thread_environment
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
GATE_NAME = "open"
#: The judge parts whose gate may open while the producer still runs, by the one exercise whose
#: artifacts they read: such a judge checks private copies of them (``--snapshot``). The retrain is
#: the longest check, and its artifact can be built first.
EARLY_GATES = {"retrain": "train_resnet50"}
# Packages the judge imports from the project (installed editable, so their folders are mounted).
JUDGE_PACKAGES = ("grader", "resnet_course", "signs_data")
DATA_DIR_VARIABLE = "SIGNS_DATA_DIR"
# The data files the judge reads: the public training split and the hidden split.
DATA_FILES = ("train_signs.h5", "test_signs.h5", "hidden_signs.h5")
_OUTPUT_CHARS = 4000


@dataclass
class JudgeRun:
    """The judge's verdicts and how its sandboxed runs went.

    Attributes:
        verdicts: the verdicts it wrote.
        runs: its sandboxed runs, one per judge process (wall time, peak memory, isolation).
    """

    verdicts: Verdicts
    runs: tuple[SandboxResult, ...]

    @property
    def peak_memory_bytes(self) -> int:
        """The largest peak of one judge process tree."""
        return max((run.peak_memory_bytes for run in self.runs), default=0)


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
    judge = StartedJudge(
        artifact_dir, workdir, timeout_s=timeout_s, isolation=isolation, hidden=hidden
    )
    judge.open_gate()
    return judge.result()


def judge_parts(*, retrain: bool = True) -> tuple[str, ...]:
    """The judge processes a grading runs, by the part of the checks each runs.

    Two (every check but the retrain, and the retrain) where the grading may use two cores or more
    and has a retrain to run: the retrain keeps about one core busy for about half of a judge's
    time, and the other checks fit beside it. One where it may use a single core: a batch grading's
    thread share of 1 (see :func:`grader.pipeline.backend.thread_environment`), or a machine of one
    core. One also where the submission leaves a block the retrain builds on unwritten: the retrain
    check then only reports that, and a second judge would cost a Keras start for nothing.

    Args:
        retrain: whether the retrain's artifact may be built: False where a function it calls is
            missing or still a placeholder (:func:`grader.pipeline.notebook.unwritten_functions`).
    """
    return ("others", "retrain") if retrain and grading_cores() >= 2 else ("all",)


def start_judges(
    artifact_dir: Path,
    workdir: Path,
    *,
    timeout_s: float = JUDGE_TIMEOUT_S,
    isolation: str | None = None,
    hidden: tuple[Path, ...] = (),
    wait_s: float = 0.0,
    parts: tuple[str, ...] | None = None,
) -> list[StartedJudge]:
    """Starts a grading's judge processes (see :func:`judge_parts`), each waiting for its gate.

    Args:
        artifact_dir: the producer's artifact directory; it must already exist.
        workdir: an empty folder for the judges' gates, verdicts and scratch spaces.
        timeout_s: wall-clock seconds each judge may take once its gate is open.
        isolation: the sandbox level; None for the strongest available.
        hidden: paths to cover at the ``unshare`` level (the course's private files).
        wait_s: the longest the gates may stay closed before the judges are stopped.
        parts: the judges to start, from :func:`judge_parts`; None for its default.

    Returns:
        The started judges; open their gates, then pass them to :func:`judge_results`.
    """
    parts = parts or judge_parts()
    # Split, each judge gets its share of the cores: two pools of a thread per core each would
    # oversubscribe them (measured: the retrain judge then ends 1.3-3.0 s later on 2 cores).
    threads = grading_cores() // len(parts) if len(parts) > 1 else None
    started: list[StartedJudge] = []
    try:
        for part in parts:
            started.append(
                StartedJudge(
                    artifact_dir,
                    workdir / part,
                    timeout_s=timeout_s,
                    isolation=isolation,
                    hidden=hidden,
                    wait_s=wait_s,
                    part=part,
                    threads=threads,
                )
            )
    except BaseException:
        for judge in started:
            judge.cancel()
        raise
    return started


def judge_results(judges: list[StartedJudge]) -> JudgeRun:
    """Waits for every judge of one grading and joins their verdicts in the judges' order.

    Raises:
        GradingError: if any judge failed, timed out, or wrote no readable verdicts; the others are
            stopped.
    """
    done: list[JudgeRun] = []
    try:
        for judge in judges:
            done.append(judge.result())
    except GradingError:
        for judge in judges[len(done) + 1 :]:
            judge.cancel()
        raise
    first = done[0].verdicts
    verdicts = Verdicts(
        checks=[check for run in done for check in run.verdicts.checks],
        artifact_dir=first.artifact_dir,
        pytest_exit=max(run.verdicts.pytest_exit for run in done),
        wall_s=max(run.verdicts.wall_s for run in done),
    )
    return JudgeRun(verdicts, tuple(sandbox_run for run in done for sandbox_run in run.runs))


def starts_before_producer_ends(isolation: str) -> bool:
    """Whether the judge may start while the producer runs, at this isolation level.

    Only where each sandbox has its own process namespace: at level ``none`` a student's process
    could reach a judge running beside it as the same user (signals, ``/proc``), so there the judge
    starts after the producer's processes are gone. And only where the grading may use two cores:
    the judge's start then takes the core the producer leaves idle, while in a batch whose
    gradings already fill the cores it only adds contention (a class of 20 with 2 workers on 2
    cores: 274 submissions per hour against 299 with the judge started after the producer).
    """
    return isolation != "none" and grading_cores() >= 2


class StartedJudge:
    """A judge started in its sandbox that reads the artifacts only once its gate is opened.

    Starting Keras and the checks takes the judge a few seconds; started with the producer, it does
    that while the producer runs, then waits for its gate file (``python -m grader.judge
    --wait-for``). The gate is a file in a folder only this process writes, mounted read-only for
    the judge. It is opened once the producer's processes are gone, so the judge never reads an
    artifact that student code could still change; or, for a part of :data:`EARLY_GATES`, once the
    producer has built that part's exercise, and then the judge reads each of the part's files once,
    into a private copy, and checks only the copy. The time limit runs from the opening.

    Args:
        artifact_dir: the producer's artifact directory; it must already exist.
        workdir: an empty folder for the judge's gate, verdicts and scratch space.
        timeout_s: wall-clock seconds the judge may take once its gate is open.
        isolation: the sandbox level; None for the strongest available.
        hidden: paths to cover at the ``unshare`` level (the course's private files).
        wait_s: the longest the gate may stay closed before the judge is stopped.
        part: the checks it runs (``all``, or the ``retrain`` or the ``others`` of
            :func:`judge_parts`).
        threads: threads per pool of its Keras backend; None to keep this process's setting.
    """

    def __init__(
        self,
        artifact_dir: Path,
        workdir: Path,
        *,
        timeout_s: float = JUDGE_TIMEOUT_S,
        isolation: str | None = None,
        hidden: tuple[Path, ...] = (),
        wait_s: float = 0.0,
        part: str = "all",
        threads: int | None = None,
    ):
        out_dir, scratch, gate_dir = workdir / "out", workdir / "scratch", workdir / "gate"
        for folder in (out_dir, scratch, gate_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.part = part
        self.early_exercise = EARLY_GATES.get(part)
        self._gate = gate_dir / GATE_NAME
        self._gate.unlink(missing_ok=True)
        self._verdicts_path = out_dir / VERDICTS_NAME
        self._verdicts_path.unlink(missing_ok=True)
        self._timeout_s = timeout_s
        self._opened_at: float | None = None
        self._cancelled = False
        self._run: SandboxResult | None = None
        self._failure: BaseException | None = None
        data_dir = prepared_data_dir()
        command = [
            sys.executable,
            "-s",
            "-m",
            "grader.judge",
            str(artifact_dir),
            "--out",
            str(self._verdicts_path),
            "--wait-for",
            str(self._gate),
            "--part",
            part,
        ] + (["--snapshot"] if self.early_exercise else [])
        self._thread = threading.Thread(
            target=self._supervise,
            kwargs={
                "argv": command,
                "cwd": scratch,
                "mounts": judge_mounts(
                    artifact_dir, out_dir, scratch, data_dir, hidden, gate_dir=gate_dir
                ),
                "limits": Limits(
                    wall_s=wait_s + timeout_s,
                    memory_bytes=JUDGE_MEMORY_BYTES,
                    file_bytes=JUDGE_FILE_BYTES,
                    max_processes=JUDGE_MAX_PROCESSES,
                ),
                "env": {
                    **_environment(scratch, data_dir),
                    **(thread_environment(threads) if threads else {}),
                },
                "isolation": isolation,
                "watch": self._should_stop,
            },
            name="judge",
            daemon=True,
        )
        self._thread.start()

    def open_gate(self) -> None:
        """Lets the judge read the artifacts; call it once nothing else can write them.

        For a part of :data:`EARLY_GATES`, once the producer has built its exercise. Opening an
        open gate changes nothing.
        """
        if self._opened_at is not None:
            return
        self._gate.write_text("open\n")
        self._opened_at = time.monotonic()

    def cancel(self) -> None:
        """Stops the judge and waits for its processes to end (the grading is abandoned)."""
        self._cancelled = True
        self._thread.join()

    def result(self) -> JudgeRun:
        """Waits for the judge and returns its verdicts.

        Raises:
            GradingError: if the judge failed, timed out, or wrote no readable verdicts.
        """
        self._thread.join()
        if self._failure is not None:
            raise GradingError(f"the judge could not be run: {self._failure}") from self._failure
        run = self._run
        if self._cancelled:
            raise GradingError("the judge was stopped before its gate opened")
        if run.timed_out:
            raise GradingError(f"the judge did not finish within {self._timeout_s:.0f} s")
        if run.memory_exceeded or run.processes_exceeded:
            limit = "memory" if run.memory_exceeded else "process"
            raise GradingError(f"the judge was stopped at its {limit} limit:\n{_tail(run)}")
        if run.returncode != 0 or not self._verdicts_path.is_file():
            raise GradingError(f"the judge failed (exit status {run.returncode}):\n{_tail(run)}")
        try:
            return JudgeRun(Verdicts.load(self._verdicts_path), (run,))
        except ResultError as exc:
            raise GradingError(f"the judge wrote unreadable verdicts: {exc}") from exc

    def _supervise(self, **arguments) -> None:
        try:
            self._run = run_sandboxed(**arguments)
        except BaseException as exc:  # handed to the caller by result()
            self._failure = exc

    def _should_stop(self) -> bool:
        if self._cancelled:
            return True
        opened = self._opened_at
        return opened is not None and time.monotonic() - opened > self._timeout_s


def judge_mounts(
    artifact_dir: Path,
    out_dir: Path,
    scratch: Path,
    data_dir: Path,
    hidden: tuple[Path, ...],
    *,
    gate_dir: Path | None = None,
) -> Mounts:
    """What the judge may see: its inputs read-only, its verdicts folder and its scratch space.

    Args:
        artifact_dir: the submission's artifacts.
        out_dir: the folder it writes its verdicts to.
        scratch: its home and temporary folder (an empty, capped file system).
        data_dir: the data set's folder; only the splits it reads are shown.
        hidden: paths to cover at the ``unshare`` level.
        gate_dir: the folder of its gate file (see :class:`StartedJudge`), if it has one.

    Returns:
        The mounts.
    """
    gate = () if gate_dir is None else (gate_dir,)
    return Mounts(
        read_write=(out_dir,),
        read_only=(artifact_dir, *gate, *_package_dirs(), *_data_files(data_dir)),
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
