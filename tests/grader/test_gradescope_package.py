"""``python -m grader gradescope``: the autograder zip, run in a simulated ``/autograder`` tree.

The zip is built by the real command and unpacked into ``<tmp>/autograder/source``, as Gradescope
does; ``run_autograder`` runs as a real subprocess with ``AUTOGRADER_ROOT`` pointing at the
temporary root and this environment's Python standing in for the one ``setup.sh`` installs (its
installs are not run). Three sample submissions (the reference, a mistaken and a hostile one) are
graded there once, and once by the batch grader, and every test reads those runs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.judge.hidden_split import ensure_hidden_split
from instructor.sample_submissions import (
    HOSTILE_DENSE_RESIDUAL_BLOCK,
    IDENTITY_BLOCK_SKIP_AFTER_RELU,
    solution_sources,
    with_cells,
)

REPO = Path(__file__).resolve().parents[2]
SOURCE_NOTEBOOK = REPO / "solutions" / "resnets" / "Residual_Networks.ipynb"
RELEASE_NOTEBOOK = REPO / "assignments" / "resnets" / "Residual_Networks.ipynb"
NOTEBOOK = "Residual_Networks.ipynb"
VISIBILITY = "after_published"
STUDENTS = ("reference", "mistaken", "hostile")
CANVAS_CSV = "canvas.csv"
TEST_FIELDS = {"name", "score", "max_score", "status", "output", "visibility"}


def _run(command: list[str], *, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> Path:
    """A flat folder of the three sample notebooks, ``<student>.ipynb``."""
    source = nbformat.read(SOURCE_NOTEBOOK, as_version=4)
    release = nbformat.read(RELEASE_NOTEBOOK, as_version=4)
    solutions = solution_sources(source)
    # The mistaken and hostile students answer only the blocks they get wrong (and the dense
    # block), so that their gradings skip ResNet-50 and stay cheap.
    mistaken = {
        "dense_residual_block": solutions["dense_residual_block"],
        "identity_block": IDENTITY_BLOCK_SKIP_AFTER_RELU,
    }
    notebooks = {
        "reference": with_cells(release, solutions),
        "mistaken": with_cells(release, mistaken),
        "hostile": with_cells(release, {"dense_residual_block": HOSTILE_DENSE_RESIDUAL_BLOCK}),
    }
    folder = tmp_path_factory.mktemp("submissions")
    for student, notebook in notebooks.items():
        nbformat.write(notebook, folder / f"{student}.ipynb")
    return folder


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    """The zip, built by ``python -m grader gradescope``."""
    out = tmp_path_factory.mktemp("package") / "autograder.zip"
    command = [sys.executable, "-m", "grader", "gradescope", "--out", str(out)]
    done = _run(command + ["--visibility", VISIBILITY], timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def _autograder_root(package: Path, folder: Path) -> Path:
    """Lays out ``folder/autograder`` as Gradescope does: source/, submission/, results/."""
    root = folder / "autograder"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder", "install-sandbox-tools.sh"):
        (root / "source" / name).chmod(0o755)  # zipfile does not restore permissions
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    return root


def _run_autograder(root: Path, **variables: str) -> subprocess.CompletedProcess:
    environment = dict(
        os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable, **variables
    )
    environment.pop("PYTHONPATH", None)
    return _run([str(root / "run_autograder")], timeout=900, cwd=root, env=environment)


@pytest.fixture(scope="module")
def gradescope_results(package, submissions, tmp_path_factory) -> dict[str, dict]:
    """Each student's results.json from run_autograder in their own simulated root."""
    results = {}
    for student in STUDENTS:
        root = _autograder_root(package, tmp_path_factory.mktemp(f"gradescope-{student}"))
        shutil.copy(submissions / f"{student}.ipynb", root / "submission" / NOTEBOOK)
        done = _run_autograder(root)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        results[student] = json.loads((root / "results" / "results.json").read_text())
    return results


