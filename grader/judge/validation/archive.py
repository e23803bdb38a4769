"""Reads a ``.keras`` zip archive as data: its entries, their sizes, and bounded reads of each.

Keras 3 writes exactly three entries, uncompressed: ``metadata.json``, ``config.json`` and
``model.weights.h5`` (an ``assets/`` folder only for layers that keep files, which a ResNet has
none of). Anything else, any entry that is a link, encrypted, larger than its cap or expanding more
than the caps allow, is refused before it is read. The weights entry is read in place through a
window on the archive, so nothing is extracted.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

from grader.judge.validation.caps import DEFAULT_CAPS, Caps, describe_bytes
from grader.judge.validation.errors import ModelFileError
from grader.sandboxed.contract import CONFIG_ENTRY, METADATA_ENTRY, WEIGHTS_ENTRY

ENTRIES = (METADATA_ENTRY, CONFIG_ENTRY, WEIGHTS_ENTRY)
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"


class KerasArchive:
    """An open ``.keras`` file whose entries passed the zip-level checks.

    Use as a context manager; see :func:`open_archive`.

    Args:
        handle: the file, open for binary reading.
        archive: the zip archive read from it.
        caps: the limits in force.
    """

    def __init__(self, handle: BinaryIO, archive: zipfile.ZipFile, caps: Caps):
        self._handle = handle
        self._archive = archive
        self.caps = caps
        self.entries = {info.filename: info for info in archive.infolist()}

    def __enter__(self) -> KerasArchive:
        return self

    def __exit__(self, *exc) -> None:
        self._archive.close()
        self._handle.close()

    def size(self, name: str) -> int:
        """Returns an entry's uncompressed size as its header declares it."""
        return self.entries[name].file_size

    def read_small(self, name: str, cap: int) -> bytes:
        """Returns a small entry's bytes, refusing it when it declares more than ``cap``.

        zipfile stops at the declared size, so an entry whose data expands further is cut there
        (and then fails its checksum).
        """
        info = self.entries[name]
        if info.file_size > cap:
            raise ModelFileError(
                f"its {name} declares {describe_bytes(info.file_size)}; a Keras model's takes at "
                f"most {describe_bytes(cap)}"
            )
        try:
            return self._archive.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise ModelFileError(f"its {name} is damaged ({exc})") from None

    def open_entry(self, name: str, cap: int) -> BinaryIO:
        """Returns a seekable, read-only view of a stored entry, read in place in the archive.

        Args:
            name: the entry.
            cap: the most bytes it may hold.

        Raises:
            ModelFileError: when it declares more than ``cap`` or is compressed.
        """
        info = self.entries[name]
        if info.file_size > cap:
            raise ModelFileError(
                f"its {name} would expand to {describe_bytes(info.file_size)}, but the model its "
                f"config.json describes needs at most {describe_bytes(cap)}"
            )
        if info.compress_type != zipfile.ZIP_STORED:
            raise ModelFileError(
                f"its {name} is compressed; Keras stores it uncompressed: save the model with "
                "model.save('resnet50_signs.keras') and hand in that file as it is"
            )
        return _Window(self._handle, _data_offset(self._handle, info), info.file_size)


def open_archive(
    path: str | os.PathLike, caps: Caps = DEFAULT_CAPS, *, weights: bool = True
) -> KerasArchive:
    """Opens a ``.keras`` file and checks its zip structure, reading no entry.

    Args:
        path: the file.
        caps: the limits in force.
        weights: whether the file must hold weights; False for an artifact saved as its structure
            alone, which must then hold none.

    Returns:
        The archive, to be used as a context manager.

    Raises:
        ModelFileError: if the file is not a regular file, is too large, is not a complete zip
            archive, or holds entries a Keras model file does not.
    """
    path = Path(path)
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise ModelFileError(f"the file cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise ModelFileError("the model file is a symbolic link; hand in the file itself")
    if not stat.S_ISREG(info.st_mode):
        raise ModelFileError("the model file is not a regular file")
    if info.st_size > caps.file_bytes:
        raise ModelFileError(
            f"the file is {describe_bytes(info.st_size)}; the grader loads model files of at most "
            f"{describe_bytes(caps.file_bytes)} (this notebook's ResNet-50 saves to about 95 MB)"
        )
    handle = open(path, "rb", buffering=0)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        handle.close()
        raise ModelFileError(
            f"it is not a Keras model file: not a complete zip archive ({exc}). Was it truncated, "
            "or saved in another format? Save it with model.save('resnet50_signs.keras')."
        ) from None
    try:
        _check_entries(archive.infolist(), info.st_size, caps, weights)
    except ModelFileError:
        archive.close()
        handle.close()
        raise
    return KerasArchive(handle, archive, caps)


def _check_entries(infos: list[zipfile.ZipInfo], file_size: int, caps: Caps, weights: bool) -> None:
    names = [info.filename for info in infos]
    strange = [name for name in names if name not in ENTRIES]
    if strange:
        raise ModelFileError(
            f"it holds entries a Keras model file does not: {', '.join(repr(n) for n in strange)} "
            f"(a .keras file holds {', '.join(ENTRIES)})"
        )
    if len(set(names)) != len(names):
        raise ModelFileError("it holds the same entry twice")
    required = (CONFIG_ENTRY, WEIGHTS_ENTRY) if weights else (CONFIG_ENTRY,)
    missing = [name for name in required if name not in names]
    if missing:
        raise ModelFileError(f"it lacks {' and '.join(missing)}: it is not a saved Keras model")
    if not weights and WEIGHTS_ENTRY in names:
        raise ModelFileError(
            f"it holds {WEIGHTS_ENTRY}, where the grader saves this model's structure alone"
        )
    for info in infos:
        # Unix file type bits, when the writer recorded any (Keras records permissions only).
        if stat.S_IFMT(info.external_attr >> 16) not in (0, stat.S_IFREG):
            raise ModelFileError(f"its entry {info.filename!r} is a link, not a file")
        if info.flag_bits & 0x1:
            raise ModelFileError(f"its entry {info.filename!r} is encrypted")
        if info.compress_type not in _METHODS:
            raise ModelFileError(
                f"its entry {info.filename!r} is compressed with method {info.compress_type}; "
                "Keras stores entries uncompressed"
            )
        if info.header_offset + info.compress_size > file_size:
            raise ModelFileError(f"its entry {info.filename!r} runs past the end of the file")
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > 2**20 and ratio > caps.compression_ratio:
            raise ModelFileError(
                f"its entry {info.filename!r} would expand {ratio:,.0f} times, from "
                f"{describe_bytes(info.compress_size)} to {describe_bytes(info.file_size)} (a "
                "decompression bomb); Keras stores model files uncompressed"
            )


def _data_offset(handle: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Returns where a stored entry's bytes begin, from its local header."""
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
        raise ModelFileError(f"its entry {info.filename!r} has a damaged header")
    fields = _LOCAL_HEADER.unpack(header)
    name_length, extra_length = fields[-2], fields[-1]
    offset = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    handle.seek(0, io.SEEK_END)
    if offset + info.file_size > handle.tell():
        raise ModelFileError(f"its entry {info.filename!r} runs past the end of the file")
    return offset


class _Window(io.RawIOBase):
    """A read-only, seekable view of ``length`` bytes of ``handle`` starting at ``start``."""

    def __init__(self, handle: BinaryIO, start: int, length: int):
        super().__init__()
        self._handle = handle
        self._start = start
        self._length = length
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self._length - self._position))
        if not count:
            return 0
        self._handle.seek(self._start + self._position)
        data = self._handle.read(count)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)
