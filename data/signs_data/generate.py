"""Generating the splits and writing them as SIGNS-layout HDF5 files."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from .errors import SignsDataError
from .h5io import generator_mark, write_split
from .render import NUM_CLASSES, render_batch

DEFAULT_SEED = 1
DEFAULT_TRAIN_SIZE = 1080
DEFAULT_TEST_SIZE = 120
SPLIT_FILES = {"train": "train_signs.h5", "test": "test_signs.h5", "hidden": "hidden_signs.h5"}
_SPLIT_CODES = {"train": 0, "test": 1}


def split_seed(seed: int, split: str) -> int:
    """The seed of one public split, derived from the data set seed so splits never share a stream.

    Args:
        seed: the data set seed (``--seed``).
        split: ``train`` or ``test``.

    Returns:
        A 64-bit seed for ``generate_split``.
    """
    if split not in _SPLIT_CODES:
        raise SignsDataError(f"unknown split {split!r}; expected one of {sorted(_SPLIT_CODES)}")
    state = np.random.SeedSequence([int(seed), _SPLIT_CODES[split]]).generate_state(
        1, dtype=np.uint64
    )
    return int(state[0])


def generate_split(n: int, seed: int, progress=None) -> tuple[np.ndarray, np.ndarray]:
    """Renders ``n`` images with balanced classes, deterministically from ``seed``.

    Args:
        n: the number of images; classes differ in size by at most one.
        seed: a non-negative integer; the same seed gives the same bytes.
        progress: optional callable ``progress(done, total)``.

    Returns:
        ``(X, Y)``: uint8 (n, 64, 64, 3) and int64 (n,) with values 0..5.

    Raises:
        SignsDataError: ``n`` or ``seed`` is not a non-negative integer.
    """
    for name, value in (("n", n), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise SignsDataError(f"{name} must be a non-negative integer, got {value!r}")
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    labels = rng.permutation(np.arange(int(n), dtype=np.int64) % NUM_CLASSES)
    images = render_batch(labels, rng, progress=progress)
    return images, labels


class _Progress:
    """Prints progress on one line once generation has run for more than a couple of seconds."""

    def __init__(self, total: int, stream=None):
        self.total, self.done_before = total, 0
        self.stream = stream or sys.stdout
        self.start = self.last = time.perf_counter()
        self.shown = False

    def split(self, done_before: int):
        self.done_before = done_before
        return self

    def __call__(self, done: int, _split_total: int) -> None:
        now = time.perf_counter()
        if now - self.start > 2.0 and (
            now - self.last > 0.5 or self.done_before + done == self.total
        ):
            self.last, self.shown = now, True
            count = self.done_before + done
            print(
                f"\r  {count}/{self.total} images ({100 * count // self.total}%)",
                end="",
                file=self.stream,
                flush=True,
            )

    def finish(self) -> None:
        end = "\n" if self.shown else ""
        print(
            f"{end}  done in {time.perf_counter() - self.start:.1f} s", file=self.stream, flush=True
        )


def check_replaceable(path: Path) -> None:
    """Refuses to replace a file this package did not write (a user's real data, say).

    Raises:
        SignsDataError: ``path`` exists and lacks the ``generator = "signs_data"`` mark.
    """
    path = Path(path)
    if path.exists() and generator_mark(path) is None:
        raise SignsDataError(
            f"{path}: exists and was not made by signs_data (no generator mark); "
            "refusing to overwrite it. Move it away to generate a new file there."
        )


def write_generated_split(path: Path, split: str, n: int, seed: int, progress=None) -> Path:
    """Generates one split with ``seed`` (used as is) and writes it to ``path``.

    Raises:
        SignsDataError: ``path`` holds a file not made by this package.
    """
    path = Path(path)
    check_replaceable(path)
    images, labels = generate_split(n, seed, progress=progress)
    write_split(path, split, images, labels, seed)
    return path


def generate_files(
    data_dir: Path,
    seed: int = DEFAULT_SEED,
    train_size: int = DEFAULT_TRAIN_SIZE,
    test_size: int = DEFAULT_TEST_SIZE,
    force: bool = False,
    splits=("train", "test"),
    stream=None,
) -> list[Path]:
    """Writes ``train_signs.h5`` and ``test_signs.h5`` into ``data_dir``.

    Args:
        data_dir: the folder to write into (created if needed).
        seed: the data set seed; each split's own seed is derived from it by ``split_seed``.
        train_size: images in the training split.
        test_size: images in the test split.
        force: replace existing generated files; without it, existing files are kept.
        splits: which of ``train``/``test`` to write.
        stream: where to print the progress line (default stdout).

    Returns:
        The paths written.

    Raises:
        SignsDataError: a target file exists and was not made by this package.
    """
    data_dir = Path(data_dir)
    sizes = {"train": train_size, "test": test_size}
    todo = [s for s in splits if force or not (data_dir / SPLIT_FILES[s]).exists()]
    for split in todo:
        check_replaceable(data_dir / SPLIT_FILES[split])
    if not todo:
        return []
    total = sum(sizes[s] for s in todo)
    stream = stream or sys.stdout
    described = " + ".join(f"{sizes[s]} {s}" for s in todo)
    print(
        f"signs_data: generating the SIGNS-style data set in {data_dir} ({described} images, "
        f"seed {seed})",
        file=stream,
        flush=True,
    )
    progress = _Progress(total, stream)
    written, done = [], 0
    for split in todo:
        path = data_dir / SPLIT_FILES[split]
        written.append(
            write_generated_split(
                path, split, sizes[split], split_seed(seed, split), progress=progress.split(done)
            )
        )
        done += sizes[split]
    progress.finish()
    return written
