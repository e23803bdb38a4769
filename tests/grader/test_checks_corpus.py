"""The hidden checks judge the corpus right: valid variants pass, each mistake fails its own checks.

The corpus (``corpus/catalogue.py``) is built into artifact directories in this process, then one
judge process (``python -m grader.judge``) judges all of them, as it would judge real submissions.
A mistake's other exercises are built from the same source too, and keep full marks.
"""

import subprocess
import sys

import pytest
from corpus import catalogue, harness, mutations

from instructor.run_reference import SOLUTION_NOTEBOOK, cell_sources

ENTRIES = catalogue.ENTRIES
BLOCK_EXERCISES = mutations.BLOCK_EXERCISES
WITH_OTHERS = [entry for entry in ENTRIES if entry.others]


def _solution_source() -> str:
    """The solution notebook's own cells for the imports and the three blocks."""
    cells = cell_sources(SOLUTION_NOTEBOOK)
    return "\n\n".join(cells[grade_id] for grade_id in ("imports",) + BLOCK_EXERCISES)


@pytest.fixture(scope="session")
def corpus_verdicts(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    dirs = [
        harness.make_artifacts(
            e.source(), e.builds, root / "artifacts" / e.name, case_names=("small", "full")
        )
        for e in ENTRIES
    ]
    dirs.append(
        harness.make_artifacts(
            _solution_source(), BLOCK_EXERCISES, root / "artifacts" / "solution_notebook"
        )
    )
    empty = root / "artifacts" / "no_manifest"
    empty.mkdir()
    dirs.append(empty)
    out = root / "verdicts"
    # "-x" would stop at the first failed check if the judge let the caller's pytest options
    # through.
    return harness.judge_in_one_process(dirs, out, timeout_s=900, PYTEST_ADDOPTS="-x")


def _failed(verdicts, exercise):
    return {
        c["test"]: c for c in verdicts["checks"] if c["exercise"] == exercise and not c["passed"]
    }


@pytest.mark.parametrize("exercise", BLOCK_EXERCISES)
def test_solution_notebook_passes_every_check(corpus_verdicts, exercise):
    failed = _failed(corpus_verdicts["solution_notebook"], exercise)
    assert failed == {}, {name: c["message"] for name, c in failed.items()}


def test_submission_without_manifest_fails_every_check_saying_why(corpus_verdicts):
    checks = corpus_verdicts["no_manifest"]["checks"]
    assert not any(c["passed"] for c in checks)
    assert all(
        "no readable record" in c["message"] for c in checks if c["exercise"] != "train_resnet50"
    )


def test_corpus_has_the_required_size():
    assert len(catalogue.NEW_VALID) >= 15 and len(catalogue.NEW_MISTAKES) >= 10
    assert len(catalogue.VALID) >= 8 + 3 + 15 and len(catalogue.MISTAKES) >= 20 + 10


def test_every_entry_has_a_kind_and_a_unique_name():
    assert all(entry.kind for entry in ENTRIES)
    assert len({entry.name for entry in ENTRIES}) == len(ENTRIES)


@pytest.mark.parametrize("entry", catalogue.VALID, ids=lambda e: e.name)
def test_valid_variant_passes_every_check(corpus_verdicts, entry):
    failed = _failed(corpus_verdicts[entry.name], entry.exercise)
    assert failed == {}, {name: c["message"] for name, c in failed.items()}


@pytest.mark.parametrize("entry", catalogue.MISTAKES, ids=lambda e: e.name)
def test_mistake_fails_exactly_its_checks(corpus_verdicts, entry):
    failed = _failed(corpus_verdicts[entry.name], entry.exercise)
    assert set(failed) == set(entry.fails), {name: c["message"] for name, c in failed.items()}


@pytest.mark.parametrize("entry", catalogue.MISTAKES, ids=lambda e: e.name)
def test_mistake_message_names_the_problem(corpus_verdicts, entry):
    failed = _failed(corpus_verdicts[entry.name], entry.exercise)
    messages = " | ".join(c["message"] for c in failed.values())
    assert entry.says in messages


@pytest.mark.parametrize("entry", WITH_OTHERS, ids=lambda e: e.name)
def test_mistake_costs_no_point_on_another_exercise(corpus_verdicts, entry):
    failed = {other: _failed(corpus_verdicts[entry.name], other) for other in entry.others}
    assert failed == {other: {} for other in entry.others}, failed


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_no_check_is_a_grader_error(corpus_verdicts, entry):
    errors = [c["test"] for c in corpus_verdicts[entry.name]["checks"] if c["grader_error"]]
    assert errors == []


def test_judge_refuses_a_missing_artifact_directory(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader.judge",
            str(tmp_path / "nowhere"),
            "--out",
            str(tmp_path / "v.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 2 and "not an artifact directory" in completed.stderr
