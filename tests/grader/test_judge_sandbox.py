"""The judge's sandbox: its inputs read-only, nothing of the course or the class beside them.

Plain Python runs under the judge's own mounts (``grader.pipeline.judging.judge_mounts``) in place
of the judge, and reports what it can read and write.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

from grader.pipeline import sandbox
from grader.pipeline.judging import DATA_FILES, judge_mounts, prepared_data_dir
from grader.pipeline.sandbox import Limits, run_sandboxed
from grader.pipeline.supervisor import private_course_paths

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    NAMESPACED = [level for level in ("bwrap", "unshare") if sandbox._level_works(level)]

PROBE = """
import pathlib, sys
for path in sys.argv[1:]:
    try:
        print("READ", path, pathlib.Path(path).read_bytes())
    except OSError:
        print("NOREAD", path)
    try:
        open(path, "ab").close()
        print("WROTE", path)
    except OSError:
        print("NOWRITE", path)
"""


@pytest.fixture
def course(tmp_path) -> dict[str, Path]:
    """A class on disk: this submission's artifacts, another's, a gradebook, the data set."""
    paths = {
        "artifact": tmp_path / "alice" / "artifacts" / "manifest.json",
        "other": tmp_path / "bob" / "artifacts" / "manifest.json",
        "gradebook": tmp_path / "gradebook.db",
        "data": tmp_path / "data" / "train_signs.h5",
    }
    for path in paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    for name in ("out", "scratch"):
        (tmp_path / "alice" / "judge" / name).mkdir(parents=True)
    return paths


def _probe(course: dict[str, Path], level: str) -> set[str]:
    judge = course["artifact"].parents[1] / "judge"
    result = run_sandboxed(
        [sys.executable, "-S", "-c", PROBE, *map(str, course.values()), str(judge / "out" / "v")],
        cwd=judge / "scratch",
        mounts=judge_mounts(
            course["artifact"].parent,
            judge / "out",
            judge / "scratch",
            course["data"].parent,
            hidden=(course["gradebook"],),
        ),
        limits=Limits(wall_s=60),
        env={},
        isolation=level,
    )
    root = course["gradebook"].parent
    return {line.replace(str(root), "") for line in result.output.split("\n") if line}


@pytest.mark.parametrize("level", NAMESPACED)
def test_judge_reads_but_cannot_change_its_artifacts_and_data(course, level):
    seen = _probe(course, level)
    assert {
        "READ /alice/artifacts/manifest.json b'x'",
        "NOWRITE /alice/artifacts/manifest.json",
    } <= seen
    assert {"READ /data/train_signs.h5 b'x'", "NOWRITE /data/train_signs.h5"} <= seen


@pytest.mark.parametrize("level", NAMESPACED)
def test_judge_writes_its_verdicts_folder(course, level):
    assert "WROTE /alice/judge/out/v" in _probe(course, level)


@pytest.mark.parametrize("level", NAMESPACED)
def test_judge_cannot_read_the_gradebook(course, level):
    assert "READ /gradebook.db b'x'" not in _probe(course, level)


@pytest.mark.skipif("bwrap" not in NAMESPACED, reason="only bubblewrap shows nothing else")
def test_judge_cannot_read_another_submission(course):
    assert "READ /bob/artifacts/manifest.json b'x'" not in _probe(course, "bwrap")


def test_nothing_the_judge_reads_is_covered_at_level_unshare(tmp_path):
    mounts = judge_mounts(
        tmp_path / "artifacts",
        tmp_path / "out",
        tmp_path / "scratch",
        prepared_data_dir(),
        hidden=private_course_paths(),
    )
    covered = [
        (hidden, needed)
        for hidden in mounts.hidden
        for needed in mounts.read_only
        if needed == hidden or hidden in needed.parents or needed in hidden.parents
    ]
    assert covered == []


def test_missing_splits_are_generated_before_the_judge_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNS_DATA_DIR", str(tmp_path))
    data_dir = prepared_data_dir()
    assert sorted(p.name for p in data_dir.glob("*.h5")) == sorted(DATA_FILES)
