"""A class of hostile submissions graded together with honest ones by ``python -m grader grade``.

Each hostile student attacks in one way from the ``dense_residual_block`` cell (the only exercise
these small notebooks answer, so that one grading takes seconds): monkeypatching numpy, keras and
builtins; stubbing the grader's modules in ``sys.modules``; reading or writing the hidden checks,
the solutions, the hidden data split and a gradebook; a fork bomb; a memory bomb; killing its parent
process. The class is graded once, two at a time; every test reads that run's outputs. Reading and
writing other files can only be contained with namespaces, so the module is skipped where the
sandbox falls back to no isolation.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from submission_notebooks import DENSE_RESIDUAL_BLOCK, ONLY_DENSE, build_notebook

from grader.pipeline.sandbox import probe_isolation

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    ISOLATION = probe_isolation()
pytestmark = pytest.mark.skipif(
    ISOLATION == "none", reason="no namespaces on this machine: reads cannot be contained"
)

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "resnets"
HIDDEN_CHECK = REPO / "grader" / "judge" / "checks" / "test_dense_residual_block.py"
SECRETS = (
    HIDDEN_CHECK,
    REPO / "solutions" / ASSIGNMENT / "Residual_Networks.ipynb",
    REPO / "data" / "hidden_signs.h5",
)

# No skip connection: what the cheats below try to pass off as a residual block.
PLAIN_DENSE = """\
def dense_residual_block(a_prev, units, initializer=initializers.GlorotUniform(seed=0)):
    a1 = ReLU()(Dense(units, kernel_initializer=initializer)(a_prev))
    return ReLU()(Dense(units, kernel_initializer=initializer)(a1))
"""

PATCHING = (
    """\
import builtins, numpy, numpy.testing, keras
numpy.allclose = lambda *args, **kwargs: True
numpy.array_equal = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
keras.Model.count_params = lambda self: 23_600_006
_print = builtins.print
builtins.print = lambda *args, **kwargs: _print("All tests passed!")
"""
    + PLAIN_DENSE
)

STUBBING = (
    """\
import sys, types

class _EverythingPasses(types.ModuleType):
    def __getattr__(self, name):
        return lambda *args, **kwargs: True

for _name in ("grader", "grader.judge.checks", "grader.judge", "grader.sandboxed.contract",
              "grader.sandboxed.producer", "grader.judge.points",
              "pytest", "numpy.testing"):
    sys.modules[_name] = _EverythingPasses(_name)
"""
    + PLAIN_DENSE
)


def _reading(paths) -> str:
    return (
        f"""\
for _path in {[str(p) for p in paths]!r}:
    try:
        with open(_path, "rb") as _handle:
            _leaked = _handle.read(64)
    except OSError:
        continue
    raise RuntimeError(f"LEAKED {{_path}}: {{_leaked!r}}")
"""
        + DENSE_RESIDUAL_BLOCK
    )


def _writing(paths, new_file) -> str:
    # Writes for real: what must stay unchanged is the file outside the sandbox. (Where the course
    # lives under /tmp, the sandbox's own private /tmp may accept the write: the real file is
    # untouched all the same.)
    return (
        f"""\
for _path in {[str(p) for p in paths] + [str(new_file)]!r}:
    try:
        with open(_path, "ab") as _handle:
            _handle.write(b"tampered")
    except OSError:
        pass
"""
        + DENSE_RESIDUAL_BLOCK
    )


FORK_BOMB = (
    """\
import os, time
for _ in range(10):
    os.fork()
time.sleep(120)
"""
    + DENSE_RESIDUAL_BLOCK
)

MEMORY_BOMB = (
    """\
_blocks = []
while True:
    _blocks.append(bytearray(256 * 2**20))
