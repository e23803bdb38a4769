"""The grader's hidden test split: SIGNS-style images made with a seed students never receive.

The seed lives only here, in the grader, which is not part of the student release. The split is
written next to the public splits as ``hidden_signs.h5`` (keys ``hidden_set_x``, ``hidden_set_y``,
``list_classes``) and is regenerated from the seed whenever it is missing or an older generator made
it.
"""

from __future__ import annotations

from pathlib import Path

from signs_data import (
    SPLIT_FILES,
    SignsDataError,
    default_data_dir,
    generator_mark,
    write_generated_split,
)
from signs_data.h5io import GENERATOR_VERSION

HIDDEN_SEED = 104_058_862_590_609
HIDDEN_SIZE = 360


def ensure_hidden_split(data_dir=None) -> Path:
    """Returns the path of the hidden split file, generating it first if it is missing.

    Args:
        data_dir: the folder for ``hidden_signs.h5``; default: the data folder of ``signs_data``
            (``$SIGNS_DATA_DIR``, else the repository's ``data/``).

    Returns:
        The path of ``hidden_signs.h5``.

    Raises:
        signs_data.SignsDataError: a file of that name exists but was not made by signs_data, or was
            made with another seed (regenerating would silently change the grade basis).
    """
    path = Path(data_dir if data_dir is not None else default_data_dir()) / SPLIT_FILES["hidden"]
    if path.exists():
        mark = generator_mark(path)
        if (
            mark is not None
            and mark["seed"] == HIDDEN_SEED
            and mark["generator_version"] == GENERATOR_VERSION
        ):
            return path
        if mark is not None and mark["seed"] == HIDDEN_SEED:
            print(
                f"grader: regenerating {path} (made by an older signs_data generator)", flush=True
            )
            return write_generated_split(path, "hidden", HIDDEN_SIZE, HIDDEN_SEED)
        raise SignsDataError(
            f"{path}: exists but is not the grader's hidden split (expected a signs_data "
            f"file with the hidden seed); move it away so the grader can regenerate it"
        )
    print(f"grader: generating the hidden split ({HIDDEN_SIZE} images) in {path}", flush=True)
    return write_generated_split(path, "hidden", HIDDEN_SIZE, HIDDEN_SEED)
