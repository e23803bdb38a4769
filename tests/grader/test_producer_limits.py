"""The orchestrator's own limits on a producer run: per-step time and disk use. No TensorFlow."""

from __future__ import annotations

import json
import time

from grader.pipeline.supervisor import _over_disk_budget, _Watcher


def write_state(path, **state):
    path.write_text(json.dumps(state))


def test_disk_budget_is_exceeded_by_a_large_file(tmp_path):
    (tmp_path / "flood.bin").write_bytes(b"x" * 300_000)
    assert _over_disk_budget((tmp_path,), max_bytes=100_000, max_files=100)


def test_disk_budget_is_exceeded_by_many_small_files(tmp_path):
    for i in range(30):
        (tmp_path / f"f{i}").write_text("x")
    assert _over_disk_budget((tmp_path,), max_bytes=10**9, max_files=20)


def test_disk_budget_is_kept_by_a_modest_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "artifact.keras").write_bytes(b"x" * 1000)
    assert not _over_disk_budget((tmp_path,), max_bytes=10**6, max_files=100)


def test_watcher_stops_a_step_that_runs_past_its_budget(tmp_path):
    state = tmp_path / "state.json"
    write_state(state, step="exercise", label="identity_block", case="small")
    watcher = _Watcher(state, step_timeout_s=0.2, writable=(tmp_path,), disk_bytes=10**9)
    assert not watcher()
    time.sleep(0.3)
    assert watcher() and watcher.fired == "step"


def test_watcher_restarts_the_clock_when_the_step_changes(tmp_path):
    state = tmp_path / "state.json"
    write_state(state, step="exercise", label="identity_block", case="small")
    watcher = _Watcher(state, step_timeout_s=0.2, writable=(tmp_path,), disk_bytes=10**9)
    watcher()
    time.sleep(0.3)
    write_state(state, step="exercise", label="convolutional_block", case="small")
    assert not watcher()


def test_watcher_never_times_out_the_start_up(tmp_path):
    state = tmp_path / "state.json"
    write_state(state, step="startup")
    watcher = _Watcher(state, step_timeout_s=0.1, writable=(tmp_path,), disk_bytes=10**9)
    watcher()
    time.sleep(0.2)
    assert not watcher()


def _built_reports(tmp_path, states):
    state = tmp_path / "state.json"
    built = []
    watcher = _Watcher(
        state, step_timeout_s=60, writable=(tmp_path,), disk_bytes=10**9, on_built=built.append
    )
    for step in states:
        write_state(state, **step)
        watcher()
    return built


def test_watcher_reports_an_exercise_built_when_the_producer_moves_past_it(tmp_path):
    states = [
        {"step": "unit", "label": "imports"},
        {"step": "exercise", "label": "train_resnet50", "case": "retrain"},
        {"step": "exercise", "label": "dense_residual_block", "case": "small"},
        {"step": "done"},
    ]
    assert _built_reports(tmp_path, states) == ["train_resnet50", "dense_residual_block"]


def test_watcher_does_not_report_an_exercise_between_its_cases(tmp_path):
    states = [
        {"step": "exercise", "label": "silence_residual_branches", "case": "fresh"},
        {"step": "exercise", "label": "silence_residual_branches", "case": "trained_bn"},
    ]
    assert _built_reports(tmp_path, states) == []
