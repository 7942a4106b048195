"""Backtest origins: their grid, the rows before one, the forecasts made at them.

An *origin* is the timestamp of the first forecast step; the forecast made there reads the
``input_width`` rows before it. (:mod:`forecast.windowing.origins` decides which rows may start
a window; this module chooses the backtest's origins among them and turns the forecasts made
there into tidy rows.)

* :func:`origin_grid` (:func:`forecast_origins` for a frame): the origins common to all series,
  from ``start`` every ``stride`` steps, up to the last origin whose whole horizon lies in the
  data;
* :func:`rows_before`: the training rows of a fit before an origin;
* :func:`forecast_at_origins`: a fitted model's forecasts at some origins, as a tidy frame;
* :func:`common_origins`: several models' forecasts restricted to the origins they all have.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from forecast.data.layout import SeriesLayout, describe_layout
from forecast.errors import DataValidationError
from forecast.evaluation.schema import SINGLE_SERIES_ID, TIDY_COLUMNS, quantile_column
from forecast.models.base import BaseForecaster
from forecast.models.own_windows import EVALUATION_BATCH


def forecast_origins(
    frame: pd.DataFrame,
    horizon: int,
    start: float | str | pd.Timestamp = 0.8,
    stride: int | None = None,
) -> pd.DatetimeIndex:
    """The origin grid :func:`forecast.backtest` uses for these arguments (before windows are
    checked).

    Example:
        >>> import forecast
        >>> frame = forecast.load_dataset("electricity_hourly")
        >>> origins = forecast_origins(frame, horizon=24, start="2014-09-14", stride=24)
        >>> len(origins), str(origins[0]), str(origins[-1])
        (109, '2014-09-14 00:00:00', '2014-12-31 00:00:00')
    """
    return origin_grid(
        describe_layout(frame), start, horizon if stride is None else stride, horizon
    )


def origin_grid(layout: SeriesLayout, start, stride: int, horizon: int) -> pd.DatetimeIndex:
    """The origins on the layout's time grid from ``start`` every ``stride`` steps, up to the
    last one whose ``horizon`` ends inside the data.

    ``start`` is a timestamp, or a fraction of the time span rounded up to the first timestamp
    plus a multiple of ``stride``.

    Raises:
        DataValidationError: no origin has data before it and a whole horizon after it.
    """
    first_stamp, last_stamp = layout.timestamps.min(), layout.timestamps.max()
    grid = pd.date_range(first_stamp, last_stamp, freq=layout.freq)
    last = len(grid) - horizon  # the last origin whose horizon ends inside the data
    if isinstance(start, (float, np.floating)) and not isinstance(start, bool):
        if not 0.0 < start < 1.0:
            raise ValueError(f"start as a fraction must lie in (0, 1), got {start!r}")
        # rounded up onto the grid first timestamp + k * stride (daily origins at the data's hour)
        first = int(np.ceil(start * (len(grid) - 1) / stride)) * stride
    else:
        try:
            stamp = pd.Timestamp(start)
        except (TypeError, ValueError):
            raise ValueError(
                f"start must be a fraction in (0, 1) or a timestamp, got {start!r}"
            ) from None
        if stamp.tz is None and grid.tz is not None:
            stamp = stamp.tz_localize(grid.tz)
        first = int(grid.searchsorted(stamp))
    if first < 1 or first > last:
        raise DataValidationError(
            f"start {start!r} leaves no origin with data before it and a whole horizon of "
            f"{horizon} steps after it; the data run from {first_stamp} to {last_stamp}"
        )
    return grid[first : last + 1 : stride]


def rows_before(
    frame: pd.DataFrame, layout: SeriesLayout, cutoff: pd.Timestamp, needed: int
) -> pd.DataFrame:
    """The rows before ``cutoff``, without the series too short for one window there."""
    if not layout.is_panel:
        before = frame.loc[frame.index < cutoff]
    else:
        before = frame.loc[frame.index.get_level_values(1) < cutoff]
        counts = before.groupby(level=0, sort=False).size()
        short = counts.index[counts < needed]
        if len(short):
            before = before.drop(index=short, level=0)
    if len(before) < needed:
        raise DataValidationError(
            f"no series has the {needed} rows (input width + horizon) a fit needs before the "
            f"origin {cutoff}; start the backtest later",
            timestamp=cutoff,
        )
    return before


def forecast_at_origins(
    model: BaseForecaster,
    frame: pd.DataFrame,
    origins: pd.DatetimeIndex,
    name: str,
    quantiles: tuple[float, ...] = (),
) -> pd.DataFrame:
    """A fitted model's forecasts from the valid windows of ``frame`` at ``origins``, as a tidy
    frame (:data:`~forecast.evaluation.schema.TIDY_COLUMNS`) whose ``model`` is ``name``, and
    one column per level of ``quantiles`` (:func:`~forecast.evaluation.schema.quantile_column`).

    The windows go through the model in batches of ``EVALUATION_BATCH``;
    ``attrs["filled_inputs"]`` says how many NaN input values the missing-value policy filled
    in them.
    """
    windows = model.windows(frame)
    index = windows.origin_index("train")
    chosen = index.loc[index["origin"].isin(origins)]
    rows = chosen["row"].to_numpy()
    forecasts = model.forecast_windows(windows, rows=rows)
    labels = (
        np.concatenate(
            [
                windows.gather(rows[i : i + EVALUATION_BATCH])[1]
                for i in range(0, len(rows), EVALUATION_BATCH)
            ]
        )
        if len(rows)
        else np.zeros_like(forecasts)
    )
    n, horizon, n_targets = forecasts.shape
    per_window = horizon * n_targets
    series = (
        chosen["series_id"].to_numpy(dtype=object)
        if "series_id" in chosen
        else np.full(n, SINGLE_SERIES_ID, dtype=object)
    )
    stamp_rows = (rows[:, None] + np.arange(horizon)[None, :]).ravel()
    tidy = pd.DataFrame(
        {
            "series_id": np.repeat(series, per_window),
            "target": np.tile(np.asarray(model.target_columns_, dtype=object), n * horizon),
            "origin": pd.DatetimeIndex(chosen["origin"]).repeat(per_window),
            "timestamp": windows.layout.timestamps.take(np.repeat(stamp_rows, n_targets)),
            "step": np.tile(np.repeat(np.arange(1, horizon + 1), n_targets), n),
            "actual": labels.astype(np.float64).ravel(),
            "forecast": forecasts.astype(np.float64).ravel(),
            "model": name,
        },
        columns=list(TIDY_COLUMNS),
    )
    if quantiles:
        levels = model.forecast_quantile_windows(windows, quantiles, rows=rows)
        for i, level in enumerate(quantiles):
            tidy[quantile_column(level)] = levels[..., i].astype(np.float64).ravel()
    tidy.attrs["filled_inputs"] = windows.filled_inputs(rows=rows)
    return tidy


def common_origins(forecasts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All models' forecasts, restricted to the (series, origin) pairs every model has."""
    keys = None
    for tidy in forecasts.values():
        pairs = pd.MultiIndex.from_frame(tidy[["series_id", "origin"]].drop_duplicates())
        keys = pairs if keys is None else keys.intersection(pairs)
    if keys is None or len(keys) == 0:
        raise DataValidationError("the models share no (series, origin) pair to compare on")
    kept = []
    for model_name, tidy in forecasts.items():
        mask = pd.MultiIndex.from_frame(tidy[["series_id", "origin"]]).isin(keys)
        dropped = tidy.loc[~mask, ["series_id", "origin"]].drop_duplicates()
        if len(dropped):
            warnings.warn(
                f"{model_name}: {len(dropped)} (series, origin) pairs left out because another "
                "model could not forecast them (a longer input window, for example)",
                stacklevel=3,
            )
        kept.append(tidy.loc[mask])
    return pd.concat(kept, ignore_index=True)
