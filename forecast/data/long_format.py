"""Long frames in and out: ``fit``, ``predict``, ``backtest`` and ``compare`` on ``unique_id, ds, y``.

A *long frame* has one row per series and timestamp, its series id and time as columns (Nixtla's
``unique_id / ds / y``) and a plain ``RangeIndex``. The models read the data model of
:mod:`forecast.data.layout` (a ``DatetimeIndex``, or a ``(series_id, timestamp)`` ``MultiIndex``);
:func:`long_format` says whether a frame is long and by which columns, :meth:`LongFormat.read`
turns it into the data model (:func:`~forecast.data.readers.from_long`, with its checks) and
:meth:`LongFormat.write` turns a forecast indexed the data model's way back into a long frame
named like the input.

The columns are given per call, as keyword arguments (``id_col=``, ``time_col=``), with the
names :func:`~forecast.data.readers.read_csv`, :func:`~forecast.data.readers.from_long` and
``forecast batch`` (``--id-col``, ``--time-col``) use: how a frame is laid out belongs to the
frame, not to the model, so a model fitted on a long frame forecasts a panel and the other way
round. Left out, a frame without a ``DatetimeIndex`` or ``MultiIndex`` is read by the columns
``ds`` and ``unique_id`` when it has them (``unique_id`` absent: one series).

Example:
    >>> import pandas as pd
    >>> long = pd.DataFrame({"unique_id": ["a", "a", "b", "b"],
    ...                      "ds": pd.to_datetime(["2024-01-01", "2024-01-02"] * 2),
    ...                      "y": [1.0, 2.0, 10.0, 20.0]})
    >>> layout = long_format(long)
    >>> layout
    LongFormat(id_col='unique_id', time_col='ds')
    >>> panel = layout.read(long)
    >>> panel.index.names
    FrozenList(['series_id', 'timestamp'])
    >>> layout.write(panel).equals(long)
    True
    >>> long_format(panel) is None  # already in the data model
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from forecast.data.readers import ID_COL, TIME_COL, from_long, to_long
from forecast.data.validated import ValidatedFrame


@dataclass(frozen=True)
class LongFormat:
    """The id and time columns of a long frame.

    Attributes:
        id_col: the series id column, or ``None`` (one series, no id column).
        time_col: the time column.
    """

    id_col: str | None
    time_col: str

    def read(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The long ``frame`` in the data model (see :func:`~forecast.data.readers.from_long`).

        Raises:
            DataValidationError: a missing id or time column, a missing id, an unparsable
                time, or two rows of one series at one time (naming the column, the series
                and the rows).
        """
        return from_long(frame, id_col=self.id_col, time_col=self.time_col)

    def write(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A frame indexed the data model's way (a forecast) as a long frame: the columns
        ``id_col`` (for a panel, or when the input had one), ``time_col``, then ``frame``'s;
        ``frame.attrs`` are kept."""
        if isinstance(frame.index, pd.MultiIndex):
            return to_long(frame, id_col=self.id_col or ID_COL, time_col=self.time_col)
        return to_long(frame, id_col=self.id_col, time_col=self.time_col)

    def names(self) -> dict[str, str]:
        """How the data model's index names (``series_id``, ``timestamp``) are called in the
        long frame: the renaming of a tidy backtest frame."""
        names = {"timestamp": self.time_col}
        if self.id_col is not None:
            names["series_id"] = self.id_col
        return names


def long_format(
    frame: Any, id_col: str | None = None, time_col: str | None = None
) -> LongFormat | None:
    """Whether ``frame`` is a long frame, and by which columns (``None``: it is not).

    Args:
        frame: what a ``fit``, ``predict``, ``backtest`` or ``compare`` was given.
        id_col: the series id column; ``None``: ``unique_id`` if the frame has one, else
            one series.
        time_col: the time column; ``None``: ``ds`` (when the frame has it, or has the id
            column: then a missing ``ds`` is an error naming it).

    Returns:
        The :class:`LongFormat`, or ``None`` for a frame in the data model (a ``DatetimeIndex``
        or a ``MultiIndex``), a :class:`~forecast.data.validated.ValidatedFrame`, anything
        that is not a ``DataFrame`` (the caller's checks refuse it), or a frame with neither
        the columns named nor the defaults.

    Raises:
        ValueError: ``id_col`` or ``time_col`` given for a frame already indexed by time, or
            ``time_col`` not one column name.

    Example:
        >>> import pandas as pd
        >>> long_format(pd.DataFrame({"ds": ["2024-01-01"], "y": [1.0]}))
        LongFormat(id_col=None, time_col='ds')
        >>> long_format(pd.DataFrame({"store": ["a"], "day": ["2024-01-01"], "y": [1.0]}),
        ...             id_col="store", time_col="day")
        LongFormat(id_col='store', time_col='day')
    """
    if time_col is not None and not isinstance(time_col, str):
        raise ValueError(
            f"time_col must name one column, got {time_col!r}; assemble date parts into a "
            "timestamp with forecast.from_long(frame, time_col=[...]) first"
        )
    given = id_col is not None or time_col is not None
    if isinstance(frame, ValidatedFrame) or not isinstance(frame, pd.DataFrame):
        if given and isinstance(frame, ValidatedFrame):
            raise ValueError("id_col and time_col are for long frames, not a validated frame")
        return None
    if isinstance(frame.index, (pd.DatetimeIndex, pd.MultiIndex)):
        if given:
            raise ValueError(
                f"id_col={id_col!r} and time_col={time_col!r} name the columns of a long frame "
                f"(one row per series and timestamp), but this frame is indexed by "
                f"{type(frame.index).__name__} {list(frame.index.names)} already; leave them "
                "out, or pass frame.reset_index()"
            )
        return None
    if time_col is None:
        if TIME_COL not in frame.columns and id_col is None and ID_COL not in frame.columns:
            return None  # no sign of a long frame: describe_layout says what a frame needs
        time_col = TIME_COL
    if id_col is None and ID_COL in frame.columns:
        id_col = ID_COL
    return LongFormat(id_col=id_col, time_col=time_col)


def read_long(
    frame: Any, id_col: str | None = None, time_col: str | None = None
) -> tuple[Any, LongFormat | None]:
    """``(frame in the data model, its LongFormat)``; a frame that is not long is returned as
    it is, with ``None`` (see :func:`long_format`)."""
    layout = long_format(frame, id_col, time_col)
    return (frame, None) if layout is None else (layout.read(frame), layout)


def write_long(frame: pd.DataFrame, layout: LongFormat | None) -> pd.DataFrame:
    """``frame`` as a long frame when the input was long (``layout`` given), else unchanged."""
    return frame if layout is None else layout.write(frame)
