"""A seed fixes the bytes; the recorded checksums prove it across machines."""

import hashlib

import numpy as np

import signs_data
from signs_data.checksums import array_sha256, file_sha256, load_record, verify


def test_same_seed_gives_the_same_bytes():
    first = signs_data.generate_split(12, seed=5)
    second = signs_data.generate_split(12, seed=5)
    assert first[0].tobytes() == second[0].tobytes()
    assert first[1].tobytes() == second[1].tobytes()


def test_different_seeds_give_different_images():
    first, _ = signs_data.generate_split(12, seed=5)
    second, _ = signs_data.generate_split(12, seed=6)
    assert not np.array_equal(first, second)


def test_train_and_test_seeds_differ_for_one_data_set_seed():
    assert signs_data.split_seed(1, "train") != signs_data.split_seed(1, "test")
    assert signs_data.split_seed(1, "test") != signs_data.split_seed(2, "train")


def test_writing_the_same_split_twice_gives_identical_file_bytes(tmp_path):
    signs_data.generate_files(tmp_path / "a", train_size=6, test_size=6)
    signs_data.generate_files(tmp_path / "b", train_size=6, test_size=6)
    for name in ("train_signs.h5", "test_signs.h5"):
        assert file_sha256(tmp_path / "a" / name) == file_sha256(tmp_path / "b" / name)


def test_default_splits_match_the_recorded_array_checksums(default_dir):
    recorded = load_record()["splits"]
    for split in ("train", "test"):
        images, labels, _ = signs_data.read_split(default_dir / recorded[split]["file"], split)
        assert array_sha256(images, labels) == recorded[split]["array_sha256"], (
            f"{split}: the generator no longer reproduces the recorded data set; if the change is "
            "intended, bump GENERATOR_VERSION and re-record data/signs_data/checksums.json"
        )


def test_verify_accepts_freshly_generated_default_files(default_dir):
    lines = verify(default_dir)
    assert len(lines) == 2 and all("arrays match" in line for line in lines)


def test_array_checksum_covers_images_and_labels():
    images = np.zeros((2, 64, 64, 3), np.uint8)
    expected = hashlib.sha256(images.tobytes() + np.array([0, 1], "<i8").tobytes()).hexdigest()
    assert array_sha256(images, np.array([0, 1])) == expected
