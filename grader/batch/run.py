"""Grades a whole class: fans the submissions out over Dask workers and writes the class's outputs.

``python -m grader grade SUBMISSIONS --out DIR`` (or ``python -m grader.batch``) runs
:func:`grade_class`. Each submission is graded by the real single-notebook grader in its own process
on a Dask worker: an embedded ``LocalCluster`` by default, or the cluster behind ``--scheduler
ADDRESS``. The output folder::

    DIR/gradebook.csv                     # a row per student, a column per exercise and check
    DIR/summary.md, summary.json, summary.png
    DIR/students/<student>/results.json   # Gradescope results
    DIR/students/<student>/feedback.md
    DIR/students/<student>/record.json    # what was graded (content hash) and how it went

Beyond one machine, start a scheduler and workers from this environment on hosts that see the
submissions folder at the same path, then point the command at the scheduler::

    dask scheduler --scheduler-file /shared/sched.json
    dask worker --scheduler-file /shared/sched.json --nworkers 4 --nthreads 1 --resources GPU=1
    python -m grader grade submitted --out grades --scheduler /shared/sched.json --gpu

A re-run skips students whose notebook, saved model and grader are unchanged since they were graded
(``force`` regrades everyone). Outputs are written as each student finishes, each file atomically,
so an interrupted run loses nothing already finished and leaves no partial file behind.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from grader.batch.dask_shutdown import heartbeat_failures_muted
from grader.batch.discovery import SubmissionFiles, discover
from grader.batch.gradebook import write_gradebook
from grader.batch.outputs import write_student_outputs
from grader.batch.progress import ProgressLine
from grader.batch.state import (
    STATUS_FAILED,
    GradingRecord,
    fingerprint,
    is_up_to_date,
    read_record,
    remove_unfinished_writes,
)
from grader.batch.summary import write_summary
from grader.batch.task import grade_submission
from grader.pipeline.backend import usable_cores
from grader.pipeline.child_process import GRADING_TIMEOUT_S, allow_gradings, stop_running_gradings
from grader.report.numbers import format_number

GRADEBOOK_NAME = "gradebook.csv"
#: Set by the interrupt handler. Dask's start-up can swallow the KeyboardInterrupt that Ctrl-C
#: raises while a local cluster starts, so the flag is checked again once the cluster is up.
INTERRUPTED = threading.Event()
# Much of a grading is single-threaded Python (imports, building and saving graphs, the checks), so
# one grading per core keeps every core busy: on 2 cores a class of 20 graded 1.62x and 2.05x as
# fast with 2 workers as with 1 in two runs (bench/bench_batch_grading.py). A grading peaks at about
# 3 GB (producer, then judge).
CORES_PER_GRADING = 1
MEMORY_PER_GRADING = 3 * 2**30
WORKER_WAIT_S = 60.0


class BatchError(RuntimeError):
    """The batch could not start: bad arguments, unreachable scheduler, no suitable worker."""


class OutputError(RuntimeError):
    """The batch stopped because its output folder could not be written (full, or read-only).

    Every student saved before stays saved; a re-run grades the rest.
    """


@dataclass
class BatchOptions:
    """How to grade a class.

    Attributes:
        submissions: an nbgrader ``submitted/`` folder or a folder of notebooks.
        out_dir: where the gradebook, feedback and summary go.
        workers: parallel gradings on the embedded cluster; None picks from cores and memory.
        force: regrade submissions already graded and unchanged.
        scheduler: address of a running Dask scheduler (or a scheduler file); None for an embedded
            cluster.
        gpu: have each grading claim one ``GPU`` worker resource.
        assignment: the assignment to grade, when the nbgrader tree holds several.
        timeout_s: wall-clock seconds allowed per submission.
        threads_per_grading: threads per pool of the Keras backend that each grading may use on
            the embedded cluster; None shares the cores out among the workers, 0 leaves the
            backend's default (every core, for every grading).
    """

    submissions: Path
    out_dir: Path
    workers: int | None = None
    force: bool = False
    scheduler: str | None = None
    gpu: bool = False
    assignment: str | None = None
    timeout_s: float = GRADING_TIMEOUT_S
    threads_per_grading: int | None = None


@dataclass
class BatchReport:
    """What a batch run did.

    Attributes:
        graded: students graded in this run.
        skipped: students skipped as already graded and unchanged.
        failed: students whose grading failed in this run (a row with the reason is in the
            gradebook).
        workers: parallel gradings used (for a remote scheduler, the workers it had).
        wall_s: seconds the run took.
        records: the final record of every student found, graded in this run or before.
    """

    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    workers: int = 0
    wall_s: float = 0.0
    records: list[GradingRecord] = field(default_factory=list)


def default_workers(cpu_count: int | None = None, available_memory: int | None = None) -> int:
    """Returns how many gradings this machine can run at once.

    Args:
        cpu_count: usable cores; defaults to the cores this process may run on.
        available_memory: bytes of memory available; defaults to the operating system's figure.

    Returns:
        ``min(cores, available memory / 3 GB)``, at least 1.
    """
    if cpu_count is None:
        cpu_count = usable_cores()
    if available_memory is None:
        available_memory = available_memory_bytes()
    return max(1, min(cpu_count // CORES_PER_GRADING, available_memory // MEMORY_PER_GRADING))


def threads_per_grading(workers: int, cpu_count: int | None = None) -> int:
    """Returns the threads each of ``workers`` parallel gradings may use.

    Without a share, every grading's Keras backend starts a thread per core, and parallel gradings
    oversubscribe the machine ``workers`` times over.

    Args:
        workers: gradings running at once.
        cpu_count: usable cores; defaults to the cores this process may run on.

    Returns:
        ``cores // workers``, at least 1.
    """
    if cpu_count is None:
        cpu_count = usable_cores()
    return max(1, cpu_count // max(1, workers))


def available_memory_bytes() -> int:
    """Returns the memory new processes may take (``MemAvailable`` on Linux, else free pages)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return MEMORY_PER_GRADING


