"""Reads a submission notebook and picks out the code the producer may run.

Only the fixed ``imports`` cell and the solution cells are ever executed; test cells and the
training cell never are. Cells are found by their nbgrader ``grade_id``; when a student's notebook
lost that metadata (copied cells, another editor), the function definitions are located by name
instead, and only the definition itself (with the cell's own imports) is taken from such a cell.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from pathlib import Path

from grader.pipeline.notebook_file import NotebookError, read_notebook
from grader.sandboxed.contract import BUILD_EXERCISES, TRAIN_EXERCISE

__all__ = [
    "CodeUnit",
    "NotebookError",
    "SubmissionCode",
    "load_submission",
    "unwritten_functions",
]

IMPORTS_CELL = "imports"
EXPECTED_ORDER = (IMPORTS_CELL,) + BUILD_EXERCISES + (TRAIN_EXERCISE,)


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


def load_submission(path: str | Path) -> SubmissionCode:
    """Reads a notebook and selects the code the producer runs.

    Args:
        path: the submission ``.ipynb``.

    Returns:
        The submission's executable units and layout problems.

    Raises:
        NotebookError: if the file is not a readable notebook.
    """
    notebook = read_notebook(path)
    submission = SubmissionCode(path=Path(path), problems=list(notebook.problems))
    code_cells = [(c["index"], c) for c in notebook.cells if c["cell_type"] == "code"]
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
    _parsed.cache_clear()
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


def unwritten_functions(submission: SubmissionCode) -> frozenset[str]:
    """The exercises whose function cannot return: no cell defines it, or it is still a placeholder.

    A placeholder is the release's ``raise NotImplementedError()`` at the top level of the
    function's body, before any top-level ``return``: every call raises. The code is read, never
    run; a raise inside a branch is not counted, since that branch may not be taken.

    Args:
        submission: the submission, as :func:`load_submission` read it.

    Returns:
        The names of the build exercises whose function is missing or a placeholder.
    """
    unwritten = set(submission.missing)
    for unit in submission.units:
        if unit.label in BUILD_EXERCISES and _is_placeholder(unit.source, unit.label):
            unwritten.add(unit.label)
    return frozenset(unwritten)


def _is_placeholder(source: str, name: str) -> bool:
    """Whether the last definition of ``name`` raises NotImplementedError before any return."""
    tree = _parsed(source)
    if isinstance(tree, str):
        return False
    definitions = [
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name
    ]
    if not definitions:
        return False
    for statement in definitions[-1].body:
        if isinstance(statement, ast.Return):
            return False
        if isinstance(statement, ast.Raise) and _names_not_implemented(statement.exc):
            return True
    return False


def _names_not_implemented(exception: ast.expr | None) -> bool:
    if isinstance(exception, ast.Call):
        exception = exception.func
    return isinstance(exception, ast.Name) and exception.id == "NotImplementedError"


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


def _defined_functions(source: str) -> frozenset[str]:
    """Returns the names of top-level functions a cell defines (none if it does not parse)."""
    tree = _parsed(source)
    if isinstance(tree, str):
        return frozenset()
    return frozenset(
        node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    )


def _syntax_error(source: str) -> str:
    """Returns ``line N: message`` for a cell that does not parse, else an empty string."""
    tree = _parsed(source)
    return tree if isinstance(tree, str) else ""


@functools.lru_cache(maxsize=None)
def _parsed(source: str) -> ast.Module | str:
    """Parses a cell once, however often it is asked about: the tree, or why it does not parse."""
    try:
        return ast.parse(_python_source(source))
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}" if exc.lineno else exc.msg
    except (ValueError, RecursionError, MemoryError) as exc:
        # Null bytes, or nesting deeper than Python's parser goes.
        return f"it cannot be parsed ({type(exc).__name__}: {exc})"


def _guess_imports_cell(code_cells):
    """Returns the first code cell made only of import statements, or None."""
    for index, cell in code_cells:
        tree = _parsed(cell["source"])
        if isinstance(tree, str):
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
    """Translates IPython syntax (``%magic``, ``!shell``) into Python calls on ``get_ipython()``.

    A cell IPython cannot make sense of is returned as it is: Python then says what is wrong.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # IPython's transformers raise various errors on malformed input
        return source
