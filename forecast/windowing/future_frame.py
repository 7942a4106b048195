"""The ``future=`` frame of ``predict``: the known-future covariates of the forecast steps.

A model fitted with ``future_covariates`` forecasts from the last ``input_width`` rows of every
series *and* the values those columns will take over the ``horizon`` steps that follow: a
weather forecast, planned promotions. They come as a second frame, indexed like the data (by
timestamp, or by ``(series_id, timestamp)`` for a panel), holding exactly those columns and,
for every series forecast, exactly its next ``horizon`` timestamps on the model's grid (in any
order). :func:`future_covariate_inputs` checks it and encodes it as training did (numeric
columns as they are, the network scales them; categorical ones one-hot with the training
categories), in the order of the windows' ``"future"`` part.

Every mistake is a :class:`~forecast.errors.DataValidationError` naming the column, the series
and the timestamp at fault: a missing or extra column, a missing row, a row off the grid or
beyond the horizon, a duplicated row, a NaN or ``inf`` value, text where training had numbers.

Example:
    >>> import pandas as pd
    >>> from forecast.data.layout import describe_layout
    >>> history = pd.DataFrame({"y": [1.0, 2.0, 3.0], "promo": [0.0, 1.0, 0.0]},
    ...                        index=pd.date_range("2024-01-01", periods=3, freq="D"))
    >>> stamps = pd.date_range("2024-01-04", periods=2, freq="D")
    >>> future = pd.DataFrame({"promo": [1.0, 0.0]}, index=stamps)
    >>> future_covariate_inputs(future, describe_layout(history), stamps, ("promo",), {})[0].tolist()
    [[1.0], [0.0]]
    >>> future_covariate_inputs(future.iloc[:1], describe_layout(history), stamps, ("promo",), {})
    Traceback (most recent call last):
    ...
    forecast.errors.DataValidationError: the future frame lacks the row of this forecast step (future= needs the 2 timestamps after the end of the series, 2024-01-04 00:00:00 to 2024-01-05 00:00:00) [column 'promo', timestamp 2024-01-05 00:00:00]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.columns import is_numeric_column
from forecast.data.frequency import is_fixed
from forecast.data.layout import SeriesLayout
from forecast.errors import DataValidationError
from forecast.features.category_warnings import report_unseen


def future_covariate_inputs(
    future: Any,
    layout: SeriesLayout,
    stamps: pd.DatetimeIndex,
    columns: Sequence[str],
    categories: Mapping[str, tuple],
) -> np.ndarray:
    """The encoded future covariates of every forecast step, ``(n_series, horizon, n_encoded)``.

    Args:
        future: the ``future=`` frame of ``predict``.
        layout: the layout of the history frame (its series, in order, and grid).
        stamps: the forecast timestamps of every series, concatenated (``horizon`` each).
        columns: the future covariate columns, as named at ``fit``.
        categories: the training categories of the categorical columns.

    Returns:
        float32 values, one column per numeric covariate and per category of a categorical one.

    Raises:
        TypeError: ``future`` is not a ``DataFrame``.
        DataValidationError: a column, a row or a value of ``future`` is wrong (see the module
            docstring), naming the column, series and timestamp.
    """
    if not isinstance(future, pd.DataFrame):
        raise TypeError(
            "future must be a pandas DataFrame of the future covariates "
            f"{list(columns)} for the forecast steps, got {type(future).__name__}"
        )
    _check_columns(future, columns)
    n_series = layout.n_series
    horizon = len(stamps) // n_series
    rows = _rows_of_steps(future, layout, stamps, horizon, columns)
    parts = []
    for name in columns:
        column = future[name]
        taken = column.iloc[rows]
        _check_values(taken, name, layout, stamps, horizon, categorical=name in categories)
        if name in categories:
            parts.append(_one_hot(taken, name, categories[name], layout, stamps, horizon))
        else:
            parts.append(taken.to_numpy(dtype=np.float32)[:, None])
    values = np.concatenate(parts, axis=1) if parts else np.zeros((len(stamps), 0), np.float32)
    return values.reshape(n_series, horizon, -1)


def _check_columns(future: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in future.columns]
    if missing:
        raise DataValidationError(
            f"the future frame lacks a future covariate; it needs the columns {list(columns)}, "
            f"has {list(future.columns)}",
            column=missing[0],
        )
    extra = [c for c in future.columns if c not in columns]
    if extra:
        raise DataValidationError(
            f"the future frame holds a column that is not a future covariate of this model "
            f"({list(columns)}); drop it",
            column=extra[0],
        )


def _rows_of_steps(
    future: pd.DataFrame,
    layout: SeriesLayout,
    stamps: pd.DatetimeIndex,
    horizon: int,
    columns: Sequence[str],
) -> np.ndarray:
    """For every forecast step (series by series), the position of its row in ``future``."""
    series, times = _future_keys(future, layout)
    wanted = pd.MultiIndex.from_arrays(
        [np.repeat(np.asarray(layout.series_ids, dtype=object), horizon), stamps]
    )
    given = pd.MultiIndex.from_arrays([series, times])
    duplicated = given.duplicated()
    if duplicated.any():
        i = int(np.argmax(duplicated))
        raise DataValidationError(
            "the future frame holds this forecast step twice",
            column=columns[0],
            series=_series(series[i], layout),
            timestamp=times[i],
        )
    rows = given.get_indexer(wanted)
    if (rows < 0).any():
        i = int(np.argmax(rows < 0))
        first, last = stamps[i - i % horizon], stamps[i - i % horizon + horizon - 1]
        raise DataValidationError(
            f"the future frame lacks the row of this forecast step (future= needs the {horizon} "
            f"timestamps after the end of the series, {first} to {last})",
            column=columns[0],
            series=_series(wanted[i][0], layout),
            timestamp=stamps[i],
        )
    unused = np.ones(len(given), dtype=bool)
    unused[rows] = False
    if unused.any():
        i = int(np.argmax(unused))
        _raise_unused(series[i], times[i], layout, stamps, horizon, columns)
    return rows


def _future_keys(future: pd.DataFrame, layout: SeriesLayout) -> tuple[np.ndarray, pd.Index]:
    """The series id (``None`` for a single series) and timestamp of every row of ``future``."""
    index = future.index
    if layout.is_panel:
        if not isinstance(index, pd.MultiIndex) or index.nlevels != 2:
            raise DataValidationError(
                "the future frame of a panel must be indexed by (series id, timestamp), like "
                f"the data; got an index of {index.nlevels} level(s)"
            )
        series = index.get_level_values(0).to_numpy(dtype=object)
        times = index.get_level_values(1)
    else:
        if isinstance(index, pd.MultiIndex):
            raise DataValidationError(
                "the future frame of a single series must be indexed by timestamp, like the "
                "data; got a MultiIndex"
            )
        series = np.full(len(index), None, dtype=object)
        times = index
    if not isinstance(times, pd.DatetimeIndex):
        raise DataValidationError(
            f"the future frame must be indexed by timestamps, got {type(times).__name__} values"
        )
    return series, times


def _raise_unused(series_id, stamp, layout, stamps, horizon, columns) -> None:
    """Raise the error of a row of ``future`` that is no forecast step."""
    where = {"column": columns[0], "series": _series(series_id, layout), "timestamp": stamp}
    ids = list(layout.series_ids)
    if layout.is_panel and series_id not in ids:
        raise DataValidationError(
            "the future frame holds a series that the data do not (no history to forecast from)",
            **where,
        )
    i = ids.index(series_id) if layout.is_panel else 0
    steps = stamps[i * horizon : (i + 1) * horizon]
    if not _on_grid(stamp, steps[0], layout.freq):
        raise DataValidationError(
            f"the future frame holds a timestamp off the model's {layout.freq.freqstr} grid "
            f"(the forecast steps are {steps[0]} to {steps[-1]})",
            **where,
        )
    raise DataValidationError(
        f"the future frame holds a timestamp outside the {horizon} forecast steps "
        f"({steps[0]} to {steps[-1]}): future= holds exactly the steps forecast",
        **where,
    )


def _on_grid(stamp: pd.Timestamp, first: pd.Timestamp, freq: pd.DateOffset) -> bool:
    """Whether ``stamp`` lies on the grid of ``freq`` through ``first``."""
    if is_fixed(freq):
        return (stamp - first) % pd.Timedelta(freq) == pd.Timedelta(0)
    return bool(freq.is_on_offset(stamp)) and stamp.time() == first.time()


def _check_values(
    column: pd.Series,
    name: str,
    layout: SeriesLayout,
    stamps: pd.DatetimeIndex,
    horizon: int,
    categorical: bool,
) -> None:
    """No NaN (a forecast step's value must be known), no ``inf``, numbers where training
    had numbers."""
    missing = pd.isna(column).to_numpy()
    if missing.any():
        i = int(np.argmax(missing))
        raise DataValidationError(
            "future covariate is NaN at a forecast step: its value must be known in advance "
            "(fill it, e.g. with the forecast you have, or drop the column from "
            "future_covariates)",
            **_where(i, name, layout, stamps, horizon),
        )
    if categorical:
        return
    if not is_numeric_column(column):
        raise DataValidationError(
            f"future covariate was numeric in training but holds {column.dtype} values here",
            **_where(0, name, layout, stamps, horizon),
        )
    values = column.to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (np.abs(values) > float(np.finfo(np.float32).max))
    if bad.any():
        i = int(np.argmax(bad))
        raise DataValidationError(
            f"future covariate is {values[i]} at a forecast step (beyond the float32 range)",
            **_where(i, name, layout, stamps, horizon),
        )


def _one_hot(
    column: pd.Series,
    name: str,
    categories: tuple,
    layout: SeriesLayout,
    stamps: pd.DatetimeIndex,
    horizon: int,
) -> np.ndarray:
    """One-hot columns with the training categories; an unseen one is all zeros (and warned
    about, as for the covariates of the history)."""
    values = column.to_numpy(dtype=object)
    codes = pd.Index(categories, dtype=object).get_indexer(values)
    unseen = codes < 0
    if unseen.any():
        where = _where(int(np.argmax(unseen)), name, layout, stamps, horizon)
        report_unseen(
            name,
            {str(v) for v in values[unseen]},
            series=where["series"],
            timestamp=where["timestamp"],
            stacklevel=6,
        )
    encoded = np.zeros((len(values), len(categories)), dtype=np.float32)
    hit = np.flatnonzero(~unseen)
    encoded[hit, codes[hit]] = 1.0
    return encoded


def _where(step: int, name: str, layout: SeriesLayout, stamps, horizon: int) -> dict[str, Any]:
    """The column, series and timestamp of forecast step ``step`` (counted across series)."""
    series = layout.series_ids[step // horizon] if layout.is_panel else None
    return {"column": name, "series": series, "timestamp": stamps[step]}


def _series(series_id, layout: SeriesLayout):
    return series_id if layout.is_panel else None


def future_of_series(future: Any, frame: Any) -> Any:
    """The rows of a panel's ``future`` frame that belong to the series of ``frame`` (a plain
    or validated frame): what ``predict(..., errors="skip")`` reads for the series it keeps.
    Anything else (no future frame, a single series, a malformed index) is returned as it is,
    for :func:`future_covariate_inputs` to judge."""
    plain = getattr(frame, "frame", frame)
    if not (
        isinstance(future, pd.DataFrame)
        and isinstance(future.index, pd.MultiIndex)
        and isinstance(plain.index, pd.MultiIndex)
    ):
        return future
    ids = pd.unique(plain.index.get_level_values(0))
    return future[future.index.get_level_values(0).isin(ids)]


def require_future(future: Any, columns: Sequence[str], horizon: int, owner: str) -> Any:
    """``future``, which a ``predict`` of a model with the future covariates ``columns``
    needs (``None`` when there are none: the argument is then ignored).

    Raises:
        ValueError: there are future covariates and ``future`` is ``None``, naming ``owner``
            (the model), the columns and the argument.

    Example:
        >>> require_future(None, ("promo",), 2, "LinearForecaster")
        Traceback (most recent call last):
        ...
        ValueError: LinearForecaster was fitted with future_covariates=['promo']: pass their values for the 2 forecast steps as predict(frame, future=<frame>)
    """
    if not columns:
        return None
    if future is None:
        raise ValueError(
            f"{owner} was fitted with future_covariates={list(columns)}: pass their values for "
            f"the {horizon} forecast steps as predict(frame, future=<frame>)"
        )
    return future
