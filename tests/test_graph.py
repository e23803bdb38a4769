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


def _bottleneck_layers(filters=(2, 3, 6)):
    return [
        layers.Conv2D(filters[0], 1),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.Conv2D(filters[1], 3, padding="same"),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.Conv2D(filters[2], 1),
        layers.BatchNormalization(),
    ]


def test_sequential_used_as_a_layer_reads_as_its_layers():
    main_path = keras.Sequential(_bottleneck_layers(), name="main")
    graph = Graph.from_model(_model(lambda x: layers.ReLU()(main_path(x) + x), shape=(4, 4, 6)))
    assert graph.kinds() == ["input", *["conv", "bn", "relu"] * 2, "conv", "bn", "add", "relu"]


def test_sub_model_input_is_the_tensor_its_call_received():
    main_path = keras.Sequential(_bottleneck_layers())
    graph = Graph.from_model(_model(lambda x: layers.ReLU()(main_path(x) + x), shape=(4, 4, 6)))
    assert graph.find("conv")[0].inputs == (graph.inputs[0],)


def test_functional_sub_model_is_entered_and_named_after_it():
    inner_input = keras.Input((4, 4, 6))
    inner = keras.Model(inner_input, layers.Conv2D(6, 1)(inner_input), name="projection")
    graph = Graph.from_model(_model(lambda x: layers.ReLU()(inner(x) + x), shape=(4, 4, 6)))
    assert [n.name for n in graph.find("conv")] == ["projection/" + inner.layers[-1].name]


def test_sub_model_survives_a_safe_mode_round_trip(tmp_path):
    main_path = keras.Sequential(_bottleneck_layers())
    model = _model(lambda x: layers.ReLU()(main_path(x) + x), shape=(4, 4, 6))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    kinds = Graph.from_model(loaded).kinds()
    assert kinds == Graph.from_model(model).kinds() and kinds.count("conv") == 3


def test_training_mode_given_to_a_sub_model_reaches_its_layers():
    main_path = keras.Sequential(_bottleneck_layers())
    graph = Graph.from_model(_model(lambda x: main_path(x, training=True) + x, shape=(4, 4, 6)))
    norms = graph.find("bn")
    assert len(norms) == 3 and all(n.call_kwargs.get("training") is True for n in norms)


def test_identity_layer_and_linear_activation_are_read_through():
    graph = Graph.from_model(
        _model(lambda x: layers.Activation("linear")(layers.Identity()(x)) + x)
    )
    assert graph.kinds() == ["input", "add"]


def test_maximum_with_zero_is_a_relu_node():
    graph = Graph.from_model(_model(lambda x: keras.ops.maximum(layers.Dense(4)(x), 0.0)))
    assert graph.kinds() == ["input", "dense", "relu"]


def test_zero_padding_that_pads_as_same_reads_as_same_padding():
    graph = Graph.from_model(
        _model(
            lambda x: layers.Conv2D(2, 3, padding="valid")(layers.ZeroPadding2D(1)(x)),
            shape=(8, 8, 3),
        )
    )
    assert graph.kinds() == ["input", "conv"] and graph.find("conv")[0].config["padding"] == "same"


def test_zero_padding_that_differs_from_same_stays_a_layer():
    graph = Graph.from_model(
        _model(
            lambda x: layers.Conv2D(2, 7, strides=2)(layers.ZeroPadding2D(3)(x)),
            shape=(64, 64, 3),
        )
    )
    assert graph.kinds() == ["input", "zeropad", "conv"]


def test_layer_of_the_students_own_class_is_named():
    class Doubling(layers.Layer):
        def call(self, x):
            return 2 * x

    graph = Graph.from_model(_model(lambda x: Doubling()(layers.Dense(6)(x))))
    assert [n.custom_class for n in graph.nodes] == ["", "", "Doubling"]
