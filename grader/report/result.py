"""One graded notebook as a typed value, and the JSON form it crosses process boundaries in.

The judge writes its verdicts as :class:`Verdicts`; the single-notebook grading writes a
:class:`GradeResult`; batch records hold one. Each class writes its JSON with ``to_json`` and reads
it back with ``from_json``, which checks every field and raises :class:`ResultError` on anything
else, so a truncated or foreign file is refused whole rather than half-read.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.sandboxed.contract import (
    EXERCISES,
    STATUS_OK,
    ManifestError,
    ProducerExit,
    write_json_atomic,
)

SCHEMA_VERSION = 1
#: What every report, feedback page and nbgrader verdict says when student code ran at level
#: ``none``.
UNSANDBOXED_WARNING = (
    "WARNING: student code ran WITHOUT a sandbox (no bubblewrap, no user namespaces): "
    "its network and file access were not isolated from the grading machine."
)


class ResultError(ValueError):
    """A result or verdicts file is not a well-formed grading result."""


def check_name(exercise: str, title: str) -> str:
    """Returns the name students, Gradescope and the gradebook know a check by.

    Args:
        exercise: the exercise the check belongs to.
        title: what the check asserts.

    Returns:
        ``<exercise>: <title>``, e.g. ``identity_block: output shape equals input shape``.
    """
    return f"{exercise}: {title}"


def unsandboxed(isolation: str) -> bool:
    """Tells whether an isolation report (``<level>: <description>``) is level ``none``.

    Args:
        isolation: the isolation as a grading reports it.

    Returns:
        True when the submission's code ran without a sandbox.
    """
    return isolation.split(":", 1)[0].strip().lower() == "none"


@dataclass
class CheckResult:
    """One hidden check's verdict.

    Attributes:
        exercise: the exercise it belongs to.
        title: what it asserts, in the lecture's terms.
        passed: whether it passed.
        score: points earned.
        max_score: points it is worth.
        message: why it failed, for the student; empty when passed.
        grader_error: the check could not run because of a fault in the grader, not in the
            submission.
        test: the check's test function in the judge (its key within the exercise).
    """

    exercise: str
    title: str
    passed: bool
    score: float
    max_score: float
    message: str = ""
    grader_error: bool = False
    test: str = ""

    @property
    def name(self) -> str:
        """The check's name, ``<exercise>: <title>`` (see :func:`check_name`)."""
        return check_name(self.exercise, self.title)

    def to_json(self) -> dict:
        """Returns the verdict as a JSON-serialisable dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> CheckResult:
        """Reads a verdict from its JSON form.

        Args:
            data: the parsed JSON object.

        Returns:
            The verdict.

        Raises:
            ResultError: if ``data`` is not a verdict.
        """
        return cls(**_scalars(cls, data, "a check"))


class _Scored:
    """Adds up the points of ``self.checks``."""

    @property
    def score(self) -> float:
        """Points earned."""
        return sum(check.score for check in self.checks)

    @property
    def max_score(self) -> float:
        """Points available."""
        return sum(check.max_score for check in self.checks)


@dataclass
class ExerciseResult(_Scored):
    """What happened to one exercise: how its code ran, and its checks.

    Attributes:
        name: the exercise's function name (or ``train_resnet50``).
        status: the producer's status (``ok``, ``error``, ``missing``, ``timeout``, ``crashed``).
        message: the producer's one-line account when not ``ok``.
        traceback: the student's traceback, trimmed to their own lines.
        checks: the exercise's checks, in the grader's order.
    """

    name: str
    status: str
    message: str = ""
    traceback: str = ""
    checks: list[CheckResult] = field(default_factory=list)

    def to_json(self) -> dict:
        """Returns the exercise's result as a JSON-serialisable dict."""
        return dict(_shallow(self), checks=[check.to_json() for check in self.checks])

    @classmethod
    def from_json(cls, data: Any) -> ExerciseResult:
        """Reads an exercise's result from its JSON form.

        Args:
            data: the parsed JSON object.

        Returns:
            The exercise's result.

        Raises:
            ResultError: if ``data`` is not an exercise's result, or holds another exercise's check.
        """
        checks = [CheckResult.from_json(item) for item in _list(data, "checks", "an exercise")]
        exercise = cls(**_scalars(cls, data, "an exercise"), checks=checks)
        strays = [check.name for check in exercise.checks if check.exercise != exercise.name]
        if strays:
            raise ResultError(
                f"exercise {exercise.name!r} holds checks of another exercise: {strays}"
            )
        return exercise


