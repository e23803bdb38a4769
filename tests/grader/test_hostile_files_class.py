"""A class of crafted model files and odd notebooks, graded with honest students by the real grader.

Each crafted student hands in one file of ``instructor.hostile_files.CRAFTED`` as
``resnet50_signs.keras``, beside a notebook of one readable kind of
``instructor.broken_notebooks.BROKEN`` that answers ``dense_residual_block`` only (so that a grading
takes seconds). One more student's code replaces ``keras.Model.save`` inside the producer, so that
the artifacts themselves are crafted. Two honest students, one with an honest small model, grade
beside them. The class is graded once with ``python -m grader grade``; every test reads that run.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from submission_notebooks import (
    CONVOLUTIONAL_BLOCK,
    DENSE_RESIDUAL_BLOCK,
    IDENTITY_BLOCK,
    IMPORTS,
    ONLY_DENSE,
    build_notebook,
)

from grader.sandboxed.cases import build_case, get_case
from instructor.broken_notebooks import BROKEN
from instructor.hostile_files import CRAFTED

ASSIGNMENT = "resnets"
NOTEBOOK_KINDS = [kind for kind in BROKEN if kind.readable]
# Each crafted file, paired with an odd notebook.
PAIRS = dict(zip((c.name for c in CRAFTED), NOTEBOOK_KINDS, strict=True))
# What the student reads about each crafted file (refused by the judge, or before grading).
REASONS = {
    "zip_bomb": "refused before loading: its entry 'model.weights.h5' would expand",
    "huge_dense": "refused before loading: layer 'head_softmax' (Dense) makes a tensor",
    "huge_input": "refused before loading: the input 'X' makes a tensor of shape",
    "lambda_layer": "refused before loading: the model has a Lambda layer",
    "foreign_module": "refused before loading: the model names 'system' from module 'os'",
    "registered_class": "refused before loading: the model holds a custom class 'MyReLU'",
    "tfsm_layer": "refused before loading: the model wraps a TensorFlow SavedModel",
    "truncated_zip": "refused before loading: it is not a Keras model file",
    "random_bytes": "refused before loading: it is not a Keras model file",
    "parent_entry": "refused before loading: it holds entries a Keras model file does not",
    "symbolic_link": "not graded: resnet50_signs.keras is a symbolic link",
    "external_link": "refused before loading: model.weights.h5 has a link to another file",
    "oversized_dataset": "refused before loading: model.weights.h5 holds a weight of shape",
    "large_model": "not graded: resnet50_signs.keras is 858 MiB, over the 512 MiB limit",
}
# Inside the producer, every model the grader saves gets a Dense layer of 2^31 units.
SAVE_PATCHER = (
    """\
import json as _json, zipfile as _zipfile
_save = keras.Model.save

def _crafted_save(self, path, *args, **kwargs):
    _save(self, path, *args, **kwargs)
    with _zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = _json.loads(files["config.json"])
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "Dense":
            layer["config"]["units"] = 2**31
    files["config.json"] = _json.dumps(config).encode()
    with _zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)

keras.Model.save = _crafted_save
"""
    + DENSE_RESIDUAL_BLOCK
)


def _tree_digest(folder: Path) -> dict[str, str]:
    digests = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(2**24), b""):
                    digest.update(chunk)
            digests[str(path.relative_to(folder))] = digest.hexdigest()
    return digests


def _honest_model(folder: Path) -> Path:
    """A small ResNet of the lecture's blocks, saved by Keras: honest, but not this ResNet-50."""
    namespace: dict = {}
    exec(IMPORTS + IDENTITY_BLOCK + CONVOLUTIONAL_BLOCK, namespace)
    path = folder / "resnet50_signs.keras"
    build_case(get_case("train_resnet50", "retrain"), namespace).save(path)
    return path


@pytest.fixture(scope="module")
def hostile_files_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile_files")
    submitted = root / "submitted"

    def folder(student: str) -> Path:
        path = submitted / student / ASSIGNMENT
        path.mkdir(parents=True)
        return path

    base_notebook = build_notebook(root / "base.ipynb", ONLY_DENSE)
    build_notebook(folder("honest") / "Residual_Networks.ipynb", ONLY_DENSE)
    honest_model_folder = folder("honest_model")
    build_notebook(honest_model_folder / "Residual_Networks.ipynb", ONLY_DENSE)
    honest_model = _honest_model(honest_model_folder)
    build_notebook(
        folder("save_patcher") / "Residual_Networks.ipynb",
        dict(ONLY_DENSE, dense_residual_block=SAVE_PATCHER),
    )
    for crafted in CRAFTED:
        student = folder(crafted.name)
        PAIRS[crafted.name].make(student / "Residual_Networks.ipynb", base_notebook)
        crafted.make(student / "resnet50_signs.keras", honest_model)
    before = _tree_digest(submitted)
    out = root / "out"
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(submitted), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    with open(out / "gradebook.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    records = {
        student: json.loads((out / "students" / student / "record.json").read_text())
        for student in rows
    }
    return {
        "done": done,
        "rows": rows,
        "records": records,
        "root": root,
        "before": before,
        "after": _tree_digest(submitted),
    }


