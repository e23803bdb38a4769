"""analyse_network splits a residual network into stem, stages and head."""

import keras
import pytest
from keras import layers

from resnet_course.network import analyse_network


def _block(x, filters, stride=1, project=False):
    shortcut = x
    if project:
        shortcut = layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=stride)(x))
    h = layers.Conv2D(filters, 1, strides=stride)(x)
    h = layers.ReLU()(layers.BatchNormalization()(h))
    h = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(h))
    return layers.ReLU()(h + shortcut)


@pytest.fixture(scope="module")
def tiny_resnet():
    x = keras.Input((16, 16, 3))
    h = layers.MaxPooling2D(2)(layers.ReLU()(layers.Conv2D(8, 3)(x)))
    h = _block(h, 8, project=True)
    h = _block(h, 8)
    h = _block(h, 16, stride=2, project=True)
    out = layers.Dense(3, activation="softmax")(layers.Flatten()(h))
    return keras.Model(x, out)


def test_stages_start_at_each_convolutional_block(tiny_resnet):
    assert analyse_network(tiny_resnet).stage_lengths == [2, 1]


def test_stem_holds_the_layers_before_the_first_block(tiny_resnet):
    assert [n.kind for n in analyse_network(tiny_resnet).stem] == ["conv", "relu", "maxpool"]


def test_head_holds_the_layers_after_the_last_block(tiny_resnet):
    assert [n.kind for n in analyse_network(tiny_resnet).head] == ["flatten", "dense", "softmax"]


def test_block_summary_reports_filters_and_strides(tiny_resnet):
    last = analyse_network(tiny_resnet).blocks[-1]
    assert (last.kind, last.filters, last.main_strides[0], last.shortcut_strides) == (
        "convolutional",
        (16, 16),
        (2, 2),
        ((2, 2),),
    )


def test_plain_network_has_no_blocks():
    x = keras.Input((8,))
    structure = analyse_network(
        keras.Model(x, layers.Dense(2)(layers.Dense(4, activation="relu")(x)))
    )
    assert structure.blocks == [] and [n.kind for n in structure.stem] == ["dense", "relu", "dense"]
