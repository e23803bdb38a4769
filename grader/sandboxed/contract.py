"""The artifact directory: the one contract between the producer and the judge.

The producer (untrusted, sandboxed) writes an artifact directory; the judge (trusted) reads it.
Layout::

    ARTIFACT_DIR/
        manifest.json                     # Manifest, see below
        <exercise>__<case>.keras          # one saved keras.Model per (exercise, case)
        resnet50_signs.keras              # the student's trained model, when the notebook saved one

``manifest.json``::

    {
      "schema": 1,
      "notebook": "/path/to/submission.ipynb",
      "isolation": "unshare: new user, pid, net and mount namespaces; ...",
      "exercises": {
        "identity_block": {"status": "ok", "message": "", "traceback": "",
                           "cases": {"small": "identity_block__small.keras"}, "block_calls": []},
        "ResNet50": {..., "block_calls": [{"function": "convolutional_block", "f": 3,
                                           "filters": [64, 64, 256], "s": 1,
                                           "input_shape": [15, 15, 64], "error": ""}, ...]},
        ...
      },
      "trained_model": "resnet50_signs.keras" | null,
      "trained_model_problem": "why a handed-in model was not taken" | "",
      "producer_exit": {"returncode": 0, "reason": "ok", "wall_s": 12.3, "message": ""},
      "output_tail": "last bytes of the producer's stdout/stderr",
      "notebook_problems": ["the 'imports' cell was not found by its nbgrader grade_id"]
    }

Exercise ``status`` values: ``ok`` (every case built and saved), ``error`` (the student's code
raised; ``message`` and ``traceback`` say where), ``missing`` (no solution code defines the
function), ``timeout`` (the producer hit its wall-time limit while on this exercise or before
reaching it), ``crashed`` (the producer died while on this exercise or before reaching it:
``sys.exit``, ``os._exit``, a signal, the memory limit). ``running`` appears only while the producer
is working; the orchestrator turns it into ``timeout``/``crashed`` before the judge starts. An
``ok`` exercise may have saved only some cases if a later case failed; then its status is ``error``
and ``cases`` lists the ones that were saved.

``block_calls`` lists, for the ResNet50 exercise, every call the student's ``ResNet50`` made of
``convolutional_block`` and ``identity_block`` while it built, with the arguments as the student's
own function signature binds them (see :mod:`grader.sandboxed.block_calls`); the judge names the
stage and block at fault from them when the network could not be built.

The manifest is written by a process that runs student code, so the judge must treat it as data from
an untrusted source: :func:`read_manifest` validates every file name it returns (a plain ``.keras``
file name inside the artifact directory, nothing else) and the type and size of every block call.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCHEMA_VERSION = 1
MANIFEST_NAME = "manifest.json"
TRAINED_MODEL_NAME = "resnet50_signs.keras"
#: How a check's message begins when the check could not run on the student's work; the reports
#: point later checks failed for the same reason to the first (grader.report.gradescope).
NOT_CHECKED = "not checked: "
#: The entries of a ``.keras`` archive, as Keras names them. An artifact that holds a model's
#: structure alone has the first two (see :func:`grader.sandboxed.cases.save_artifact`).
METADATA_ENTRY = "metadata.json"
CONFIG_ENTRY = "config.json"
WEIGHTS_ENTRY = "model.weights.h5"
#: The largest trained model the grader takes: a ResNet-50 saved with Adam's state is about 285 MB.
TRAINED_MODEL_MAX_BYTES = 512 * 2**20

# Exercises whose function the producer calls on symbolic inputs, in notebook order.
BUILD_EXERCISES = (
    "dense_residual_block",
    "identity_block",
    "convolutional_block",
    "ResNet50",
    "silence_residual_branches",
)
# The training exercise is judged from the saved model file, never by running its cell.
TRAIN_EXERCISE = "train_resnet50"
EXERCISES = BUILD_EXERCISES + (TRAIN_EXERCISE,)

STATUS_OK = "ok"
STATUS_ERROR = "error"
STATUS_MISSING = "missing"
STATUS_TIMEOUT = "timeout"
STATUS_CRASHED = "crashed"
STATUS_RUNNING = "running"


# What a manifest may hold about block calls: enough for ResNet-50's 16 blocks and then some.
MAX_BLOCK_CALLS = 64
MAX_CALL_ERROR_CHARS = 1000
# What a manifest may hold about returned values: a few cases, a short text each.
MAX_RETURNED_CASES = 8
MAX_RETURNED_CHARS = 100
BLOCK_FUNCTIONS = ("convolutional_block", "identity_block")


class ManifestError(ValueError):
    """The artifact directory has no readable, well-formed manifest."""


@dataclass
class BlockCall:
    """One call of a block function made by the student's ResNet50 while it built.

    Attributes:
        function: ``convolutional_block`` or ``identity_block``.
        f: the ``f`` argument; None when it was not an integer.
        filters: the ``filters`` argument; None when it was not a sequence of integers.
        s: the ``s`` argument of a convolutional block (its default included); None otherwise.
        input_shape: the block input's shape without the batch dimension.
        error: ``"TypeName: message"`` when the block raised; empty otherwise.
    """

    function: str
    f: int | None = None
    filters: list[int] | None = None
    s: int | None = None
    input_shape: list[int | None] | None = None
    error: str = ""

    @classmethod
    def from_json(cls, data: object) -> BlockCall:
        """Reads one call from the manifest, checking every field's type and size.

        Raises:
            ManifestError: if ``data`` is not a block call.
        """
        if not isinstance(data, dict) or data.get("function") not in BLOCK_FUNCTIONS:
            raise ManifestError(f"malformed block call: {str(data)[:200]}")
        error = data.get("error", "")
        if not isinstance(error, str):
            raise ManifestError("malformed block call: its error is not text")
        return cls(
            function=data["function"],
            f=_small_int(data.get("f")),
            filters=_small_ints(data.get("filters"), 3),
            s=_small_int(data.get("s")),
            input_shape=_small_ints(data.get("input_shape"), 4, allow_none=True),
            error=error[:MAX_CALL_ERROR_CHARS],
        )


@dataclass
class ExerciseRecord:
    """What the producer achieved for one exercise.

    Attributes:
        status: ``ok``, ``error``, ``missing``, ``timeout`` or ``crashed`` (``running`` while the
            producer works).
        message: one line for the student saying what went wrong; empty when ``ok``.
        traceback: the traceback trimmed to the student's own cell lines; empty when none.
        cases: case name -> artifact file name (relative to the artifact directory).
        block_calls: the block calls the student's ResNet50 made, in order (that exercise only).
        returned: case name -> what the function returned on that case, for an exercise whose
            function changes a network rather than building one (``"4"``, ``"None"``,
            ``"<float>"``; see :func:`grader.sandboxed.cases.returned_text`).
    """

    status: str = STATUS_MISSING
    message: str = ""
    traceback: str = ""
    cases: dict[str, str] = field(default_factory=dict)
    block_calls: list[BlockCall] = field(default_factory=list)
    returned: dict[str, str] = field(default_factory=dict)


@dataclass
class ProducerExit:
    """How the producer process ended.

    Attributes:
        returncode: the process exit status (negative: killed by that signal); None if it never
            started.
        reason: ``ok``, ``timeout``, ``crashed``, ``memory`` or ``output_limit``.
        wall_s: seconds the producer ran.
        message: a human-readable account of any abnormal end.
    """

    returncode: int | None = None
    reason: str = "ok"
    wall_s: float = 0.0
    message: str = ""

    def to_json(self) -> dict:
        """Returns the exit as a JSON-serialisable dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: object) -> ProducerExit:
        """Reads an exit from its JSON form (``{}`` or null: an exit that was never recorded).

        Args:
            data: the parsed JSON object.

        Returns:
            The exit.

        Raises:
            ManifestError: if ``data`` is not an exit record.
        """
        exit_info = dict(data or {})
        try:
            returncode = exit_info.get("returncode")
            return cls(
                returncode=None if returncode is None else int(returncode),
                reason=str(exit_info.get("reason", "ok")),
                wall_s=float(exit_info.get("wall_s", 0.0)),
                message=str(exit_info.get("message", "")),
            )
        except (TypeError, ValueError) as exc:
            raise ManifestError(f"malformed producer exit: {exc}") from exc


