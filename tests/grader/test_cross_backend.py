"""A submission built on one Keras backend gets the same verdicts from a judge on any backend.

A few corpus entries (valid blocks and mistakes the numerical checks catch) and the silence
exercise's solution and one of its mistakes are built in one process per backend, the student's,
then judged by one judge process per backend, the grader's: every pair must give every check the
same outcome and points. A small model saved on each backend with the same weights, as a student
hands in a trained one, is scored by the judge's functions alike. Each backend's processes start
once per module.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import catalogue, harness
from submission_notebooks import IMPORTS, SILENCE_RESIDUAL_BRANCHES

from grader.pipeline.backend import BACKENDS

INSTALLED = tuple(backend for backend in BACKENDS if importlib.util.find_spec(backend))
PAIRS = list(itertools.product(INSTALLED, INSTALLED))
pytestmark = pytest.mark.skipif(
    len(INSTALLED) < 2, reason="needs a second Keras backend (make env installs jax and torch)"
)
# A mistake in each block that the numerical comparison with the lecture's block catches; the last
# also builds the other two blocks as the lecture writes them.
ENTRY_NAMES = ("id_skip_after_final_relu", "cb_stride_on_fxf_conv", "dr_sigmoid_for_g")
ENTRIES = [entry for entry in catalogue.ENTRIES if entry.name in ENTRY_NAMES]
SILENCE = "silence_residual_branches"
SILENCE_SOURCES = {
    "silence_solution": IMPORTS + SILENCE_RESIDUAL_BRANCHES,
    "silence_zeroes_beta": IMPORTS + SILENCE_RESIDUAL_BRANCHES.replace("bn.gamma", "bn.beta"),
}
# Builds a small ResNet of the lecture's blocks for 64x64 images on this process's backend, gives it
# the weights in the .npz file (the same numbers on every backend), attaches an optimizer's state as
# model.fit would, and saves it.
SAVE_TRAINED = """
import sys
import keras
import numpy as np
from grader.sandboxed.cases import RETRAIN_CLASSES, RETRAIN_STAGES, RETRAIN_STEM_FILTERS
from grader.sandboxed.lecture_blocks import small_resnet

