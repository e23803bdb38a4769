"""Broken and odd notebooks, as editors, crashes, copies and students leave them.

Each :data:`BROKEN` entry writes one ``.ipynb`` made from a working notebook (``base``, any notebook
in the assignment's layout). ``readable`` says whether the grader can still grade it (it then notes
what was odd) or must refuse it with exit status 2. Tests grade every kind;
``bench/bench_hostile_class.py`` measures them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BrokenNotebook:
    """One kind of broken notebook.

    Attributes:
        name: a short id, used as the student's name.
        what: what is wrong with it, in words.
        readable: whether the grader grades it (True) or refuses it (False).
        make: writes it at its first argument from the working notebook at its second.
    """

    name: str
    what: str
    readable: bool
    make: Callable[[Path, Path], None]


def _json(base: Path) -> dict:
    return json.loads(base.read_text(encoding="utf-8"))


def _write(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def _edited(edit: Callable[[dict], None]) -> Callable[[Path, Path], None]:
    def make(path: Path, base: Path) -> None:
        data = _json(base)
        edit(data)
        _write(path, data)

    return make


def _code_cells(data: dict) -> list[dict]:
    return [cell for cell in data["cells"] if cell.get("cell_type") == "code"]


def _cell(data: dict, grade_id: str) -> dict:
    return next(
        cell
        for cell in data["cells"]
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id
    )


def _as_lines(data: dict) -> None:
    for cell in data["cells"]:
        cell["source"] = "".join(cell["source"]).splitlines(keepends=True)


def _as_strings(data: dict) -> None:
    for cell in data["cells"]:
        cell["source"] = "".join(cell["source"])


def _no_source(data: dict) -> None:
    del data["cells"][0]["source"]


def _no_metadata(data: dict) -> None:
    del _cell(data, "dense_residual_block")["metadata"]


def _many_cells(data: dict) -> None:
    filler = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    data["cells"] += [dict(filler, source=f"x_{i} = {i}\n") for i in range(10_000)]


def _large_output(data: dict) -> None:
    cell = _code_cells(data)[0]
    cell["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": "training...\n" * (50 * 10**6 // 12)}
    ]


def _duplicated_ids(data: dict) -> None:
    first = _cell(data, "dense_residual_block")
    copy = json.loads(json.dumps(first))
    copy["source"] = "def dense_residual_block(a_prev, units):\n    return a_prev\n"
    data["cells"].append(copy)


def _stripped(data: dict) -> None:
    for cell in data["cells"]:
        cell["metadata"].pop("nbgrader", None)


def _reordered(data: dict) -> None:
    data["cells"].reverse()


def _not_a_cell(data: dict) -> None:
    data["cells"].insert(1, 42)


def _numeric_source(data: dict) -> None:
    data["cells"].insert(1, {"cell_type": "code", "metadata": {}, "source": 7})


def _odd_nbgrader(data: dict) -> None:
    _cell(data, "dense_residual_block")["metadata"]["nbgrader"] = "dense_residual_block"


def _null_byte(data: dict) -> None:
    cell = _cell(data, "dense_residual_block")
    cell["source"] = "".join(cell["source"]) + "\n# \x00\n"


def _bom(path: Path, base: Path) -> None:
    path.write_bytes(b"\xef\xbb\xbf" + base.read_bytes())


def _text(content: bytes) -> Callable[[Path, Path], None]:
    def make(path: Path, base: Path) -> None:
        path.write_bytes(content)

    return make


def _truncated(path: Path, base: Path) -> None:
    data = base.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _not_utf8(path: Path, base: Path) -> None:
    path.write_bytes(base.read_bytes().replace(b"Residual Networks", b"R\xe9sidual Networks", 1))


def _utf16(path: Path, base: Path) -> None:
    path.write_bytes(base.read_text(encoding="utf-8").encode("utf-16"))


def _nbformat3(path: Path, base: Path) -> None:
    data = _json(base)
    cells = [dict(cell, input=cell.pop("source", "")) for cell in data.pop("cells")]
    _write(path, dict(data, nbformat=3, nbformat_minor=0, worksheets=[{"cells": cells}]))


def _directory(path: Path, base: Path) -> None:
    path.mkdir()


def _fifo(path: Path, base: Path) -> None:
    os.mkfifo(path)


def _too_large(path: Path, base: Path) -> None:
    # A hole, not data: the size is what matters, and the grader never reads it.
    with open(path, "wb") as handle:
        handle.write(base.read_bytes())
        handle.truncate(200 * 2**20)


BROKEN: tuple[BrokenNotebook, ...] = (
    BrokenNotebook("sources_as_lines", "every source a list of lines", True, _edited(_as_lines)),
    BrokenNotebook("sources_as_strings", "every source one string", True, _edited(_as_strings)),
    BrokenNotebook("cell_without_source", "a cell with no 'source'", True, _edited(_no_source)),
    BrokenNotebook(
        "cell_without_metadata", "a solution cell with no 'metadata'", True, _edited(_no_metadata)
    ),
    BrokenNotebook("ten_thousand_cells", "10,000 extra code cells", True, _edited(_many_cells)),
    BrokenNotebook("large_output", "a 50 MB output", True, _edited(_large_output)),
    BrokenNotebook(
        "duplicated_grade_id", "two cells with one grade_id", True, _edited(_duplicated_ids)
    ),
    BrokenNotebook("stripped_metadata", "nbgrader metadata stripped", True, _edited(_stripped)),
    BrokenNotebook("reordered_cells", "cells in reverse order", True, _edited(_reordered)),
    BrokenNotebook("byte_order_mark", "UTF-8 with a byte-order mark", True, _bom),
    BrokenNotebook("number_as_cell", "a number among the cells", True, _edited(_not_a_cell)),
    BrokenNotebook(
        "numeric_source", "a cell whose source is a number", True, _edited(_numeric_source)
    ),
    BrokenNotebook(
        "nbgrader_metadata_text", "nbgrader metadata that is text", True, _edited(_odd_nbgrader)
    ),
    BrokenNotebook("null_byte", "a NUL byte in a solution cell", True, _edited(_null_byte)),
    BrokenNotebook("not_json", "plain text", False, _text(b"def dense_residual_block(): pass\n")),
    BrokenNotebook("truncated_json", "the file cut in half", False, _truncated),
    BrokenNotebook("empty_file", "0 bytes", False, _text(b"")),
    BrokenNotebook("json_list", "JSON, but a list", False, _text(b"[1, 2, 3]")),
    BrokenNotebook("no_nbformat", "JSON without 'nbformat'", False, _text(b'{"cells": []}')),
    BrokenNotebook("nbformat_3", "an nbformat 3 notebook", False, _nbformat3),
    BrokenNotebook(
        "nbformat_5", "an unknown future format", False, _text(b'{"nbformat": 5, "cells": []}')
    ),
    BrokenNotebook(
        "cells_not_a_list", "'cells' is not a list", False, _text(b'{"nbformat": 4, "cells": {}}')
    ),
    BrokenNotebook("not_utf8", "a Latin-1 byte", False, _not_utf8),
    BrokenNotebook("utf16", "saved as UTF-16", False, _utf16),
    BrokenNotebook("deep_json", "JSON nested 100,000 deep", False, _text(b"[" * 100_000)),
    BrokenNotebook("too_large", "a 200 MiB file", False, _too_large),
    BrokenNotebook("directory", "a folder named *.ipynb", False, _directory),
    BrokenNotebook("fifo", "a FIFO named *.ipynb", False, _fifo),
)