def _checks(run, student: str, exercise: str) -> list[dict]:
    result = run["records"][student]["result"]
    return next(e for e in result["exercises"] if e["name"] == exercise)["checks"]


def _points(run, student: str, exercise: str) -> float:
    return float(run["rows"][student][f"{exercise} [total]"])


def test_every_student_is_graded(hostile_files_class):
    run = hostile_files_class
    assert run["done"].returncode == 0, run["done"].stderr[-3000:]
    expected = {"honest", "honest_model", "save_patcher", *PAIRS}
    assert {s for s, row in run["rows"].items() if row["status"] == "graded"} == expected


@pytest.mark.parametrize("name", list(REASONS))
def test_crafted_model_scores_nothing_and_says_why(hostile_files_class, name):
    checks = _checks(hostile_files_class, name, "train_resnet50")
    saved = next(c for c in checks if c["test"] == "test_saved_model_is_resnet50")
    assert not saved["passed"] and REASONS[name] in saved["message"], saved["message"]


@pytest.mark.parametrize("name", list(REASONS))
def test_crafted_model_costs_the_other_exercises_nothing(hostile_files_class, name):
    honest = _points(hostile_files_class, "honest", "dense_residual_block")
    expected = 0 if PAIRS[name].name == "null_byte" else honest
    assert _points(hostile_files_class, name, "dense_residual_block") == expected


def test_honest_model_is_loaded_and_judged_on_its_architecture(hostile_files_class):
    checks = _checks(hostile_files_class, "honest_model", "train_resnet50")
    saved = next(c for c in checks if c["test"] == "test_saved_model_is_resnet50")
    assert "is not this notebook's ResNet-50" in saved["message"], saved["message"]


def test_honest_student_keeps_every_point_of_the_block(hostile_files_class):
    checks = _checks(hostile_files_class, "honest", "dense_residual_block")
    assert checks and all(check["passed"] for check in checks)


def test_artifacts_crafted_inside_the_producer_are_refused(hostile_files_class):
    checks = _checks(hostile_files_class, "save_patcher", "dense_residual_block")
    assert not any(check["passed"] for check in checks)
    assert checks[-1]["message"].startswith(
        "the model the grader saved from your dense_residual_block was refused before loading: "
        "layer 'dense' (Dense) makes a tensor of shape (None, 2147483648)"
    ), checks[-1]["message"]


def test_judge_of_a_crafted_file_uses_about_the_memory_of_an_honest_one(hostile_files_class):
    records = hostile_files_class["records"]
    peak = {s: r["result"]["resources"]["judge_peak_memory_bytes"] for s, r in records.items()}
    honest = max(peak["honest"], peak["honest_model"])
    # The proportional set size splits shared library pages among the processes that map them, so
    # one judge's figure varies with what else runs; a loaded crafted file would add gigabytes.
    assert {s: p for s, p in peak.items() if p > 2 * honest} == {}, peak


def test_grading_a_crafted_file_takes_no_more_disk_than_the_file_it_keeps(hostile_files_class):
    records = hostile_files_class["records"]
    disk = {s: r["result"]["resources"]["disk_bytes"] for s, r in records.items()}
    honest = disk["honest_model"]
    submitted = hostile_files_class["root"] / "submitted"
    kept = {
        s: (submitted / s / ASSIGNMENT / "resnet50_signs.keras").lstat().st_blocks * 512
        for s in REASONS
    }
    assert {s: disk[s] for s in REASONS if disk[s] > honest + kept[s] + 2**20} == {}, disk


def test_nothing_submitted_is_changed(hostile_files_class):
    assert hostile_files_class["after"] == hostile_files_class["before"]


def test_nothing_is_written_beside_the_class(hostile_files_class):
    root = hostile_files_class["root"]
    assert sorted(p.name for p in root.iterdir()) == ["base.ipynb", "out", "submitted"]
    assert not os.path.exists("/tmp/owned")