model = small_resnet((64, 64, 3), RETRAIN_STAGES, RETRAIN_STEM_FILTERS, RETRAIN_CLASSES)
weights = np.load(sys.argv[1])
model.set_weights([weights[f"arr_{index}"] for index in range(len(weights.files))])
model.compile(optimizer=keras.optimizers.SGD(), loss="categorical_crossentropy")
model.optimizer.build(model.trainable_variables)
model.save(sys.argv[2])
"""


def _telling_weights(images) -> list:
    """Weights of the small ResNet under which its predictions vary from image to image.

    Seeded weights, and a classifier that reads each pooled feature's difference from the images'
    mean, so that a model saved with other weights, or loaded wrong, predicts other classes.
    """
    import keras
    import numpy as np

    from grader.sandboxed.cases import RETRAIN_CLASSES, RETRAIN_STAGES, RETRAIN_STEM_FILTERS
    from grader.sandboxed.lecture_blocks import set_seeded_weights, small_resnet

    model = small_resnet((64, 64, 3), RETRAIN_STAGES, RETRAIN_STEM_FILTERS, RETRAIN_CLASSES)
    set_seeded_weights(model, seed=0, trained_batch_norm=False)
    pooled = keras.Model(model.input, model.get_layer("head_pool").output)
    features = keras.ops.convert_to_numpy(pooled(images.astype("float32") / 255.0))
    kernel = np.random.default_rng(1).normal(0.0, 10.0, (features.shape[1], RETRAIN_CLASSES))
    model.get_layer("head_softmax").set_weights([kernel, -features.mean(axis=0) @ kernel])
    return [keras.ops.convert_to_numpy(v).astype("float32") for v in model.weights]


def _jobs(student: str, root: Path) -> list:
    jobs = [
        (entry.source(), entry.builds, root / f"{entry.name}-on-{student}", ("small",))
        for entry in ENTRIES
    ]
    jobs += [
        (source, (SILENCE,), root / f"{name}-on-{student}", ("fresh", "trained_bn"))
        for name, source in SILENCE_SOURCES.items()
    ]
    return jobs


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> dict[tuple[str, str], dict[str, dict]]:
    """``{(student's backend, grader's backend): {submission: verdicts}}``."""
    root = tmp_path_factory.mktemp("cross_backend")
    dirs = []
    for student in INSTALLED:
        dirs += harness.make_artifacts_on(student, _jobs(student, root), timeout_s=600)
    by_pair = {}
    for grader in INSTALLED:
        judged = harness.judge_in_one_process(
            dirs, root / f"verdicts-{grader}", timeout_s=900, KERAS_BACKEND=grader
        )
        for student in INSTALLED:
            suffix = f"-on-{student}"
            by_pair[(student, grader)] = {
                name.removesuffix(suffix): verdict
                for name, verdict in judged.items()
                if name.endswith(suffix)
            }
    return by_pair


def _outcomes(verdict: dict) -> list[tuple]:
    return [
        (c["exercise"], c["test"], c["passed"], c["score"], c["grader_error"])
        for c in verdict["checks"]
    ]


SUBMISSIONS = list(ENTRY_NAMES) + list(SILENCE_SOURCES)


@pytest.mark.parametrize("submission", SUBMISSIONS)
def test_every_pair_of_backends_gives_the_same_verdicts(verdicts, submission):
    baseline = _outcomes(verdicts[("tensorflow", "tensorflow")][submission])
    differing = {
        f"{student} -> {grader}": sorted(set(_outcomes(by_name[submission])) ^ set(baseline))
        for (student, grader), by_name in verdicts.items()
        if _outcomes(by_name[submission]) != baseline
    }
    assert differing == {}


@pytest.mark.parametrize("pair", PAIRS, ids=lambda pair: "->".join(pair))
def test_no_check_is_a_grader_error_on_any_pair(verdicts, pair):
    errors = [
        (name, c["test"], c["message"][:200])
        for name, verdict in verdicts[pair].items()
        for c in verdict["checks"]
        if c["grader_error"]
    ]
    assert errors == []


@pytest.mark.parametrize("pair", PAIRS, ids=lambda pair: "->".join(pair))
def test_each_mistake_fails_its_own_checks_on_every_pair(verdicts, pair):
    failed = {
        entry.name: {
            c["test"]
            for c in verdicts[pair][entry.name]["checks"]
            if c["exercise"] == entry.exercise and not c["passed"]
        }
        for entry in ENTRIES
    }
    assert failed == {entry.name: set(entry.fails) for entry in ENTRIES}


def test_silence_mistake_fails_where_the_solution_passes(verdicts):
    def failed(name):
        checks = verdicts[("tensorflow", "tensorflow")][name]["checks"]
        return {c["test"] for c in checks if c["exercise"] == SILENCE and not c["passed"]}

    assert failed("silence_solution") == set() and failed("silence_zeroes_beta")


@pytest.fixture(scope="module")
def trained_scores(tmp_path_factory) -> dict[str, dict]:
    """The judge's validation and accuracies of one small model saved on each backend.

    The judge's own functions score it in this process, on this process's backend (TensorFlow in
    the main pass of ``make test``).
    """
    import numpy as np

    from grader.judge import evaluation
    from grader.judge.artifacts import load_artifact
    from grader.judge.validation import validate_model_file
    from resnet_course.training import predict_classes

    root = tmp_path_factory.mktemp("trained_across_backends")
    subsets = {"training": evaluation.training_subset(), "hidden": evaluation.hidden_subset()}
    np.savez(root / "weights.npz", *_telling_weights(subsets["training"][0]))
    scores = {}
    for student in INSTALLED:
        path = root / f"trained-on-{student}.keras"
        subprocess.run(
            [sys.executable, "-c", SAVE_TRAINED, str(root / "weights.npz"), str(path)],
            check=True,
            capture_output=True,
            timeout=300,
            env=dict(os.environ, KERAS_BACKEND=student, TF_CPP_MIN_LOG_LEVEL="3"),
        )
        parameters = validate_model_file(path).parameters
        model = load_artifact(path)
        scores[student] = {
            "parameters": parameters,
            **{f"{name} accuracy": evaluation.accuracy(model, *s) for name, s in subsets.items()},
            "predictions": [
                predict_classes(model, images).tolist() for images, _ in subsets.values()
            ],
        }
    return scores


def test_trained_model_from_any_backend_scores_as_the_tensorflow_one(trained_scores):
    def scored(student):
        return {k: v for k, v in trained_scores[student].items() if k != "predictions"}

    assert {s: scored(s) for s in INSTALLED} == dict.fromkeys(INSTALLED, scored("tensorflow"))


def test_trained_model_predicts_several_classes_so_that_a_difference_would_show(trained_scores):
    training, hidden = trained_scores["tensorflow"]["predictions"]
    assert len(set(training)) >= 3 and len(set(hidden)) >= 3


def test_trained_model_from_any_backend_predicts_every_image_alike(trained_scores):
    predictions = {s: scores["predictions"] for s, scores in trained_scores.items()}
    assert predictions == dict.fromkeys(INSTALLED, predictions["tensorflow"])