@dataclass
class GradeResult(_Scored):
    """Everything known about one graded notebook.

    Attributes:
        notebook: the notebook graded.
        exercises: one entry per exercise, in the assignment's order.
        isolation: the sandbox isolation the student's code ran under.
        notebook_problems: missing, renamed or reordered cells, and similar notes.
        producer_exit: how the producer ended (its last run, with every abnormal end described).
        trained_model: whether the notebook's folder held a saved trained model.
        timings: seconds spent, by phase (``producer``, ``judge``, ``total``).
        output_tail: the end of the producer's captured output.
        resources: what the grading used: ``producer_peak_memory_bytes`` and
            ``judge_peak_memory_bytes`` (each process tree's peak proportional set size), and
            ``disk_bytes`` (what its folders held on disk at the end).
    """

    notebook: Path
    exercises: list[ExerciseResult]
    isolation: str
    notebook_problems: list[str] = field(default_factory=list)
    producer_exit: ProducerExit = field(default_factory=ProducerExit)
    trained_model: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    output_tail: str = ""
    resources: dict[str, float] = field(default_factory=dict)

    @property
    def checks(self) -> list[CheckResult]:
        """Every check, exercise by exercise, in the grader's order."""
        return [check for exercise in self.exercises for check in exercise.checks]

    @property
    def unsandboxed(self) -> bool:
        """True when the submission's code ran without a sandbox (level ``none``)."""
        return unsandboxed(self.isolation)

    @property
    def failed_exercises(self) -> list[ExerciseResult]:
        """The exercises whose code did not run to the end (status other than ``ok``)."""
        return [exercise for exercise in self.exercises if exercise.status != STATUS_OK]

    def to_json(self) -> dict:
        """Returns the result as a JSON-serialisable dict (schema :data:`SCHEMA_VERSION`)."""
        return dict(
            _shallow(self),
            schema=SCHEMA_VERSION,
            notebook=str(self.notebook),
            exercises=[exercise.to_json() for exercise in self.exercises],
            notebook_problems=list(self.notebook_problems),
            producer_exit=self.producer_exit.to_json(),
            timings=dict(self.timings),
            resources=dict(self.resources),
        )

    @classmethod
    def from_json(cls, data: Any) -> GradeResult:
        """Reads a result from its JSON form.

        Args:
            data: the parsed JSON object.

        Returns:
            The result.

        Raises:
            ResultError: if ``data`` is not a schema-1 grading result.
        """
        _expect_schema(data, "grading result")
        values = _scalars(cls, data, "a grading result")
        notebook = Path(values.pop("notebook"))
        try:
            producer_exit = ProducerExit.from_json(data.get("producer_exit", {}))
        except ManifestError as exc:
            raise ResultError(f"a grading result's producer_exit: {exc}") from exc
        return cls(
            **values,
            notebook=notebook,
            exercises=[
                ExerciseResult.from_json(item)
                for item in _list(data, "exercises", "a grading result")
            ],
            notebook_problems=_strings(data, "notebook_problems"),
            producer_exit=producer_exit,
            timings=_numbers(data.get("timings", {}), "timings"),
            resources=_numbers(data.get("resources", {}), "resources"),
        )

    def save(self, path: str | os.PathLike) -> None:
        """Writes the result's JSON to ``path`` atomically."""
        write_json_atomic(path, self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike) -> GradeResult:
        """Reads a result written by :meth:`save`.

        Raises:
            ResultError: if the file is missing, not JSON, or not a grading result.
        """
        return cls.from_json(_read_json(path))


