"""``python -m grader check``: exit statuses, the text report, one real grading at full size."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.report.gradescope import gradescope_results
from grader.report.result import UNSANDBOXED_WARNING, CheckResult, ExerciseResult, GradeResult
from grader.report.text import text_report
from grader.sandboxed.contract import EXERCISES, ProducerExit

REPO = Path(__file__).resolve().parents[2]
SOLUTION_NOTEBOOK = REPO / "solutions" / "resnets" / "Residual_Networks.ipynb"
BUILD_EXERCISES = ("identity_block", "convolutional_block", "ResNet50")


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )


def test_missing_notebook_exits_non_zero_naming_the_file(tmp_path):
    done = run_cli("check", str(tmp_path / "absent.ipynb"))
    assert done.returncode == 2
    assert "absent.ipynb: no such file" in done.stderr


def test_corrupt_notebook_exits_non_zero_saying_it_is_not_json(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [{"cell_type": "code"')
    done = run_cli("check", str(path))
    assert done.returncode == 2
    assert "not valid JSON" in done.stderr


def test_file_that_is_not_a_notebook_exits_non_zero(tmp_path):
    path = tmp_path / "solution.py"
    path.write_text("def identity_block(X, f, filters):\n    return X\n")
    done = run_cli("check", str(path))
    assert done.returncode == 2
    assert "expected a Jupyter notebook" in done.stderr


def _result() -> GradeResult:
    checks = [
        CheckResult("identity_block", "the skip is added before the final ReLU", True, 2, 2),
        CheckResult(
            "identity_block",
            "output shape equals input shape",
            False,
            0,
            1,
            "the output has 4 channels; the block input has 12",
        ),
    ]
    return GradeResult(
        notebook=Path("nb.ipynb"),
        exercises=[
            ExerciseResult("identity_block", "ok", checks=checks),
            ExerciseResult(
                "ResNet50",
                "error",
                "building ResNet50 raised NameError: name 'X' is not defined",
                'File "<cell ResNet50>", line 3',
                [CheckResult("ResNet50", "builds a functional model", False, 0, 1, "no model")],
            ),
        ],
        isolation="bwrap: test",
        notebook_problems=["no cell defines dense_residual_block()"],
        producer_exit=ProducerExit(returncode=0),
        trained_model=False,
        timings={"total": 12.5},
    )


def test_text_report_marks_each_check_and_gives_the_total():
    text = text_report(_result())
    assert "✓ the skip is added before the final ReLU [2/2]" in text
    assert "✗ output shape equals input shape [0/1]" in text
    assert "the output has 4 channels" in text
    assert "Total: 2/4" in text


def test_text_report_shows_the_students_error_and_the_isolation():
    text = text_report(_result())
    assert "[error] building ResNet50 raised NameError" in text
    assert "<cell ResNet50>" in text
    assert "Isolation: bwrap: test" in text
    assert "no cell defines dense_residual_block()" in text


def test_text_report_warns_loudly_when_no_sandbox_ran():
    sandboxed, unsandboxed = _result(), _result()
    unsandboxed.isolation = "none: plain subprocess with resource limits only"
    assert UNSANDBOXED_WARNING in text_report(unsandboxed)
    assert UNSANDBOXED_WARNING not in text_report(sandboxed)


def test_text_report_has_an_ascii_form():
    assert "FAIL output shape" in text_report(_result(), ascii_only=True)


def test_gradescope_failed_test_output_includes_the_students_traceback():
    tests = gradescope_results(_result())["tests"]
    resnet = next(test for test in tests if test["name"].startswith("ResNet50: "))
    assert "<cell ResNet50>" in resnet["output"] and resnet["status"] == "failed"


@pytest.fixture(scope="module")
def graded_json(tmp_path_factory):
    """The solution notebook with dense_residual_block renamed, graded for real at full size."""
    if not SOLUTION_NOTEBOOK.exists():
        pytest.skip("the solution notebook is not there yet")
    folder = tmp_path_factory.mktemp("e2e")
    notebook = folder / "Residual_Networks.ipynb"
    shutil.copyfile(SOLUTION_NOTEBOOK, notebook)
    data = json.loads(notebook.read_text())
    for cell in data["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "dense_residual_block":
            source = "".join(cell["source"])
            cell["source"] = source.replace(
                "def dense_residual_block(", "def residual_dense_block("
            )
    notebook.write_text(json.dumps(data))
    done = run_cli("check", str(notebook), "--json", timeout=600)
    return done


def test_graded_notebook_exits_zero_whatever_the_score(graded_json):
    assert graded_json.returncode == 0, graded_json.stderr[-3000:]


def test_json_output_follows_the_gradescope_schema(graded_json):
    results = json.loads(graded_json.stdout)
    assert {"score", "max_score", "tests"} <= set(results)
    for test in results["tests"]:
        assert {"name", "score", "max_score", "status", "output"} <= set(test)
        assert test["status"] in ("passed", "failed")
        assert test["name"].split(": ", 1)[0] in EXERCISES
    assert results["score"] == sum(test["score"] for test in results["tests"])


def test_renamed_function_loses_only_its_own_checks(graded_json):
    results = json.loads(graded_json.stdout)
    dense = [t for t in results["tests"] if t["name"].startswith("dense_residual_block: ")]
    assert dense and all(t["status"] == "failed" for t in dense)
    assert any("residual_dense_block()" in t["output"] for t in dense)
    built = [t for t in results["tests"] if t["name"].split(": ", 1)[0] in BUILD_EXERCISES]
    assert built and all(t["status"] == "passed" for t in built), [
        t for t in built if t["status"] != "passed"
    ]


def test_json_output_records_the_isolation(graded_json):
    results = json.loads(graded_json.stdout)
    assert results["extra_data"]["isolation"].split(":")[0] in ("bwrap", "unshare", "none")
    assert results["output"].startswith("Isolation: ")
