"""One stage of the grading profile, run by ``bench/bench_grading_profile.py`` in a checkout's venv.

Usage (the interpreter decides which checkout's grader is timed)::

    CHECKOUT/.venv/bin/python bench/grading_profile_worker.py start
    CHECKOUT/.venv/bin/python bench/grading_profile_worker.py pipeline NOTEBOOK WORKDIR
    CHECKOUT/.venv/bin/python bench/grading_profile_worker.py producer NOTEBOOK SCRATCH
    CHECKOUT/.venv/bin/python bench/grading_profile_worker.py judge ARTIFACT_DIR

Each prints one JSON list of ``[phase, seconds, note]`` rows as its last line. ``pipeline`` runs the
real sandboxed producer and judge one after the other (the artifacts stay in WORKDIR), then a whole
grading as the checkout runs it (where the judge may start with the producer and be split in two);
``producer`` and ``judge`` run their steps in this process, unsandboxed, one at a time, so that
each can be timed on its own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

# Keras imported as this checkout's producer and judge import it (without TensorFlow's probe for
# JAX where the checkout has grader.sandboxed.keras_import), or plainly in older checkouts.
IMPORT_KERAS = """
try:
    from grader.sandboxed.keras_import import import_keras
except ImportError:
    import_keras = None
keras = import_keras() if import_keras else __import__("keras")
"""


def _import_keras():
    namespace: dict = {}
    exec(IMPORT_KERAS, namespace)
    return namespace["keras"]


def _timed(rows: list, phase: str, action, note: str = ""):
    started = time.perf_counter()
    value = action()
    rows.append([phase, round(time.perf_counter() - started, 3), note])
    return value


def start_rows() -> list:
    """Process start alone, and with Keras (TensorFlow) imported."""
    rows: list = []
    for phase, code in (
        ("process start (python -c pass)", "pass"),
        ("process start + import keras (TensorFlow)", IMPORT_KERAS),
    ):
        _timed(rows, phase, lambda c=code: subprocess.run([sys.executable, "-c", c], check=True))
    return rows


def pipeline_rows(notebook: Path, workdir: Path) -> list:
    """The real grading's stages: notebook reading, the sandboxed producer, the sandboxed judge."""
    from grader.pipeline.judging import run_judge
    from grader.pipeline.notebook import load_submission
    from grader.pipeline.supervisor import private_course_paths, produce

    rows: list = []
    submission = _timed(rows, "notebook reading", lambda: load_submission(notebook))
    production = _timed(
        rows, "producer process (sandboxed, all cases)", lambda: produce(submission, workdir / "p")
    )
    for name, seconds in re.findall(
        r"\[grader\] (\w+): ok in ([0-9.]+) s", production.manifest.output_tail
    ):
        rows.append([f"  producer: {name} built and saved", float(seconds), "producer's own log"])
    judged = _timed(
        rows,
        "judge process (sandboxed, all checks)",
        lambda: run_judge(production.artifact_dir, workdir / "j", hidden=private_course_paths()),
    )
    rows.append(["  judge: the checks (pytest session)", judged.verdicts.wall_s, "judge's own log"])
    passed = sum(check.passed for check in judged.verdicts.checks)
    rows.append(["checks run / passed", len(judged.verdicts.checks), f"{passed} passed"])
    from grader.pipeline.grade import grade_notebook

    result = _timed(
        rows,
        "whole grading (producer, then judge, as the checkout orders them)",
        lambda: grade_notebook(notebook, workdir=workdir / "whole"),
    )
    rows[-1][2] = f"producer {result.timings['producer']} s, judge {result.timings['judge']} s"
    print(f"ARTIFACTS {production.artifact_dir}", flush=True)
    return rows