"""
    + DENSE_RESIDUAL_BLOCK
)

KILL_PARENT = (
    """\
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
"""
    + DENSE_RESIDUAL_BLOCK
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _processes_inside(folder: Path) -> list[int]:
    """Processes with a working directory inside ``folder``: what a fork bomb would leave behind."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(os.readlink(f"/proc/{entry}/cwd")).is_relative_to(folder):
                    found.append(int(entry))
            except OSError:
                continue
    return found


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory):
    """The class, graded once with two workers: the output folder and what the tests compare."""
    root = tmp_path_factory.mktemp("hostile")
    gradebook = root / "gradebook.db"
    gradebook.write_bytes(b"SQLite format 3\x00 the instructor's gradebook")
    from grader.judge.hidden_split import ensure_hidden_split

    ensure_hidden_split()
    protected = [*SECRETS, gradebook]
    before = {str(path): _digest(path) for path in protected}
    students = {
        "good": DENSE_RESIDUAL_BLOCK,
        "plain": PLAIN_DENSE,
        "patcher": PATCHING,
        "stubber": STUBBING,
        # The unshare level covers only the course's own paths, so a gradebook elsewhere stays
        # readable there.
        "reader": _reading(protected if ISOLATION == "bwrap" else SECRETS),
        "writer": _writing(protected, root / "planted.txt"),
        "forker": FORK_BOMB,
        "hog": MEMORY_BOMB,
        "killer": KILL_PARENT,
    }
    submitted = root / "submitted"
    for student, source in students.items():
        build_notebook(
            submitted / student / ASSIGNMENT / "Residual_Networks.ipynb",
            dict(ONLY_DENSE, dense_residual_block=source),
        )
    out = root / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(submitted),
            "--out",
            str(out),
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    with open(out / "gradebook.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    return {
        "done": done,
        "rows": rows,
        "out": out,
        "root": root,
        "before": before,
        "protected": protected,
        "students": students,
    }


def _dense_points(hostile_class, student: str) -> float:
    return float(hostile_class["rows"][student]["dense_residual_block [total]"])


def _dense_results(hostile_class, student: str) -> list[dict]:
    results = json.loads((hostile_class["out"] / "students" / student / "results.json").read_text())
    return [test for test in results["tests"] if test["name"].startswith("dense_residual_block: ")]


def test_grading_finishes_for_every_student(hostile_class):
    assert hostile_class["done"].returncode == 0, hostile_class["done"].stderr[-3000:]
    rows = hostile_class["rows"]
    assert sorted(rows) == sorted(hostile_class["students"])
    assert all(row["status"] == "graded" for row in rows.values()), {
        s: r["status"] for s, r in rows.items()
    }


def test_honest_student_keeps_every_point(hostile_class):
    assert _dense_points(hostile_class, "good") > 0
    assert all(test["status"] == "passed" for test in _dense_results(hostile_class, "good"))


@pytest.mark.parametrize("student", ["patcher", "stubber"])
def test_patching_the_producer_process_earns_nothing_beyond_the_plain_block(hostile_class, student):
    assert _dense_points(hostile_class, student) <= _dense_points(hostile_class, "plain")
    assert _dense_points(hostile_class, student) < _dense_points(hostile_class, "good")


@pytest.mark.parametrize("student", ["reader", "writer"])
def test_probing_course_files_costs_an_honest_block_nothing(hostile_class, student):
    failed = [
        test["output"]
        for test in _dense_results(hostile_class, student)
        if test["status"] != "passed"
    ]
    assert _dense_points(hostile_class, student) == _dense_points(hostile_class, "good"), failed


def test_protected_files_are_unchanged(hostile_class):
    after = {str(path): _digest(path) for path in hostile_class["protected"]}
    assert after == hostile_class["before"]
    assert not (hostile_class["root"] / "planted.txt").exists()


def test_fork_bomb_costs_its_exercise_and_leaves_no_process(hostile_class):
    assert _dense_points(hostile_class, "forker") == 0
    reasons = " ".join(test["output"] for test in _dense_results(hostile_class, "forker"))
    assert "fork bomb" in reasons, reasons
    assert _processes_inside(hostile_class["root"]) == []


def test_memory_bomb_costs_its_exercise_with_a_reason(hostile_class):
    assert _dense_points(hostile_class, "hog") == 0
    reasons = " ".join(test["output"] for test in _dense_results(hostile_class, "hog"))
    assert "MemoryError" in reasons or "memory" in reasons, reasons


def test_killing_the_parent_harms_only_the_submission_itself(hostile_class):
    # The grader survived (the class finished); the attacker's own block is graded or lost, nobody
    # else's.
    assert hostile_class["rows"]["killer"]["status"] == "graded"
    assert _dense_points(hostile_class, "killer") in (0, _dense_points(hostile_class, "good"))
