"""Times ``python -m grader check`` against plain headless autograde execution of the same notebook.

Plain nbgrader autograding executes the whole submission notebook in a kernel (nbclient) with
``NBGRADER_EXECUTION=autograde`` set, so the training cell loads the saved model instead of
training. This grader instead runs only the solution cells in a sandboxed producer, then a judge.
Both are run on the same notebook copy, with the same ``resnet50_signs.keras`` beside it,
alternating, and the medians and their ratio are printed.

Usage::

    python bench/bench_grading.py [--notebook solutions/resnets/Residual_Networks.ipynb] [--repeat
    3]
        [--model resnet50_signs.keras]

Without ``--model``, an untrained ResNet-50 built by the notebook's own ``ResNet50`` is saved beside
it, so that both sides load and evaluate a full-size model (the accuracy checks then fail; the
timing is what matters here).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_NOTEBOOK = REPO / "solutions" / "resnets" / "Residual_Networks.ipynb"
MODEL_NAME = "resnet50_signs.keras"


def time_grader_check(
    notebook: Path, python: str = sys.executable, cwd: Path = REPO
) -> tuple[float, dict]:
    """Runs ``PYTHON -m grader check NOTEBOOK --json`` in ``cwd``.

    Args:
        notebook: the notebook to grade.
        python: the interpreter, and with it the checkout whose grader runs.
        cwd: the folder to run in.

    Returns:
        (wall seconds, the check's JSON results).

    Raises:
        SystemExit: the check failed; names the interpreter, the exit status and stderr's end.
    """
    started = time.perf_counter()
    done = subprocess.run(
        [python, "-m", "grader", "check", str(notebook), "--json"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"{python}: grader check failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
        )
    return wall, json.loads(done.stdout)


def time_headless_autograde(notebook: Path) -> float:
    """Executes the whole notebook with nbclient as autograding does; returns wall seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(str(notebook), as_version=4)
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        started = time.perf_counter()
        client = NotebookClient(
            nb,
            timeout=1800,
            kernel_name="python3",
            allow_errors=True,
            resources={"metadata": {"path": str(notebook.parent)}},
        )
        client.execute()
        return time.perf_counter() - started
    finally:
        del os.environ["NBGRADER_EXECUTION"]


def save_untrained_model(notebook: Path) -> None:
    """Saves an untrained ResNet-50 from the notebook's own ResNet50() beside it."""
    code = r"""
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
namespace = {}
for wanted in ("imports", "identity_block", "convolutional_block", "ResNet50"):
    for cell in cells:
        if grade_id(cell) == wanted:
            exec("".join(cell["source"]), namespace)
model = namespace["ResNet50"](input_shape=(64, 64, 3), classes=6)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.save(sys.argv[2])
"""
    subprocess.run(
        [sys.executable, "-c", code, str(notebook), str(notebook.parent / MODEL_NAME)],
        check=True,
        cwd=notebook.parent,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )


def copy_with_model(
    notebook: Path, model: Path | None, work: Path, *, untrained: bool = True
) -> Path:
    """Copies ``notebook`` into ``work`` with a model file beside it as :data:`MODEL_NAME`.

    Args:
        notebook: the notebook to grade.
        model: the model file to place beside it, or None for an untrained ResNet-50 built by
            the notebook's own ``ResNet50``.
        work: the folder to copy into.
        untrained: False to place no model at all where ``model`` is None.

    Returns:
        The copy of the notebook.
    """
    copy = work / notebook.name
    shutil.copyfile(notebook, copy)
    if model:
        shutil.copyfile(model, work / MODEL_NAME)
    elif untrained:
        save_untrained_model(copy)
    return copy


def main(argv: list[str] | None = None) -> int:
    """Times grader check against a headless autograde of the same notebook."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--notebook", type=Path, default=DEFAULT_NOTEBOOK, help="the notebook to grade"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each method (default %(default)s)"
    )
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help=f"a trained model to place beside it as {MODEL_NAME}",
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        if not args.model:
            print(
                "bench: saving an untrained ResNet-50 beside the notebook (no --model given)",
                flush=True,
            )
        notebook = copy_with_model(args.notebook, args.model, work)
        grader_times, headless_times = [], []
        for run in range(1, args.repeat + 1):
            wall, results = time_grader_check(notebook)
            grader_times.append(wall)
            timings = results.get("extra_data", {}).get("timings", {})
            print(
                f"run {run}: grader check {wall:6.1f} s (producer "
                f"{timings.get('producer', float('nan')):.1f} s, judge "
                f"{timings.get('judge', float('nan')):.1f} s; score "
                f"{results['score']}/{results['max_score']})",
                flush=True,
            )
            headless_times.append(time_headless_autograde(notebook))
            print(
                f"run {run}: headless autograde execution {headless_times[-1]:6.1f} s", flush=True
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    grader_median = statistics.median(grader_times)
    headless_median = statistics.median(headless_times)
    print(f"cpu cores: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f}")
    print(f"grader check (median of {args.repeat}):             {grader_median:6.1f} s")
    print(f"headless autograde execution (median of {args.repeat}): {headless_median:6.1f} s")
    print(f"ratio grader / headless: {grader_median / headless_median:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
