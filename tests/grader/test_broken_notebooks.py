"""Broken notebooks: each kind is graded with a clear report, or refused with exit status 2.

The kinds are ``instructor.broken_notebooks.BROKEN``. Those the grader refuses go through the real
``python -m grader check`` (no TensorFlow starts for them); those it can read are read here by the
notebook reader, and graded end to end in ``test_hostile_files_class.py``. Hypothesis feeds the
reader arbitrary bytes and arbitrary notebook-shaped JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from submission_notebooks import ONLY_DENSE, build_notebook

from grader.cli import EXIT_BAD_INPUT
from grader.pipeline.notebook import NotebookError, load_submission
from instructor.broken_notebooks import BROKEN

REFUSED = [kind for kind in BROKEN if not kind.readable]
READABLE = [kind for kind in BROKEN if kind.readable]
# What the student reads about each refused kind.
REFUSAL = {
    "not_json": "not valid JSON (line 1, column 1",
    "truncated_json": "was the file truncated",
    "empty_file": "the file is empty",
    "json_list": "JSON (list) but not a Jupyter notebook",
    "no_nbformat": "no 'nbformat' key",
    "nbformat_3": "old format 3",
    "nbformat_5": "in format 5, expected nbformat 4",
    "cells_not_a_list": "'cells' is not a list",
    "not_utf8": "is not UTF-8 text",
    "utf16": "saved as UTF-16",
    "deep_json": "nested too deeply",
    "too_large": "at most 128 MiB",
    "directory": "is a folder",
    "fifo": "not a regular file",
}
# What the reader notes about each readable kind, if anything.
NOTE = {
    "cell_without_metadata": "found dense_residual_block() by name",
    "duplicated_grade_id": "two cells have grade_id 'dense_residual_block'",
    "stripped_metadata": "found dense_residual_block() by name",
    "reordered_cells": "cells are in another order",
    "number_as_cell": "cell 1 was skipped: it is a int",
    "numeric_source": "cell 1 was skipped: its 'source' is neither text",
    "nbgrader_metadata_text": "found dense_residual_block() by name",
    "null_byte": "source code string cannot contain null bytes",
}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return build_notebook(tmp_path_factory.mktemp("base") / "base.ipynb", ONLY_DENSE)


def _check(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", "check", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("kind", REFUSED, ids=[k.name for k in REFUSED])
def test_unreadable_notebook_is_refused_with_exit_2_and_a_reason(base, tmp_path, kind):
    path = tmp_path / "submission.ipynb"
    kind.make(path, base)
    done = _check(path)
    assert (done.returncode, done.stdout) == (EXIT_BAD_INPUT, ""), done.stderr
    assert done.stderr.startswith(f"grader: cannot grade this file: {path}: "), done.stderr
    assert REFUSAL[kind.name] in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_notebook_is_refused_with_exit_2(tmp_path):
    done = _check(tmp_path / "absent.ipynb")
    assert done.returncode == EXIT_BAD_INPUT and "no such file" in done.stderr


@pytest.fixture(scope="module")
def readable(base, tmp_path_factory):
    """Each readable kind, read once by the notebook reader."""
    folder = tmp_path_factory.mktemp("readable")
    read = {}
    for kind in READABLE:
        kind.make(folder / f"{kind.name}.ipynb", base)
        read[kind.name] = load_submission(folder / f"{kind.name}.ipynb")
    return read


@pytest.mark.parametrize("name", [k.name for k in READABLE])
def test_readable_notebook_keeps_its_working_solution(readable, name):
    assert [unit.label for unit in readable[name].units] == ["imports", "dense_residual_block"]


@pytest.mark.parametrize("name", [k.name for k in READABLE])
def test_readable_notebook_notes_what_was_odd(readable, name):
    assert NOTE.get(name, "") in " ".join(readable[name].problems)


_CELL = st.fixed_dictionaries(
    {},
    optional={
        "cell_type": st.sampled_from(["code", "markdown", "raw"]) | st.integers(),
        "source": st.text(max_size=40) | st.lists(st.text(max_size=20), max_size=3) | st.none(),
        "metadata": st.dictionaries(
            st.sampled_from(["nbgrader", "tags"]),
            st.fixed_dictionaries(
                {},
                optional={
                    "grade_id": st.sampled_from(["imports", "dense_residual_block", "x"])
                    | st.integers(),
                    "solution": st.booleans(),
                },
            )
            | st.text(max_size=5),
        )
        | st.integers(),
    },
)
_NOTEBOOK = st.fixed_dictionaries(
    {"nbformat": st.sampled_from([4, 4, 4, 3, "4", None])},
    optional={"cells": st.lists(_CELL | st.integers() | st.none(), max_size=6) | st.text()},
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(notebook=_NOTEBOOK)
def test_any_notebook_shaped_json_is_read_or_refused_never_crashes(tmp_path, notebook):
    path = tmp_path / "submission.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    try:
        load_submission(path)
    except NotebookError:
        pass


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=200))
def test_any_bytes_are_read_or_refused_never_crash(tmp_path, data):
    path = tmp_path / "submission.ipynb"
    path.write_bytes(data)
    try:
        load_submission(path)
    except NotebookError:
        pass
