"""Times the judge alone (``python -m grader.judge``) on a complete submission's artifacts.

The artifacts are built in this process from the solution notebook's own cells: every exercise's
cases, and its untrained ResNet-50 handed in as the trained model, so that the judge loads and
evaluates a full-size model and runs the retrain (the accuracy checks then fail; the time is what
matters). Prints, for each run, the judge's wall time and CPU time, then the medians.

Usage: ``python bench/bench_judge.py [--repeat 3] [--workdir DIR]``
"""

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]


def build_submission(into: Path) -> Path:
    """Builds a complete submission's artifacts into ``into``; returns their folder."""
    spec = importlib.util.spec_from_file_location(
        "corpus_harness", ROOT / "tests/grader/corpus/harness.py"
    )
    harness = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = harness
    spec.loader.exec_module(harness)
    from grader.judge.artifacts import load_artifact
    from grader.sandboxed.cases import get_case
    from grader.sandboxed.contract import EXERCISES
    from instructor.run_reference import SOLUTION_NOTEBOOK, cell_sources

    cells = cell_sources(SOLUTION_NOTEBOOK)
    source = "\n\n".join(
        cells[g]
        for g in (
            "imports",
            "dense_residual_block",
            "identity_block",
            "convolutional_block",
            "ResNet50",
        )
    )
    artifacts = harness.make_artifacts(
        source, EXERCISES, into, case_names=("small", "full", "retrain")
    )
    # The full-size artifact holds the structure alone; a handed-in model holds weights.
    trained = into.parent / f"{into.name}-trained.keras"
    load_artifact(artifacts / get_case("ResNet50", "full").file_name, weights=False).save(trained)
    harness.hand_in(artifacts, trained)
    return artifacts


def main() -> None:
    """Times the judge alone on one complete submission's artifacts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-judge-"))
    artifacts = build_submission(workdir / "artifacts")
    walls, cpus = [], []
    for run in range(args.repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "grader.judge",
                str(artifacts),
                "--out",
                str(workdir / "verdicts.json"),
            ],
            check=True,
            capture_output=True,
        )
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        print(f"run {run + 1}: judge {walls[-1]:.1f} s wall, {cpus[-1]:.1f} s CPU", flush=True)
    print(
        f"median: {statistics.median(walls):.1f} s wall, {statistics.median(cpus):.1f} s CPU "
        f"({os.cpu_count()} CPUs; wall time depends on the machine's load)"
    )


if __name__ == "__main__":
    main()