@dataclass
class Manifest:
    """Everything the judge needs to know about one submission's artifacts."""

    notebook: str = ""
    isolation: str = ""
    exercises: dict[str, ExerciseRecord] = field(
        default_factory=lambda: {name: ExerciseRecord() for name in EXERCISES}
    )
    trained_model: str | None = None
    trained_model_problem: str = ""
    producer_exit: ProducerExit = field(default_factory=ProducerExit)
    output_tail: str = ""
    notebook_problems: list[str] = field(default_factory=list)
    schema: int = SCHEMA_VERSION

    def to_json(self) -> dict:
        """Returns the manifest as a JSON-serialisable dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Manifest":
        """Builds a manifest from its JSON form, validating file names.

        Args:
            data: the parsed ``manifest.json``.

        Returns:
            The manifest.

        Raises:
            ManifestError: if the data is not a manifest or names a file outside the artifact
                directory.
        """
        if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
            raise ManifestError(f"not a schema-{SCHEMA_VERSION} grader manifest")
        try:
            exercises = {}
            for name, rec in dict(data.get("exercises", {})).items():
                cases = {
                    str(k): _checked_file_name(v) for k, v in dict(rec.get("cases", {})).items()
                }
                calls = rec.get("block_calls", [])
                if not isinstance(calls, list) or len(calls) > MAX_BLOCK_CALLS:
                    raise ManifestError(
                        f"block_calls is not a list of at most {MAX_BLOCK_CALLS} calls"
                    )
                exercises[str(name)] = ExerciseRecord(
                    status=str(rec.get("status", STATUS_MISSING)),
                    message=str(rec.get("message", "")),
                    traceback=str(rec.get("traceback", "")),
                    cases=cases,
                    block_calls=[BlockCall.from_json(call) for call in calls],
                    returned=_returned(rec.get("returned", {})),
                )
            for name in EXERCISES:
                exercises.setdefault(name, ExerciseRecord())
            trained = data.get("trained_model")
            return cls(
                notebook=str(data.get("notebook", "")),
                isolation=str(data.get("isolation", "")),
                exercises=exercises,
                trained_model=None if trained is None else _checked_file_name(trained),
                trained_model_problem=str(data.get("trained_model_problem", "")),
                producer_exit=ProducerExit.from_json(data.get("producer_exit")),
                output_tail=str(data.get("output_tail", "")),
                notebook_problems=[str(p) for p in data.get("notebook_problems", [])],
            )
        except (AttributeError, TypeError, ValueError) as exc:
            if isinstance(exc, ManifestError):
                raise
            raise ManifestError(f"malformed manifest: {exc}") from exc


def _returned(value: object) -> dict[str, str]:
    """Returns ``value`` if it maps a few case names to short texts, else raises ManifestError."""
    if not isinstance(value, dict) or len(value) > MAX_RETURNED_CASES:
        raise ManifestError(f"returned is not a map of at most {MAX_RETURNED_CASES} cases")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ManifestError("returned does not map case names to text")
    return {k[:MAX_RETURNED_CHARS]: v[:MAX_RETURNED_CHARS] for k, v in value.items()}


def _small_int(value: object, allow_none: bool = True) -> int | None:
    """Returns ``value`` if it is an int of at most 6 digits (or None when allowed)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 10**6:
        raise ManifestError(f"malformed block call: {str(value)[:50]} is not a small integer")
    return value


