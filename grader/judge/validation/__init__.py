"""Every ``.keras`` file the judge opens is read here as data first, and refused if it is unsafe.

The handed-in model and every artifact the producer wrote were made by student code, so before any
of it reaches Keras (whose ``safe_mode`` is the second wall, not the only one) the validator checks:

* the zip archive: only the entries a Keras model file has, no links, no encryption, each entry and
  the whole file within their caps, no entry expanding far beyond its stored size;
* ``config.json``: only Keras's own layers and operations a ResNet can use, no Lambda, no custom or
  registered classes, no TFSMLayer, and the parameter count and every tensor's size, computed from
  the configuration, within their caps;
* ``model.weights.h5``: within the size the declared architecture explains, and holding exactly the
  declared weights (or an optimizer's state for them), with no link to anything outside. An artifact
  saved as its structure alone must have no weights file.

:func:`validate_model_file` raises :class:`ModelFileError` with a message for the student.
"""

from __future__ import annotations

import json
import os

from grader.judge.validation.architecture import Architecture, read_architecture
from grader.judge.validation.archive import (
    CONFIG_ENTRY,
    METADATA_ENTRY,
    WEIGHTS_ENTRY,
    open_archive,
)
from grader.judge.validation.caps import DEFAULT_CAPS, Caps, weights_entry_cap
from grader.judge.validation.errors import ModelFileError
from grader.judge.validation.weights import check_weights

__all__ = ["Architecture", "Caps", "ModelFileError", "validate_model_file"]


def validate_model_file(
    path: str | os.PathLike, caps: Caps = DEFAULT_CAPS, *, weights: bool = True
) -> Architecture:
    """Checks a ``.keras`` file as data, without Keras.

    Args:
        path: the file.
        caps: the limits in force.
        weights: whether the file holds weights; False for an artifact saved as its structure
            alone (see :func:`grader.sandboxed.cases.save_artifact`), which must hold none.

    Returns:
        The architecture its configuration declares, measured.

    Raises:
        ModelFileError: if the file is refused; the message says why, for the student.
    """
    with open_archive(path, caps, weights=weights) as archive:
        if METADATA_ENTRY in archive.entries:
            _json(archive.read_small(METADATA_ENTRY, caps.metadata_bytes), METADATA_ENTRY)
        config = _json(archive.read_small(CONFIG_ENTRY, caps.config_bytes), CONFIG_ENTRY)
        architecture = read_architecture(config, caps)
        if not weights:
            return architecture
        cap = weights_entry_cap(
            architecture.weight_bytes,
            architecture.weight_count,
            len(architecture.layer_paths),
            caps,
        )
        check_weights(archive.open_entry(WEIGHTS_ENTRY, cap), architecture, caps)
    return architecture


def _json(data: bytes, name: str) -> object:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFileError(f"its {name} is not readable JSON ({type(exc).__name__})") from None
