"""The validator reads every .keras file as data and refuses the unsafe ones before Keras sees them.

Honest files come from Keras itself (small models built here); the crafted ones are
``instructor.hostile_files``, made from an honest file.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import h5py
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from submission_notebooks import CONVOLUTIONAL_BLOCK, DENSE_RESIDUAL_BLOCK, IDENTITY_BLOCK, IMPORTS

from grader.judge.validation import ModelFileError, validate_model_file
from grader.judge.validation.architecture import snake_case
from grader.judge.validation.caps import DEFAULT_CAPS, Caps
from grader.judge.validation.layers import LAYERS
from grader.sandboxed.cases import build_case, get_case
from grader.sandboxed.contract import TRAINED_MODEL_NAME, Manifest, write_manifest
from instructor import hostile_files
from instructor.hostile_files import CRAFTED

# What each crafted file's refusal must say, in the student's terms.
REASONS = {
    "zip_bomb": "decompression bomb",
    "huge_dense": "2147483648",
    "huge_input": "(None, 65536, 65536, 3)",
    "lambda_layer": "Lambda layer",
    "foreign_module": "module 'os'",
    "registered_class": "custom class 'MyReLU'",
    "tfsm_layer": "wraps a TensorFlow SavedModel (TFSMLayer)",
    "truncated_zip": "not a complete zip archive",
    "random_bytes": "not a complete zip archive",
    "parent_entry": "'../x'",
    "symbolic_link": "symbolic link",
    "external_link": "link to another file",
    "oversized_dataset": "(16, 67108864)",
    "large_model": "the file is 858 MiB; the grader loads model files of at most",
}


@pytest.fixture(scope="module")
def honest(tmp_path_factory) -> Path:
    """A small ResNet saved by Keras: stem, two stages of the lecture's blocks, softmax head."""
    namespace: dict = {}
    exec(IMPORTS + IDENTITY_BLOCK + CONVOLUTIONAL_BLOCK, namespace)
    path = tmp_path_factory.mktemp("honest") / "model.keras"
    build_case(get_case("train_resnet50", "retrain"), namespace).save(path)
    return path


def _datasets(path: Path) -> dict[str, tuple]:
    with zipfile.ZipFile(path) as archive:
        h5 = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
    found = {}
    h5.visititems(lambda n, o: found.update({n: o.shape}) if isinstance(o, h5py.Dataset) else None)
    return found


def _declared(architecture) -> dict[str, tuple]:
    return {
        f"{ws.path}/vars/{i}": shape
        for ws in architecture.weight_sets
        for i, shape in enumerate(ws.shapes)
    }


@pytest.mark.every_backend
def test_honest_model_passes_with_keras_parameter_count(honest):
    import keras

    model = keras.saving.load_model(honest, compile=False)
    assert validate_model_file(honest).parameters == model.count_params()


@pytest.mark.every_backend
def test_honest_model_weights_lie_where_the_config_says(honest):
    assert _declared(validate_model_file(honest)) == _datasets(honest)


@pytest.mark.every_backend
def test_every_construction_the_checks_accept_passes(tmp_path):
    import keras
    from keras import layers, ops

    x_in = keras.Input((8, 8, 4), name="X")
    x = layers.Conv2D(4, 3, padding="same")(x_in)
    x = ops.relu(layers.BatchNormalization(axis=-1)(x))
    y = layers.add([ops.add(x + x_in, x_in), x_in])
    y = layers.Activation(keras.activations.relu)(layers.ReLU()(y))
    y = keras.Sequential([layers.Conv2D(4, 1), layers.ReLU()], name="inner")(y)
    inner = keras.Input((8, 8, 4))
    y = keras.Model(inner, layers.Conv2D(4, (1, 1))(inner), name="sub")(y)
    y = layers.ZeroPadding2D(1)(y)
    y = layers.AveragePooling2D(2, padding="same")(layers.MaxPooling2D(3, strides=1)(y))
    y = layers.Dense(6, activation="softmax")(layers.Flatten()(layers.Dropout(0.1)(y)))
    model = keras.Model(x_in, y)
    model.save(tmp_path / "m.keras")
    architecture = validate_model_file(tmp_path / "m.keras")
    assert architecture.parameters == model.count_params()
    assert _declared(architecture) == _datasets(tmp_path / "m.keras")


@pytest.mark.every_backend
def test_model_saved_with_its_optimizer_state_passes(tmp_path):
    import keras
    import numpy as np

    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(np.zeros((4, 4)), np.eye(3)[[0, 1, 2, 0]], epochs=1, verbose=0)
    model.save(tmp_path / "compiled.keras")
    assert validate_model_file(tmp_path / "compiled.keras").parameters == 15


