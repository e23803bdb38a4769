"""How points and percentages are written in every report.

At most two decimals, no trailing zeros.
"""

from __future__ import annotations


def format_number(value: float) -> str:
    """Formats a score, a point count or a percentage for people to read.

    Args:
        value: the number.

    Returns:
        ``"2"`` for 2.0, ``"40.35"`` for 40.350877, ``"0.5"`` for 0.5.
    """
    rounded = round(float(value), 2)
    return str(int(rounded)) if rounded.is_integer() else repr(rounded)
