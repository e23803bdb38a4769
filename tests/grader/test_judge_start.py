"""The judge started beside the producer: it reads nothing before its gate, and its parts add up.

A real producer run makes a small submission's artifacts (one block and the retrain network); real
judge processes, sandboxed as in grading, judge them.
"""

from __future__ import annotations

import shutil
import time

import psutil
import pytest
from submission_notebooks import ONLY_DENSE, SOLUTIONS, UNWRITTEN_IDENTITY_BLOCK, build_notebook

from grader.judge.points import CHECKS
from grader.judge.run import PARTS, part_checks
from grader.pipeline.backend import thread_environment
from grader.pipeline.errors import GradingError
from grader.pipeline.grade import grade_notebook
from grader.pipeline.judging import (
    EARLY_GATES,
    StartedJudge,
    judge_parts,
    judge_results,
    start_judges,
    starts_before_producer_ends,
)
from grader.pipeline.notebook import load_submission
from grader.pipeline.sandbox import probe_isolation
from grader.pipeline.supervisor import produce
from grader.report.result import Verdicts

CASES = [("dense_residual_block", "small"), ("train_resnet50", "retrain")]
# A dense block this slow keeps the producer running well past the retrain judge's whole run.
SLOW_DENSE = SOLUTIONS["dense_residual_block"].replace(
    "    z1 = Dense(", "    import time\n    time.sleep(25)\n    z1 = Dense(", 1
)
# Long enough for a judge to start Keras and reach its gate on a 2-core machine; were it to read the
# artifacts before the gate, it would find the empty folder.
STARTUP_S = 10


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """A correct submission's dense block and retrain network, the retrain built first.

    Returns:
        The production, and the exercises the producer reported built, in order.
    """
    root = tmp_path_factory.mktemp("judge_start")
    notebook = build_notebook(root / "student" / "Residual_Networks.ipynb")
    reports = []
    result = produce(
        load_submission(notebook),
        root / "work",
        cases=CASES,
        build_first=tuple(EARLY_GATES.values()),
        on_built=reports.append,
    )
    return result, reports


@pytest.fixture(scope="module")
def artifacts(production):
    """The artifact directory of a correct submission's dense block and retrain network."""
    return production[0].artifact_dir


def _verdict_rows(verdicts: Verdicts) -> list[tuple]:
    return [(c.exercise, c.test, c.passed, c.message) for c in verdicts.checks]


def _judge_processes() -> list[psutil.Process]:
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if "grader.judge" in " ".join(process.cmdline()):
                found.append(process)
        except psutil.NoSuchProcess:
            continue
    return found


def test_judge_reads_the_artifacts_only_once_its_gate_opens(artifacts, tmp_path):
    folder = tmp_path / "artifacts"
    folder.mkdir()
    judge = StartedJudge(folder, tmp_path / "judge", wait_s=120, part="others")
    time.sleep(STARTUP_S)
    shutil.copytree(artifacts, folder, dirs_exist_ok=True)
    judge.open_gate()
    verdicts = judge.result().verdicts
    dense = [c for c in verdicts.checks if c.exercise == "dense_residual_block"]
    assert dense and all(c.passed for c in dense), [c.message for c in dense if not c.passed]


def test_cancelled_judge_leaves_no_process_and_reports_why(artifacts, tmp_path):
    judge = StartedJudge(artifacts, tmp_path / "judge", wait_s=120)
    deadline = time.monotonic() + STARTUP_S
    while not _judge_processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _judge_processes(), "the judge never started"
    judge.cancel()
    assert _judge_processes() == []
    with pytest.raises(GradingError, match="stopped before its gate opened"):
        judge.result()


def test_two_judge_parts_give_the_verdicts_of_one_judge(artifacts, tmp_path, monkeypatch):
    for name, value in thread_environment(2).items():
        monkeypatch.setenv(name, value)
    split = start_judges(artifacts, tmp_path / "split")
    whole = StartedJudge(artifacts, tmp_path / "whole")
    for judge in [*split, whole]:
        judge.open_gate()
    joined = judge_results(split).verdicts
    assert [judge.part for judge in split] == ["others", "retrain"]
    assert _verdict_rows(joined) == _verdict_rows(whole.result().verdicts)
    retrain = [c for c in joined.checks if c.test == "test_retrain_from_scratch_learns"]
    assert [c.passed for c in retrain] == [True]


def test_producer_builds_the_early_gated_exercise_first(production):
    result, _ = production
    log = result.manifest.output_tail
    assert log.index("[grader] train_resnet50: ok") < log.index("[grader] dense_residual_block: ok")