@dataclass
class Verdicts(_Scored):
    """The judge's verdicts on one submission's artifacts: each hidden check, in order.

    Attributes:
        checks: one verdict per check.
        artifact_dir: the artifact directory judged.
        pytest_exit: pytest's exit status for the run.
        wall_s: seconds the checks took.
    """

    checks: list[CheckResult]
    artifact_dir: str = ""
    pytest_exit: int = 0
    wall_s: float = 0.0

    def to_json(self) -> dict:
        """Returns the verdicts as a JSON-serialisable dict (schema :data:`SCHEMA_VERSION`)."""
        return dict(
            _shallow(self),
            schema=SCHEMA_VERSION,
            checks=[check.to_json() for check in self.checks],
            score=self.score,
            max_score=self.max_score,
        )

    @classmethod
    def from_json(cls, data: Any) -> Verdicts:
        """Reads verdicts from their JSON form.

        Raises:
            ResultError: if ``data`` is not schema-1 verdicts.
        """
        _expect_schema(data, "verdicts file")
        checks = [CheckResult.from_json(item) for item in _list(data, "checks", "verdicts")]
        _expect_plausible(checks)
        return cls(**_scalars(cls, data, "verdicts"), checks=checks)

    def save(self, path: str | os.PathLike) -> None:
        """Writes the verdicts' JSON to ``path`` atomically."""
        write_json_atomic(path, self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike) -> Verdicts:
        """Reads verdicts written by :meth:`save`.

        Raises:
            ResultError: if the file is missing, not JSON, or not verdicts.
        """
        return cls.from_json(_read_json(path))


# JSON types each annotation of a scalar field accepts; bool is kept apart from the numbers on
# purpose.
_KINDS = {"str": (str,), "bool": (bool,), "float": (int, float), "int": (int,), "Path": (str,)}


def _scalars(cls, data: Any, what: str) -> dict:
    """Returns ``data``'s values for ``cls``'s scalar fields, checking each value's JSON type."""
    if not isinstance(data, dict):
        raise ResultError(f"{what}: expected a JSON object, found {type(data).__name__}")
    values = {}
    for spec in dataclasses.fields(cls):
        kinds = _KINDS.get(spec.type)
        if kinds is None:
            continue
        if spec.name not in data:
            required = (
                spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
            )
            if required:
                raise ResultError(f"{what}: no {spec.name!r}")
            continue
        value = data[spec.name]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise ResultError(f"{what}: {spec.name!r} is {value!r}, expected {spec.type}")
        values[spec.name] = value
    return values


def _expect_plausible(checks: list[CheckResult]) -> None:
    """Refuses verdicts no judge writes: unknown exercises, a check twice, points out of range."""
    seen = set()
    for check in checks:
        if check.exercise not in EXERCISES:
            raise ResultError(f"verdicts: a check of an unknown exercise {check.exercise!r}")
        if check.name in seen:
            raise ResultError(f"verdicts: {check.name!r} appears twice")
        seen.add(check.name)
        earned = check.max_score if check.passed else 0
        if check.max_score < 0 or check.score != earned:
            raise ResultError(
                f"verdicts: {check.name!r} ({'passed' if check.passed else 'failed'}) scores "
                f"{check.score} of {check.max_score} points"
            )


def _shallow(instance) -> dict:
    return {
        spec.name: getattr(instance, spec.name)
        for spec in dataclasses.fields(instance)
        if spec.type in _KINDS
    }


def _list(data: dict, key: str, what: str) -> list:
    items = data.get(key, [])
    if not isinstance(items, list):
        raise ResultError(f"{what}: {key!r} is not a list")
    return items


def _strings(data: dict, key: str) -> list[str]:
    items = _list(data, key, "a grading result")
    if not all(isinstance(item, str) for item in items):
        raise ResultError(f"a grading result: {key!r} holds something other than text")
    return list(items)


def _numbers(data: Any, key: str) -> dict[str, float]:
    if not isinstance(data, dict) or not all(
        isinstance(value, (int, float)) and not isinstance(value, bool) for value in data.values()
    ):
        raise ResultError(f"a grading result: {key!r} is not an object of numbers")
    return {str(name): float(value) for name, value in data.items()}


def _expect_schema(data: Any, what: str) -> None:
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
        raise ResultError(f"not a schema-{SCHEMA_VERSION} {what}")


def _read_json(path: str | os.PathLike) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultError(f"unreadable {path}: {exc}") from exc
