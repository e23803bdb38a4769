"""`make demo`: the course end to end, as an instructor would run it.

1. generate the SIGNS-style data (train, test and the grader's hidden split) and the sample grid;
2. point to the degradation experiment's committed figures;
3. execute the reference notebook headless at full size (training included);
4. grade a small class with the batch grader: the reference with its trained model, a
   submission with a classic mistake, a hostile one, and an untouched release notebook;
5. print the gradebook and where everything was written.

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

from grader.sample_submissions import HOSTILE_DENSE_RESIDUAL_BLOCK, IDENTITY_BLOCK_SKIP_AFTER_RELU, solution_sources, with_cells
from resnet_course.run_reference import DEFAULT_OUTPUT, RELEASE_NOTEBOOK, SOLUTION_NOTEBOOK

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNS = REPO_ROOT / "runs"
CLASS_DIR = RUNS / "demo_class"
GRADES_DIR = RUNS / "demo_grades"

def _shown(path: Path) -> str:
    """Returns `path` relative to the repository when it lies inside it, for shorter messages."""
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _step(number: int, title: str) -> None:
    print(f"\n=== Step {number}/5: {title}", flush=True)


def _run(command: list[str], check: bool = True) -> int:
    print("$ " + " ".join(str(part) for part in command), flush=True)
    return subprocess.run(command, check=check, cwd=REPO_ROOT).returncode


def make_data() -> None:
    """Generates the three splits (on first use only) and the sample grid."""
    from grader.hidden_split import ensure_hidden_split
    from signs_data import default_data_dir, load_signs
    from signs_data.samples import write_samples

    started = time.perf_counter()
    x_train, _, x_test, _, _ = load_signs()
    hidden = ensure_hidden_split()
    samples = write_samples(default_data_dir() / "samples.png")
    print(f"train {len(x_train)} and test {len(x_test)} images in {default_data_dir()}; hidden split {hidden}")
    print(f"sample grid: {samples} ({time.perf_counter() - started:.1f} s)")


def show_degradation() -> None:
    """Points to the committed degradation figures, which take a GPU or ~10 CPU minutes to remake."""
    docs = REPO_ROOT / "docs" / "degradation"
    for figure in sorted(docs.glob("*.png")):
        print(f"figure: {_shown(figure)}")
    print("remake them with: .venv/bin/python -m resnet_course.degradation sweep --preset quick")


def build_class() -> None:
    """Creates the demo class: four notebooks, the reference one with its trained model."""
    shutil.rmtree(CLASS_DIR, ignore_errors=True)
    CLASS_DIR.mkdir(parents=True)
    source = nbformat.read(SOLUTION_NOTEBOOK, as_version=4)
    reference = with_cells(source, solution_sources(source))
    nbformat.write(reference, CLASS_DIR / "reference.ipynb")
    trained = DEFAULT_OUTPUT / "resnet50_signs.keras"
    if trained.exists():
        shutil.copy(trained, CLASS_DIR / "reference.keras")
    nbformat.write(with_cells(reference, {"identity_block": IDENTITY_BLOCK_SKIP_AFTER_RELU}),
                   CLASS_DIR / "skip_after_relu.ipynb")
    nbformat.write(with_cells(reference, {"dense_residual_block": HOSTILE_DENSE_RESIDUAL_BLOCK}),
                   CLASS_DIR / "fakes_its_tests.ipynb")
    shutil.copy(RELEASE_NOTEBOOK, CLASS_DIR / "blank_release.ipynb")
    print(f"class of 4 in {_shown(CLASS_DIR)}")


def print_gradebook() -> None:
    """Prints each student's total, exercise totals and isolation from the batch grader's gradebook."""
    path = GRADES_DIR / "gradebook.csv"
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    from grader.gradebook_csv import EXERCISE_SUFFIX, ISOLATION_COLUMN

    header = list(rows[0]) if rows else []
    columns = ["student", "status", "score", "max_score"] + [c for c in header if c.endswith(EXERCISE_SUFFIX)]
    columns.append(ISOLATION_COLUMN)
    print("\n" + " | ".join(columns))
    for row in rows:
        print(" | ".join(str(row.get(c, "")) for c in columns))
    print(f"\ngradebook: {_shown(path)}; feedback and results.json per student and the class "
          f"summary plot are under {_shown(GRADES_DIR)}/")


def main() -> int:
    """Runs the five demo steps."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started = time.perf_counter()
    _step(1, "data")
    make_data()
    _step(2, "degradation experiment (committed figures)")
    show_degradation()
    _step(3, "reference notebook, executed headless at full size")
    if _run([sys.executable, "-m", "resnet_course.run_reference"], check=False) != 0:
        print("warning: some reference cells failed (listed above); the demo carries on with what was saved.")
    _step(4, "a small class, graded by the sandboxed grader")
    build_class()
    _run([sys.executable, "-m", "grader", "grade", str(CLASS_DIR), "--out", str(GRADES_DIR), "--force"])
    _step(5, "gradebook")
    print_gradebook()
    print(f"\nreference run: {_shown(DEFAULT_OUTPUT)}/ (training_curves.png, summary.json)")
    print(f"demo finished in {(time.perf_counter() - started) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
