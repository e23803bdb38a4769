"""The training cell's path on a small residual network, on the backend the tests run on.

Pipeline, silenced start, the solution's train_resnet50, refreshed statistics, saving and loading:
what the notebook's training cell does to ResNet-50, on a network that trains in a second.
"""

import keras
import numpy as np
import pytest

from resnet_course import training

pytestmark = pytest.mark.every_backend

IMAGES = np.random.default_rng(0).integers(0, 256, size=(12, 8, 8, 3), dtype=np.uint8)
LABELS = np.arange(12) % 6


@pytest.fixture(scope="module")
def trained(solution_cells, tmp_path_factory):
    namespace: dict = {}
    for grade_id in ("imports", "identity_block", "silence_residual_branches", "train_resnet50"):
        exec(compile(solution_cells[grade_id], f"<{grade_id}>", "exec"), namespace)
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    stem = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    block = namespace["identity_block"](stem, 3, [4, 4, 8])
    head = keras.layers.Dense(6, activation="softmax")(keras.layers.GlobalAveragePooling2D()(block))
    model = training.ensure_float32_output(keras.Model(inputs, head))
    silenced = namespace["silence_residual_branches"](model)
    dataset = training.make_dataset(IMAGES, np.eye(6)[LABELS], batch_size=4, shuffle=True)
    history = namespace["train_resnet50"](model, dataset, 2, 1e-2)
    refreshed = training.refresh_batchnorm_statistics(model, dataset, max_batches=2, verbose=False)
    path = tmp_path_factory.mktemp("trained") / "small.keras"
    training.save_for_grading(model, path)
    return {
        "model": model,
        "silenced": silenced,
        "history": history,
        "refreshed": refreshed,
        "restored": training.load_trained_model(path),
    }


def test_the_residual_branch_is_silenced(trained):
    assert trained["silenced"] == 1


def test_fit_runs_the_asked_epochs_with_finite_losses(trained):
    losses = trained["history"].history["loss"]
    assert len(losses) == 2 and np.all(np.isfinite(losses))


def test_refresh_reads_the_asked_batches(trained):
    assert trained["refreshed"] == 2


def test_loaded_model_predicts_what_the_trained_one_does(trained):
    np.testing.assert_array_equal(
        training.predict_classes(trained["restored"], IMAGES),
        training.predict_classes(trained["model"], IMAGES),
    )


def test_loaded_model_has_the_trained_weights(trained):
    for restored, original in zip(
        trained["restored"].get_weights(), trained["model"].get_weights(), strict=True
    ):
        np.testing.assert_array_equal(restored, original)
