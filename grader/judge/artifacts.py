"""The submission under judgement.

Its artifact directory, read through the validated manifest; every model file is checked by
:mod:`grader.judge.validation` before Keras loads it with ``safe_mode=True``.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from grader.judge.validation import ModelFileError, validate_model_file
from grader.sandboxed.cases import Case
from grader.sandboxed.contract import (
    CONFIG_ENTRY,
    NOT_CHECKED,
    STATUS_CRASHED,
    STATUS_ERROR,
    STATUS_MISSING,
    STATUS_OK,
    STATUS_TIMEOUT,
    TRAINED_MODEL_NAME,
    ManifestError,
    artifact_path,
    read_manifest,
)
from resnet_course import mistakes


class SubmittedArtifacts:
    """One submission's artifact directory, with its models loaded on demand and cached.

    Args:
        artifact_dir: the producer's artifact directory.
    """

    def __init__(self, artifact_dir: Path):
        self.artifact_dir = Path(artifact_dir)
        self._models: dict[str, object] = {}
        self._refused: dict[str, str] = {}
        try:
            self.manifest = read_manifest(self.artifact_dir)
            self.manifest_error = ""
        except ManifestError as exc:
            self.manifest = None
            self.manifest_error = str(exc)

    def __repr__(self) -> str:
        return f"SubmittedArtifacts({str(self.artifact_dir)!r})"

    def build_problem(self, case: Case) -> str:
        """Returns why the case has no artifact, in words for the student; empty when it has one."""
        if self.manifest is None:
            return (
                "the grader found no readable record of your notebook's run "
                f"({self.manifest_error})"
            )
        record = self.manifest.exercises.get(case.exercise)
        if record is not None and case.name in record.cases:
            return ""
        uses = " and ".join(f"{name}()" for name in case.uses)
        if record is None or record.status == STATUS_OK:
            return f"the grader did not build {uses} for this check"
        where = f"calling {case.describe()}"
        if record.status == STATUS_MISSING:
            return record.message or f"no function named {uses} is defined by your solution cells"
        if record.status == STATUS_ERROR:
            reason = record.message.split(" case failed: ", 1)[-1]
            return f"{where} failed: {reason}".rstrip() + _traceback_hint(record.traceback)
        if record.status == STATUS_TIMEOUT:
            return (
                f"your notebook's code ran out of time before or while {where}. {record.message}"
            ).strip()
        if record.status == STATUS_CRASHED:
            return (
                f"your notebook's code stopped the grader's process before or while {where}. "
                f"{record.message}"
            ).strip()
        return f"{where} did not finish ({record.status}). {record.message}".strip()

    def model(self, case: Case, fresh: bool = False):
        """Returns the case's model, loaded with ``safe_mode=True``; fails the check without one.

        Args:
            case: the case whose artifact to load.
            fresh: load a new copy rather than the cached one (for checks that change weights).
        """
        problem = self.build_problem(case)
        if problem:
            first_line = problem.splitlines()[0]
            pytest.fail(f"{NOT_CHECKED}{first_line}", pytrace=False)
        if not fresh and case.file_name in self._models:
            return self._models[case.file_name]
        path = artifact_path(
            self.artifact_dir, self.manifest.exercises[case.exercise].cases[case.name]
        )
        what = f"the model the grader saved from your {' and '.join(case.uses)}"
        model = self._load(path, what, weights=case.weights)
        if not fresh:
            self._models[case.file_name] = model
        return model

    def trained_model_path(self) -> Path | None:
        """Returns the path of the student's saved trained model; None when there is none."""
        if self.manifest is None or not self.manifest.trained_model:
            return None
        path = artifact_path(self.artifact_dir, self.manifest.trained_model)
        return path if path.is_file() else None

    def trained_model(self):
        """Returns the student's trained model, loaded with ``safe_mode=True``.

        Fails the check when there is none.
        """
        path = self.trained_model_path()
        if path is None:
            problem = self.manifest.trained_model_problem if self.manifest else ""
            if problem:
                pytest.fail(f"your trained model was not graded: {problem}.", pytrace=False)
            pytest.fail(
                "no trained model was handed in: run the training cell so that it saves "
                "resnet50_signs.keras next to the notebook, and submit that file with it.",
                pytrace=False,
            )
        if "trained" not in self._models:
            self._models["trained"] = self._load(path, TRAINED_MODEL_NAME)
        return self._models["trained"]

    def _load(self, path: Path, what: str, weights: bool = True):
        """Validates and loads a model file, failing the check with the same reason every time."""
        if path.name not in self._refused:
            try:
                validate_model_file(path, weights=weights)
                return load_artifact(path, weights=weights)
            except ModelFileError as exc:
                self._refused[path.name] = f"{what} was refused before loading: {exc}"
        pytest.fail(self._refused[path.name], pytrace=False)

    def release(self) -> None:
        """Forgets the loaded models, so that judging many submissions does not hold them all."""
        self._models.clear()


def load_artifact(path: Path, weights: bool = True):
    """Loads a ``.keras`` artifact as data: no custom objects, no Lambda code.

    Call it only on a file that :func:`grader.judge.validation.validate_model_file` accepted, with
    the same ``weights``.

    Args:
        path: the file.
        weights: whether it holds weights; without them (see
            :func:`grader.sandboxed.cases.save_artifact`), the model is rebuilt from its
            configuration, with fresh weights.

    Raises:
        pytest.fail.Exception: when the file cannot be loaded safely; the message says why.
    """
    import keras

    try:
        if weights:
            model = keras.saving.load_model(path, compile=False, safe_mode=True)
        else:
            with zipfile.ZipFile(path) as archive:
                config = json.loads(archive.read(CONFIG_ENTRY))
            config["compile_config"] = None
            model = keras.saving.deserialize_keras_object(config, safe_mode=True)
        if not isinstance(model, keras.Model):
            raise TypeError(f"it holds a {type(model).__name__}, not a model")
    except Exception as exc:  # any failure to read it is the student's to fix
        error = f"{type(exc).__name__}: {exc}"
        known = mistakes.build_error_problem("the model", error)
        pytest.fail(
            (known + "\n" if known else "")
            + f"the saved model could not be read as plain Keras layers ({error[:600]}). Build it "
            "from keras.layers and keras.ops only: no Lambda layers, no custom classes.",
            pytrace=False,
        )
    # keras.Model([x], [y]) reports its one input and one output as lists; every check reads
    # model.output.
    if (
        len(model.inputs) == 1
        and len(model.outputs) == 1
        and (isinstance(model.input, list) or isinstance(model.output, list))
    ):
        return keras.Model(model.inputs[0], model.outputs[0], name=model.name)
    return model


def _traceback_hint(traceback: str) -> str:
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    return ("\n" + "\n".join(lines[-6:])) if lines else ""
