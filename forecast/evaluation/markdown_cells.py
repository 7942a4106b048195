"""Cells of the report's Markdown tables: numbers rounded to about four significant digits,
settings as they would be typed, text escaped for a table cell.

Example:
    >>> format_float(1234.5678, decimals(np.array([1234.5678, 3.0])))
    '1,235'
    >>> print(escape("a|b"))  # a pipe would end the cell
    a\\|b
"""

from __future__ import annotations

import math

import numpy as np


def decimals(values: np.ndarray) -> int:
    """Decimals that show the column's largest value with about four significant digits."""
    finite = np.abs(values[np.isfinite(values)])
    largest = finite.max() if finite.size else 0.0
    if largest == 0:
        return 2
    return int(min(4, max(0, 3 - math.floor(math.log10(largest)))))


def format_float(value, decimals: int) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    rounded = round(float(value), decimals)
    return f"{rounded if rounded != 0 else 0.0:,.{decimals}f}"


def format_value(value, grouping: bool = True) -> str:
    """A cell of the data summary (``grouping``: thousands separators) or of the settings
    (values as they would be typed: ``1.0``, ``50000``)."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return "–" if grouping else str(float(value))
        if grouping:
            return f"{value:,.4g}" if abs(value) < 1e15 else str(value)
        return repr(float(value))
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}" if grouping else str(int(value))
    if isinstance(value, (list, tuple, dict, set)):
        return repr(value)
    return str(value)


def percent(fraction: float) -> str:
    return f"{100 * fraction:.1f}%"


def join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def escape(value) -> str:
    """Text safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")
