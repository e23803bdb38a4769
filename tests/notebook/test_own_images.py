"""The optional section: the trained model on a student's own photos.

Without photos, with a file it cannot read, or without a trained model, it says what to do.
"""

import keras
import numpy as np
import pytest
from PIL import Image

from resnet_course import own_images


@pytest.fixture(scope="module")
def always_three():
    """A real, tiny classifier that answers class 3 for every image."""
    inputs = keras.Input((64, 64, 3))
    dense = keras.layers.Dense(6, activation="softmax")
    model = keras.Model(inputs, dense(keras.layers.GlobalAveragePooling2D()(inputs)))
    dense.set_weights([np.zeros((3, 6), "float32"), np.eye(6, dtype="float32")[3] * 10])
    return model


def write_photo(path, colour=(200, 150, 120), size=(80, 60)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)


def test_missing_folder_says_how_to_add_photos(tmp_path, always_three, capsys):
    assert own_images.try_own_images(always_three, tmp_path / "my_signs") is None
    assert "No photos in" in capsys.readouterr().out


def test_empty_class_folders_say_how_to_add_photos(tmp_path, always_three, capsys):
    for fingers in range(6):
        (tmp_path / "my_signs" / str(fingers)).mkdir(parents=True)
    assert own_images.try_own_images(always_three, tmp_path / "my_signs") is None
    assert "my_signs/0/" in capsys.readouterr().out


def test_labels_are_the_folder_names_even_when_classes_are_missing(tmp_path, always_three):
    write_photo(tmp_path / "my_signs" / "3" / "a.png")
    write_photo(tmp_path / "my_signs" / "5" / "b.jpg")
    result = own_images.try_own_images(always_three, tmp_path / "my_signs")
    assert result.labels.tolist() == [3, 5]
    assert result.predicted.tolist() == [3, 3]
    assert result.accuracy == 0.5
    assert result.images.shape == (2, 64, 64, 3)


def test_a_folder_not_named_by_fingers_is_explained(tmp_path, always_three, capsys):
    write_photo(tmp_path / "my_signs" / "thumbs_up" / "a.png")
    assert own_images.try_own_images(always_three, tmp_path / "my_signs") is None
    assert "name each sub-folder 0, 1, 2, 3, 4 or 5" in capsys.readouterr().out


def test_a_file_that_is_not_an_image_is_explained(tmp_path, always_three, capsys):
    broken = tmp_path / "my_signs" / "2" / "broken.jpg"
    broken.parent.mkdir(parents=True)
    broken.write_text("not an image")
    assert own_images.try_own_images(always_three, tmp_path / "my_signs") is None
    assert "cannot be read as an image" in capsys.readouterr().out


def test_without_a_trained_model_says_which_exercises_to_finish(tmp_path, capsys):
    write_photo(tmp_path / "my_signs" / "1" / "a.png")
    assert own_images.try_own_images(None, tmp_path / "my_signs") is None
    assert "Exercises 4 and 5" in capsys.readouterr().out
