"""Crafted model files for trying the grader's defences, as a careless or hostile student hands in.

Each :data:`CRAFTED` entry writes one file in place of ``resnet50_signs.keras``, made from an honest
model file that Keras saved (``base``): a decompression bomb, layers of absurd size, code hidden in
the configuration, damaged archives, links, and HDF5 weights that point elsewhere. Tests grade them
in a class beside honest submissions; ``bench/bench_hostile_class.py`` measures them.
"""

from __future__ import annotations

import copy
import io
import json
import os
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

CONFIG = "config.json"
WEIGHTS = "model.weights.h5"
METADATA = "metadata.json"
#: The bomb's weights entry expands to exactly 4 GiB: Keras's own bomb guard refuses only more.
BOMB_BYTES = 4 * 2**30
LARGE_MODEL_BYTES = 900 * 10**6
_SEGMENT = 2**20


@dataclass(frozen=True)
class CraftedFile:
    """One crafted model file.

    Attributes:
        name: a short id, used as the student's name.
        what: what the file is, in words.
        make: writes the file at its first argument from the honest file at its second.
    """

    name: str
    what: str
    make: Callable[[Path, Path], None]


def entries(base: Path) -> dict[str, bytes]:
    """Returns the honest file's entries by name."""
    with zipfile.ZipFile(base) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_entries(path: Path, files: dict[str, bytes]) -> None:
    """Writes a zip archive holding ``files``, stored uncompressed as Keras writes them."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def edited_config(base: Path, edit: Callable[[dict], None]) -> dict[str, bytes]:
    """Returns the honest file's entries with its configuration changed by ``edit``."""
    files = entries(base)
    config = json.loads(files[CONFIG])
    edit(config)
    files[CONFIG] = json.dumps(config).encode()
    return files


def layers_of(config: dict) -> list[dict]:
    """The top-level layer entries of a functional model's configuration."""
    return config["config"]["layers"]


def first_layer(config: dict, class_name: str) -> dict:
    """The first layer entry of the class ``class_name``."""
    return next(entry for entry in layers_of(config) if entry["class_name"] == class_name)


