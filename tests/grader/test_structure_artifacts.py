"""Artifacts saved as their structure alone: what they hold, how the judge reads them and refuses.

The full-size ResNet-50's checks read only its graph, so the producer saves its configuration and
no weights; the judge validates that configuration as it does any other and rebuilds the graph.
"""

from __future__ import annotations

import dataclasses
import zipfile

import pytest
from submission_notebooks import CONVOLUTIONAL_BLOCK, IDENTITY_BLOCK, IMPORTS

from grader.judge.artifacts import load_artifact
from grader.judge.validation import ModelFileError, validate_model_file
from grader.sandboxed.cases import build_case, get_case, save_artifact
from instructor import hostile_files
from instructor.run_reference import solution_namespace
from resnet_course.spec import PARAMETERS

# The small retrain network, saved as its structure alone: quick to build and to rebuild.
STRUCTURE_CASE = dataclasses.replace(get_case("train_resnet50", "retrain"), weights=False)


@pytest.fixture(scope="module")
def network():
    namespace: dict = {}
    exec(IMPORTS + IDENTITY_BLOCK + CONVOLUTIONAL_BLOCK, namespace)
    return build_case(STRUCTURE_CASE, namespace)


@pytest.fixture(scope="module")
def structure_file(network, tmp_path_factory):
    path = tmp_path_factory.mktemp("structure") / "network.keras"
    save_artifact(STRUCTURE_CASE, network, path)
    return path


@pytest.fixture(scope="module")
def whole_file(network, tmp_path_factory):
    path = tmp_path_factory.mktemp("whole") / "network.keras"
    network.save(path)
    return path


def _refusal(path, weights: bool) -> str:
    with pytest.raises(ModelFileError) as refused:
        validate_model_file(path, weights=weights)
    return str(refused.value)


def test_structure_artifact_holds_the_configuration_and_no_weights(structure_file):
    with zipfile.ZipFile(structure_file) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json"]


def test_judge_rebuilds_the_same_graph_from_the_structure_alone(network, structure_file):
    assert validate_model_file(structure_file, weights=False).parameters == network.count_params()
    rebuilt = load_artifact(structure_file, weights=False)
    assert rebuilt.count_params() == network.count_params()
    assert [type(layer).__name__ for layer in rebuilt.layers] == [
        type(layer).__name__ for layer in network.layers
    ]
    assert tuple(rebuilt.output.shape) == tuple(network.output.shape)


def test_structure_artifact_holding_weights_is_refused(whole_file):
    assert "where the grader saves this model's structure alone" in _refusal(whole_file, False)


def test_model_file_without_weights_is_refused_where_weights_are_due(structure_file):
    assert "lacks model.weights.h5" in _refusal(structure_file, True)


def test_structure_artifact_is_refused_for_a_layer_outside_the_allow_list(structure_file, tmp_path):
    def edit(config):
        hostile_files.first_layer(config, "Conv2D")["class_name"] = "Lambda"

    path = tmp_path / "lambda.keras"
    hostile_files.write_entries(path, hostile_files.edited_config(structure_file, edit))
    assert "Lambda" in _refusal(path, False)


def test_full_size_resnet_artifact_is_small_and_keeps_the_parameter_count(tmp_path):
    case = get_case("ResNet50", "full")
    path = tmp_path / case.file_name
    save_artifact(case, build_case(case, solution_namespace()), path)
    assert path.stat().st_size < 2**20
    assert validate_model_file(path, weights=case.weights).parameters == PARAMETERS
    assert load_artifact(path, weights=case.weights).count_params() == PARAMETERS