@pytest.fixture(scope="module")
def batch_results(submissions, tmp_path_factory) -> dict[str, dict]:
    """Each student's results.json from ``python -m grader grade`` on the same three notebooks."""
    out = tmp_path_factory.mktemp("batch")
    command = [sys.executable, "-m", "grader", "grade", str(submissions), "--out", str(out)]
    done = _run(command + ["--canvas-csv", str(out / CANVAS_CSV)], timeout=900, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    return {
        student: json.loads((out / "students" / student / "results.json").read_text())
        for student in STUDENTS
    } | {CANVAS_CSV: (out / CANVAS_CSV).read_text(encoding="utf-8")}


def _entries(package: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(package) as archive:
        return {info.filename: info for info in archive.infolist()}


def test_zip_root_holds_executable_setup_sh_and_run_autograder(package):
    entries = _entries(package)
    for name in ("setup.sh", "run_autograder"):
        assert name in entries, sorted(entries)[:20]
        assert (entries[name].external_attr >> 16) & stat.S_IXUSR, f"{name} is not executable"


def test_zip_never_holds_solutions_tests_or_solution_code(package):
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        texts = [archive.read(name) for name in names if not name.endswith(".h5")]
    assert not [n for n in names if n.split("/")[0] in ("solutions", "tests", "assignments")]
    assert not [n for n in names if n.endswith(".ipynb")]
    assert not any(b"### BEGIN SOLUTION" in text for text in texts)


def test_zip_holds_the_hidden_checks_and_the_generated_hidden_split(package):
    checks = sorted((REPO / "grader" / "judge" / "checks").glob("test_*.py"))
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        hidden = archive.read("data/hidden_signs.h5")
    assert checks and {f"grader/judge/checks/{path.name}" for path in checks} <= names
    assert {"data/train_signs.h5", "data/test_signs.h5"} <= names
    assert hidden == ensure_hidden_split().read_bytes()


def test_setup_sh_is_valid_bash(package, tmp_path):
    with zipfile.ZipFile(package) as archive:
        archive.extract("setup.sh", tmp_path)
    done = _run(["bash", "-n", str(tmp_path / "setup.sh")], timeout=30)
    assert done.returncode == 0, done.stderr


def test_setup_sh_installs_the_requirements_under_the_bundled_constraints(package):
    with zipfile.ZipFile(package) as archive:
        setup = archive.read("setup.sh").decode()
        requirements = archive.read("requirements.txt").decode().split()
        constraints = set(archive.read("constraints.txt").decode().split())
    install = re.search(r"pip install .*?\n.*?\n", setup, re.S)
    assert install and '-r "$SOURCE/requirements.txt"' in install.group(0)
    assert '-c "$SOURCE/constraints.txt"' in install.group(0)
    names = [requirement.split("==")[0] for requirement in requirements]
    assert {"tensorflow", "keras", "pytest"} <= set(names)
    unpinned = [r for r in requirements if re.sub(r"\[.*\]", "", r) not in constraints]
    assert unpinned == []


def test_bundled_packages_import_from_the_unpacked_package(package, tmp_path):
    root = _autograder_root(package, tmp_path)
    source = root / "source"
    code = (
        "import grader.gradescope.run, grader.judge.checks, resnet_course.public_tests, signs_data;"
        "print(grader.__file__, resnet_course.__file__, signs_data.__file__)"
    )
    environment = dict(os.environ, PYTHONPATH=f"{source}:{source / 'packages'}")
    done = _run([sys.executable, "-c", code], timeout=120, env=environment, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    paths = done.stdout.split()
    assert len(paths) == 3 and all(Path(p).is_relative_to(source) for p in paths), done.stdout


def test_results_json_has_the_specification_fields(gradescope_results):
    for student, results in gradescope_results.items():
        assert isinstance(results["score"], (int, float)), student
        assert isinstance(results["execution_time"], int), student
        assert isinstance(results["output"], str), student
        assert results["tests"], student
        for test in results["tests"]:
            assert TEST_FIELDS <= set(test), (student, test)
            assert test["status"] in ("passed", "failed")


def test_hidden_checks_carry_the_chosen_visibility_and_the_output_states_the_score(
    gradescope_results,
):
    for results in gradescope_results.values():
        assert {test["visibility"] for test in results["tests"]} == {VISIBILITY}
        assert "visibility" not in results
        assert results["output"].startswith(f"Score: {results['score']:g} / ")


def test_scores_equal_the_batch_graders(gradescope_results, batch_results):
    for student in STUDENTS:
        ours, batch = gradescope_results[student], batch_results[student]
        assert ours["score"] == batch["score"], student
        assert {t["name"]: t["score"] for t in ours["tests"]} == {
            t["name"]: t["score"] for t in batch["tests"]
        }, student


def test_mistaken_and_hostile_submissions_lose_their_exercises_points(gradescope_results):
    def failed(student: str, exercises: tuple[str, ...]) -> list[str]:
        tests = gradescope_results[student]["tests"]
        return [
            t["name"]
            for t in tests
            if t["name"].split(": ", 1)[0] in exercises and t["status"] == "failed"
        ]

    reference = gradescope_results["reference"]
    built = ("dense_residual_block", "identity_block", "convolutional_block", "ResNet50")
    assert failed("reference", built) == []
    for student, exercise in (("mistaken", "identity_block"), ("hostile", "dense_residual_block")):
        assert gradescope_results[student]["score"] < reference["score"], student
        assert failed(student, (exercise,)), student


def test_canvas_export_of_the_class_holds_each_students_total(batch_results):
    header, possible, *rows = csv.reader(io.StringIO(batch_results[CANVAS_CSV]))
    totals = {row[0]: float(row[-1]) for row in rows}
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert possible[0] == "Points Possible"
    assert float(possible[-1]) == batch_results["reference"]["max_score"]
    assert totals == {student: batch_results[student]["score"] for student in STUDENTS}


def test_submission_without_a_notebook_gets_zero_and_the_reason(package, tmp_path):
    root = _autograder_root(package, tmp_path)
    (root / "submission" / "notes.txt").write_text("forgot the notebook")
    done = _run_autograder(root)
    results = json.loads((root / "results" / "results.json").read_text())
    assert done.returncode == 0, done.stderr[-2000:]
    assert results["score"] == 0 and results["tests"] == []
    assert "no notebook was submitted" in results["output"]


def test_grader_fault_writes_no_results_and_exits_non_zero(package, tmp_path):
    root = _autograder_root(package, tmp_path)
    shutil.copy(RELEASE_NOTEBOOK, root / "submission" / NOTEBOOK)
    done = _run_autograder(root, GRADER_ISOLATION="no-such-sandbox")
    assert done.returncode == 3, done.stderr[-2000:]
    assert "grader fault" in done.stderr
    assert not (root / "results" / "results.json").exists()


def test_unknown_visibility_is_refused(tmp_path):
    command = [sys.executable, "-m", "grader", "gradescope", "--out", str(tmp_path / "a.zip")]
    done = _run(command + ["--visibility", "students"], timeout=120, cwd=REPO)
    assert done.returncode == 2 and "invalid choice" in done.stderr
    assert not (tmp_path / "a.zip").exists()
