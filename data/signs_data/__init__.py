"""A SIGNS-style data set: procedurally rendered hands showing 0 to 5 fingers, and its loaders.

The public API: ``load_signs``, ``one_hot``, ``generate_split``, ``load_hidden_split``,
``load_image_folder``, ``generate_files``, ``SignsDataError``.
"""

from .errors import SignsDataError
from .folder import load_image_folder
from .generate import (
    DEFAULT_SEED,
    DEFAULT_TEST_SIZE,
    DEFAULT_TRAIN_SIZE,
    SPLIT_FILES,
    generate_files,
    generate_split,
    split_seed,
    write_generated_split,
)
from .h5io import generator_mark, read_split, write_split
from .loaders import default_data_dir, load_hidden_split, load_signs, one_hot

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_TEST_SIZE",
    "DEFAULT_TRAIN_SIZE",
    "SPLIT_FILES",
    "SignsDataError",
    "default_data_dir",
    "generate_files",
    "generator_mark",
    "generate_split",
    "load_hidden_split",
    "load_image_folder",
    "load_signs",
    "one_hot",
    "read_split",
    "split_seed",
    "write_generated_split",
    "write_split",
]
