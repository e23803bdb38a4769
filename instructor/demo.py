"""`make demo`: the course end to end, as an instructor would run it.

1. generate the SIGNS-style data (train, test and the grader's hidden split) and the sample grid;
2. point to the degradation experiment's committed figures;
3. execute the reference notebook headless at full size (training included);
4. in a copy of the course, ``nbgrader generate_assignment``, then a small class in nbgrader's
   ``submitted/`` tree (the reference with its trained model, a classic mistake, a hostile
   submission and an untouched release notebook) graded by ``nbgrader autograde`` with the hidden
   checks, with feedback generated and grades exported;
5. the same class graded by the batch grader, and the gradebooks printed with where everything was
written.

Every step prints as it starts and streams its subprocess's output, so nothing runs silently.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from instructor.nbgrader_course import copy_course, tool_environment
from instructor.run_reference import DEFAULT_OUTPUT, SOLUTION_NOTEBOOK
from instructor.sample_submissions import (
    HOSTILE_DENSE_RESIDUAL_BLOCK,
    IDENTITY_BLOCK_SKIP_AFTER_RELU,
    solution_sources,
    with_cells,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNS = REPO_ROOT / "runs"
COURSE_DIR = RUNS / "demo_course"
ASSIGNMENT = "resnets"
GRADES_DIR = RUNS / "demo_grades"
STEPS = 6


def _shown(path: Path) -> str:
    """Returns `path` relative to the repository when it lies inside it, for shorter messages."""
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _step(number: int, title: str) -> None:
    print(f"\n=== Step {number}/{STEPS}: {title}", flush=True)


def _run(command: list[str], check: bool = True, cwd: Path = REPO_ROOT) -> int:
    print("$ " + " ".join(str(part) for part in command), flush=True)
    return subprocess.run(command, check=check, cwd=cwd, env=tool_environment()).returncode


def make_data() -> None:
    """Generates the three splits (on first use only) and the sample grid."""
    from grader.judge.hidden_split import ensure_hidden_split
    from signs_data import default_data_dir, load_signs
    from signs_data.samples import write_samples

    started = time.perf_counter()
    x_train, _, x_test, _, _ = load_signs()
    hidden = ensure_hidden_split()
    samples = write_samples(default_data_dir() / "samples.png")
    print(
        f"train {len(x_train)} and test {len(x_test)} images in {default_data_dir()}; hidden "
        f"split {hidden}"
    )
    print(f"sample grid: {samples} ({time.perf_counter() - started:.1f} s)")


def show_degradation() -> None:
    """Points to the committed degradation figures (remade on a GPU, or in ~10 CPU minutes)."""
    docs = REPO_ROOT / "docs" / "degradation"
    for figure in sorted(docs.glob("*.png")):
        print(f"figure: {_shown(figure)}")
    print("remake them with: .venv/bin/python -m resnet_course.degradation sweep --preset quick")


def build_course() -> None:
    """Copies the course into runs/demo_course and releases the assignment with nbgrader."""
    shutil.rmtree(COURSE_DIR, ignore_errors=True)
    copy_course(COURSE_DIR, ASSIGNMENT)
    _run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force"],
        cwd=COURSE_DIR,
    )


def build_class() -> Path:
    """Hands in four notebooks in nbgrader's submitted/ tree, the reference with its trained model.

    Returns:
        The submitted/ folder.
    """
    submitted = COURSE_DIR / "submitted"
    source = nbformat.read(SOLUTION_NOTEBOOK, as_version=4)
    release = nbformat.read(
        COURSE_DIR / "assignments" / ASSIGNMENT / SOLUTION_NOTEBOOK.name, as_version=4
    )
    reference = with_cells(release, solution_sources(source))
    students = {
        "reference": reference,
        "skip_after_relu": with_cells(
            reference, {"identity_block": IDENTITY_BLOCK_SKIP_AFTER_RELU}
        ),
        "fakes_its_tests": with_cells(
            reference, {"dense_residual_block": HOSTILE_DENSE_RESIDUAL_BLOCK}
        ),
        "blank_release": release,
    }
    for student, notebook in students.items():
        folder = submitted / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / SOLUTION_NOTEBOOK.name)
    trained = DEFAULT_OUTPUT / "resnet50_signs.keras"
    if trained.exists():
        shutil.copy(trained, submitted / "reference" / ASSIGNMENT / trained.name)
    print(f"class of {len(students)} in {_shown(submitted)}: {', '.join(students)}")
    return submitted


def autograde_with_nbgrader() -> None:
    """Autogrades the class with nbgrader (hidden checks included); writes feedback and a CSV."""
    for command in (
        ["autograde", ASSIGNMENT, "--force"],
        ["generate_feedback", ASSIGNMENT, "--force"],
        ["export"],
    ):
        _run([sys.executable, "-m", "nbgrader", *command], cwd=COURSE_DIR)


def print_nbgrader_grades() -> None:
    """Prints the total per student from nbgrader's export (grades.csv)."""
    path = COURSE_DIR / "grades.csv"
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    print("\nnbgrader gradebook (gradebook.db, exported to grades.csv):")
    print("student | score | max_score")
    for row in rows:
        print(f"{row['student_id']} | {row['score']} | {row['max_score']}")
    print(
        f"nbgrader: {_shown(COURSE_DIR / 'gradebook.db')}, {_shown(path)}, "
        f"feedback HTML under {_shown(COURSE_DIR / 'feedback')}/"
    )


def print_gradebook() -> None:
    """Prints each student's total, exercise totals and isolation from the batch gradebook."""
    path = GRADES_DIR / "gradebook.csv"
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    from grader.batch.gradebook import EXERCISE_SUFFIX, ISOLATION_COLUMN

    header = list(rows[0]) if rows else []
    columns = ["student", "status", "score", "max_score"] + [
        c for c in header if c.endswith(EXERCISE_SUFFIX)
    ]
    columns.append(ISOLATION_COLUMN)
    print("\n" + " | ".join(columns))
    for row in rows:
        print(" | ".join(str(row.get(c, "")) for c in columns))
    print(
        f"\ngradebook: {_shown(path)}; feedback and results.json per student and the class "
        f"summary plot are under {_shown(GRADES_DIR)}/"
    )


def main() -> int:
    """Runs the demo steps."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started = time.perf_counter()
    _step(1, "data")
    make_data()
    _step(2, "degradation experiment (committed figures)")
    show_degradation()
    _step(3, "reference notebook, executed headless at full size")
    if _run([sys.executable, "-m", "instructor.run_reference"], check=False) != 0:
        print(
            "warning: some reference cells failed (listed above); the demo carries on with what "
            "was saved."
        )
    _step(4, "nbgrader: generate_assignment and a class of sample submissions")
    build_course()
    submitted = build_class()
    _step(5, "nbgrader autograde with the hidden checks, feedback and export")
    autograde_with_nbgrader()
    _step(6, "the same class through the batch grader, and the gradebooks")
    grade = [sys.executable, "-m", "grader", "grade", str(submitted)]
    _run([*grade, "--out", str(GRADES_DIR), "--force"])
    print_gradebook()
    print_nbgrader_grades()
    print(f"\nreference run: {_shown(DEFAULT_OUTPUT)}/ (training_curves.png, summary.json)")
    print(f"demo finished in {(time.perf_counter() - started) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
