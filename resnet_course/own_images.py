"""The notebook's optional section: the trained model on the student's own photos of hand signs.

The photos go in one sub-folder per class, named by the number of fingers shown
(`my_signs/0/`, ..., `my_signs/5/`), as PNG or JPEG files of any size.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

CLASS_NAMES = tuple(str(fingers) for fingers in range(6))
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclasses.dataclass
class OwnImagesResult:
    """The model's predictions on the student's photos.

    Attributes:
        images: uint8 array (m, 64, 64, 3), the photos as the model saw them.
        labels: int array (m,), the number of fingers (the folder's name).
        predicted: int array (m,), the model's class for each photo.
    """

    images: np.ndarray
    labels: np.ndarray
    predicted: np.ndarray

    @property
    def accuracy(self) -> float:
        """The fraction of photos classified correctly."""
        return float(np.mean(self.labels == self.predicted))


def how_to_add_images(folder) -> str:
    """Returns what to do when `folder` holds no photos yet."""
    return (
        f"No photos in {folder}/ yet. To try your model on your own hand signs, take a few "
        "photos of a hand showing 0 to 5 fingers, put each in the folder named by its number "
        f"of fingers ({folder}/0/, {folder}/1/, ..., {folder}/5/; PNG or JPEG, any size: they "
        "are resized to 64x64), and run this cell again."
    )


def _has_images(folder: Path) -> bool:
    return folder.is_dir() and any(
        path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES for path in folder.rglob("*")
    )


def load_own_signs(folder):
    """Loads the photos under `folder/<fingers>/`.

    Args:
        folder: The folder with sub-folders `0` to `5`.

    Returns:
        `(images, labels)` as uint8 (m, 64, 64, 3) and int (m,), or None when there are no photos.

    Raises:
        signs_data.SignsDataError: If a sub-folder is not named 0 to 5, or a file is not an image.
    """
    from signs_data import SignsDataError, load_image_folder

    folder = Path(folder)
    if not _has_images(folder):
        return None
    images, indices, names = load_image_folder(folder, image_size=(64, 64))
    unexpected = [name for name in names if name not in CLASS_NAMES]
    if unexpected:
        raise SignsDataError(
            f"{folder}: sub-folders {unexpected} are not numbers of fingers; name each "
            f"sub-folder 0, 1, 2, 3, 4 or 5"
        )
    labels = np.array([int(names[index]) for index in indices], dtype=np.int64)
    return images, labels


def try_own_images(model, folder="my_signs"):
    """Classifies the photos under `folder` with the trained model, and shows them with its answers.

    Prints what to do instead when there is no trained model, no photo, or a bad file.

    Args:
        model: The trained ResNet-50, or None.
        folder: The folder with sub-folders `0` to `5`.

    Returns:
        An `OwnImagesResult`, or None when nothing could be classified.
    """
    from resnet_course import plots, training
    from signs_data import SignsDataError

    if model is None:
        print(
            "There is no trained model yet: finish Exercises 4 and 5 and run the training cell "
            "first."
        )
        return None
    try:
        loaded = load_own_signs(folder)
    except SignsDataError as error:
        print(f"Could not read your photos: {error}")
        return None
    if loaded is None:
        print(how_to_add_images(folder))
        return None
    images, labels = loaded
    result = OwnImagesResult(images, labels, training.predict_classes(model, images))
    correct = int(np.sum(result.labels == result.predicted))
    print(
        f"{correct} of {len(labels)} of your photos classified correctly ({result.accuracy:.0%})."
    )
    plots.show_predictions(
        images, labels, result.predicted, title="Your photos: true and predicted fingers"
    )
    return result
