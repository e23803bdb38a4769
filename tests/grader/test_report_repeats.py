"""A failure is told once: later checks failed for the same reason point to the first."""

from __future__ import annotations

from pathlib import Path

from grader.report.gradescope import check_outputs
from grader.report.result import CheckResult, ExerciseResult, GradeResult
from grader.report.text import text_report
from grader.sandboxed.contract import ProducerExit

REASON = "calling identity_block on a (8, 8, 12) input failed: it raised NotImplementedError"
EXPLANATION = f"identity_block is not written yet: replace the raise with your code.\n({REASON})"
TRACEBACK = 'File "<cell identity_block>", line 18, in identity_block'


def _check(title: str, message: str) -> CheckResult:
    return CheckResult("identity_block", title, False, 0, 1, message)


def _result(*checks: CheckResult, status: str = "error") -> GradeResult:
    exercise = ExerciseResult(
        "identity_block", status, f"building {REASON[8:]}", TRACEBACK, list(checks)
    )
    return GradeResult(
        notebook=Path("nb.ipynb"),
        exercises=[exercise],
        isolation="bwrap: test",
        notebook_problems=[],
        producer_exit=ProducerExit(returncode=0),
        trained_model=False,
    )


def _unwritten_block() -> GradeResult:
    return _result(
        _check("builds a block", EXPLANATION),
        _check("output shape equals input shape", f"not checked: {REASON}"),
        _check("the skip is added before the final ReLU", f"not checked: {REASON}"),
    )


def test_a_reason_already_given_is_not_repeated_under_later_checks():
    outputs = check_outputs(_unwritten_block())
    assert outputs[1:] == ["not checked: the same failure as under “builds a block”."] * 2


def test_text_report_gives_the_reason_and_the_traceback_once():
    text = text_report(_unwritten_block())
    assert text.count(REASON) == 1
    assert text.count(TRACEBACK) == 1
    assert text.count("not checked: the same failure as under “builds a block”.") == 2


def test_a_different_reason_is_told_in_full():
    other = "not checked: calling identity_block on a (6, 6, 4) input did not finish"
    outputs = check_outputs(_result(_check("builds a block", EXPLANATION), _check("shape", other)))
    assert outputs[1] == other


def test_a_message_said_word_for_word_before_points_to_its_first_check():
    message = "no trained model was handed in: run the training cell"
    result = _result(_check("architecture", message), _check("accuracy", message), status="ok")
    assert check_outputs(result) == [message, "The same as under “architecture”."]


def test_text_report_tells_an_exercise_failure_with_no_failed_check_under_the_exercise():
    text = text_report(_result())
    assert "[error] building identity_block" in text and TRACEBACK in text


def test_the_exercise_failure_goes_with_the_check_that_tells_it():
    not_built = f"not checked: building {REASON[8:]}"
    result = _result(
        _check("the saved model has the architecture", "no trained model was handed in"),
        _check("a short retrain learns", not_built),
    )
    outputs = check_outputs(result)
    assert outputs[0] == "no trained model was handed in"
    assert outputs[1] == f"{not_built}\n\n{TRACEBACK}"
