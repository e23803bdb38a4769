"""Benchmark the Gradescope package: its size, and grading three samples in a simulated /autograder.

Builds ``autograder.zip`` with ``grader.gradescope.package``, then for the reference solution, one
with the skip added after the final ReLU and one that fakes its public checks, unpacks the zip into
a fresh ``<tmp>/autograder`` tree and runs ``run_autograder`` (this environment's Python standing in
for the one setup.sh installs), one submission after another. It then grades the same three with
``python -m grader grade`` and prints each score both ways, the seconds each took, and the load
average before and after.

Usage::

    python bench/bench_gradescope.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat

from grader.gradescope.package import build_autograder_zip
from instructor.sample_submissions import (
    HOSTILE_DENSE_RESIDUAL_BLOCK,
    IDENTITY_BLOCK_SKIP_AFTER_RELU,
    solution_sources,
    with_cells,
)

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "Residual_Networks.ipynb"


def sample_notebooks() -> dict[str, nbformat.NotebookNode]:
    """Returns the reference, a mistaken and a hostile submission, by student id."""
    source = nbformat.read(REPO / "solutions" / "resnets" / NOTEBOOK, as_version=4)
    release = nbformat.read(REPO / "assignments" / "resnets" / NOTEBOOK, as_version=4)
    reference = with_cells(release, solution_sources(source))
    return {
        "reference": reference,
        "mistaken": with_cells(reference, {"identity_block": IDENTITY_BLOCK_SKIP_AFTER_RELU}),
        "hostile": with_cells(reference, {"dense_residual_block": HOSTILE_DENSE_RESIDUAL_BLOCK}),
    }


def run_in_autograder_tree(package: Path, notebook: Path, folder: Path) -> tuple[dict, float]:
    """Grades one notebook the way Gradescope runs the package; returns results.json and seconds."""
    root = folder / "autograder"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(root / "source")
    (root / "source" / "run_autograder").chmod(0o755)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    shutil.copy(notebook, root / "submission" / NOTEBOOK)
    environment = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    environment.pop("PYTHONPATH", None)
    start = time.monotonic()
    subprocess.run([str(root / "run_autograder")], cwd=root, env=environment, check=True)
    seconds = time.monotonic() - start
    return json.loads((root / "results" / "results.json").read_text()), seconds


def main() -> None:
    """Builds the package, grades the three samples both ways and prints the figures."""
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="bench-gradescope-") as temporary:
        folder = Path(temporary)
        start = time.monotonic()
        package = build_autograder_zip(folder / "autograder.zip")
        print(
            f"package: {package.stat().st_size / 2**20:.1f} MiB, built in "
            f"{time.monotonic() - start:.1f} s"
        )
        submissions = folder / "submissions"
        submissions.mkdir()
        for student, notebook in sample_notebooks().items():
            nbformat.write(notebook, submissions / f"{student}.ipynb")
        ours, times = {}, {}
        for path in sorted(submissions.glob("*.ipynb")):
            ours[path.stem], times[path.stem] = run_in_autograder_tree(
                package, path, folder / path.stem
            )
        start = time.monotonic()
        out = folder / "batch"
        grade = [sys.executable, "-m", "grader", "grade", str(submissions), "--out", str(out)]
        subprocess.run(grade, check=True, cwd=REPO)
        batch_seconds = time.monotonic() - start
        print(f"{'student':<10} {'gradescope':>10} {'batch':>6} {'max':>4} {'seconds':>8}")
        for student in sorted(ours):
            batch = json.loads((out / "students" / student / "results.json").read_text())
            print(
                f"{student:<10} {ours[student]['score']:>10g} {batch['score']:>6g} "
                f"{batch['max_score']:>4g} {times[student]:>8.1f}"
            )
        print(f"three in the simulated layout, one after another: {sum(times.values()):.1f} s")
        print(f"the same three with python -m grader grade: {batch_seconds:.1f} s")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
