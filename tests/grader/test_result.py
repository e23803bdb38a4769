"""The typed grading result: what crosses a process boundary is read back whole, or refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.report.result import CheckResult, ExerciseResult, GradeResult, ResultError, Verdicts
from grader.sandboxed.contract import ProducerExit


def _result() -> GradeResult:
    checks = [
        CheckResult(
            "identity_block",
            "output shape equals input shape",
            False,
            0,
            1,
            "4 channels, not 12",
            test="test_output_shape_equals_input_shape",
        )
    ]
    return GradeResult(
        notebook=Path("nb.ipynb"),
        exercises=[
            ExerciseResult("identity_block", "error", "raised NameError", "Traceback ...", checks)
        ],
        isolation="bwrap: test",
        notebook_problems=["the 'imports' cell was not found"],
        producer_exit=ProducerExit(
            returncode=-9, reason="memory", wall_s=3.5, message="run 1: memory"
        ),
        trained_model=True,
        timings={"producer": 1.5, "judge": 2.0, "total": 3.5},
        output_tail="[grader] identity_block: error",
    )


def test_result_survives_a_round_trip_through_json(tmp_path):
    path = tmp_path / "result.json"
    _result().save(path)
    assert GradeResult.load(path) == _result()


def test_verdicts_survive_a_round_trip_through_json(tmp_path):
    verdicts = Verdicts(checks=_result().checks, artifact_dir="/a", pytest_exit=1, wall_s=2.5)
    verdicts.save(tmp_path / "verdicts.json")
    assert Verdicts.load(tmp_path / "verdicts.json") == verdicts


def test_each_check_carries_its_exercise_and_title_as_fields():
    check = _result().to_json()["exercises"][0]["checks"][0]
    assert (check["exercise"], check["title"]) == (
        "identity_block",
        "output shape equals input shape",
    )


def test_check_name_joins_exercise_and_title():
    assert _result().checks[0].name == "identity_block: output shape equals input shape"


def test_truncated_result_file_is_refused(tmp_path):
    path = tmp_path / "result.json"
    path.write_text(json.dumps(_result().to_json())[:200])
    with pytest.raises(ResultError, match="unreadable"):
        GradeResult.load(path)


def test_result_of_another_schema_is_refused():
    with pytest.raises(ResultError, match="schema-1"):
        GradeResult.from_json(dict(_result().to_json(), schema=2))


def test_score_given_as_text_is_refused():
    data = _result().to_json()
    data["exercises"][0]["checks"][0]["score"] = "1"
    with pytest.raises(ResultError, match="'score'"):
        GradeResult.from_json(data)


def test_passed_given_as_a_number_is_refused():
    data = Verdicts(checks=_result().checks).to_json()
    data["checks"][0]["passed"] = 1
    with pytest.raises(ResultError, match="'passed'"):
        Verdicts.from_json(data)


def test_check_filed_under_another_exercise_is_refused():
    data = _result().to_json()
    data["exercises"][0]["name"] = "ResNet50"
    with pytest.raises(ResultError, match="another exercise"):
        GradeResult.from_json(data)


def test_score_given_as_true_is_refused():
    data = _result().to_json()
    data["exercises"][0]["checks"][0]["max_score"] = True
    with pytest.raises(ResultError, match="'max_score'"):
        GradeResult.from_json(data)


def _verdicts_json(**changes) -> dict:
    data = Verdicts(checks=_result().checks).to_json()
    data["checks"][0].update(changes)
    return data


def test_verdict_scoring_more_than_its_points_is_refused():
    with pytest.raises(ResultError, match="scores 99"):
        Verdicts.from_json(_verdicts_json(passed=True, score=99))


def test_failed_verdict_with_points_is_refused():
    check = _result().checks[0]
    with pytest.raises(ResultError, match=r"\(failed\) scores"):
        Verdicts.from_json(_verdicts_json(passed=False, score=check.max_score))


def test_verdict_of_an_unknown_exercise_is_refused():
    with pytest.raises(ResultError, match="unknown exercise 'os.system'"):
        Verdicts.from_json(_verdicts_json(exercise="os.system"))


def test_the_same_check_twice_is_refused():
    data = Verdicts(checks=_result().checks).to_json()
    data["checks"].append(dict(data["checks"][0]))
    with pytest.raises(ResultError, match="appears twice"):
        Verdicts.from_json(data)


def test_resources_survive_a_round_trip(tmp_path):
    result = _result()
    result.resources = {"judge_peak_memory_bytes": 123.0, "disk_bytes": 4096.0}
    result.save(tmp_path / "result.json")
    assert GradeResult.load(tmp_path / "result.json").resources == result.resources
