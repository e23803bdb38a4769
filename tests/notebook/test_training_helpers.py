"""The notebook's training helpers.

Input pipeline, schedule, BN statistics, identity start, saving.
"""

import warnings

import keras
import numpy as np
import pytest

from resnet_course import training

# Every helper here runs on the student's backend: the whole module runs again on JAX and PyTorch.
pytestmark = pytest.mark.every_backend


def small_bn_model():
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.BatchNormalization()(keras.layers.Dense(3)(inputs)))


def test_make_dataset_scales_pixels_and_batches():
    images = np.full((5, 4, 4, 3), 255, np.uint8)
    batches = list(training.make_dataset(images, np.eye(6, dtype=np.float32)[:5], batch_size=2))
    assert [len(x) for x, _ in batches] == [2, 2, 1]
    assert float(np.max(keras.ops.convert_to_numpy(batches[0][0]))) == 1.0


def images_numbered_by_their_pixels(count):
    return np.arange(count, dtype=np.uint8)[:, None, None, None] * np.ones((1, 2, 2, 3), np.uint8)


def epoch_orders(dataset, epochs):
    """The image numbers in the order each epoch deals them, as fit reads the dataset."""
    orders = []
    for _ in range(epochs):
        pixels = [keras.ops.convert_to_numpy(batch) for batch, _ in dataset]
        orders.append([int(round(x[0, 0, 0] * 255)) for batch in pixels for x in batch])
        # A PyDataset deals the next order when fit ends an epoch; tf.data at each new pass.
        if hasattr(dataset, "on_epoch_end"):
            dataset.on_epoch_end()
    return orders


def test_make_dataset_deals_every_example_once_per_epoch():
    dataset = training.make_dataset(
        images_numbered_by_their_pixels(10), np.eye(10, dtype=np.float32), 3, shuffle=True
    )
    assert [sorted(order) for order in epoch_orders(dataset, 2)] == [list(range(10))] * 2


def test_make_dataset_reshuffles_every_epoch():
    dataset = training.make_dataset(
        images_numbered_by_their_pixels(10), np.eye(10, dtype=np.float32), 3, shuffle=True
    )
    first, second = epoch_orders(dataset, 2)
    assert first != second


def test_make_dataset_orders_repeat_with_the_seed():
    def orders(seed):
        dataset = training.make_dataset(
            images_numbered_by_their_pixels(10), np.eye(10, dtype=np.float32), 3, True, seed
        )
        return epoch_orders(dataset, 3)

    assert orders(seed=1) == orders(seed=1) != orders(seed=2)


def test_make_dataset_keeps_each_label_with_its_image():
    images = images_numbered_by_their_pixels(10)
    dataset = training.make_dataset(images, np.eye(10, dtype=np.float32), 4, shuffle=True)
    for pixels, labels in dataset:
        numbers = np.round(keras.ops.convert_to_numpy(pixels)[:, 0, 0, 0] * 255)
        np.testing.assert_array_equal(numbers, np.argmax(keras.ops.convert_to_numpy(labels), -1))


def test_make_dataset_without_shuffle_keeps_the_order():
    dataset = training.make_dataset(images_numbered_by_their_pixels(5), np.eye(5), 2)
    assert epoch_orders(dataset, 1) == [[0, 1, 2, 3, 4]]


def test_make_dataset_feeds_fit_on_this_backend():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4, 4, 3))
    model = keras.Model(
        inputs, keras.layers.Dense(6, activation="softmax")(keras.layers.Flatten()(inputs))
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    images = np.random.default_rng(0).integers(0, 256, size=(10, 4, 4, 3), dtype=np.uint8)
    labels = np.eye(6, dtype=np.float32)[np.arange(10) % 6]
    dataset = training.make_dataset(images, labels, batch_size=5, shuffle=True)
    history = model.fit(dataset, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


@pytest.mark.skipif(keras.config.backend() != "tensorflow", reason="Keras warns on tf.data only")
@pytest.mark.parametrize("shuffle", [True, False])
def test_fit_on_the_dataset_warns_nothing_about_shuffling(shuffle):
    inputs = keras.Input((4, 4, 3))
    model = keras.Model(inputs, keras.layers.Dense(6)(keras.layers.Flatten()(inputs)))
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = training.make_dataset(
            np.zeros((4, 4, 4, 3), np.uint8), np.eye(6)[:4], batch_size=2, shuffle=shuffle
        )
        model.fit(dataset, verbose=0)
    assert [str(w.message) for w in caught if "shuffle" in str(w.message)] == []


def test_make_dataset_rejects_integer_labels():
    with pytest.raises(ValueError, match="one-hot"):
        training.make_dataset(np.zeros((4, 4, 4, 3), np.uint8), np.arange(4), batch_size=2)


def test_make_dataset_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="5 images but 4 labels"):
        training.make_dataset(np.zeros((5, 4, 4, 3), np.uint8), np.eye(6)[:4], batch_size=2)


def test_warmup_schedule_rises_then_decays():
    schedule = training.warmup_cosine_schedule(1e-3, total_steps=100, warmup_steps=10)
    rates = [float(schedule(step)) for step in (0, 10, 100)]
    assert rates[0] < rates[1] and rates[2] < rates[1]
    assert np.isclose(rates[1], 1e-3)


def test_warmup_schedule_rejects_warmup_longer_than_training():
    with pytest.raises(ValueError, match="warmup_steps < total_steps"):
        training.warmup_cosine_schedule(1e-3, total_steps=10, warmup_steps=10)


def test_refresh_sets_moving_statistics_to_the_data_average():
    model = small_bn_model()
    data = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 3)).astype(np.float32)
    batches = [data[i : i + 16] for i in range(0, 64, 16)]
    training.refresh_batchnorm_statistics(model, batches, verbose=False)
    dense_out = keras.ops.convert_to_numpy(model.layers[1](data))
    bn = model.layers[2]
    expected = np.mean([dense_out[i : i + 16].mean(axis=0) for i in range(0, 64, 16)], axis=0)
    assert np.allclose(keras.ops.convert_to_numpy(bn.moving_mean), expected, atol=1e-4)
    assert bn.momentum == 0.99


