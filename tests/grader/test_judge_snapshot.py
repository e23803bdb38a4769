"""The private copy an early-gated judge checks: what it copies and what it leaves out. No Keras."""

from __future__ import annotations

import os

from grader.judge.run import part_checks
from grader.judge.snapshot import files_for, snapshot_artifacts
from grader.pipeline.judging import EARLY_GATES


def test_retrain_part_copies_the_manifest_and_the_retrain_artifact_only():
    assert files_for(part_checks("retrain")) == ("manifest.json", "train_resnet50__retrain.keras")


def test_each_early_gate_names_the_one_exercise_its_part_checks():
    for part, exercise in EARLY_GATES.items():
        assert {spec.exercise for spec in part_checks(part)} == {exercise}


def test_snapshot_copies_regular_files_byte_for_byte(tmp_path):
    (tmp_path / "manifest.json").write_text('{"exercises": {}}')
    (tmp_path / "model.keras").write_bytes(bytes(range(256)) * 10)
    copy = snapshot_artifacts(tmp_path, ("manifest.json", "model.keras"), parent=tmp_path)
    assert copy != tmp_path
    assert (copy / "manifest.json").read_text() == '{"exercises": {}}'
    assert (copy / "model.keras").read_bytes() == bytes(range(256)) * 10


def test_snapshot_is_not_changed_by_a_later_write_to_the_source(tmp_path):
    (tmp_path / "model.keras").write_bytes(b"validated")
    copy = snapshot_artifacts(tmp_path, ("model.keras",), parent=tmp_path)
    (tmp_path / "model.keras").write_bytes(b"swapped afterwards")
    assert (copy / "model.keras").read_bytes() == b"validated"


def test_snapshot_leaves_out_links_folders_fifos_and_absent_names(tmp_path):
    source = tmp_path / "artifacts"
    source.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("not the student's")
    (source / "link.keras").symlink_to(secret)
    (source / "folder.keras").mkdir()
    os.mkfifo(source / "fifo.keras")
    names = ("link.keras", "folder.keras", "fifo.keras", "absent.keras")
    assert list(snapshot_artifacts(source, names, parent=tmp_path).iterdir()) == []


def test_snapshot_cuts_a_file_longer_than_the_cap(tmp_path):
    (tmp_path / "model.keras").write_bytes(b"x" * 5000)
    copy = snapshot_artifacts(tmp_path, ("model.keras",), max_bytes=1000, parent=tmp_path)
    assert (copy / "model.keras").stat().st_size == 1000
