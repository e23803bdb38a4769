"""The generated files follow the SIGNS HDF5 layout exactly."""

import h5py
import numpy as np

import signs_data


def test_files_hold_exactly_the_signs_keys_dtypes_and_shapes(small_dir):
    with h5py.File(small_dir / "train_signs.h5") as f:
        assert sorted(f.keys()) == ["list_classes", "train_set_x", "train_set_y"]
        assert f["train_set_x"].dtype == np.uint8 and f["train_set_x"].shape == (24, 64, 64, 3)
        assert f["train_set_y"].dtype == np.int64 and f["train_set_y"].shape == (24,)
        assert f["list_classes"].dtype == np.int64 and f["list_classes"][()].tolist() == [
            0,
            1,
            2,
            3,
            4,
            5,
        ]
    with h5py.File(small_dir / "test_signs.h5") as f:
        assert sorted(f.keys()) == ["list_classes", "test_set_x", "test_set_y"]
        assert f["test_set_x"].shape == (12, 64, 64, 3)


def test_generated_files_carry_the_generator_mark(small_dir):
    mark = signs_data.generator_mark(small_dir / "train_signs.h5")
    assert mark["generator"] == "signs_data"
    assert mark["split"] == "train"
    assert mark["seed"] == signs_data.split_seed(signs_data.DEFAULT_SEED, "train")


def test_load_signs_returns_the_documented_types(default_data):
    X_train, Y_train, X_test, Y_test, classes = default_data
    assert X_train.shape == (1080, 64, 64, 3) and X_train.dtype == np.uint8
    assert Y_train.shape == (1080,) and Y_train.dtype == np.int64
    assert X_test.shape == (120, 64, 64, 3) and X_test.dtype == np.uint8
    assert Y_test.shape == (120,) and Y_test.dtype == np.int64
    assert classes.dtype == np.int64 and classes.tolist() == [0, 1, 2, 3, 4, 5]


def test_default_splits_are_exactly_balanced(default_data):
    _, Y_train, _, Y_test, _ = default_data
    assert np.bincount(Y_train, minlength=6).tolist() == [180] * 6
    assert np.bincount(Y_test, minlength=6).tolist() == [20] * 6


def test_sizes_not_divisible_by_six_are_balanced_within_one():
    _, labels = signs_data.generate_split(17, seed=3)
    counts = np.bincount(labels, minlength=6)
    assert counts.sum() == 17 and counts.max() - counts.min() <= 1


def test_images_use_the_pixel_range_and_are_not_constant(default_data):
    X_train = default_data[0]
    assert X_train.min() < 40 and X_train.max() > 215
    assert (X_train.reshape(len(X_train), -1).std(axis=1) > 5).all()


def test_train_and_test_images_do_not_repeat(default_data):
    X_train, _, X_test, _, _ = default_data
    rows = {image.tobytes() for image in X_train} | {image.tobytes() for image in X_test}
    assert len(rows) == len(X_train) + len(X_test)
