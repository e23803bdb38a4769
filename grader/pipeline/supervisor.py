"""Runs the producer on one submission, in the sandbox, until every exercise has an outcome.

A submission that hangs, crashes or exits in one exercise loses that exercise and nothing else: the
producer reports the step it is on in a state file, and when a run ends early the step it was on is
marked ``timeout`` or ``crashed`` and the producer runs again on what is left, skipping the step
that stopped it. Artifacts already written are kept.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.pipeline.child_process import sandboxed_python_environment
from grader.pipeline.notebook import SubmissionCode
from grader.pipeline.sandbox import (
    DESCRIPTIONS,
    Limits,
    Mounts,
    SandboxResult,
    probe_isolation,
    run_sandboxed,
)
from grader.sandboxed import cases as case_module
from grader.sandboxed.contract import (
    EXERCISES,
    STATUS_CRASHED,
    STATUS_RUNNING,
    STATUS_TIMEOUT,
    TRAINED_MODEL_NAME,
    Manifest,
    ProducerExit,
    read_manifest,
    trained_model_problem,
    write_json_atomic,
    write_manifest,
)

GRADER_DIR = Path(__file__).resolve().parents[1]
REPO_DIR = GRADER_DIR.parent
# The only part of the grader the producer is shown: nothing else (checks, references) enters its
# sandbox.
SANDBOXED_DIR = GRADER_DIR / "sandboxed"
# Packages a notebook's imports cell may use that live in the project (installed editable).
PROJECT_PACKAGES = ("resnet_course", "signs_data")
#: Seconds all of the producer's runs on one submission may take together.
PRODUCER_TIMEOUT_S = 300.0
#: Seconds one step of the producer may take: one cell, or one case of one exercise.
STEP_TIMEOUT_S = 120.0
OUTPUT_TAIL_CHARS = 8000
# The artifacts take about 100 MB, a trained model a few hundred more.
DEFAULT_DISK_BYTES = 2 * 2**30
#: What the producer's scratch folder (its working folder, home and temporary folder) may hold: a
#: file system of its own in memory at the bwrap and unshare levels, so a flood stops at the cap.
SCRATCH_BYTES = 256 * 2**20
# The producer itself is one process (TensorFlow's threads are not counted); a few helpers are fine.
MAX_PROCESSES = 32


@dataclass
class ProductionResult:
    """The producer's outcome for one submission.

    Attributes:
        artifact_dir: the directory with ``manifest.json`` and the artifacts.
        manifest: the final manifest (no exercise left ``running``).
        runs: each sandboxed producer run, in order.
    """

    artifact_dir: Path
    manifest: Manifest
    runs: list[SandboxResult] = field(default_factory=list)


def all_cases() -> list[tuple[str, str]]:
    """Returns every (exercise, case name) pair the grader builds."""
    return [(case.exercise, case.name) for case in case_module.CASES]


def private_course_paths() -> tuple[Path, ...]:
    """The course paths neither the producer nor the judge needs: solutions, tests, gradebook.

    And the exchange, which holds every student's submissions: the course's ``exchange/`` folder,
    and the one ``COURSE_EXCHANGE`` names when set (see ``nbgrader_config.py``).
    """
    paths = [REPO_DIR / "solutions", REPO_DIR / "tests", REPO_DIR / "gradebook.db"]
    paths += [REPO_DIR / "exchange"] + (
        [Path(os.environ["COURSE_EXCHANGE"])] if os.environ.get("COURSE_EXCHANGE") else []
    )
    return tuple(path for path in paths if path.exists())


def hidden_paths() -> tuple[Path, ...]:
    """The course paths a submission must never read (covered at the ``unshare`` level).

    The private course paths, and what only the judge may read: the grader's code (the hidden
    checks) and the hidden split.
    """
    data_dirs = [REPO_DIR / "data"] + (
        [Path(os.environ["SIGNS_DATA_DIR"])] if os.environ.get("SIGNS_DATA_DIR") else []
    )
    paths = [GRADER_DIR] + [folder / "hidden_signs.h5" for folder in data_dirs]
    return private_course_paths() + tuple(path for path in paths if path.exists())


def produce(
    submission: SubmissionCode,
    workdir: Path,
    *,
    cases: list[tuple[str, str]] | None = None,
    timeout_s: float = PRODUCER_TIMEOUT_S,
    step_timeout_s: float = STEP_TIMEOUT_S,
    memory_bytes: int = Limits.memory_bytes,
    disk_bytes: int = DEFAULT_DISK_BYTES,
    isolation: str | None = None,
    model_problem: str = "",
    on_prepared: Callable[[Path], None] | None = None,
    build_first: tuple[str, ...] = (),
    on_built: Callable[[str], None] | None = None,
) -> ProductionResult:
    """Runs the producer on a submission in the sandbox.

    Args:
        submission: the notebook's executable units (from
            :func:`grader.pipeline.notebook.load_submission`).
        workdir: an empty directory for the artifacts, the scratch directory and the producer's
            files.
        cases: the (exercise, case) pairs to build; default: all of
            ``grader.sandboxed.cases.CASES``.
        timeout_s: wall-clock budget for all producer runs together.
        step_timeout_s: wall-clock budget for one step (one cell, or one case of one exercise).
        memory_bytes: memory limit of the producer's process tree.
        disk_bytes: how much the scratch and artifact directories may hold together.
        isolation: force an isolation level (``bwrap``, ``unshare``, ``none``); default: the
            strongest.
        model_problem: why the saved model beside the notebook was left out before grading (see
            :func:`grader.sandboxed.contract.trained_model_problem`); empty otherwise.
        on_prepared: called with the artifact directory once it exists, before any student code
            runs (the pipeline starts the judge there).
        build_first: exercises to build before the others, in this order.
        on_built: called with an exercise's name once the producer has recorded its outcome in the
            manifest (built, failed, or stopped), while later exercises may still run.

    Returns:
        The artifact directory and its final manifest.

    Raises:
        grader.pipeline.sandbox.IsolationError: if the requested isolation level does not work here.
    """
    level = probe_isolation(isolation)
    layout = _Layout.create(Path(workdir))
    selected = all_cases() if cases is None else [tuple(pair) for pair in cases]
    order = [name for name in build_first if name in EXERCISES]
    order += [name for name in EXERCISES if name not in order]
    pending = [name for name in order if any(exercise == name for exercise, _ in selected)]
    report_built = _OnceEach(on_built)
    manifest = _initial_manifest(submission, level)
    manifest.trained_model_problem = model_problem or _model_problem(submission.path)
    if manifest.trained_model_problem:
        manifest.notebook_problems.append(manifest.trained_model_problem)
    write_manifest(layout.artifacts, manifest)
    if on_prepared is not None:
        on_prepared(layout.artifacts)

    skipped: dict[str, dict] = {}
    runs: list[SandboxResult] = []
    deadline = time.monotonic() + timeout_s
    while pending:
        remaining = deadline - time.monotonic()
        if remaining <= 1:
            _mark(
                layout,
                pending,
                STATUS_TIMEOUT,
                f"not reached: grading ran out of its {timeout_s:.0f} s",
            )
            break
        program = {
            "artifact_dir": str(layout.artifacts),
            "state_file": str(layout.state_file),
            "submission_dir": str(submission.path.resolve().parent),
            "units": [vars(unit) for unit in submission.units],
            "skip_units": skipped,
            "exercises": pending,
            "cases": selected,
        }
        write_json_atomic(layout.program_file, program)
        layout.state_file.unlink(missing_ok=True)
        watcher = _Watcher(
            layout.state_file,
            step_timeout_s,
            layout.disk_watched(level),
            disk_bytes,
            on_built=report_built,
        )
        attempted = list(pending)
        run = run_sandboxed(
            [sys.executable, "-s", "-m", "grader.sandboxed.producer", str(layout.program_file)],
            cwd=layout.scratch,
            mounts=layout.mounts(submission.path.resolve().parent),
            limits=Limits(wall_s=remaining, memory_bytes=memory_bytes, max_processes=MAX_PROCESSES),
            env=layout.environment(),
            isolation=level,
            watch=watcher,
        )
        runs.append(run)
        state = _read_state(layout.state_file)
        if _ended_normally(run) and state.get("step") == "done":
            break
        status, reason = _abnormal_end(run, step_timeout_s, memory_bytes, disk_bytes, watcher.fired)
        step, label = state.get("step"), str(state.get("label", ""))
        if step == "unit" and label not in skipped:
            skipped[label] = {"status": status, "message": f"executing the '{label}' cell {reason}"}
        elif step == "exercise" and label in pending:
            _mark(
                layout,
                [label],
                status,
                f"building {_describe_case(label, state.get('case'))} {reason}",
            )
            pending = pending[pending.index(label) + 1 :]
            for name in attempted[: attempted.index(label) + 1]:
                report_built(name)
        elif step == "done":
            break  # everything was recorded; the process only failed on its way out
        else:
            _mark(layout, pending, status, f"the producer {reason} before reaching this exercise")
            break
    return ProductionResult(layout.artifacts, _finalise(layout, runs, level), runs)


@dataclass
class _Layout:
    root: Path
    artifacts: Path
    scratch: Path
    state_dir: Path
    bundle: Path

    @classmethod
    def create(cls, root: Path) -> "_Layout":
        layout = cls(root, root / "artifacts", root / "scratch", root / "state", root / "bundle")
        for folder in (layout.artifacts, layout.scratch, layout.state_dir, layout.bundle):
            # A reused work directory must not lend an earlier run's artifacts to this one.
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        (layout.bundle / "grader").mkdir()
        (layout.bundle / "grader" / "__init__.py").write_text(
            '"""The producer-side part of the grader."""\n'
        )
        shutil.copytree(
            SANDBOXED_DIR,
            layout.bundle / "grader" / SANDBOXED_DIR.name,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        return layout

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def program_file(self) -> Path:
        return self.bundle / "program.json"

    def mounts(self, submission_dir: Path) -> Mounts:
        packages = []
        for name in PROJECT_PACKAGES:
            spec = importlib.util.find_spec(name)
            if spec is not None and spec.submodule_search_locations:
                packages += [Path(p) for p in spec.submodule_search_locations]
        return Mounts(
            read_write=(self.artifacts, self.state_dir),
            read_only=(self.bundle, *_trained_model_file(submission_dir), *packages),
            hidden=hidden_paths(),
            scratch=((self.scratch, SCRATCH_BYTES),),
        )

    def disk_watched(self, level: str) -> tuple[Path, ...]:
        """The folders on disk the producer writes: its scratch too at level none."""
        disk = (self.artifacts, self.state_dir)
        return disk + (self.scratch,) if level == "none" else disk

    def environment(self) -> dict[str, str]:
        return {
            **sandboxed_python_environment(self.scratch),
            "PYTHONPATH": str(self.bundle),
            "NBGRADER_EXECUTION": "autograde",
        }


def _trained_model_file(submission_dir: Path) -> tuple[Path, ...]:
    """The saved model, the only file of the submission's folder the producer may see.

    Showing the whole folder would show the course's files whenever a notebook is graded in place
    inside the course repository; a symbolic link is never followed out of the folder.
    """
    model = submission_dir / TRAINED_MODEL_NAME
    return (model,) if os.path.lexists(model) and not trained_model_problem(model) else ()


def _model_problem(notebook: Path) -> str:
    """Why the saved model beside the notebook is left out; empty when it is taken or absent."""
    model = notebook.resolve().parent / TRAINED_MODEL_NAME
    return trained_model_problem(model) if os.path.lexists(model) else ""


class _Watcher:
    """Tells the sandbox to stop the producer when one step runs too long or it writes too much.

    Attributes:
        fired: why it stopped the producer: ``step`` (a step over its time budget), ``disk`` (the
            writable directories grew past their budget), or None.
    """

    DISK_CHECK_INTERVAL_S = 0.5
    MAX_FILES = 10_000

    def __init__(
        self,
        state_file: Path,
        step_timeout_s: float,
        writable: tuple[Path, ...],
        disk_bytes: int,
        on_built: Callable[[str], None] | None = None,
    ):
        self.state_file = state_file
        self.on_built = on_built
        self.step_timeout_s = step_timeout_s
        self.writable = writable
        self.disk_bytes = disk_bytes
        self.current: object = None
        self.since = time.monotonic()
        self.next_disk_check = 0.0
        self.fired: str | None = None

    def __call__(self) -> bool:
        step = _read_state(self.state_file)
        key = (step.get("step"), step.get("label"), step.get("case"))
        now = time.monotonic()
        if key != self.current:
            self._left(self.current, key)
            self.current, self.since = key, now
        elif key[0] in ("unit", "exercise") and now - self.since > self.step_timeout_s:
            self.fired = "step"
            return True
        if now >= self.next_disk_check:
            self.next_disk_check = now + self.DISK_CHECK_INTERVAL_S
            if _over_disk_budget(self.writable, self.disk_bytes, self.MAX_FILES):
                self.fired = "disk"
                return True
        return False

    def _left(self, previous: object, key: tuple) -> None:
        # The producer writes the manifest before it moves on to the next exercise (or to "done").
        if self.on_built is None or not isinstance(previous, tuple) or previous[0] != "exercise":
            return
        if key[0] == "done" or (key[0] == "exercise" and key[1] != previous[1]):
            self.on_built(str(previous[1]))


class _OnceEach:
    """Calls ``callback`` at most once for each name (or never, when it is None)."""

    def __init__(self, callback: Callable[[str], None] | None):
        self.callback = callback
        self.called: set[str] = set()

    def __call__(self, name: str) -> None:
        if self.callback is not None and name not in self.called:
            self.called.add(name)
            self.callback(name)


def _over_disk_budget(folders: tuple[Path, ...], max_bytes: int, max_files: int) -> bool:
    """True when the folders hold more than ``max_bytes`` or more than ``max_files`` files."""
    total, files, pending = 0, 0, list(folders)
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    total += entry.stat(follow_symlinks=False).st_blocks * 512
                    files += 1
            except OSError:
                continue
            if total > max_bytes or files > max_files:
                return True
    return False


def _describe_case(exercise: str, name: object) -> str:
    try:
        return case_module.get_case(exercise, str(name)).describe()
    except KeyError:
        return f"{exercise} (case {name!r})"


def _read_state(path: Path) -> dict:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _ended_normally(run: SandboxResult) -> bool:
    return (
        run.returncode == 0
        and not run.timed_out
        and not run.memory_exceeded
        and not run.processes_exceeded
    )


def _abnormal_end(
    run: SandboxResult, step_timeout_s: float, memory_bytes: int, disk_bytes: int, fired: str | None
) -> tuple[str, str]:
    """Returns (status, reason in words) for a producer run that did not finish."""
    if run.processes_exceeded:
        return (
            STATUS_CRASHED,
            f"started more than {MAX_PROCESSES} processes at once (a fork bomb?) and was stopped",
        )
    if run.memory_exceeded:
        return (
            STATUS_CRASHED,
            f"used more than {memory_bytes / 2**30:.1f} GiB of memory and was stopped",
        )
    if run.timed_out and fired == "disk":
        return STATUS_CRASHED, (
            f"wrote more than {disk_bytes / 2**30:.1f} GiB (or {_Watcher.MAX_FILES} files) to "
            "disk and was stopped"
        )
    if run.timed_out:
        if fired == "step":
            return (
                STATUS_TIMEOUT,
                f"did not finish within {step_timeout_s:.0f} s (an endless loop?) and was stopped",
            )
        return STATUS_TIMEOUT, "was stopped when grading ran out of time"
    if run.returncode < 0:
        try:
            name = signal.Signals(-run.returncode).name
        except ValueError:
            name = f"signal {-run.returncode}"
        return STATUS_CRASHED, f"killed the grading process ({name})"
    if run.returncode == 0:
        return STATUS_CRASHED, "ended the grading process early (exit status 0: os._exit(0)?)"
    return STATUS_CRASHED, (
        f"ended the grading process with exit status {run.returncode} (os._exit, a fatal error, "
        "or too little memory)"
    )


def _initial_manifest(submission: SubmissionCode, level: str) -> Manifest:
    manifest = Manifest(
        notebook=str(submission.path), isolation=f"{level}: {DESCRIPTIONS[level].split(': ', 1)[1]}"
    )
    manifest.notebook_problems = list(submission.problems)
    for name, reason in submission.missing.items():
        manifest.exercises[name].message = reason
    return manifest


def _mark(layout: _Layout, names: list[str], status: str, message: str) -> None:
    manifest = read_manifest(layout.artifacts)
    for name in names:
        record = manifest.exercises[name]
        record.status, record.message, record.traceback = status, message, ""
    write_manifest(layout.artifacts, manifest)


def _finalise(layout: _Layout, runs: list[SandboxResult], level: str) -> Manifest:
    manifest = read_manifest(layout.artifacts)
    for record in manifest.exercises.values():
        if record.status == STATUS_RUNNING:
            record.status, record.message = (
                STATUS_CRASHED,
                "the producer stopped while building this exercise",
            )
    abnormal = [run for run in runs if not _ended_normally(run)]
    last = runs[-1] if runs else None
    manifest.producer_exit = ProducerExit(
        returncode=last.returncode if last else None,
        reason=_exit_reason(abnormal[0]) if abnormal else "ok",
        wall_s=round(sum(run.wall_s for run in runs), 2),
        message="; ".join(
            f"run {i + 1}: {_exit_reason(run)} (exit status {run.returncode})"
            for i, run in enumerate(runs)
            if not _ended_normally(run)
        ),
    )
    manifest.output_tail = _output_tail(runs)
    manifest.isolation = f"{level}: {DESCRIPTIONS[level].split(': ', 1)[1]}"
    write_manifest(layout.artifacts, manifest)
    return manifest


def _exit_reason(run: SandboxResult) -> str:
    if run.processes_exceeded:
        return "processes"
    if run.memory_exceeded:
        return "memory"
    if run.timed_out:
        return "timeout"
    return "crashed"


def _output_tail(runs: list[SandboxResult]) -> str:
    """The runs' output, each clipped in its middle so that all stays near OUTPUT_TAIL_CHARS."""
    budget = OUTPUT_TAIL_CHARS // max(1, len(runs))
    return "\n".join(_clip_middle(run.output, budget) for run in runs)


def _clip_middle(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head, tail = limit // 3, limit - limit // 3
    return (
        f"{text[:head]}\n[... {len(text) - head - tail} characters of output omitted "
        f"...]\n{text[-tail:]}"
    )
