"""The plain and residual CIFAR-style networks have the structure they claim."""

import pytest

from resnet_course.degradation.models import blocks_per_stage, build_cifar_net, weighted_layers
from resnet_course.graph import Graph


@pytest.fixture(scope="module")
def plain20():
    return build_cifar_net(20, residual=False, input_shape=(8, 8, 3))


@pytest.fixture(scope="module")
def resnet20():
    return build_cifar_net(20, residual=True, input_shape=(8, 8, 3))


@pytest.mark.parametrize("residual", [False, True])
def test_network_has_depth_weighted_layers(residual):
    model = build_cifar_net(14, residual=residual, input_shape=(8, 8, 3))
    assert len(weighted_layers(model)) == 14


def test_option_a_residual_has_same_parameter_count_as_plain(plain20, resnet20):
    assert resnet20.count_params() == plain20.count_params()


def test_option_b_adds_a_projection_where_the_shape_changes_only():
    model = build_cifar_net(20, residual=True, shortcut="B", input_shape=(8, 8, 3))
    projections = [layer for layer in weighted_layers(model) if layer.kernel.shape[:2] == (1, 1)]
    assert len(weighted_layers(model)) == 20 + 2
    assert [p.name for p in projections] == ["conv3_block1_0_conv", "conv4_block1_0_conv"]


def test_stage_filters_are_16_32_64_on_halving_feature_maps(resnet20):
    shapes = {
        layer.name: layer.output.shape[1:]
        for layer in resnet20.layers
        if layer.name.endswith("_out")
    }
    assert shapes["conv2_block3_out"] == (8, 8, 16)
    assert shapes["conv3_block3_out"] == (4, 4, 32)
    assert shapes["conv4_block3_out"] == (2, 2, 64)


def test_residual_network_has_one_add_per_block_each_feeding_a_relu(resnet20):
    graph = Graph.from_model(resnet20)
    adds = graph.find("add")
    assert len(adds) == 3 * blocks_per_stage(20)
    assert all([c.kind for c in graph.consumers(add)] == ["relu"] for add in adds)


def test_residual_add_takes_the_previous_block_output_as_identity_shortcut(resnet20):
    graph = Graph.from_model(resnet20)
    identity_adds = [
        add
        for add in graph.find("add")
        if not add.name.startswith(("conv3_block1", "conv4_block1"))
    ]
    for add in identity_adds:
        assert any(parent.kind == "relu" for parent in add.inputs), (
            f"{add.name} has no identity input"
        )
        assert any(parent.kind == "bn" for parent in add.inputs), (
            f"{add.name} does not add z[l+2] (a BN output)"
        )


def test_plain_network_has_no_skip(plain20):
    graph = Graph.from_model(plain20)
    assert graph.find("add") == []
    assert all(len(node.inputs) <= 1 for node in graph.nodes)
    assert all(len(graph.consumers(node)) <= 1 for node in graph.nodes)


@pytest.mark.parametrize("depth", [7, 21, 2, "20"])
def test_build_rejects_depth_not_of_form_6n_plus_2(depth):
    with pytest.raises(ValueError, match="6n\\+2"):
        build_cifar_net(depth, residual=True)


def test_build_rejects_unknown_shortcut():
    with pytest.raises(ValueError, match="shortcut must be one of"):
        build_cifar_net(8, residual=True, shortcut="C")
