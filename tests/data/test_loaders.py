"""load_signs generates on first use and honours the data folder settings; one_hot."""

import numpy as np
import pytest

import signs_data
from signs_data import SignsDataError


def test_load_signs_generates_missing_files_and_says_so(tmp_path, capsys):
    signs_data.generate_files(tmp_path, train_size=6, test_size=6)
    (tmp_path / "test_signs.h5").unlink()
    X_train, _, X_test, _, _ = signs_data.load_signs(tmp_path)
    out = capsys.readouterr().out
    assert "generating the SIGNS-style data set" in out and "120 test" in out
    assert X_train.shape[0] == 6 and X_test.shape[0] == 120


def test_load_signs_reads_existing_files_without_generating(small_dir, capsys):
    capsys.readouterr()
    signs_data.load_signs(small_dir)
    assert capsys.readouterr().out == ""


def test_data_dir_defaults_to_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNS_DATA_DIR", str(tmp_path))
    assert signs_data.default_data_dir() == tmp_path


def test_data_dir_defaults_to_the_package_parent_folder(monkeypatch):
    monkeypatch.delenv("SIGNS_DATA_DIR", raising=False)
    folder = signs_data.default_data_dir()
    assert (folder / "signs_data" / "__init__.py").is_file()


def test_load_signs_uses_the_environment_variable(small_dir, monkeypatch):
    monkeypatch.setenv("SIGNS_DATA_DIR", str(small_dir))
    assert signs_data.load_signs()[0].shape[0] == 24


def test_load_hidden_split_reads_the_hidden_layout(tmp_path):
    path = signs_data.write_generated_split(tmp_path / "hidden_signs.h5", "hidden", 12, seed=11)
    X, Y = signs_data.load_hidden_split(path)
    assert X.shape == (12, 64, 64, 3) and Y.dtype == np.int64


def test_one_hot_encodes_labels_as_float32_rows():
    encoded = signs_data.one_hot(np.array([0, 5, 2]))
    assert encoded.dtype == np.float32 and encoded.shape == (3, 6)
    assert encoded.argmax(axis=1).tolist() == [0, 5, 2] and (encoded.sum(axis=1) == 1).all()


def test_one_hot_accepts_a_row_of_labels_and_other_class_counts():
    assert signs_data.one_hot(np.array([[1, 2]]), num_classes=3).tolist() == [[0, 1, 0], [0, 0, 1]]


def test_one_hot_rejects_labels_out_of_range():
    with pytest.raises(SignsDataError, match=r"labels range from 0 to 6; expected values 0\.\.5"):
        signs_data.one_hot(np.array([0, 6]))


def test_one_hot_rejects_fractional_labels():
    with pytest.raises(SignsDataError, match="non-integer"):
        signs_data.one_hot(np.array([0.5, 1.0]))


def test_load_signs_regenerates_files_from_an_older_generator_version(small_dir, capsys):
    import h5py

    with h5py.File(small_dir / "train_signs.h5", "a") as f:
        f.attrs["generator_version"] = "0"
    capsys.readouterr()
    X_train = signs_data.load_signs(small_dir)[0]
    assert "regenerating it" in capsys.readouterr().out and X_train.shape[0] == 24
    assert signs_data.generator_mark(small_dir / "train_signs.h5")["generator_version"] != "0"
