"""The public check of silence_residual_branches, and the residual_blocks helper it relies on.

The solution's function passes; each likely mistake fails with the message that names it.
"""

import keras
import numpy as np
import pytest

from instructor.run_reference import solution_namespace
from resnet_course.blocks import residual_blocks
from resnet_course.public_tests import CheckFailed, check_silence_residual_branches

# The public checks run in the student's kernel, on the student's backend.
pytestmark = pytest.mark.every_backend


def last_bn(block):
    return [
        layer for layer in block.main_path if isinstance(layer, keras.layers.BatchNormalization)
    ][-1]


def zero_gamma(layer):
    layer.gamma.assign(np.zeros(layer.gamma.shape))


def zeroed_the_shortcut_bn(model):
    for block in residual_blocks(model):
        zero_gamma(last_bn(block))
        for layer in block.shortcut[-1:]:
            zero_gamma(layer)
    return len(residual_blocks(model))


def zeroed_beta_instead_of_gamma(model):
    for block in residual_blocks(model):
        gamma, beta, mean, variance = last_bn(block).get_weights()
        last_bn(block).set_weights([gamma, np.zeros_like(beta), mean, variance])
    return len(residual_blocks(model))


def zeroed_every_bn(model):
    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in layers:
        zero_gamma(layer)
    return len(layers)


def zeroed_the_conv_kernel(model):
    for block in residual_blocks(model):
        conv = [layer for layer in block.main_path if isinstance(layer, keras.layers.Conv2D)][-1]
        kernel, bias = conv.get_weights()
        conv.set_weights([np.zeros_like(kernel), bias])
    return len(residual_blocks(model))


def only_the_identity_blocks(model):
    identity = [block for block in residual_blocks(model) if block.kind == "identity"]
    for block in identity:
        zero_gamma(last_bn(block))
    return len(identity)


def changed_nothing(model):
    return len(residual_blocks(model))


def returned_nothing(model):
    for block in residual_blocks(model):
        zero_gamma(last_bn(block))


def returned_a_float(model):
    return float(returned_nothing(model) or len(residual_blocks(model)))


def unanswered(model):
    raise NotImplementedError()


@pytest.fixture(scope="module")
def solution():
    return solution_namespace(grade_ids=("imports", "silence_residual_branches"))


def test_solution_passes(solution, capsys):
    check_silence_residual_branches(solution["silence_residual_branches"])
    assert "All checks passed for silence_residual_branches" in capsys.readouterr().out


@pytest.mark.parametrize(
    "mistake, says",
    [
        (zeroed_the_shortcut_bn, "the projection must keep its gamma"),
        (zeroed_beta_instead_of_gamma, "Set gamma (the layer's first weight, layer.gamma) to zero"),
        (zeroed_every_bn, "which is not the last BatchNormalization of a main path"),
        (zeroed_the_conv_kernel, "Small weights do not silence a branch"),
        (only_the_identity_blocks, "but not in the convolutional blocks"),
        (changed_nothing, "no weight of the network changed"),
        (returned_nothing, "returned nothing (None)"),
        (returned_a_float, "returned a float"),
        (unanswered, "silence_residual_branches is not written yet"),
    ],
    ids=lambda value: getattr(value, "__name__", "says"),
)
def test_mistake_fails_with_its_message(mistake, says):
    with pytest.raises(CheckFailed) as failure:
        check_silence_residual_branches(mistake)
    assert says in str(failure.value)


def test_an_error_of_the_students_own_code_is_not_hidden():
    def broken(model):
        raise ValueError("my own bug")

    with pytest.raises(ValueError, match="my own bug"):
        check_silence_residual_branches(broken)


@pytest.fixture(scope="module")
def two_block_network():
    x = keras.Input((8, 8, 4))
    stem = keras.layers.Conv2D(8, 3, padding="same", name="stem")(x)
    z = keras.layers.Conv2D(16, 1, name="main_conv")(stem)
    z = keras.layers.BatchNormalization(name="main_bn")(z)
    s = keras.layers.BatchNormalization(name="short_bn")(
        keras.layers.Conv2D(16, 1, name="short")(stem)
    )
    a = keras.layers.ReLU(name="out1")(keras.layers.Add(name="add1")([z, s]))
    z = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="fused")(a)
    z = keras.layers.BatchNormalization(name="bn2")(keras.layers.Conv2D(16, 1, name="conv2")(z))
    out = keras.ops.relu(z + a)
    return keras.Model(x, out)


def test_residual_blocks_lists_main_path_and_shortcut_layers_in_order(two_block_network):
    first, second = residual_blocks(two_block_network)
    assert [layer.name for layer in first.main_path] == ["main_conv", "main_bn"]
    assert [layer.name for layer in first.shortcut] == ["short", "short_bn"]
    assert first.add.name == "add1" and first.kind == "convolutional"


def test_residual_blocks_lists_a_fused_activation_layer_once_and_an_identity_shortcut_empty(
    two_block_network,
):
    _, second = residual_blocks(two_block_network)
    assert [layer.name for layer in second.main_path] == ["fused", "conv2", "bn2"]
    assert second.shortcut == () and second.kind == "identity"
