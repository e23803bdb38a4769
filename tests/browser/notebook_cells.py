"""Where cells are in the course's notebooks (by nbgrader metadata); the reference answers."""
from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RELEASE_NOTEBOOK = REPO / "assignments" / "resnets" / "Residual_Networks.ipynb"
SOLUTION_NOTEBOOK = REPO / "solutions" / "resnets" / "Residual_Networks.ipynb"
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def _cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def grade_id(cell: dict) -> str | None:
    """The cell's nbgrader grade_id, or None."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def cell_count(notebook: Path = RELEASE_NOTEBOOK) -> int:
    """How many cells the notebook has."""
    return len(_cells(notebook))


def index_of(grade: str, notebook: Path = RELEASE_NOTEBOOK) -> int:
    """The position of the cell whose grade_id is ``grade``."""
    return next(i for i, cell in enumerate(_cells(notebook)) if grade_id(cell) == grade)


def code_cells_before(grade: str, notebook: Path = RELEASE_NOTEBOOK) -> list[int]:
    """The positions of the code cells above the cell ``grade``: what a student runs before it."""
    stop = index_of(grade, notebook)
    return [i for i, cell in enumerate(_cells(notebook)[:stop]) if cell["cell_type"] == "code"]


def reference_answer(grade: str) -> str:
    """The solution's code for the cell ``grade`` as a student types it (no solution markers)."""
    cell = next(cell for cell in _cells(SOLUTION_NOTEBOOK) if grade_id(cell) == grade)
    lines = [line for line in _source(cell).splitlines() if line.strip() not in SOLUTION_MARKERS]
    return "\n".join(lines) + "\n"
