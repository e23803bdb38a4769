"""The judge in two parts: the training checks in a judge process of their own, beside the rest."""

import os
import subprocess
import sys

import pytest
from corpus import harness, mutations

from grader.judge import points
from grader.judge.run import DEFERRED, TRAINING_CHECKS
from grader.pipeline.grade import SPLIT_IDLE_CORES, idle_cores, judge_has_cores_to_split
from grader.pipeline.judging import merged_verdicts, run_judge
from grader.report.result import CheckResult, Verdicts


def _check(test: str, passed: bool, message: str = "", grader_error: bool = False):
    return CheckResult(
        exercise="train_resnet50" if test in TRAINING_CHECKS else "identity_block",
        title=test,
        passed=passed,
        score=1 if passed else 0,
        max_score=1,
        message=message,
        grader_error=grader_error,
        test=test,
    )


def _outcomes(verdicts: Verdicts) -> list[tuple]:
    return [(c.exercise, c.test, c.passed, c.message, c.grader_error) for c in verdicts.checks]


@pytest.fixture(scope="module")
def dense_only(tmp_path_factory):
    """Artifacts of a submission that answered only the first exercise: every check runs fast."""
    return harness.make_artifacts(
        mutations.REFERENCE_SOURCE,
        ("dense_residual_block",),
        tmp_path_factory.mktemp("parts") / "artifacts",
    )


def test_merged_verdicts_put_each_training_verdict_in_its_deferred_place():
    training_name = TRAINING_CHECKS[0]
    rest = Verdicts(
        checks=[
            _check("test_a", True),
            _check(training_name, False, DEFERRED, grader_error=True),
            _check("test_b", False, "wrong"),
        ]
    )
    training = Verdicts(checks=[_check(training_name, True)])
    merged = merged_verdicts(rest, training)
    assert [(c.test, c.passed, c.grader_error) for c in merged.checks] == [
        ("test_a", True, False),
        (training_name, True, False),
        ("test_b", False, False),
    ]


def test_rest_part_defers_the_training_checks_and_judges_every_other(dense_only, tmp_path):
    out = tmp_path / "rest.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grader.judge",
            str(dense_only),
            "--out",
            str(out),
            "--part",
            "rest",
        ],
        check=True,
        capture_output=True,
    )
    deferred = {c.test for c in Verdicts.load(out).checks if c.message == DEFERRED}
    assert deferred == set(TRAINING_CHECKS)
    assert len(Verdicts.load(out).checks) == len(points.CHECKS)


def test_split_judge_gives_the_verdicts_of_one_judge(dense_only, tmp_path):
    whole = run_judge(dense_only, tmp_path / "whole", split=False)
    split = run_judge(dense_only, tmp_path / "split", split=True)
    assert len(split.runs) == 2
    assert _outcomes(split.verdicts) == _outcomes(whole.verdicts)


def test_a_grading_with_a_thread_share_keeps_one_judge(monkeypatch):
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "1")
    assert not judge_has_cores_to_split()


def test_a_machine_with_every_core_busy_has_no_idle_cores_to_split_on():
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 1)
    ]
    try:
        idle = idle_cores(sample_s=1.0)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    assert idle < SPLIT_IDLE_CORES
