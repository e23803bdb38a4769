"""Reads a submission notebook and picks out the code the producer may run.

Only the fixed ``imports`` cell and the solution cells are ever executed; test cells and the
training cell never are. Cells are found by their nbgrader ``grade_id``; when a student's notebook
lost that metadata (copied cells, another editor), the function definitions are located by name
instead, and only the definition itself (with the cell's own imports) is taken from such a cell.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandboxed.contract import BUILD_EXERCISES, TRAIN_EXERCISE

IMPORTS_CELL = "imports"
EXPECTED_ORDER = (IMPORTS_CELL,) + BUILD_EXERCISES + (TRAIN_EXERCISE,)


class NotebookError(ValueError):
    """The file cannot be graded at all: missing, not JSON, or not a Jupyter notebook."""


@dataclass
class CodeUnit:
    """A piece of student code the producer executes, labelled so tracebacks can name it.

    Attributes:
        label: ``imports`` or the name of the exercise whose code this is.
        source: Python source (IPython magics already translated to plain Python).
        cell_index: the cell's position in the notebook.
    """

    label: str
    source: str
    cell_index: int


@dataclass
class SubmissionCode:
    """The executable parts of one submission and what was wrong with its layout.

    Attributes:
        path: the notebook file.
        units: code to execute, in order: the imports first, then solution code in notebook order.
        located: exercise name -> how its code was found (``grade_id``, ``by name in cell <n>``).
        missing: exercises whose function no cell defines, with the reason.
        problems: human-readable notes on missing, renamed or reordered cells.
    """

    path: Path
    units: list[CodeUnit] = field(default_factory=list)
    located: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_notebook(path: str | Path) -> list[dict]:
    """Reads a Jupyter notebook file (nbformat 4) and returns its code cells' essentials.

    The structure is checked by hand rather than with ``nbformat``: its JSON-schema validator takes
    seconds to import, which every ``grader check`` would pay.

    Args:
        path: the ``.ipynb`` file.

    Returns:
        One dict per cell, in order: ``cell_type``, ``source`` (a string) and ``metadata``.

    Raises:
        NotebookError: if the file is missing, is not JSON, or is not an nbformat 4 notebook.
    """
    path = Path(path)
    if path.is_dir():
        raise NotebookError(f"{path}: is a folder; expected a Jupyter notebook file (.ipynb)")
    if not path.is_file():
        raise NotebookError(f"{path}: no such file (expected a Jupyter notebook, .ipynb)")
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(
            f"{path}: cannot read it as UTF-8 text ({exc}); expected a Jupyter notebook"
        ) from exc
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "expected a Jupyter notebook (.ipynb); was the file truncated or edited by hand?"
        ) from exc
    if not isinstance(data, dict) or "nbformat" not in data:
        raise NotebookError(f"{path}: JSON but not a Jupyter notebook (no 'nbformat' key)")
    if data.get("nbformat") != 4 or not isinstance(data.get("cells"), list):
        raise NotebookError(
            f"{path}: a notebook in format {data.get('nbformat')!r}, expected nbformat 4 with a "
            "'cells' list; open and save it in JupyterLab to convert it"
        )
    cells = []
    for index, cell in enumerate(data["cells"]):
        source = cell.get("source", "") if isinstance(cell, dict) else None
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        metadata = cell.get("metadata", {}) if isinstance(cell, dict) else None
        if not isinstance(source, str) or not isinstance(metadata, dict) or "cell_type" not in cell:
            raise NotebookError(
                f"{path}: cell {index} is malformed (expected an object with 'cell_type', a text "
                "'source' and a 'metadata' object)"
            )
        cells.append({"cell_type": cell["cell_type"], "source": source, "metadata": metadata})
    return cells


def load_submission(path: str | Path) -> SubmissionCode:
    """Reads a notebook and selects the code the producer runs.

    Args:
        path: the submission ``.ipynb``.

    Returns:
        The submission's executable units and layout problems.

    Raises:
        NotebookError: if the file is not a readable notebook.
    """
    cells = read_notebook(path)
    submission = SubmissionCode(path=Path(path))
    code_cells = [(i, c) for i, c in enumerate(cells) if c["cell_type"] == "code"]
    by_id = _cells_by_grade_id(code_cells, submission)

    imports = by_id.get(IMPORTS_CELL)
    if imports is None:
        imports = _guess_imports_cell(code_cells)
        submission.problems.append(
            "the 'imports' cell was not found by its nbgrader grade_id"
            + (
                f"; using cell {imports[0]}, which holds only imports"
                if imports
                else "; running without it"
            )
        )
    if imports is not None:
        submission.units.append(
            CodeUnit(IMPORTS_CELL, _python_source(imports[1]["source"]), imports[0])
        )

    solution_cells = sorted((by_id[name][0], name) for name in BUILD_EXERCISES if name in by_id)
    for index, name in solution_cells:
        submission.units.append(CodeUnit(name, _python_source(by_id[name][1]["source"]), index))
    for name in BUILD_EXERCISES:
        _locate_function(name, by_id, code_cells, submission)
    if TRAIN_EXERCISE not in by_id:
        submission.problems.append(
            f"the '{TRAIN_EXERCISE}' cell was not found by its grade_id; the training exercise is "
            "graded from the saved model file alone"
        )
    _note_order(by_id, submission)
    submission.units.sort(key=lambda unit: (unit.label != IMPORTS_CELL, unit.cell_index))
    return submission


def _cells_by_grade_id(code_cells, submission: SubmissionCode) -> dict[str, tuple[int, object]]:
    """Maps grade_id -> (cell index, cell) for the cells the grader knows, noting duplicates."""
    found: dict[str, tuple[int, object]] = {}
    for index, cell in code_cells:
        nbgrader = cell["metadata"].get("nbgrader")
        grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
        if grade_id not in EXPECTED_ORDER:
            continue
        if grade_id in found:
            submission.problems.append(
                f"two cells have grade_id '{grade_id}' (cells {found[grade_id][0]} and {index}); "
                "using the first"
            )
            continue
        found[grade_id] = (index, cell)
    return found


def _locate_function(name: str, by_id, code_cells, submission: SubmissionCode) -> None:
    """Records where exercise ``name`` is defined; adds a fallback unit when found only by name."""
    defined_in = [index for index, cell in code_cells if name in _defined_functions(cell["source"])]
    if name in by_id:
        index = by_id[name][0]
        if index in defined_in:
            submission.located[name] = "grade_id"
            return
        cell_source = by_id[name][1]["source"]
        syntax_error = _syntax_error(cell_source)
        if syntax_error and not defined_in:
            _mark_missing(
                submission,
                name,
                f"the '{name}' cell has a syntax error ({syntax_error}), so {name}() is not "
                "defined",
            )
        elif defined_in:
            _use_definition_elsewhere(
                submission,
                name,
                code_cells,
                defined_in[0],
                f"the '{name}' cell does not define {name}(); found the definition in cell "
                f"{defined_in[0]} instead",
            )
        else:
            others = sorted(_defined_functions(cell_source))
            reason = f"the '{name}' cell defines no function named {name}()"
            if others:
                reason += (
                    f" (it defines {', '.join(o + '()' for o in others)}: was the function "
                    "renamed?)"
                )
            _mark_missing(submission, name, reason)
        return
    if defined_in:
        _use_definition_elsewhere(
            submission,
            name,
            code_cells,
            defined_in[0],
            f"the '{name}' cell was not found by its grade_id; found {name}() by name in cell "
            f"{defined_in[0]}",
        )
        return
    _mark_missing(
        submission,
        name,
        f"no cell defines {name}(): the solution cell '{name}' is missing or the function was "
        "renamed",
    )


def _mark_missing(submission: SubmissionCode, name: str, reason: str) -> None:
    submission.missing[name] = reason
    submission.problems.append(reason)


def _use_definition_elsewhere(
    submission: SubmissionCode, name: str, code_cells, where: int, problem: str
) -> None:
    """Grades the definition of ``name`` in cell ``where``, running it if it is not run anyway."""
    submission.located[name] = f"by name in cell {where}"
    submission.problems.append(problem)
    if not _is_executed(where, submission):
        submission.units.append(_definition_unit(name, code_cells, where))


def _is_executed(cell_index: int, submission: SubmissionCode) -> bool:
    return any(unit.cell_index == cell_index for unit in submission.units)


def _definition_unit(name: str, code_cells, cell_index: int) -> CodeUnit:
    """Takes only the cell's imports and the definition of ``name``: the rest may be test code."""
    python = _python_source(dict(code_cells)[cell_index]["source"])
    lines = python.splitlines()
    pieces = []
    for node in ast.parse(python).body:
        wanted = isinstance(node, (ast.Import, ast.ImportFrom)) or (
            isinstance(node, ast.FunctionDef) and node.name == name
        )
        if wanted:
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            pieces.append("\n".join(lines[first - 1 : node.end_lineno]))
    return CodeUnit(name, "\n\n".join(pieces) + "\n", cell_index)


def _defined_functions(source: str) -> set[str]:
    """Returns the names of top-level functions a cell defines (none if it does not parse)."""
    try:
        tree = ast.parse(_python_source(source))
    except SyntaxError:
        return set()
    return {
        node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def _syntax_error(source: str) -> str:
    """Returns ``line N: message`` for a cell that does not parse, else an empty string."""
    try:
        ast.parse(_python_source(source))
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    return ""


def _guess_imports_cell(code_cells):
    """Returns the first code cell made only of import statements, or None."""
    for index, cell in code_cells:
        try:
            tree = ast.parse(_python_source(cell["source"]))
        except SyntaxError:
            continue
        if tree.body and all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in tree.body):
            return index, cell
    return None


def _note_order(by_id, submission: SubmissionCode) -> None:
    present = [name for name in EXPECTED_ORDER if name in by_id]
    actual = sorted(present, key=lambda name: by_id[name][0])
    if actual != present:
        submission.problems.append(
            "cells are in another order than the assignment's ("
            + ", ".join(actual)
            + "); the imports cell runs first and the rest in notebook order"
        )


def _python_source(source: str) -> str:
    """Translates IPython syntax (``%magic``, ``!shell``) into Python calls on ``get_ipython()``."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)
