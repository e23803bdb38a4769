"""Both seats' nbgrader settings name one exchange: a folder in the course, or COURSE_EXCHANGE's.

Both configuration files are copied into a temporary course laid out like the repository and loaded
the way nbgrader loads them, so the repository's own exchange folder is never created.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from traitlets.config.loader import PyFileConfigLoader

REPO = Path(__file__).resolve().parents[1]
COURSE_CONFIG = "nbgrader_config.py"
STUDENT_CONFIG = "seats/student/nbgrader_config.py"


@pytest.fixture
def course(tmp_path):
    for relative in (COURSE_CONFIG, STUDENT_CONFIG):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / relative, tmp_path / relative)
    return tmp_path


def exchange_root(config_file: Path) -> Path:
    loader = PyFileConfigLoader(config_file.name, str(config_file.parent))
    return Path(loader.load_config().Exchange.root)


@pytest.mark.parametrize("config", [COURSE_CONFIG, STUDENT_CONFIG], ids=["instructor", "student"])
def test_exchange_is_a_folder_in_the_course_by_default(course, config, monkeypatch):
    monkeypatch.delenv("COURSE_EXCHANGE", raising=False)
    assert exchange_root(course / config) == course / "exchange"


@pytest.mark.parametrize("config", [COURSE_CONFIG, STUDENT_CONFIG], ids=["instructor", "student"])
def test_course_exchange_variable_names_another_exchange(course, config, monkeypatch,
                                                        tmp_path_factory):
    shared = tmp_path_factory.mktemp("shared") / "exchange"
    monkeypatch.setenv("COURSE_EXCHANGE", str(shared))
    assert exchange_root(course / config) == shared


@pytest.mark.parametrize("config", [COURSE_CONFIG, STUDENT_CONFIG], ids=["instructor", "student"])
def test_loading_the_settings_creates_the_exchange_folder(course, config, monkeypatch):
    monkeypatch.delenv("COURSE_EXCHANGE", raising=False)
    assert exchange_root(course / config).is_dir()
