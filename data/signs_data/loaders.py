"""Loading the splits: the real SIGNS files when present, otherwise the generated ones."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from .errors import SignsDataError
from .generate import SPLIT_FILES, generate_files, write_generated_split
from .h5io import GENERATOR_VERSION, generator_mark, read_split, split_keys

DATA_DIR_VARIABLE = "SIGNS_DATA_DIR"


def default_data_dir() -> Path:
    """Returns ``$SIGNS_DATA_DIR`` if set, else the repository's ``data/`` folder."""
    configured = os.environ.get(DATA_DIR_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    return Path(__file__).resolve().parent.parent


def load_signs(data_dir=None):
    """Loads the training and test splits in the SIGNS layout.

    Reads ``train_signs.h5`` and ``test_signs.h5`` from ``data_dir``: the real SIGNS files if they
    were put there, otherwise the generated ones, which are generated on first use.

    Args:
        data_dir: the folder holding the files; default ``default_data_dir()``.

    Returns:
        ``(X_train, Y_train, X_test, Y_test, classes)``: X uint8 (m, 64, 64, 3), Y int64 (m,) with
        values 0..5, classes int64 ``[0, 1, 2, 3, 4, 5]``.

    Raises:
        SignsDataError: a file is malformed, or only one of a real SIGNS pair is present.
    """
    data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
    paths = {split: data_dir / SPLIT_FILES[split] for split in ("train", "test")}
    missing = [split for split, path in paths.items() if not path.exists()]
    present = [split for split in paths if split not in missing]
    for split in present:
        if generator_mark(paths[split]) is None:
            other = "test" if split == "train" else "train"
            if other in missing:
                raise SignsDataError(
                    f"{paths[split]} is not a generated file (real SIGNS data?) but "
                    f"{paths[other]} is missing; put the matching {SPLIT_FILES[other]} next to "
                    f"it, or move {paths[split]} away to use the generated data set"
                )
    if missing:
        generate_files(data_dir, splits=missing)
    for split, path in paths.items():
        _refresh_if_stale(path, split)
    X_train, Y_train, classes = read_split(paths["train"], "train")
    X_test, Y_test, _ = read_split(paths["test"], "test")
    return X_train, Y_train, X_test, Y_test, classes


def _refresh_if_stale(path: Path, split: str) -> None:
    """Regenerates a file an older generator version wrote, with its own seed and size."""
    mark = generator_mark(path)
    if mark is None or mark["generator_version"] == GENERATOR_VERSION:
        return
    with h5py.File(path, "r") as f:
        size = len(f[split_keys(split)[1]])
    print(
        f"signs_data: {path} was made by generator version {mark['generator_version']}; "
        f"regenerating it with version {GENERATOR_VERSION} (seed {mark['seed']}, {size} images)",
        flush=True,
    )
    write_generated_split(path, split, size, mark["seed"])


def load_hidden_split(path):
    """Loads the grader's hidden split (keys ``hidden_set_x``, ``hidden_set_y``, ``list_classes``).

    Args:
        path: the HDF5 file.

    Returns:
        ``(X, Y)``: uint8 (m, 64, 64, 3) and int64 (m,).

    Raises:
        SignsDataError: the file is missing or malformed.
    """
    images, labels, _ = read_split(Path(path), "hidden")
    return images, labels


def one_hot(labels, num_classes: int = 6) -> np.ndarray:
    """Converts integer labels to one-hot rows.

    Args:
        labels: integer labels, shape (m,) (a (1, m) or (m, 1) array is flattened).
        num_classes: the number of classes.

    Returns:
        float32 (m, num_classes).

    Raises:
        SignsDataError: labels are not integers in ``0..num_classes-1``.
    """
    labels = np.asarray(labels)
    if labels.ndim == 2 and 1 in labels.shape:
        labels = labels.reshape(-1)
    if labels.ndim != 1:
        raise SignsDataError(f"one_hot: labels have shape {labels.shape}; expected (m,)")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        if not np.all(np.equal(np.mod(labels, 1), 0)):
            raise SignsDataError(
                f"one_hot: labels have dtype {labels.dtype} with non-integer values; "
                "expected integer labels"
            )
        labels = labels.astype(np.int64)
    if (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, (int, np.integer))
        or num_classes < 1
    ):
        raise SignsDataError(
            f"one_hot: num_classes must be a positive integer, got {num_classes!r}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise SignsDataError(
            f"one_hot: labels range from {labels.min()} to {labels.max()}; "
            f"expected values 0..{num_classes - 1}"
        )
    return np.eye(num_classes, dtype=np.float32)[labels.astype(np.int64)]