def _small_ints(value: object, most: int, allow_none: bool = False) -> list | None:
    """Returns ``value`` if it is None or a list of at most ``most`` small ints (maybe None)."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > most:
        raise ManifestError(f"malformed block call: {str(value)[:50]} is not a short list")
    return [_small_int(v, allow_none=allow_none) for v in value]


def _checked_file_name(name: object) -> str:
    """Returns ``name`` if it is a plain ``.keras`` file name, else raises ManifestError."""
    if (
        not isinstance(name, str)
        or not name.endswith(".keras")
        or name != os.path.basename(name)
        or name in (".", "..")
        or name.startswith(".")
        or "\\" in name
        or "\x00" in name
    ):
        raise ManifestError(f"artifact name {name!r} is not a plain .keras file name")
    return name


def trained_model_problem(path: str | os.PathLike) -> str:
    """Says why a handed-in model file is not taken; empty when it is.

    Only a regular file within :data:`TRAINED_MODEL_MAX_BYTES` is taken: a symbolic link could name
    another student's model or a course file, and a larger file is no model of this assignment.

    Args:
        path: the file, which exists.

    Returns:
        The reason in words for the student, or an empty string.
    """
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"{TRAINED_MODEL_NAME} cannot be read ({exc.strerror}); ignored"
    if stat.S_ISLNK(info.st_mode):
        return f"{TRAINED_MODEL_NAME} is a symbolic link, not the file itself; ignored"
    if not stat.S_ISREG(info.st_mode):
        return f"{TRAINED_MODEL_NAME} is not a regular file; ignored"
    if info.st_size > TRAINED_MODEL_MAX_BYTES:
        return (
            f"{TRAINED_MODEL_NAME} is {info.st_size / 2**20:.0f} MiB, over the "
            f"{TRAINED_MODEL_MAX_BYTES / 2**20:.0f} MiB limit; ignored"
        )
    return ""


def artifact_path(artifact_dir: str | os.PathLike, file_name: str) -> Path:
    """Returns the path of a manifest-listed file, refusing anything outside the directory.

    Args:
        artifact_dir: the artifact directory.
        file_name: a file name from the manifest.

    Returns:
        ``artifact_dir / file_name``.

    Raises:
        ManifestError: if ``file_name`` is not a plain ``.keras`` file name.
    """
    return Path(artifact_dir) / _checked_file_name(file_name)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Writes a file so that readers see either the old or the new content, never half of it.

    Args:
        path: the destination; its folder is created if needed.
        data: the content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json_atomic(path: str | os.PathLike, data: dict) -> None:
    """Writes JSON atomically (see :func:`write_bytes_atomic`).

    Args:
        path: the destination file.
        data: a JSON-serialisable dict.
    """
    write_bytes_atomic(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Writes UTF-8 text atomically (see :func:`write_bytes_atomic`).

    Args:
        path: the destination file.
        text: the content.
    """
    write_bytes_atomic(path, text.encode("utf-8"))


def write_manifest(artifact_dir: str | os.PathLike, manifest: Manifest) -> None:
    """Atomically writes ``manifest.json`` into ``artifact_dir``."""
    write_json_atomic(Path(artifact_dir) / MANIFEST_NAME, manifest.to_json())


def read_manifest(artifact_dir: str | os.PathLike) -> Manifest:
    """Reads and validates ``manifest.json`` from ``artifact_dir``.

    Args:
        artifact_dir: the artifact directory.

    Returns:
        The manifest.

    Raises:
        ManifestError: if the manifest is missing, not JSON, or malformed.
    """
    path = Path(artifact_dir) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"no {MANIFEST_NAME} in {artifact_dir}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"unreadable {path}: {exc}") from exc
    return Manifest.from_json(data)
