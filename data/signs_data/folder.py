"""Loading an image folder ``root/<class name>/*.png|jpg`` (one sub-folder per class)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import SignsDataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def load_image_folder(root, image_size=(64, 64)):
    """Loads every image under ``root/<class>/``, labelling by sorted class-folder name.

    Follows the convention of ``keras.utils.image_dataset_from_directory``: each sub-folder of
    ``root`` is a class, class names are sorted, and label ``i`` is the i-th name. Images are
    converted to RGB and resized to ``image_size`` with bilinear filtering.

    Args:
        root: the folder holding one sub-folder per class.
        image_size: ``(height, width)`` of the returned images.

    Returns:
        ``(X, Y, class_names)``: uint8 (m, height, width, 3), int64 (m,), and the list of names.

    Raises:
        SignsDataError: ``root`` is not a folder, has no class sub-folders or no images, or a file
            cannot be read as an image.
    """
    root = Path(root)
    if not root.is_dir():
        raise SignsDataError(
            f"{root}: not a folder; expected a folder with one sub-folder of images "
            "per class (root/<class>/*.png|jpg)"
        )
    if len(image_size) != 2 or any(
        isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in image_size
    ):
        raise SignsDataError(
            f"image_size must be (height, width) positive integers, got {image_size!r}"
        )
    class_names = sorted(entry.name for entry in root.iterdir() if entry.is_dir())
    if not class_names:
        raise SignsDataError(f"{root}: has no class sub-folders; expected root/<class>/*.png|jpg")
    height, width = int(image_size[0]), int(image_size[1])
    images, labels = [], []
    for label, name in enumerate(class_names):
        files = sorted(
            p for p in (root / name).iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
        )
        for file in files:
            try:
                with Image.open(file) as image:
                    rgb = image.convert("RGB").resize((width, height), Image.BILINEAR)
            except (UnidentifiedImageError, OSError) as error:
                raise SignsDataError(
                    f"{file}: cannot be read as an image ({error}); expected a PNG or JPEG file"
                ) from None
            images.append(np.asarray(rgb, dtype=np.uint8))
            labels.append(label)
    if not images:
        raise SignsDataError(f"{root}: class folders {class_names} hold no .png/.jpg/.jpeg images")
    return np.stack(images), np.array(labels, dtype=np.int64), class_names