def test_producer_reports_the_early_gated_exercise_built_first(production):
    _, reports = production
    assert reports[0] == "train_resnet50"


def test_judge_parts_split_the_checks_in_their_order():
    parts = [part_checks(part) for part in ("others", "retrain")]
    assert sorted(PARTS) == ["all", "others", "retrain"]
    assert PARTS["retrain"].pytest_arguments() == ["-k", "test_retrain_from_scratch_learns"]
    assert [c.id for c in parts[0] + parts[1]] == [c.id for c in CHECKS]
    assert [c.test for c in parts[1]] == ["test_retrain_from_scratch_learns"]


@pytest.mark.parametrize("threads, parts", [(1, ("all",)), (2, ("others", "retrain"))])
def test_grading_splits_its_judge_only_with_two_cores_of_its_own(threads, parts, monkeypatch):
    for name, value in thread_environment(threads).items():
        monkeypatch.setenv(name, value)
    assert judge_parts() == parts


def test_grading_without_a_retrain_to_run_keeps_one_judge_on_two_cores(monkeypatch):
    for name, value in thread_environment(2).items():
        monkeypatch.setenv(name, value)
    assert judge_parts(retrain=False) == ("all",)


def test_grading_whose_identity_block_is_a_placeholder_runs_one_judge(tmp_path, monkeypatch):
    for name, value in thread_environment(2).items():
        monkeypatch.setenv(name, value)
    notebook = build_notebook(
        tmp_path / "student" / "Residual_Networks.ipynb",
        dict(
            ONLY_DENSE,
            identity_block=UNWRITTEN_IDENTITY_BLOCK,
            convolutional_block=SOLUTIONS["convolutional_block"],
        ),
    )
    result = grade_notebook(notebook, workdir=tmp_path / "work", cases=CASES)
    assert [path.name for path in (tmp_path / "work" / "judge").iterdir()] == ["all"]
    checks = {(c.exercise, c.test): c for c in result.checks}
    retrain = checks[("train_resnet50", "test_retrain_from_scratch_learns")]
    assert not retrain.passed and not retrain.grader_error
    assert checks[("dense_residual_block", "test_output_equals_g_of_z_plus_a")].passed


@pytest.mark.parametrize(
    "threads, level, early",
    [(2, "bwrap", True), (2, "unshare", True), (2, "none", False), (1, "bwrap", False)],
)
def test_judge_starts_early_only_in_its_own_namespaces_with_a_spare_core(
    threads, level, early, monkeypatch
):
    for name, value in thread_environment(threads).items():
        monkeypatch.setenv(name, value)
    assert starts_before_producer_ends(level) is early


def test_retrain_judge_finishes_while_the_producer_still_runs(tmp_path, monkeypatch):
    if probe_isolation(None) == "none":
        pytest.skip("judges start early only in sandboxes with process namespaces of their own")
    for name, value in thread_environment(2).items():
        monkeypatch.setenv(name, value)
    notebook = build_notebook(
        tmp_path / "student" / "Residual_Networks.ipynb", {"dense_residual_block": SLOW_DENSE}
    )
    result = grade_notebook(notebook, workdir=tmp_path / "work", cases=CASES)
    retrain_verdicts = tmp_path / "work" / "judge" / "retrain" / "out" / "verdicts.json"
    final_manifest = tmp_path / "work" / "producer" / "artifacts" / "manifest.json"
    assert retrain_verdicts.stat().st_mtime < final_manifest.stat().st_mtime
    checks = {(c.exercise, c.test): c.passed for c in result.checks}
    assert checks[("train_resnet50", "test_retrain_from_scratch_learns")]
    assert checks[("dense_residual_block", "test_output_equals_g_of_z_plus_a")]


def test_retrain_judge_refuses_an_oversized_retrain_artifact_with_a_reason(artifacts, tmp_path):
    folder = tmp_path / "artifacts"
    shutil.copytree(artifacts, folder)
    # Longer than the judge's private copy takes, and than its own file-size limit.
    (folder / "train_resnet50__retrain.keras").write_bytes(bytes(80 * 2**20))
    judge = StartedJudge(folder, tmp_path / "judge", part="retrain")
    judge.open_gate()
    [retrain] = judge.result().verdicts.checks
    assert not retrain.passed and not retrain.grader_error
    assert "refused before loading" in retrain.message
    assert "not a complete zip archive" in retrain.message