def zip_bomb(path: Path, base: Path) -> None:
    """A 4 MB file whose weights entry inflates to 4 GiB of zeros (a valid zip, right checksum)."""
    files = entries(base)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    # A full flush resets the compressor, so every 1 MiB of zeros compresses to the same bytes.
    segment = compressor.compress(bytes(_SEGMENT)) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush(zlib.Z_FINISH)
    stream = [segment] * (BOMB_BYTES // _SEGMENT) + [tail]
    _write_raw_zip(
        path,
        [(METADATA, files[METADATA]), (CONFIG, files[CONFIG])],
        (WEIGHTS, stream, crc32_of_zeros(BOMB_BYTES), BOMB_BYTES),
    )


def huge_dense(path: Path, base: Path) -> None:
    """A Dense layer declaring 2^31 units: allocating its kernel needs hundreds of GiB."""

    def edit(config):
        dense = first_layer(config, "Dense")
        dense["config"]["units"] = 2**31

    write_entries(path, edited_config(base, edit))


def huge_input(path: Path, base: Path) -> None:
    """An input of 65536×65536 pixels: loads as a graph, but one image holds 12.9 G values."""

    def edit(config):
        shape = first_layer(config, "InputLayer")["config"]["batch_shape"]
        shape[1:3] = [65536, 65536]

    write_entries(path, edited_config(base, edit))


#: The first ReLU's entry rewritten, by crafted file: a Lambda layer whose Python code would run
#: when the model loads; a layer naming ``os.system`` as its class, which deserialising would call;
#: a student's own class registered with Keras under a package name; a TFSMLayer, which would load
#: a TensorFlow SavedModel from a path the file names. ``config`` of the Lambda and the TFSMLayer
#: keeps the ReLU's layer name first.
_RELU_REWRITES = {
    "lambda_layer": {
        "class_name": "Lambda",
        "config": {
            "trainable": True,
            "function": {
                "class_name": "__lambda__",
                "config": {"code": "4wEAAAAAAAAA", "defaults": None, "closure": None},
            },
            "arguments": {},
        },
    },
    "foreign_module": {
        "module": "os",
        "class_name": "system",
        "config": {"command": "touch /tmp/owned"},
    },
    "registered_class": {
        "module": "student_layers",
        "class_name": "MyReLU",
        "registered_name": "Custom>MyReLU",
    },
    "tfsm_layer": {
        "class_name": "TFSMLayer",
        "config": {"filepath": "/tmp/saved_model", "call_endpoint": "serve", "trainable": False},
    },
}
_KEEPS_RELU_NAME = ("lambda_layer", "tfsm_layer")


def relu_rewritten(name: str) -> Callable[[Path, Path], None]:
    """Returns the maker of the crafted file ``name`` of :data:`_RELU_REWRITES`.

    Args:
        name: the crafted file's name.

    Returns:
        A function that writes the honest file at its second argument, with its first ReLU layer's
        entry rewritten, at its first.
    """

    def make(path: Path, base: Path) -> None:
        # A copy each time: the written configuration never shares dicts with the table.
        fields = copy.deepcopy(_RELU_REWRITES[name])

        def edit(config):
            relu = first_layer(config, "ReLU")
            if name in _KEEPS_RELU_NAME:
                relu.update(fields, config={"name": relu["config"]["name"], **fields["config"]})
            else:
                relu.update(fields)

        write_entries(path, edited_config(base, edit))

    return make


def truncated(path: Path, base: Path) -> None:
    """The honest file cut in half, as an interrupted upload leaves it."""
    data = base.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def random_bytes(path: Path, base: Path) -> None:
    """64 KiB of random bytes named like a model."""
    path.write_bytes(np.random.default_rng(0).bytes(64 * 2**10))


def parent_entry(path: Path, base: Path) -> None:
    """The honest entries plus one named ``../x``, which an extracting reader writes outside."""
    files = entries(base)
    files["../x"] = b"outside"
    write_entries(path, files)


def symbolic_link(path: Path, base: Path) -> None:
    """A symbolic link to another student's file (here the honest one) instead of a file."""
    path.symlink_to(base)


def external_link(path: Path, base: Path) -> None:
    """Weights whose first dataset is a link into another HDF5 file on the grading machine."""

    def edit(h5: h5py.File) -> None:
        name = _first_dataset(h5)
        del h5[name]
        h5[name] = h5py.ExternalLink("/etc/passwd.h5", "/secret")

    _write_edited_weights(path, base, edit)


def oversized_dataset(path: Path, base: Path) -> None:
    """Weights whose first dataset declares 2^30 values, far more than its layer has."""

    def edit(h5: h5py.File) -> None:
        name = _first_dataset(h5)
        rows = h5[name].shape[0] if h5[name].shape else 1
        del h5[name]
        # Chunked and never written: the file stays small, reading it yields 4 GiB.
        h5.create_dataset(name, shape=(rows, 2**30 // rows), dtype="float32", chunks=(1, 2**16))

    _write_edited_weights(path, base, edit)


def large_model(path: Path, base: Path) -> None:
    """A 900 MB file: the honest entries with a weights entry padded with zeros to that size."""
    files = entries(base)
    _write_raw_zip(
        path,
        [(METADATA, files[METADATA]), (CONFIG, files[CONFIG])],
        (WEIGHTS, None, crc32_of_zeros(LARGE_MODEL_BYTES), LARGE_MODEL_BYTES),
    )


CRAFTED: tuple[CraftedFile, ...] = (
    CraftedFile("zip_bomb", "4 MB zip whose weights entry expands to 4 GiB", zip_bomb),
    CraftedFile("huge_dense", "a Dense layer of 2^31 units", huge_dense),
    CraftedFile("huge_input", "a 65536×65536 input", huge_input),
    CraftedFile("lambda_layer", "a Lambda layer", relu_rewritten("lambda_layer")),
    CraftedFile("foreign_module", "a layer from module os", relu_rewritten("foreign_module")),
    CraftedFile(
        "registered_class", "a registered custom class", relu_rewritten("registered_class")
    ),
    CraftedFile("tfsm_layer", "a TFSMLayer", relu_rewritten("tfsm_layer")),
    CraftedFile("truncated_zip", "the file cut in half", truncated),
    CraftedFile("random_bytes", "64 KiB of random bytes", random_bytes),
    CraftedFile("parent_entry", "an entry named ../x", parent_entry),
    CraftedFile("symbolic_link", "a symbolic link to another student's model", symbolic_link),
    CraftedFile("external_link", "HDF5 weights with an external link", external_link),
    CraftedFile(
        "oversized_dataset", "an HDF5 dataset far larger than its layer", oversized_dataset
    ),
    CraftedFile("large_model", "a 900 MB model file", large_model),
)


def crc32_of_zeros(count: int) -> int:
    """Returns zlib's CRC-32 of ``count`` zero bytes, without reading them.

    Appending a zero byte to a CRC register is linear over GF(2), so ``count`` of them is one matrix
    power (as in zlib's ``crc32_combine``), applied to the register's initial value.
    """
    operator = [0xEDB88320] + [1 << bit for bit in range(31)]  # one zero bit
    for _ in range(3):  # one zero byte: eight bits
        operator = _square(operator)
    register = 0xFFFFFFFF
    while count:
        if count & 1:
            register = _apply(operator, register)
        operator = _square(operator)
        count >>= 1
    return register ^ 0xFFFFFFFF


def _apply(matrix: list[int], vector: int) -> int:
    result, bit = 0, 0
    while vector:
        if vector & 1:
            result ^= matrix[bit]
        vector >>= 1
        bit += 1
    return result


def _square(matrix: list[int]) -> list[int]:
    return [_apply(matrix, column) for column in matrix]


def _first_dataset(h5: h5py.File) -> str:
    names = []
    h5.visititems(lambda name, item: names.append(name) if isinstance(item, h5py.Dataset) else None)
    return sorted(names)[0]


def _write_edited_weights(path: Path, base: Path, edit: Callable[[h5py.File], None]) -> None:
    files = entries(base)
    buffer = io.BytesIO(files[WEIGHTS])
    with h5py.File(buffer, "r+") as h5:
        edit(h5)
    files[WEIGHTS] = buffer.getvalue()
    write_entries(path, files)


def _write_raw_zip(path: Path, small: list[tuple[str, bytes]], large: tuple) -> None:
    """Writes a ZIP64 archive: ``small`` entries stored, then one large entry.

    ``large`` is (name, deflated chunks or None for stored zeros, crc, uncompressed size); stored
    zeros are left as a hole in the file, so that a 900 MB model takes almost no disk.
    """
    name, chunks, crc, size = large
    central = []
    with open(path, "wb") as handle:
        for entry_name, data in small:
            central.append(
                _local(handle, entry_name, 0, zlib.crc32(data), len(data), len(data), [data])
            )
        if chunks is None:
            central.append(_local(handle, name, 0, crc, size, size, None))
        else:
            compressed = sum(len(chunk) for chunk in chunks)
            central.append(_local(handle, name, 8, crc, compressed, size, chunks))
        start = handle.tell()
        for record in central:
            handle.write(record)
        end = handle.tell()
        count = len(central)
        handle.write(
            struct.pack(
                "<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, end - start, start
            )
        )
        handle.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
        handle.write(
            struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
        )


def _local(handle, name: str, method: int, crc: int, compressed: int, size: int, chunks) -> bytes:
    """Writes one local header and its data; returns the entry's central directory record."""
    offset = handle.tell()
    encoded = name.encode()
    extra = struct.pack("<HHQQ", 1, 16, size, compressed)
    # A local header and its central record agree from "version needed" to the name's length.
    common = (45, 0, method, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(encoded))
    handle.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *common, len(extra)))
    handle.write(encoded + extra)
    if chunks is None:
        handle.seek(size, os.SEEK_CUR)
        handle.truncate()
    else:
        for chunk in chunks:
            handle.write(chunk)
    central_extra = struct.pack("<HHQQQ", 1, 24, size, compressed, offset)
    # No comment, disk 0, no attributes; the offset stands in the ZIP64 extra field.
    rest = (len(central_extra), 0, 0, 0, 0, 0xFFFFFFFF)
    record = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, *common, *rest)
    return record + encoded + central_extra
