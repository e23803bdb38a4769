"""The normalized graph reads every equivalent Keras spelling the same way."""

import keras
import pytest
from keras import layers

from resnet_course.graph import Graph, describe


def _model(build, shape=(6,)):
    x = keras.Input(shape)
    return keras.Model(x, build(x))


@pytest.mark.parametrize(
    "relu",
    [
        layers.ReLU(),
        layers.Activation("relu"),
        keras.ops.relu,
        layers.Activation(keras.activations.relu),
    ],
    ids=["ReLU layer", "Activation('relu')", "ops.relu", "Activation(function)"],
)
def test_every_relu_spelling_is_a_relu_node(relu):
    graph = Graph.from_model(_model(lambda x: relu(layers.Dense(4)(x))))
    assert graph.kinds() == ["input", "dense", "relu"]


@pytest.mark.parametrize(
    "add",
    [
        lambda a, b: layers.Add()([a, b]),
        lambda a, b: a + b,
        keras.ops.add,
        lambda a, b: layers.add([a, b]),
    ],
    ids=["Add layer", "plus", "ops.add", "layers.add"],
)
def test_every_add_spelling_is_an_add_node(add):
    graph = Graph.from_model(_model(lambda x: add(layers.Dense(6)(x), x)))
    assert graph.find("add")[0].config["n_inputs"] == 2


def test_fused_activation_becomes_its_own_node():
    graph = Graph.from_model(
        _model(
            lambda x: layers.Dense(3, activation="softmax")(layers.Dense(4, activation="relu")(x))
        )
    )
    assert graph.kinds() == ["input", "dense", "relu", "dense", "softmax"]


def test_leaky_relu_is_not_a_plain_relu():
    graph = Graph.from_model(_model(lambda x: layers.ReLU(negative_slope=0.1)(x)))
    assert graph.kinds() == ["input", "activation"]


def test_bn_axis_is_normalized_to_a_positive_channel_axis():
    graph = Graph.from_model(
        _model(lambda x: layers.BatchNormalization(axis=-1)(x), shape=(4, 4, 3))
    )
    assert graph.find("bn")[0].config["axis"] == 3


def test_conv_kernel_given_as_int_reads_as_tuple():
    graph = Graph.from_model(_model(lambda x: layers.Conv2D(2, 3, strides=2)(x), shape=(8, 8, 3)))
    conv = graph.find("conv")[0]
    assert (conv.config["kernel_size"], conv.config["strides"]) == ((3, 3), (2, 2))


def test_training_mode_baked_into_a_call_is_visible():
    graph = Graph.from_model(
        _model(lambda x: layers.BatchNormalization()(x, training=True), shape=(4, 4, 3))
    )
    assert graph.find("bn")[0].call_kwargs == {"training": True}


def test_graph_survives_a_safe_mode_round_trip(tmp_path):
    model = _model(lambda x: keras.ops.relu(layers.Dense(6)(x) + x))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    assert Graph.from_model(loaded).kinds() == Graph.from_model(model).kinds()


def test_shared_layer_called_twice_gives_two_nodes():
    dense = layers.Dense(6)
    graph = Graph.from_model(_model(lambda x: dense(dense(x))))
    assert len(graph.find("dense")) == 2


def test_consumers_lists_every_reader_of_a_node():
    graph = Graph.from_model(_model(lambda x: layers.Dense(6)(x) + x))
    assert [n.kind for n in graph.consumers(graph.inputs[0])] == ["dense", "add"]


def test_subclassed_model_is_rejected_with_a_clear_error():
    class Subclassed(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(TypeError, match="functional API"):
        Graph.from_model(Subclassed())


def test_describe_renders_kernel_sizes():
    graph = Graph.from_model(
        _model(lambda x: layers.ReLU()(layers.Conv2D(2, 1)(x)), shape=(4, 4, 3))
    )
    assert describe(graph.nodes[1:]) == "conv(1x1) -> relu"