def test_weights_are_filed_under_kerass_own_names_for_every_allowed_layer():
    from keras.src.utils.naming import to_snake_case

    for name in list(LAYERS) + ["InputLayer", "Functional", "Sequential"]:
        assert snake_case(name) == to_snake_case(name), name


@pytest.mark.every_backend
@pytest.mark.parametrize("crafted", CRAFTED, ids=[c.name for c in CRAFTED])
def test_crafted_file_is_refused_with_its_reason(honest, tmp_path, crafted):
    path = tmp_path / TRAINED_MODEL_NAME
    crafted.make(path, honest)
    with pytest.raises(ModelFileError) as refused:
        validate_model_file(path)
    assert REASONS[crafted.name] in str(refused.value)


def test_kerass_own_bomb_guard_lets_the_four_gib_bomb_through(honest, tmp_path):
    from keras.src.saving import saving_lib

    path = tmp_path / "bomb.keras"
    hostile_files.zip_bomb(path, honest)
    with zipfile.ZipFile(path) as archive:
        saving_lib._reject_zip_bomb(archive, "model.weights.h5")  # raises nothing
        assert archive.getinfo("model.weights.h5").file_size == 4 * 2**30


@pytest.mark.every_backend
def test_safe_mode_loads_the_huge_input(honest, tmp_path):
    import keras

    path = tmp_path / "huge_input.keras"
    hostile_files.huge_input(path, honest)
    model = keras.saving.load_model(path, compile=False, safe_mode=True)
    assert tuple(model.input.shape) == (None, 65536, 65536, 3)


# The judge's own entry point, with every call of keras.saving.load_model recorded.
_SPY = """
import json, sys, keras
calls = []
load = keras.saving.load_model
def spy(path, *args, **kwargs):
    calls.append(str(path))
    return load(path, *args, **kwargs)
keras.saving.load_model = spy
from grader.judge.__main__ import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "calls": calls}))
"""
SAFE_MODE_ACCEPTS = ("zip_bomb", "huge_input")