def test_zero_init_makes_a_residual_block_the_identity():
    inputs = keras.Input((4, 4, 8))
    main = keras.layers.BatchNormalization(axis=3)(
        keras.layers.Conv2D(8, 3, padding="same")(inputs)
    )
    model = keras.Model(inputs, keras.layers.ReLU()(main + inputs))
    assert training.zero_init_residual_branches(model) == 1
    a_prev = np.random.default_rng(1).random((2, 4, 4, 8)).astype(np.float32)
    assert np.allclose(keras.ops.convert_to_numpy(model(a_prev)), a_prev, atol=1e-6)


def test_saved_model_leaves_out_the_optimizer_state(tmp_path):
    inputs = keras.Input((64,))
    hidden = keras.layers.Dense(256)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(6, activation="softmax")(hidden))
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(np.zeros((4, 64)), np.eye(6)[:4], verbose=0)
    size = training.save_for_grading(model, tmp_path / "model.keras")
    weight_bytes = 4 * model.count_params()
    assert size < 2 * weight_bytes
    restored = training.load_trained_model(tmp_path / "model.keras")
    assert np.allclose(restored.get_weights()[0], model.get_weights()[0])


def test_saved_model_keeps_a_single_input_and_output(tmp_path):
    inputs = keras.Input((8,))
    model = keras.Model(inputs, keras.layers.Dense(6, activation="softmax")(inputs))
    training.save_for_grading(model, tmp_path / "model.keras")
    restored = training.load_trained_model(tmp_path / "model.keras")
    assert tuple(restored.output.shape) == (None, 6)


def test_load_trained_model_names_the_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no trained model at"):
        training.load_trained_model(tmp_path / "missing.keras")


def test_predict_classes_without_a_model_says_which_exercises_to_finish():
    with pytest.raises(NotImplementedError, match="Exercise 4"):
        training.predict_classes(None, np.zeros((1, 64, 64, 3), np.uint8))


def test_quick_mode_reads_the_environment(monkeypatch):
    monkeypatch.setenv(training.QUICK_ENV, "1")
    assert training.quick_mode()
    monkeypatch.setenv(training.QUICK_ENV, "0")
    assert not training.quick_mode()


def test_cpu_is_detected_without_a_gpu():
    device = training.detect_device()
    assert device.kind in ("CPU", "GPU") and device.name


@pytest.fixture
def restore_dtype_policy():
    policy = keras.mixed_precision.global_policy()
    yield
    keras.mixed_precision.set_global_policy(policy)


def test_gpu_gets_mixed_precision(restore_dtype_policy):
    assert training.configure_precision(training.Device("GPU", "1 GPU (test)")) == "mixed_float16"


def test_cpu_keeps_the_policy_unchanged(restore_dtype_policy):
    before = keras.mixed_precision.global_policy().name
    assert training.configure_precision(training.Device("CPU", "CPU (test)")) == before


def test_mixed_precision_softmax_output_is_made_float32(restore_dtype_policy):
    keras.mixed_precision.set_global_policy("mixed_float16")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(6, activation="softmax")(inputs))
    assert str(model.output.dtype) == "float16"
    assert str(training.ensure_float32_output(model).output.dtype) == "float32"


def test_float32_model_is_left_as_it_is():
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(6, activation="softmax", dtype="float32")(inputs)
    model = keras.Model(inputs, outputs)
    assert training.ensure_float32_output(model) is model


def test_predict_classes_agrees_with_predict_over_a_partial_last_batch():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(
        inputs, keras.layers.Dense(6, activation="softmax")(keras.layers.Flatten()(inputs))
    )
    images = np.random.default_rng(0).integers(0, 256, size=(10, 8, 8, 3), dtype=np.uint8)
    expected = np.argmax(model.predict(training.normalize_images(images), verbose=0), axis=-1)
    np.testing.assert_array_equal(training.predict_classes(model, images, batch_size=4), expected)


@pytest.fixture
def restore_eager_setting():
    yield
    if keras.config.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.run_functions_eagerly(False)


@pytest.mark.skipif(keras.config.backend() != "tensorflow", reason="TensorFlow's setting")
def test_quick_run_runs_tensorflow_functions_eagerly(restore_eager_setting):
    import tensorflow as tf

    training.run_eagerly_if_quick(True)
    assert tf.config.functions_run_eagerly()


@pytest.mark.skipif(keras.config.backend() != "tensorflow", reason="TensorFlow's setting")
def test_full_run_keeps_tensorflow_functions_compiled(restore_eager_setting):
    import tensorflow as tf

    training.run_eagerly_if_quick(False)
    assert not tf.config.functions_run_eagerly()


@pytest.mark.skipif(keras.config.backend() != "jax", reason="JAX's setting")
def test_quick_run_keeps_jax_compiling():
    import jax

    training.run_eagerly_if_quick(True)
    assert not jax.config.jax_disable_jit
