"""The reference ResNet50 has exactly keras.applications.ResNet50's parameters, same input."""

import keras

from instructor.run_reference import solution_namespace


def test_resnet50_parameter_count_equals_keras_applications():
    model = solution_namespace()["ResNet50"](input_shape=(64, 64, 3), classes=6)
    reference = keras.applications.ResNet50(weights=None, input_shape=(64, 64, 3), classes=6)
    assert model.count_params() == reference.count_params()
