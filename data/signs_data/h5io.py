"""Reading and writing split files in the SIGNS HDF5 layout, with validation.

Layout of one split file (``prefix`` is ``train``, ``test`` or ``hidden``):
``{prefix}_set_x`` uint8 (m, 64, 64, 3), ``{prefix}_set_y`` int64 (m,), ``list_classes`` int64
[0..5]. Files made by this package also carry the root attributes ``generator``,
``generator_version``, ``seed`` and ``split``.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from .errors import SignsDataError

GENERATOR_NAME = "signs_data"
GENERATOR_VERSION = "1"
IMAGE_SHAPE = (64, 64, 3)
NUM_CLASSES = 6


def split_keys(prefix: str) -> tuple[str, str]:
    """Returns the dataset names ``({prefix}_set_x, {prefix}_set_y)``."""
    return f"{prefix}_set_x", f"{prefix}_set_y"


def write_split(path: Path, prefix: str, images: np.ndarray, labels: np.ndarray, seed: int) -> None:
    """Writes one split in the SIGNS layout, marked as generated, with byte-stable settings.

    Args:
        path: the file to write (replaced if it exists; callers check it may be replaced).
        prefix: ``train``, ``test`` or ``hidden``.
        images: uint8 (m, 64, 64, 3).
        labels: int64 (m,).
        seed: the seed the split was generated with, stored as an attribute.
    """
    x_key, y_key = split_keys(prefix)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    # Fixed settings and no timestamps, so the same arrays give the same file bytes.
    with h5py.File(tmp, "w", libver=("earliest", "v110"), track_order=False) as f:
        f.create_dataset(
            x_key, data=np.ascontiguousarray(images, dtype=np.uint8), track_times=False
        )
        f.create_dataset(
            y_key, data=np.ascontiguousarray(labels, dtype=np.int64), track_times=False
        )
        f.create_dataset(
            "list_classes", data=np.arange(NUM_CLASSES, dtype=np.int64), track_times=False
        )
        f.attrs["generator"] = GENERATOR_NAME
        f.attrs["generator_version"] = GENERATOR_VERSION
        f.attrs["seed"] = np.uint64(seed)
        f.attrs["split"] = prefix
    tmp.replace(path)


def generator_mark(path: Path) -> dict | None:
    """Returns the generator attributes of a file this package wrote, or None for any other file."""
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("generator") != GENERATOR_NAME:
                return None
            return {
                "generator": GENERATOR_NAME,
                "generator_version": str(f.attrs.get("generator_version")),
                "seed": int(f.attrs.get("seed")),
                "split": str(f.attrs.get("split")),
            }
    except OSError:
        return None


def read_split(path: Path, prefix: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reads and validates one split file.

    Args:
        path: the HDF5 file.
        prefix: ``train``, ``test`` or ``hidden``.

    Returns:
        ``(X, Y, classes)``: uint8 (m, 64, 64, 3), int64 (m,), int64 (6,).

    Raises:
        SignsDataError: the file is missing or unreadable, a key is missing, or an array has the
            wrong shape, dtype or values.
    """
    path = Path(path)
    x_key, y_key = split_keys(prefix)
    if not path.is_file():
        raise SignsDataError(
            f"{path}: file not found; expected an HDF5 file with keys "
            f"{x_key!r}, {y_key!r} and 'list_classes' (the SIGNS layout)"
        )
    try:
        f = h5py.File(path, "r")
    except OSError as error:
        raise SignsDataError(
            f"{path}: cannot be read as HDF5 ({error}); expected a SIGNS-layout "
            f"HDF5 file with keys {x_key!r}, {y_key!r}, 'list_classes'"
        ) from None
    with f:
        missing = [key for key in (x_key, y_key, "list_classes") if key not in f]
        if missing:
            raise SignsDataError(
                f"{path}: missing key(s) {missing}; found {sorted(f.keys())}, expected "
                f"{x_key!r}, {y_key!r} and 'list_classes'"
            )
        images, labels, classes = f[x_key][()], f[y_key][()], f["list_classes"][()]
    return validate_split(images, labels, classes, source=f"{path}", x_name=x_key, y_name=y_key)


def validate_split(images, labels, classes, source: str, x_name: str = "X", y_name: str = "Y"):
    """Checks arrays against the SIGNS layout and returns them with canonical dtypes.

    Raises:
        SignsDataError: naming ``source`` and what was expected.
    """
    images, labels, classes = np.asarray(images), np.asarray(labels), np.asarray(classes)
    if images.dtype != np.uint8:
        raise SignsDataError(
            f"{source}: {x_name} has dtype {images.dtype}; expected uint8 pixels 0..255"
        )
    if images.ndim != 4 or images.shape[1:] != IMAGE_SHAPE:
        raise SignsDataError(
            f"{source}: {x_name} has shape {images.shape}; expected (m, 64, 64, 3)"
        )
    if labels.ndim == 2 and labels.shape[0] == 1:
        labels = labels[0]  # some SIGNS-style files store labels as a (1, m) row
    if labels.ndim != 1:
        raise SignsDataError(f"{source}: {y_name} has shape {labels.shape}; expected (m,)")
    if not np.issubdtype(labels.dtype, np.integer):
        raise SignsDataError(
            f"{source}: {y_name} has dtype {labels.dtype}; expected integer labels (int64)"
        )
    if len(labels) != len(images):
        raise SignsDataError(
            f"{source}: {x_name} has {len(images)} images but {y_name} has "
            f"{len(labels)} labels; expected one label per image"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise SignsDataError(
            f"{source}: {y_name} has labels from {labels.min()} to {labels.max()}; "
            f"expected values 0..{NUM_CLASSES - 1}"
        )
    classes = classes.reshape(-1)
    if not np.issubdtype(classes.dtype, np.integer) or classes.tolist() != list(range(NUM_CLASSES)):
        raise SignsDataError(
            f"{source}: list_classes is {classes.tolist()}; expected [0, 1, 2, 3, 4, 5]"
        )
    return images, labels.astype(np.int64), classes.astype(np.int64)