def grade_class(options: BatchOptions, *, stream: TextIO | None = None) -> BatchReport:
    """Grades every submission under ``options.submissions`` and writes the class's outputs.

    Args:
        options: what to grade and how.
        stream: where the progress line goes; stderr by default.

    Returns:
        What the run did.

    Raises:
        grader.batch.discovery.DiscoveryError: if the submissions folder cannot be read.
        BatchError: if the workers cannot be reached or none can take the work.
        OutputError: if the output folder could not be written; gradings still running are
            stopped.
    """
    start = time.monotonic()
    out_dir = Path(options.out_dir)
    submissions = discover(options.submissions, assignment=options.assignment)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_unfinished_writes(out_dir)
    report = BatchReport()
    progress = ProgressLine(len(submissions), stream=stream)
    pending: list[tuple[SubmissionFiles, str]] = []
    try:
        for submission in submissions:
            digest = fingerprint(submission.notebook, submission.model)
            if not options.force and is_up_to_date(out_dir, submission.student, digest):
                report.skipped.append(submission.student)
                progress.advance(f"{submission.student}: unchanged, skipped", worked=False)
            elif submission.problem:
                record = GradingRecord(
                    student=submission.student,
                    assignment=submission.assignment,
                    fingerprint=digest,
                    status=STATUS_FAILED,
                    reason=submission.problem,
                )
                _finish(out_dir, record, report, progress, worked=False)
            else:
                pending.append((submission, digest))
        if pending:
            _grade_pending(options, pending, out_dir, report, progress)
    finally:
        progress.close()
        report.records = _current_records(out_dir, submissions)
        report.wall_s = time.monotonic() - start
        try:
            write_gradebook(out_dir / GRADEBOOK_NAME, report.records)
            write_summary(out_dir, report.records)
        except OSError as exc:
            # Raised here only when nothing else is: an exception on its way out wins.
            failure = _output_failure(exc, "the gradebook", report)
        else:
            failure = None
    if failure is not None:
        raise failure
    return report


def _output_failure(exc: OSError, what: str, report: BatchReport) -> OutputError:
    return OutputError(
        f"could not write {what} in the output folder ({exc.strerror or exc}): "
        f"{len(report.graded) + len(report.failed)} students were saved in this run; free space "
        "and run the same command again to grade the rest"
    )


def _grade_pending(
    options: BatchOptions, pending, out_dir: Path, report: BatchReport, progress: ProgressLine
) -> None:
    from distributed import as_completed

    allow_gradings()
    with _dask_client(options, len(pending)) as (client, workers):
        if INTERRUPTED.is_set():
            raise KeyboardInterrupt
        report.workers = workers
        threads = _grading_threads(options, workers)
        resources = {"GPU": 1} if options.gpu else None
        futures = {}
        for submission, digest in pending:
            future = client.submit(
                grade_submission,
                submission.student,
                submission.assignment,
                _path(submission.notebook),
                _path(submission.model),
                digest,
                options.timeout_s,
                threads,
                submission.model_problem,
                key=f"grade-{submission.student}-{digest[:12]}-{time.time_ns()}",
                pure=False,
                resources=resources,
                retries=0,
            )
            futures[future] = (submission, digest)
        try:
            _collect(as_completed(futures), futures, out_dir, report, progress)
        except BaseException:
            # Interrupted: gradings on the embedded cluster run in this process's threads; end them
            # now rather than wait for them. What finished is already on disk.
            stop_running_gradings()
            raise


