"""The corpus's test harness: builds a submission's artifact directory in this process.

It does what the sandboxed producer does for a notebook (call each exercise on its cases, save the
models, write the manifest), but from a Python source text, so that the corpus tests need no
notebook execution. The judge then reads the directories exactly as it reads the producer's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from grader.sandboxed.cases import CASES, build_case, save_artifact
from grader.sandboxed.contract import (
    STATUS_ERROR,
    STATUS_OK,
    TRAINED_MODEL_NAME,
    ExerciseRecord,
    Manifest,
    read_manifest,
    write_manifest,
)
from grader.sandboxed.producer import exception_summary


def make_artifacts(
    source: str,
    exercises: tuple[str, ...],
    artifact_dir: Path,
    case_names: tuple[str, ...] = ("small",),
    trained_model: Path | None = None,
) -> Path:
    """Builds the artifacts of ``exercises`` from ``source`` into ``artifact_dir``.

    Args:
        source: Python source defining the exercise functions.
        exercises: the exercises to build; the others are recorded as missing.
        artifact_dir: the folder to create.
        case_names: which cases of those exercises to build.
        trained_model: a ``.keras`` file to hand in as the trained model.

    Returns:
        ``artifact_dir``.
    """
    import keras

    artifact_dir.mkdir(parents=True, exist_ok=True)
    namespace: dict = {"__name__": "corpus_submission"}
    exec(compile(source, "corpus_submission.py", "exec"), namespace)
    manifest = Manifest(notebook="corpus")
    for exercise in exercises:
        record = ExerciseRecord(status=STATUS_OK)
        for case in (c for c in CASES if c.exercise == exercise and c.name in case_names):
            try:
                model = build_case(case, namespace, record.block_calls, record.returned)
                save_artifact(case, model, artifact_dir / case.file_name)
            except Exception as exc:  # the corpus's mistakes raise on purpose
                record.status = STATUS_ERROR
                record.message = f"building the '{case.name}' case failed: {exception_summary(exc)}"
                break
            finally:
                # Without a full garbage collection each time: the corpus builds a few hundred.
                keras.backend.clear_session(free_memory=False)
            record.cases[case.name] = case.file_name
        manifest.exercises[exercise] = record
    write_manifest(artifact_dir, manifest)
    if trained_model is not None:
        hand_in(artifact_dir, trained_model)
    return artifact_dir


#: Runs in a fresh process: reads ``[[source, exercises, artifact_dir, case_names], ...]`` as JSON
#: from its standard input and builds each.
_BUILD_PROGRAM = """
import json, sys
from pathlib import Path
from corpus.harness import make_artifacts
for source, exercises, artifact_dir, case_names in json.load(sys.stdin):
    make_artifacts(source, tuple(exercises), Path(artifact_dir), case_names=tuple(case_names))
"""


def make_artifacts_on(
    backend: str,
    jobs: list[tuple[str, tuple[str, ...], Path, tuple[str, ...]]],
    timeout_s: float,
) -> list[Path]:
    """Builds artifact directories in a fresh process that runs on another Keras backend.

    Args:
        backend: the ``KERAS_BACKEND`` of that process: the student's backend.
        jobs: ``(source, exercises, artifact_dir, case_names)`` for each directory, as in
            :func:`make_artifacts`.
        timeout_s: seconds before the process is stopped.

    Returns:
        The artifact directories, in the order of ``jobs``.
    """
    spec = json.dumps([[source, list(ex), str(d), list(names)] for source, ex, d, names in jobs])
    completed = subprocess.run(
        [sys.executable, "-c", _BUILD_PROGRAM],
        input=spec,
        capture_output=True,
        text=True,
        env=dict(
            os.environ,
            KERAS_BACKEND=backend,
            TF_CPP_MIN_LOG_LEVEL="3",
            # The folder that holds this package, so that the new process imports it too.
            PYTHONPATH=os.pathsep.join(
                filter(None, [str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH")])
            ),
        ),
        timeout=timeout_s,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return [Path(job[2]) for job in jobs]


def hand_in(artifact_dir: Path, trained_model: Path) -> None:
    """Adds ``trained_model`` to the artifacts as the student's saved trained model."""
    target = artifact_dir / TRAINED_MODEL_NAME
    shutil.copyfile(trained_model, target)
    manifest = read_manifest(artifact_dir)
    manifest.trained_model = target.name
    write_manifest(artifact_dir, manifest)


def judge_in_one_process(
    dirs: list[Path], out: Path, timeout_s: float, **environment: str
) -> dict[str, dict]:
    """Judges every artifact directory in one ``python -m grader.judge`` process, as in grading.

    Args:
        dirs: the artifact directories; their names key the result.
        out: the folder for the verdict files.
        timeout_s: seconds before the judge is stopped.
        **environment: variables to set for the judge, on top of this process's.

    Returns:
        Each directory's verdicts, as the JSON the judge wrote, by directory name.
    """
    completed = subprocess.run(
        [sys.executable, "-m", "grader.judge", *map(str, dirs), "--out", str(out)],
        capture_output=True,
        text=True,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **environment),
        timeout=timeout_s,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return {d.name: json.loads((out / f"{d.name}.json").read_text()) for d in dirs}