@pytest.fixture(scope="module")
def judged_behind_safe_mode(honest, tmp_path_factory):
    """One judge run over a trained model that safe_mode accepts, for each such crafted file."""
    root = tmp_path_factory.mktemp("safe_mode")
    dirs = []
    for name in SAFE_MODE_ACCEPTS:
        artifacts = root / name
        artifacts.mkdir()
        getattr(hostile_files, name)(artifacts / TRAINED_MODEL_NAME, honest)
        write_manifest(artifacts, Manifest(notebook="x.ipynb", trained_model=TRAINED_MODEL_NAME))
        dirs.append(str(artifacts))
    done = subprocess.run(
        [sys.executable, "-c", _SPY, *dirs, "--out", str(root / "verdicts")],
        capture_output=True,
        text=True,
        timeout=900,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    verdicts = {
        name: json.loads((root / "verdicts" / f"{name}.json").read_text())
        for name in SAFE_MODE_ACCEPTS
    }
    return report, verdicts


def test_file_safe_mode_accepts_never_reaches_load_model_in_the_judge(judged_behind_safe_mode):
    report, _ = judged_behind_safe_mode
    assert report == {"status": 0, "calls": []}


@pytest.mark.parametrize("name", SAFE_MODE_ACCEPTS)
def test_the_judge_tells_the_student_the_file_was_refused(judged_behind_safe_mode, name):
    _, verdicts = judged_behind_safe_mode
    check = next(c for c in verdicts[name]["checks"] if c["test"] == "test_saved_model_is_resnet50")
    assert check["message"].startswith("resnet50_signs.keras was refused before loading: ")


def _edited(honest: Path, tmp_path: Path, edit) -> Path:
    path = tmp_path / "edited.keras"
    hostile_files.write_entries(path, hostile_files.edited_config(honest, edit))
    return path


def _refusal(path: Path, caps: Caps = DEFAULT_CAPS) -> str:
    with pytest.raises(ModelFileError) as refused:
        validate_model_file(path, caps)
    return str(refused.value)


def test_parameters_over_the_cap_are_refused(honest):
    assert "parameters; the grader loads at most 1,000" in _refusal(honest, Caps(parameters=1000))


def test_channels_first_images_are_refused(honest, tmp_path):
    def edit(config):
        hostile_files.first_layer(config, "Conv2D")["config"]["data_format"] = "channels_first"

    assert "channels_last" in _refusal(_edited(honest, tmp_path, edit))


def test_an_option_keras_layers_do_not_take_is_refused(honest, tmp_path):
    def edit(config):
        hostile_files.first_layer(config, "Conv2D")["config"]["__reduce__"] = "os.system"

    assert "__reduce__" in _refusal(_edited(honest, tmp_path, edit))


def test_an_initializer_of_a_foreign_module_is_refused(honest, tmp_path):
    def edit(config):
        conv = hostile_files.first_layer(config, "Conv2D")["config"]
        conv["kernel_initializer"] = {"module": "builtins", "class_name": "eval", "config": {}}

    assert "module 'builtins'" in _refusal(_edited(honest, tmp_path, edit))


@pytest.mark.every_backend
def test_a_nested_model_with_a_training_configuration_is_refused(tmp_path):
    import keras

    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    inner.compile(optimizer="adam", loss="mse")
    inputs = keras.Input((4,))
    keras.Model(inputs, inner(inputs)).save(tmp_path / "nested.keras")
    assert "training configuration" in _refusal(tmp_path / "nested.keras")


def test_a_layer_reading_a_tensor_no_layer_makes_is_refused(honest, tmp_path):
    def edit(config):
        node = hostile_files.first_layer(config, "Conv2D")["inbound_nodes"][0]
        node["args"][0]["config"]["keras_history"] = ["nowhere", 0, 0]

    assert "'nowhere'" in _refusal(_edited(honest, tmp_path, edit))


def test_a_layer_built_for_other_inputs_than_it_gets_is_refused(honest, tmp_path):
    def edit(config):
        hostile_files.first_layer(config, "Dense")["build_config"]["input_shape"] = [None, 4096]

    assert "built for inputs of shape" in _refusal(_edited(honest, tmp_path, edit))


@pytest.mark.every_backend
def test_missing_weights_are_refused(honest, tmp_path):
    files = hostile_files.entries(honest)
    buffer = io.BytesIO(files["model.weights.h5"])
    with h5py.File(buffer, "r+") as h5:
        del h5["layers/dense"]
    files["model.weights.h5"] = buffer.getvalue()
    hostile_files.write_entries(tmp_path / "m.keras", files)
    assert "has no weights for layer" in _refusal(tmp_path / "m.keras")


def test_a_soft_link_in_the_weights_is_refused(honest, tmp_path):
    files = hostile_files.entries(honest)
    buffer = io.BytesIO(files["model.weights.h5"])
    with h5py.File(buffer, "r+") as h5:
        h5["elsewhere"] = h5py.SoftLink("/layers")
    files["model.weights.h5"] = buffer.getvalue()
    hostile_files.write_entries(tmp_path / "m.keras", files)
    assert "has a link at 'elsewhere'" in _refusal(tmp_path / "m.keras")


def test_a_compressed_weights_entry_is_refused(honest, tmp_path):
    with zipfile.ZipFile(tmp_path / "m.keras", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in hostile_files.entries(honest).items():
            archive.writestr(name, data)
    assert "is compressed" in _refusal(tmp_path / "m.keras")


def test_configuration_nested_beyond_json_parsing_is_refused(honest, tmp_path):
    files = hostile_files.entries(honest)
    files["config.json"] = b"[" * 200_000
    hostile_files.write_entries(tmp_path / "m.keras", files)
    assert "not readable JSON" in _refusal(tmp_path / "m.keras")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(spot=st.integers(0, 10**6), value=_JSON)
def test_any_edit_of_the_configuration_is_accepted_or_refused_never_crashes(
    honest, tmp_path, spot, value
):
    files = hostile_files.entries(honest)
    config = json.loads(files["config.json"])
    _replace_somewhere(config, spot, value)
    files["config.json"] = json.dumps(config).encode()
    path = tmp_path / "edited.keras"
    hostile_files.write_entries(path, files)
    try:
        validate_model_file(path)
    except ModelFileError:
        pass


def _replace_somewhere(config, spot: int, value) -> None:
    """Replaces the ``spot``-th value (counting every nested value, modulo their number)."""
    places = []
    pending = [config]
    while pending:
        item = pending.pop()
        keys = range(len(item)) if isinstance(item, list) else list(item)
        for key in keys:
            places.append((item, key))
            if isinstance(item[key], (dict, list)):
                pending.append(item[key])
    container, key = places[spot % len(places)]
    container[key] = value


@pytest.mark.every_backend
def test_dense_block_artifact_passes(tmp_path):
    namespace: dict = {}
    exec(IMPORTS + DENSE_RESIDUAL_BLOCK, namespace)
    build_case(get_case("dense_residual_block", "small"), namespace).save(tmp_path / "d.keras")
    assert validate_model_file(tmp_path / "d.keras").parameters == 2 * (16 * 16 + 16)