def producer_rows(notebook: Path, scratch: Path) -> list:
    """The producer's steps in this process: imports, the cells, each case's build and save."""
    from grader.pipeline.notebook import load_submission

    rows: list = []
    keras = _timed(rows, "producer: import keras", _import_keras)
    from grader.sandboxed import cases as case_module

    submission = load_submission(notebook)
    namespace: dict = {"__name__": "__main__"}
    for unit in submission.units:
        _timed(
            rows,
            f"producer: execute cell {unit.label}",
            lambda u=unit: exec(compile(u.source, u.label, "exec"), namespace),
        )
    # As the checkout's producer saves: one from before structure-only artifacts saves all whole.
    save = getattr(case_module, "save_artifact", lambda _case, model, target: model.save(target))
    for case in case_module.CASES:
        functions = {name: namespace[name] for name in case.uses}
        model = _timed(
            rows,
            f"producer: build {case.exercise}/{case.name}",
            lambda c=case, f=functions: case_module.build_case(c, f, []),
        )
        target = scratch / case.file_name
        _timed(
            rows,
            f"producer: save {case.exercise}/{case.name}",
            lambda c=case, m=model, t=target: save(c, m, t),
        )
        rows[-1][2] = f"{target.stat().st_size / 2**20:.2f} MB"
        keras.backend.clear_session()
    return rows


class _CheckTimes:
    """A pytest plugin: each check's setup + call + teardown seconds."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report):
        name = report.nodeid.split("::", 1)[-1].split("[", 1)[0]
        exercise = Path(report.nodeid.split("::", 1)[0]).stem.removeprefix("test_")
        key = f"{exercise}: {name}"
        self.seconds[key] = self.seconds.get(key, 0.0) + report.duration


def _validate(validate_model_file, path: Path, case):
    """Validates an artifact as the judge does, in this checkout or an older one.

    A checkout from before the structure-only artifacts has no ``weights`` argument.
    """
    if getattr(case, "weights", True):
        return validate_model_file(path)
    return validate_model_file(path, weights=False)


def judge_rows(artifact_dir: Path) -> list:
    """The judge's steps in this process, one at a time.

    Imports, each artifact's validation and load, the evaluations, the retrain, then the real
    checks (which load what they need again).
    """
    import pytest

    rows: list = []
    _timed(rows, "judge: import keras", _import_keras)
    from grader.judge import evaluation, retrain
    from grader.judge.artifacts import SubmittedArtifacts
    from grader.judge.collector import VerdictCollector
    from grader.judge.run import pytest_arguments
    from grader.judge.validation import validate_model_file
    from grader.sandboxed.cases import CASES, get_case

    submission = SubmittedArtifacts(artifact_dir)
    for case in CASES:
        path = artifact_dir / case.file_name
        if path.is_file():
            _timed(
                rows,
                f"judge: validate {case.file_name}",
                lambda p=path, c=case: _validate(validate_model_file, p, c),
            )
        _timed(rows, f"judge: validate + load {case.file_name}", lambda c=case: submission.model(c))
    trained = submission.trained_model_path()
    if trained is not None:
        _timed(rows, "judge: validate trained model", lambda: validate_model_file(trained))
        model = _timed(rows, "judge: validate + load trained model", submission.trained_model)
        for label, subset in (
            ("training", evaluation.training_subset),
            ("hidden", evaluation.hidden_subset),
        ):
            images, labels = _timed(rows, f"judge: read {label} images", subset)
            _timed(
                rows,
                f"judge: evaluate trained model on {len(labels)} {label} images",
                lambda i=images, y=labels: evaluation.accuracy(model, i, y),
            )
    retrain_model = submission.model(get_case("train_resnet50", "retrain"))
    data = _timed(rows, "judge: retrain data", retrain.retrain_data)
    _timed(
        rows,
        f"judge: retrain ({retrain.EPOCHS} epochs)",
        lambda: retrain.retrain_accuracy(retrain_model, data),
    )
    submission.release()

    fresh = SubmittedArtifacts(artifact_dir)
    times = _CheckTimes()
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    args = pytest_arguments()
    _timed(
        rows,
        "judge: all checks (pytest session, loads included)",
        lambda: pytest.main(args, plugins=[VerdictCollector([fresh]), times]),
    )
    for key, seconds in times.seconds.items():
        rows.append([f"  check {key}", round(seconds, 3), ""])
    return rows


def main() -> int:
    """Runs one stage and prints its rows as the last line."""
    stage, *rest = sys.argv[1:]
    if stage == "start":
        rows = start_rows()
    elif stage == "pipeline":
        rows = pipeline_rows(Path(rest[0]), Path(rest[1]))
    elif stage == "producer":
        rows = producer_rows(Path(rest[0]), Path(rest[1]))
    elif stage == "judge":
        rows = judge_rows(Path(rest[0]))
    else:
        raise SystemExit(f"unknown stage {stage!r}")
    print(json.dumps(rows), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
