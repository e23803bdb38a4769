"""The producer's cases and the grader's reference blocks."""

import keras
import numpy as np
import pytest
from keras import layers

from grader.judge.reference import (
    RoleError,
    build_reference_block,
    compare_with_reference,
    find_roles,
)
from grader.sandboxed.cases import CASES, CaseError, build_case, get_case
from grader.sandboxed.lecture_blocks import reference_functions
from resnet_course.blocks import analyse_block

IDENTITY = get_case("identity_block", "small")
CONVOLUTIONAL = get_case("convolutional_block", "small")


def test_case_file_names_are_unique():
    names = [case.file_name for case in CASES]
    assert len(names) == len(set(names))


def test_identity_case_keeps_channels_so_the_skip_can_be_added():
    assert IDENTITY.input_shape[-1] == IDENTITY.kwargs["filters"][2]


def test_case_filters_tell_f1_from_f2_so_swaps_are_caught():
    for case in (IDENTITY, CONVOLUTIONAL):
        f1, f2, f3 = case.kwargs["filters"]
        assert len({f1, f2, f3}) == 3


@pytest.mark.every_backend
def test_build_case_names_a_missing_function():
    with pytest.raises(CaseError, match="no function named identity_block"):
        build_case(IDENTITY, {})


@pytest.mark.every_backend
def test_build_case_rejects_a_concrete_tensor():
    with pytest.raises(CaseError, match="not a symbolic tensor"):
        build_case(
            IDENTITY, {"identity_block": lambda X, f, filters: keras.ops.zeros((1, 8, 8, 12))}
        )


@pytest.mark.every_backend
def test_build_case_rejects_a_tensor_built_from_another_input():
    other = keras.Input((8, 8, 12))
    with pytest.raises(CaseError, match="does not depend on its input"):
        build_case(IDENTITY, {"identity_block": lambda X, f, filters: layers.ReLU()(other)})


@pytest.mark.every_backend
def test_build_case_rejects_a_resnet_that_is_not_a_model():
    with pytest.raises(CaseError, match="not a functional keras.Model"):
        build_case(get_case("ResNet50", "full"), {"ResNet50": lambda input_shape, classes: None})


@pytest.mark.every_backend
def test_retrain_case_builds_from_the_reference_blocks():
    model = build_case(get_case("train_resnet50", "retrain"), reference_functions())
    assert tuple(model.output.shape) == (None, 6)


@pytest.mark.every_backend
@pytest.mark.parametrize(
    "case, s", [(IDENTITY, None), (CONVOLUTIONAL, 2)], ids=["identity", "convolutional"]
)
@pytest.mark.parametrize("training", [False, True], ids=["inference", "training"])
def test_reference_block_matches_itself_after_transplant(case, s, training):
    model = build_reference_block(case.input_shape, case.kwargs["f"], case.kwargs["filters"], s=s)
    difference = compare_with_reference(
        model,
        analyse_block(model),
        case.input_shape,
        case.kwargs["f"],
        case.kwargs["filters"],
        s=s,
        training=training,
    )
    assert difference < 1e-6


@pytest.mark.every_backend
def test_roles_need_three_convs_and_three_batchnorms():
    inputs = keras.Input((8, 8, 12))
    x = layers.Conv2D(12, 1)(inputs)
    model = keras.Model(inputs, layers.ReLU()(layers.Add()([x, inputs])))
    with pytest.raises(RoleError, match="1 Conv2D and 0 BatchNormalization"):
        find_roles(analyse_block(model), projection=False)


@pytest.mark.every_backend
def test_randomized_weights_make_inference_differ_from_fresh_statistics():
    model = build_reference_block(IDENTITY.input_shape, 3, IDENTITY.kwargs["filters"])
    batch = np.ones((2,) + IDENTITY.input_shape, dtype="float32")
    before = keras.ops.convert_to_numpy(model(batch, training=False))
    from grader.judge.reference import randomize_weights

    randomize_weights(model, seed=3)
    assert not np.allclose(before, keras.ops.convert_to_numpy(model(batch, training=False)))


@pytest.mark.every_backend
def test_retrain_of_dead_blocks_stays_below_the_bar():
    from grader.judge import bars, retrain

    def dead_block(X, f, filters, s=1, initializer=None):
        return layers.ReLU()(0.0 * layers.Conv2D(filters[2], 1, strides=s)(X))

    model = build_case(
        get_case("train_resnet50", "retrain"),
        {"identity_block": dead_block, "convolutional_block": dead_block},
    )
    assert retrain.retrain_accuracy(model, retrain.retrain_data(), epochs=1) < bars.RETRAIN_BAR


@pytest.mark.every_backend
def test_retrain_builds_the_optimizer_before_training(monkeypatch):
    # Built inside the first traced step instead, Adam's slots make TensorFlow trace it twice.
    from grader.judge import retrain

    built_at_fit = []
    fit = keras.Model.fit

    def recording_fit(self, *args, **kwargs):
        built_at_fit.append(self.optimizer.built)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", recording_fit)
    model = build_case(get_case("train_resnet50", "retrain"), reference_functions())
    retrain.retrain_accuracy(model, retrain.retrain_data(), epochs=1)
    assert built_at_fit == [True]
