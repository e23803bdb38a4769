"""Reads a ``.ipynb`` file that anyone may have written, and says plainly what is wrong with it.

The file is checked before it is opened (a folder, a FIFO or a device named ``*.ipynb`` is refused
without reading it: a FIFO would never end), then its size, its encoding (UTF-8, a byte-order mark
allowed), its JSON and its nbformat. A notebook that can be read but has damaged cells loses only
those cells: each is skipped with a note for the student. The structure is checked by hand rather
than with ``nbformat``, whose JSON-schema validator takes seconds to import.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

#: The largest notebook read: outputs (plots, long logs) may be large; code never is.
MAX_NOTEBOOK_BYTES = 128 * 2**20
#: The most cells read; the assignment has about sixty.
MAX_CELLS = 20_000
_UTF16_32_MARKS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


class NotebookError(ValueError):
    """The file cannot be graded at all: missing, not JSON, or not a Jupyter notebook."""


@dataclass
class NotebookCells:
    """A notebook's cells, reduced to what grading reads.

    Attributes:
        cells: one dict per readable cell, in order: ``index`` (its position in the file),
            ``cell_type``, ``source`` (a string) and ``metadata`` (a dict).
        problems: what was wrong with cells that were skipped, for the student.
    """

    cells: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_notebook(path: str | os.PathLike) -> NotebookCells:
    """Reads a Jupyter notebook file (nbformat 4) and returns its cells' essentials.

    Args:
        path: the ``.ipynb`` file.

    Returns:
        The cells, with a note for each damaged cell that was skipped.

    Raises:
        NotebookError: if the file is missing, not a regular file, too large, not UTF-8, not JSON,
            or not an nbformat 4 notebook.
    """
    path = Path(path)
    data = _parse(path, _read_bytes(path))
    if not isinstance(data, dict) or "nbformat" not in data:
        kind = type(data).__name__
        raise NotebookError(f"{path}: JSON ({kind}) but not a Jupyter notebook (no 'nbformat' key)")
    version = data.get("nbformat")
    if version == 3 or "worksheets" in data:
        raise NotebookError(
            f"{path}: a notebook in the old format 3 (cells inside 'worksheets'); open it in "
            "JupyterLab and save it again to convert it to format 4"
        )
    if version == 4 and not isinstance(data.get("cells"), list):
        raise NotebookError(f"{path}: an nbformat 4 notebook whose 'cells' is not a list (damaged)")
    if version != 4:
        raise NotebookError(
            f"{path}: a notebook in format {version!r}, expected nbformat 4; open and save it in "
            "JupyterLab to convert it"
        )
    if len(data["cells"]) > MAX_CELLS:
        raise NotebookError(
            f"{path}: {len(data['cells']):,} cells; the grader reads notebooks of at most "
            f"{MAX_CELLS:,} (the assignment has about sixty)"
        )
    notebook = NotebookCells()
    for index, cell in enumerate(data["cells"]):
        reason = _damage(cell)
        if reason:
            notebook.problems.append(f"cell {index} was skipped: {reason}")
            continue
        source = cell.get("source", "")
        metadata = cell.get("metadata")
        notebook.cells.append(
            {
                "index": index,
                "cell_type": cell["cell_type"],
                "source": source if isinstance(source, str) else "".join(source),
                "metadata": metadata if isinstance(metadata, dict) else {},
            }
        )
    return notebook


def _read_bytes(path: Path) -> bytes:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise NotebookError(f"{path}: no such file (expected a Jupyter notebook, .ipynb)") from None
    except OSError as exc:
        raise NotebookError(f"{path}: cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise NotebookError(f"{path}: is a folder; expected a Jupyter notebook file (.ipynb)")
    if not stat.S_ISREG(info.st_mode):
        raise NotebookError(
            f"{path}: not a regular file (a FIFO, a socket or a device); expected a Jupyter "
            "notebook file (.ipynb)"
        )
    if info.st_size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(
            f"{path}: {info.st_size / 2**20:.0f} MiB; the grader reads notebooks of at most "
            f"{MAX_NOTEBOOK_BYTES / 2**20:.0f} MiB. Clear the outputs (Edit > Clear Outputs of All "
            "Cells) and save it again"
        )
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as exc:
        raise NotebookError(f"{path}: cannot be read ({exc.strerror})") from None


def _parse(path: Path, raw: bytes) -> object:
    if not raw.strip():
        raise NotebookError(f"{path}: the file is empty; expected a Jupyter notebook (.ipynb)")
    if raw.startswith(_UTF16_32_MARKS):
        raise NotebookError(
            f"{path}: saved as UTF-16 or UTF-32 text; a notebook is UTF-8: open and save it in "
            "JupyterLab"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookError(
            f"{path}: byte {exc.start} ({raw[exc.start : exc.start + 1]!r}) is not UTF-8 text, so "
            "this is not a Jupyter notebook as Jupyter saves it; was it edited in another program?"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "expected a Jupyter notebook (.ipynb); was the file truncated or edited by hand?"
        ) from None
    except RecursionError:
        raise NotebookError(f"{path}: JSON nested too deeply to be a notebook") from None


def _damage(cell: object) -> str:
    """Says what makes a cell unreadable; empty when it can be read."""
    if not isinstance(cell, dict):
        return f"it is a {type(cell).__name__}, not a cell object"
    if not isinstance(cell.get("cell_type"), str):
        return "it has no 'cell_type'"
    source = cell.get("source", "")
    if not isinstance(source, str) and not (
        isinstance(source, list) and all(isinstance(line, str) for line in source)
    ):
        return "its 'source' is neither text nor a list of lines"
    return ""
