"""Fixtures of the data tests: one default-size data set per session, small ones per test."""

import pytest

import signs_data


@pytest.fixture(scope="session")
def default_dir(tmp_path_factory):
    """A folder holding the default splits (1080 train, 120 test, default seed), generated once."""
    folder = tmp_path_factory.mktemp("signs_default")
    signs_data.generate_files(folder)
    return folder


@pytest.fixture(scope="session")
def default_data(default_dir):
    """``load_signs`` on the default splits."""
    return signs_data.load_signs(default_dir)


@pytest.fixture
def small_dir(tmp_path):
    """A folder holding small generated splits (24 train, 12 test)."""
    signs_data.generate_files(tmp_path, train_size=24, test_size=12)
    return tmp_path
