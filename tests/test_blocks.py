"""analyse_block finds the parts of a residual block and names what is wrong."""

import keras
from keras import layers

from resnet_course.blocks import analyse_block


def _bottleneck(x, filters=(4, 4, 12)):
    h = layers.Conv2D(filters[0], 1)(x)
    h = layers.ReLU()(layers.BatchNormalization()(h))
    h = layers.Conv2D(filters[1], 3, padding="same")(h)
    h = layers.ReLU()(layers.BatchNormalization()(h))
    return layers.BatchNormalization()(layers.Conv2D(filters[2], 1)(h))


def _analyse(block, shape=(8, 8, 12)):
    x = keras.Input(shape)
    return analyse_block(keras.Model(x, block(x)))


def test_identity_block_has_the_bottleneck_as_main_path_and_no_shortcut_layers():
    structure = _analyse(lambda x: layers.ReLU()(_bottleneck(x) + x))
    assert structure.main_kinds == ["conv", "bn", "relu", "conv", "bn", "relu", "conv", "bn"]
    assert structure.shortcut_kinds == []
    assert structure.problems == []


def test_either_order_of_the_add_inputs_reads_the_same():
    structure = _analyse(lambda x: layers.ReLU()(layers.Add()([x, _bottleneck(x)])))
    assert structure.skip_is_block_input and structure.add_feeds_final_relu


def test_projection_shortcut_is_found_on_the_shorter_branch():
    def block(x):
        shortcut = layers.BatchNormalization()(layers.Conv2D(12, 1, strides=2)(x))
        h = layers.Conv2D(4, 1, strides=2)(x)
        h = layers.ReLU()(layers.BatchNormalization()(h))
        h = layers.BatchNormalization()(layers.Conv2D(12, 1)(h))
        return layers.ReLU()(h + shortcut)

    structure = _analyse(block)
    assert structure.shortcut_kinds == ["conv", "bn"]
    assert structure.skip_is_block_input


def test_skip_after_the_final_relu_is_reported_in_lecture_terms():
    structure = _analyse(lambda x: layers.ReLU()(_bottleneck(x)) + x)
    assert not structure.add_feeds_final_relu
    assert any("added after the final ReLU" in p for p in structure.problems)


def test_missing_skip_is_reported():
    structure = _analyse(lambda x: layers.ReLU()(_bottleneck(x)))
    assert structure.add is None
    assert any("no skip connection" in p for p in structure.problems)


def test_skip_from_an_intermediate_tensor_is_reported():
    def block(x):
        h = layers.ReLU()(layers.Conv2D(12, 1)(x))
        return layers.ReLU()(layers.Conv2D(12, 1)(h) + h)

    structure = _analyse(block)
    assert not structure.skip_is_block_input
    assert any("intermediate tensor" in p for p in structure.problems)


def test_sum_without_activation_is_reported():
    structure = _analyse(lambda x: _bottleneck(x) + x)
    assert any("without applying g" in p for p in structure.problems)