def _grading_threads(options: BatchOptions, workers: int) -> int | None:
    """Returns the threads per grading: a share of the cores, on a local cluster only.

    A remote scheduler's workers run on machines whose cores this process cannot see.
    """
    if options.threads_per_grading is not None:
        return options.threads_per_grading or None
    return None if options.scheduler else threads_per_grading(workers)


def interrupt_on_sigint() -> None:
    """Makes Ctrl-C raise KeyboardInterrupt and set :data:`INTERRUPTED` (main thread only)."""

    def handler(signum, frame):
        INTERRUPTED.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)


def _collect(
    completed, futures, out_dir: Path, report: BatchReport, progress: ProgressLine
) -> None:
    """Writes each student's outputs as their grading completes."""
    for future in completed:
        submission, digest = futures[future]
        try:
            record = GradingRecord.from_json(future.result())
        except Exception as exc:  # a lost worker or a task error must not stop the other gradings
            record = GradingRecord(
                student=submission.student,
                assignment=submission.assignment,
                notebook=_path(submission.notebook) or "",
                fingerprint=digest,
                status=STATUS_FAILED,
                reason=f"grading task failed: {type(exc).__name__}: {exc}",
            )
        _finish(out_dir, record, report, progress)


@contextmanager
def _dask_client(options: BatchOptions, tasks: int) -> Iterator[tuple[object, int]]:
    """Yields a Dask client and its worker count (``options.scheduler``, else a local cluster)."""
    from distributed import Client, LocalCluster

    if options.scheduler:
        try:
            if os.path.isfile(options.scheduler):
                client = Client(scheduler_file=options.scheduler, timeout="30s")
            else:
                client = Client(options.scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise BatchError(
                f"cannot reach the Dask scheduler at {options.scheduler}: {exc}"
            ) from exc
        try:
            workers = _check_workers(client, options)
            yield client, workers
        finally:
            client.close()
        return
    workers = max(1, min(options.workers or default_workers(), tasks))
    # Gradings are subprocesses, so thread workers in this process suffice. The scheduler's HTTP
    # server starts even without a dashboard: a free port avoids clashing with another cluster on
    # 8787.
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=False,
        dashboard_address=":0",
        resources={"GPU": 1} if options.gpu else None,
        silence_logs=logging.ERROR,
    )
    try:
        with Client(cluster) as client:
            yield client, workers
    finally:
        with heartbeat_failures_muted():
            cluster.close()


def _check_workers(client, options: BatchOptions) -> int:
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except TimeoutError as exc:
        raise BatchError(
            f"the Dask scheduler at {options.scheduler} has no workers (waited "
            f"{WORKER_WAIT_S:.0f} s); start some with `dask worker ADDRESS`"
        ) from exc
    workers = client.scheduler_info(n_workers=-1)["workers"]
    if options.gpu and not any(w.get("resources", {}).get("GPU", 0) >= 1 for w in workers.values()):
        raise BatchError(
            f"--gpu was given but no worker of the scheduler at {options.scheduler} advertises a "
            "GPU; start GPU workers with `dask worker ADDRESS --resources GPU=1`"
        )
    return len(workers)


def _finish(
    out_dir: Path,
    record: GradingRecord,
    report: BatchReport,
    progress: ProgressLine,
    *,
    worked: bool = True,
) -> None:
    """Writes one student's outputs (the record last) and counts them.

    ``worked`` says whether a grading was run.

    Raises:
        OutputError: if the outputs could not be written.
    """
    try:
        write_student_outputs(out_dir, record)
    except OSError as exc:
        raise _output_failure(exc, f"{record.student}'s results", report) from exc
    if record.graded:
        report.graded.append(record.student)
        score = f"{format_number(record.result.score)}/{format_number(record.result.max_score)}"
        progress.advance(f"{record.student}: {score} in {record.wall_s:.0f}s", worked=worked)
    else:
        report.failed.append(record.student)
        reason = (record.reason.splitlines() or [""])[0][:80]
        progress.advance(f"{record.student}: grading failed ({reason})", worked=worked)


def _current_records(out_dir: Path, submissions: list[SubmissionFiles]) -> list[GradingRecord]:
    records = (read_record(out_dir, s.student) for s in submissions)
    return [record for record in records if record is not None]


def _path(path: Path | None) -> str | None:
    return None if path is None else os.fspath(Path(path).resolve())
