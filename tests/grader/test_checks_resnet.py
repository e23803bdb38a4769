"""The ResNet50 and training checks, judged on full-size artifacts (built once per test session).

Three submissions share one judge run: the solution notebook's cells (with their untrained ResNet-50
handed in as the "trained" model, and the retrain network), one with a stage short of a block (and
no trained model), and one without the softmax (handing in the small retrain network as its
"trained" model).
"""

import pytest
from corpus import harness, mutations

from grader.sandboxed.cases import get_case
from grader.sandboxed.contract import read_manifest
from instructor.run_reference import SOLUTION_NOTEBOOK, cell_sources
from resnet_course import spec

SOURCE = mutations.REFERENCE_SOURCE
CELLS = cell_sources(SOLUTION_NOTEBOOK)
SOLUTION = "\n\n".join(
    CELLS[g] for g in ("imports", "identity_block", "convolutional_block", "ResNet50")
)
SHORT_STAGE = SOURCE.replace("    X = identity_block(X, 3, [256, 256, 1024])\n", "", 1)
NO_SOFTMAX = SOURCE.replace("layers.Dense(classes, activation='softmax'", "layers.Dense(classes")


@pytest.fixture(scope="session")
def resnet_root(tmp_path_factory):
    return tmp_path_factory.mktemp("resnet")


@pytest.fixture(scope="session")
def resnet_verdicts(resnet_root):
    root = resnet_root
    reference = harness.make_artifacts(
        SOLUTION, ("ResNet50", "train_resnet50"), root / "reference", case_names=("full", "retrain")
    )
    model_file = reference / get_case("ResNet50", "full").file_name
    retrain_file = reference / get_case("train_resnet50", "retrain").file_name
    harness.hand_in(reference, _as_list_structured_model(model_file, root / "handed_in.keras"))
    dirs = [
        reference,
        harness.make_artifacts(
            SHORT_STAGE, ("ResNet50",), root / "short_stage", case_names=("full",)
        ),
        harness.make_artifacts(
            NO_SOFTMAX,
            ("ResNet50",),
            root / "no_softmax",
            case_names=("full",),
            trained_model=retrain_file,
        ),
    ]
    judged = harness.judge_in_one_process(dirs, root / "verdicts", timeout_s=900)
    return {
        name: {
            c["test"]: c
            for c in verdicts["checks"]
            if c["exercise"] in ("ResNet50", "train_resnet50")
        }
        for name, verdicts in judged.items()
    }


def _as_list_structured_model(path, target):
    """Re-saves a model as keras.Model([x], [y]), whose input and output Keras reports as lists."""
    import keras

    from grader.judge.artifacts import load_artifact

    model = load_artifact(path, weights=False)
    keras.Model([model.input], [model.output], name=model.name).save(target)
    return target


def _failed(checks, exercise):
    return {
        name: c["message"]
        for name, c in checks.items()
        if c["exercise"] == exercise and not c["passed"]
    }


def test_reference_resnet50_passes_every_check(resnet_verdicts):
    assert _failed(resnet_verdicts["reference"], "ResNet50") == {}


def test_short_stage_fails_the_block_count_checks(resnet_verdicts):
    failed = _failed(resnet_verdicts["short_stage"], "ResNet50")
    assert set(failed) == {"test_parameter_count", "test_stages_have_3_4_6_3_blocks"}
    assert "stage 4 has 5 residual blocks" in failed["test_stages_have_3_4_6_3_blocks"]


def test_missing_softmax_fails_the_head_check(resnet_verdicts):
    failed = _failed(resnet_verdicts["no_softmax"], "ResNet50")
    assert set(failed) == {"test_head_is_pool_flatten_softmax"}
    assert "not a softmax" in failed["test_head_is_pool_flatten_softmax"]


def test_spec_block_calls_are_the_solution_notebooks(resnet_verdicts, resnet_root):
    calls = read_manifest(resnet_root / "reference").exercises["ResNet50"].block_calls
    assert [
        (c.function, c.f, tuple(c.filters), c.s, tuple(c.input_shape), c.error) for c in calls
    ] == [(c.function, c.f, c.filters, c.s, c.input_shape, "") for c in spec.block_calls()]


def test_handed_in_resnet50_passes_the_architecture_check(resnet_verdicts):
    assert resnet_verdicts["reference"]["test_saved_model_is_resnet50"]["passed"]


def test_untrained_model_fails_both_accuracy_bars(resnet_verdicts):
    checks = resnet_verdicts["reference"]
    for name in ("test_training_accuracy_bar", "test_hidden_split_accuracy_bar"):
        assert not checks[name]["passed"] and "the bar is" in checks[name]["message"]


def test_missing_trained_model_is_reported(resnet_verdicts):
    check = resnet_verdicts["short_stage"]["test_saved_model_is_resnet50"]
    assert not check["passed"] and "no trained model was handed in" in check["message"]


def test_other_architecture_is_not_accuracy_checked(resnet_verdicts):
    checks = resnet_verdicts["no_softmax"]
    assert not checks["test_saved_model_is_resnet50"]["passed"]
    assert checks["test_training_accuracy_bar"]["message"].startswith(
        "not checked: the saved model is not"
    )


def test_retrain_of_the_lecture_blocks_passes(resnet_verdicts):
    check = resnet_verdicts["reference"]["test_retrain_from_scratch_learns"]
    assert check["passed"], check["message"]


def test_retrain_without_blocks_is_reported(resnet_verdicts):
    check = resnet_verdicts["no_softmax"]["test_retrain_from_scratch_learns"]
    assert not check["passed"] and check["message"].startswith("not checked:")
