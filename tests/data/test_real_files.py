"""Real SIGNS files dropped into the data folder are used, and never overwritten."""

import h5py
import numpy as np
import pytest

import signs_data
from signs_data import SignsDataError
from signs_data.cli import main


def write_real(path, prefix, m):
    """A file in the SIGNS layout without the generator mark, like the real data set."""
    with h5py.File(path, "w") as f:
        f.create_dataset(f"{prefix}_set_x", data=np.full((m, 64, 64, 3), 7, np.uint8))
        f.create_dataset(f"{prefix}_set_y", data=np.arange(m, dtype=np.int64) % 6)
        f.create_dataset("list_classes", data=np.arange(6, dtype=np.int64))


def test_load_signs_reads_real_files_instead_of_generating(tmp_path):
    write_real(tmp_path / "train_signs.h5", "train", 12)
    write_real(tmp_path / "test_signs.h5", "test", 6)
    X_train, _, X_test, _, _ = signs_data.load_signs(tmp_path)
    assert X_train.shape[0] == 12 and (X_train == 7).all() and X_test.shape[0] == 6


def test_generate_refuses_to_overwrite_a_real_file_even_with_force(tmp_path):
    write_real(tmp_path / "train_signs.h5", "train", 12)
    before = (tmp_path / "train_signs.h5").read_bytes()
    with pytest.raises(
        SignsDataError, match=r"train_signs\.h5: exists and was not made by signs_data"
    ):
        signs_data.generate_files(tmp_path, train_size=6, test_size=6, force=True)
    assert (tmp_path / "train_signs.h5").read_bytes() == before
    assert not (tmp_path / "test_signs.h5").exists()


def test_cli_generate_force_refuses_a_real_file_and_exits_non_zero(tmp_path, capsys):
    write_real(tmp_path / "test_signs.h5", "test", 6)
    assert (
        main(
            [
                "generate",
                "--data-dir",
                str(tmp_path),
                "--train-size",
                "6",
                "--test-size",
                "6",
                "--force",
            ]
        )
        == 1
    )
    assert "refusing to overwrite" in capsys.readouterr().err


def test_load_signs_will_not_mix_a_real_file_with_a_generated_one(tmp_path):
    write_real(tmp_path / "train_signs.h5", "train", 12)
    with pytest.raises(SignsDataError, match=r"test_signs\.h5 is\s+missing"):
        signs_data.load_signs(tmp_path)
    assert not (tmp_path / "test_signs.h5").exists()


def test_force_replaces_a_generated_file(small_dir):
    signs_data.generate_files(small_dir, train_size=6, test_size=6, force=True)
    assert signs_data.load_signs(small_dir)[0].shape[0] == 6
