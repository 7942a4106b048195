"""Progress output that suits where it goes: a live bar or plain lines.

A terminal or a Jupyter notebook shows a live bar redrawn in place (tqdm, with the time
left); a file or a CI log gets plain lines instead, never carriage-return redraws.

Example:
    >>> import io
    >>> live_output(io.StringIO())  # a file or a pipe: lines
    False
    >>> format_duration(42.4), format_duration(185), format_duration(7500)
    ('42 s', '3 min 5 s', '2 h 5 min')
"""

from __future__ import annotations

import sys
from typing import IO, Any


def live_output(stream: IO[str] | None = None) -> bool:
    """Whether ``stream`` (default ``sys.stderr``) shows a live bar: a terminal, or the
    output of a Jupyter notebook (an ipykernel stream, which is not a terminal)."""
    stream = sys.stderr if stream is None else stream
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
    return type(stream).__module__.split(".")[0] == "ipykernel"


def format_duration(seconds: float) -> str:
    """``seconds`` for a person: ``"42 s"``, ``"3 min 5 s"``, ``"2 h 5 min"``."""
    seconds = max(0.0, float(seconds))
    if seconds < 59.5:
        return f"{seconds:.0f} s" if seconds >= 9.5 else f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def progress_bar(total: int | None, description: str, unit: str, stream: IO[str] | None = None):
    """A tqdm bar on ``stream`` (default ``sys.stderr``): the notebook widget when ipywidgets
    is installed in a notebook, the text bar otherwise (never tqdm's warning about a missing
    widget)."""
    stream = sys.stderr if stream is None else stream
    bar_class: Any
    if type(stream).__module__.split(".")[0] == "ipykernel" and _has_widgets():
        from tqdm.notebook import tqdm as bar_class
    else:
        from tqdm.std import tqdm as bar_class
    return bar_class(
        total=total, desc=description, unit=unit, file=stream, dynamic_ncols=True, leave=True
    )


def _has_widgets() -> bool:
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True
