"""Every malformed input raises SignsDataError naming the path and what was expected."""

import h5py
import numpy as np
import pytest

import signs_data
from signs_data import SignsDataError


def write(path, **datasets):
    with h5py.File(path, "w") as f:
        for key, value in datasets.items():
            f.create_dataset(key, data=value)
    return path


def good_arrays(m=6):
    return {
        "train_set_x": np.zeros((m, 64, 64, 3), np.uint8),
        "train_set_y": np.arange(m, dtype=np.int64) % 6,
        "list_classes": np.arange(6, dtype=np.int64),
    }


def test_well_formed_file_is_read(tmp_path):
    X, Y, classes = signs_data.read_split(write(tmp_path / "t.h5", **good_arrays()), "train")
    assert X.shape == (6, 64, 64, 3) and Y.tolist() == [0, 1, 2, 3, 4, 5]


def test_missing_file_names_the_path_and_the_expected_layout(tmp_path):
    with pytest.raises(SignsDataError, match=r"nowhere\.h5: file not found.*train_set_x"):
        signs_data.read_split(tmp_path / "nowhere.h5", "train")


def test_file_that_is_not_hdf5_is_rejected(tmp_path):
    path = tmp_path / "train_signs.h5"
    path.write_text("not hdf5")
    with pytest.raises(SignsDataError, match=r"train_signs\.h5: cannot be read as HDF5"):
        signs_data.read_split(path, "train")


def test_missing_key_is_named(tmp_path):
    arrays = good_arrays()
    del arrays["train_set_y"]
    with pytest.raises(SignsDataError, match=r"t\.h5: missing key\(s\) \['train_set_y'\]"):
        signs_data.read_split(write(tmp_path / "t.h5", **arrays), "train")


def test_wrong_image_shape_is_rejected(tmp_path):
    arrays = good_arrays()
    arrays["train_set_x"] = np.zeros((6, 32, 32, 3), np.uint8)
    with pytest.raises(
        SignsDataError,
        match=r"t\.h5: train_set_x has shape \(6, 32, 32, 3\); expected \(m, 64, 64, 3\)",
    ):
        signs_data.read_split(write(tmp_path / "t.h5", **arrays), "train")


def test_wrong_image_dtype_is_rejected(tmp_path):
    arrays = good_arrays()
    arrays["train_set_x"] = np.zeros((6, 64, 64, 3), np.float32)
    with pytest.raises(SignsDataError, match=r"train_set_x has dtype float32; expected uint8"):
        signs_data.read_split(write(tmp_path / "t.h5", **arrays), "train")


def test_non_integer_labels_are_rejected(tmp_path):
    arrays = good_arrays()
    arrays["train_set_y"] = np.zeros(6, np.float64)
    with pytest.raises(
        SignsDataError, match=r"train_set_y has dtype float64; expected integer labels"
    ):
        signs_data.read_split(write(tmp_path / "t.h5", **arrays), "train")


def test_labels_out_of_range_are_rejected(tmp_path):
    arrays = good_arrays()
    arrays["train_set_y"] = np.array([0, 1, 2, 3, 4, 6])
    with pytest.raises(SignsDataError, match=r"labels from 0 to 6; expected values 0\.\.5"):
        signs_data.read_split(write(tmp_path / "t.h5", **arrays), "train")


def test_length_mismatch_between_images_and_labels_is_rejected(tmp_path):
    arrays = good_arrays()
    arrays["train_set_y"] = np.zeros(5, np.int64)
    with pytest.raises(SignsDataError, match=r"6 images but train_set_y has 5 labels"):
        signs_data.read_split(write(tmp_path / "t.h5", **arrays), "train")


def test_wrong_class_list_is_rejected(tmp_path):
    arrays = good_arrays()
    arrays["list_classes"] = np.arange(5)
    with pytest.raises(SignsDataError, match=r"list_classes is \[0, 1, 2, 3, 4\]"):
        signs_data.read_split(write(tmp_path / "t.h5", **arrays), "train")


def test_labels_stored_as_a_row_are_accepted(tmp_path):
    arrays = good_arrays()
    arrays["train_set_y"] = arrays["train_set_y"][None, :]
    _, Y, _ = signs_data.read_split(write(tmp_path / "t.h5", **arrays), "train")
    assert Y.shape == (6,)


def test_load_signs_reports_a_malformed_file(small_dir):
    (small_dir / "test_signs.h5").unlink()
    write(small_dir / "test_signs.h5", test_set_x=np.zeros((2, 64, 64, 3), np.uint8))
    with pytest.raises(SignsDataError, match=r"test_signs\.h5: missing key\(s\)"):
        signs_data.load_signs(small_dir)


def test_load_hidden_split_reports_a_missing_file(tmp_path):
    with pytest.raises(SignsDataError, match=r"hidden_signs\.h5: file not found.*hidden_set_x"):
        signs_data.load_hidden_split(tmp_path / "hidden_signs.h5")


@pytest.mark.parametrize("n, seed", [(-1, 0), (3, -2), (2.5, 0), (True, 0)])
def test_generate_split_rejects_bad_sizes_and_seeds(n, seed):
    with pytest.raises(SignsDataError, match="must be a non-negative integer"):
        signs_data.generate_split(n, seed)
