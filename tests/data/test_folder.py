"""load_image_folder reads root/<class>/*.png|jpg like keras.utils.image_dataset_from_directory."""

import numpy as np
import pytest
from PIL import Image

import signs_data
from signs_data import SignsDataError


def make_folder(root, classes):
    for name, colour, count, suffix in classes:
        (root / name).mkdir(parents=True)
        for index in range(count):
            Image.new("RGB", (80, 60), colour).save(root / name / f"{index}.{suffix}")
    return root


def test_classes_are_sorted_folder_names_and_labels_follow_them(tmp_path):
    root = make_folder(tmp_path, [("two", (0, 0, 255), 2, "png"), ("one", (255, 0, 0), 3, "jpg")])
    X, Y, names = signs_data.load_image_folder(root)
    assert names == ["one", "two"]
    assert Y.tolist() == [0, 0, 0, 1, 1] and Y.dtype == np.int64
    assert X.shape == (5, 64, 64, 3) and X.dtype == np.uint8
    assert X[0, 0, 0, 0] > 200 and X[-1, 0, 0, 2] > 200


def test_images_are_resized_and_converted_to_rgb(tmp_path):
    (tmp_path / "a").mkdir()
    Image.new("L", (10, 10), 128).save(tmp_path / "a" / "grey.png")
    X, _, _ = signs_data.load_image_folder(tmp_path, image_size=(32, 48))
    assert X.shape == (1, 32, 48, 3)


def test_files_that_are_not_images_are_skipped_by_suffix(tmp_path):
    root = make_folder(tmp_path, [("a", (1, 2, 3), 1, "png")])
    (root / "a" / "notes.txt").write_text("ignored")
    assert signs_data.load_image_folder(root)[0].shape[0] == 1


def test_missing_root_is_reported(tmp_path):
    with pytest.raises(SignsDataError, match=r"absent: not a folder"):
        signs_data.load_image_folder(tmp_path / "absent")


def test_root_without_class_folders_is_reported(tmp_path):
    with pytest.raises(SignsDataError, match="no class sub-folders"):
        signs_data.load_image_folder(tmp_path)


def test_class_folders_without_images_are_reported(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SignsDataError, match="hold no .png/.jpg/.jpeg images"):
        signs_data.load_image_folder(tmp_path)


def test_corrupt_image_is_named(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(SignsDataError, match=r"broken\.png: cannot be read as an image"):
        signs_data.load_image_folder(tmp_path)


def test_bad_image_size_is_reported(tmp_path):
    make_folder(tmp_path, [("a", (1, 2, 3), 1, "png")])
    with pytest.raises(SignsDataError, match="image_size"):
        signs_data.load_image_folder(tmp_path, image_size=(0, 64))
