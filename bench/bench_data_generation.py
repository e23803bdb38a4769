"""Times the generation of the three default splits (train, test, hidden) and prints images/s.

Usage: ``python bench/bench_data_generation.py [--repeat N]``. Writes into a temporary folder.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

import signs_data
from grader.judge.hidden_split import HIDDEN_SEED, HIDDEN_SIZE


def generate_all(folder: Path) -> int:
    """Generates the three splits into ``folder``; returns how many images were made."""
    signs_data.generate_files(folder, stream=io.StringIO())
    signs_data.write_generated_split(folder / "hidden_signs.h5", "hidden", HIDDEN_SIZE, HIDDEN_SEED)
    return signs_data.DEFAULT_TRAIN_SIZE + signs_data.DEFAULT_TEST_SIZE + HIDDEN_SIZE


def main() -> None:
    """Times the data set's generation and prints the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    timings = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            start, cpu_start = time.perf_counter(), time.process_time()
            images = generate_all(Path(folder))
            timings.append((time.perf_counter() - start, time.process_time() - cpu_start))
    best_wall, best_cpu = min(timings)
    print(
        f"three default splits: {images} images (1080 train + 120 test + {HIDDEN_SIZE} hidden), "
        f"written as HDF5"
    )
    print(
        f"best of {args.repeat}: {best_wall:.2f} s wall ({images / best_wall:.0f} images/s), "
        f"{best_cpu:.2f} s CPU; all wall times: {', '.join(f'{w:.2f}' for w, _ in timings)} s"
    )


if __name__ == "__main__":
    main()
