"""Reading what the notebooks say: their markdown, one cell's code, the numbers in their prose."""

import re
from decimal import Decimal
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
RESNETS = REPO / "assignments" / "resnets" / "Residual_Networks.ipynb"
DEGRADATION = REPO / "assignments" / "degradation" / "Degradation_and_Gradient_Flow.ipynb"


def read(path):
    return nbformat.read(str(path), as_version=4)


def markdown(path) -> str:
    """All markdown of a notebook, its lines joined by spaces (prose wraps anywhere)."""
    text = "\n\n".join(cell.source for cell in read(path).cells if cell.cell_type == "markdown")
    return re.sub(r"[ \t]*\n[ \t]*(?!\n)", " ", text)


def code_cell(path, cell_id) -> str:
    """The source of the notebook's code cell with this id."""
    return next(cell.source for cell in read(path).cells if cell.get("id") == cell_id)


def quoted(text: str, pattern: str) -> tuple:
    """The groups of the one place where `pattern` matches the prose.

    Raises:
        AssertionError: if the pattern matches nowhere or more than once, so that a test fails
            when the sentence it checks is rewritten.
    """
    matches = list(re.finditer(pattern, text))
    assert len(matches) == 1, (
        f"expected the prose to say {pattern!r} exactly once, found {len(matches)}"
    )
    return matches[0].groups()


def as_quoted(value: float, quoted_number: str) -> str:
    """Formats a measured value with as many decimals as the quoted number has."""
    decimals = max(0, -Decimal(quoted_number).as_tuple().exponent)
    return f"{value:.{decimals}f}"


def assert_quotes(quoted_number: str, measured: float, what: str):
    """The quoted number is the measured value rounded to the quoted number's precision."""
    assert as_quoted(measured, quoted_number) == quoted_number, (
        f"the notebook says {quoted_number} for {what}; the measurement gives {measured:.4g}"
    )
