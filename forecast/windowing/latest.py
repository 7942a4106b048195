"""The inputs of the next forecast: the last ``input_width`` rows of every series.

``predict`` forecasts the ``horizon`` steps after the end of each series; this module collects
what that needs (validated, encoded with the training categories, filled as the missing-value
policy allows: under ``"fill"``, each window from its own observations, as training windows
are) and the future timestamps that index the forecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.frequency import is_fixed
from forecast.data.layout import SeriesLayout
from forecast.data.missing import MissingPolicy, fill_windows
from forecast.data.observed_times import (
    ObservedTimes,
    check_future_grid,
    continue_to_next_observed,
    grid_step,
)
from forecast.data.validated import ValidatedFrame, ensure_validated
from forecast.errors import DataValidationError
from forecast.features.calendar_features import calendar_features, future_index
from forecast.features.encoding import Features, build_features
from forecast.windowing.future_frame import future_covariate_inputs
from forecast.windowing.origins import window_rules
from forecast.windowing.spec import WindowSpec, check_lengths


@dataclass(frozen=True, eq=False)
class LatestWindows:
    """The last ``input_width`` rows of every series: the inputs of the next forecast.

    Attributes:
        inputs: ``(n_series, input_width, n_inputs)`` float32 array, or with known-future
            inputs a dict ``{"past": ..., "future": (n_series, horizon, n_future)}`` (the
            encoded future covariates from the ``future`` frame, then the calendar).
        index: the forecast's index: the ``horizon`` timestamps after each series' end
            (a ``DatetimeIndex``, or a ``(series_id, timestamp)`` ``MultiIndex`` for a panel).
        layout: the frame's layout.
        input_columns: the names of the input columns.
        filled_inputs: how many NaN input values the missing-value policy filled in them.
        unobserved_steps: how many forecast steps fall at times of day (or week) the training
            data had no values at (closed hours; 0 when the model recorded no such times).
        observed_times: the times the training data had values at, or ``None``.
    """

    inputs: Any
    index: pd.Index
    layout: SeriesLayout
    input_columns: tuple[str, ...]
    filled_inputs: int = 0
    unobserved_steps: int = 0
    observed_times: ObservedTimes | None = None


def latest_windows(
    frame: pd.DataFrame | ValidatedFrame,
    spec: WindowSpec,
    target: str | Sequence[str] | None = None,
    covariates: str | Sequence[str] | None = None,
    calendar: str | Sequence[str] = (),
    missing: MissingPolicy = MissingPolicy(),
    freq: str | pd.DateOffset | None = None,
    categories: dict[str, tuple] | None = None,
    future_grid: str = "grid",
    observed_times: ObservedTimes | None = None,
    future_covariates: str | Sequence[str] | None = None,
    future: pd.DataFrame | None = None,
) -> LatestWindows:
    """Collect the inputs for forecasting the ``horizon`` steps after the end of every series.

    Each series needs ``input_width`` gap-free rows at its end whose NaN inputs the
    missing-value policy can fill (under ``"fill"``: every input column observed at least once
    in them); the calendar features of the forecast steps come from the future timestamps,
    the future covariates of the forecast steps from the ``future`` frame (see
    :mod:`forecast.windowing.future_frame`), their past values from ``frame``.

    Args:
        frame, spec, target, covariates, calendar, missing, freq, categories,
        future_covariates: as for :func:`~forecast.windowing.windows.make_windows` (pass the
            categories and frequency seen in training); a validated frame is not validated
            again.
        future_grid: ``"grid"`` (default): the forecast steps continue the grid after each
            series' end, closed hours included; ``"observed"``: the forecast starts at the
            next of the ``observed_times`` after the end (a car park's next opening), the
            closed hours before it read as missing inputs (see
            :func:`~forecast.data.observed_times.continue_to_next_observed`).
        observed_times: the times of day (or week) the training data had values at, which
            ``unobserved_steps`` counts against (and ``"observed"`` needs).
        future: with ``future_covariates``, their values at the ``horizon`` timestamps after
            the end of every series.

    Raises:
        DataValidationError: the frame fails validation, a series is too short, its last
            ``input_width`` rows cross a gap or hold a NaN input the policy cannot fill, or
            the ``future`` frame is wrong.
        ValueError: ``target``, ``covariates`` or ``freq`` contradict a validated frame,
            ``future`` is missing while there are future covariates, or
            ``future_grid="observed"`` without ``observed_times``.

    Example:
        >>> import numpy as np, pandas as pd
        >>> frame = pd.DataFrame({"y": np.arange(5.0)},
        ...                      index=pd.date_range("2024-01-01", periods=5, freq="D"))
        >>> latest = latest_windows(frame, WindowSpec(2, 3), target="y")
        >>> latest.inputs[0, :, 0].tolist(), latest.index.strftime("%m-%d").tolist()
        ([3.0, 4.0], ['01-06', '01-07', '01-08'])
        >>> frame.iloc[3, 0] = np.nan  # filled from the window's own observation
        >>> latest = latest_windows(frame, WindowSpec(2, 3), target="y")
        >>> latest.inputs[0, :, 0].tolist(), latest.filled_inputs
        ([4.0, 4.0], 1)
    """
    validated = _on_future_grid(
        ensure_validated(frame, target, covariates, freq, future_covariates),
        future_grid,
        observed_times,
    )
    layout = validated.layout
    _require_future(validated, future, spec.horizon)
    check_lengths(layout, spec, needed=spec.input_width)
    features = build_features(
        validated.frame,
        layout,
        validated.targets,
        validated.covariates,
        calendar,
        missing,
        categories=categories,
        future_covariates=validated.future_covariates,
    )
    ends = layout.starts[1:]
    firsts = ends - spec.input_width
    _check_usable(features, layout, spec, missing)
    rows = firsts[:, None] + np.arange(spec.input_width)[None, :]
    past = features.values[rows]
    counts = features.input_nan_counts
    filled = 0 if counts is None else int(counts[rows].sum())
    if filled and missing.fills_windows:
        past = fill_windows(past)
    stamps = _future_stamps(layout.timestamps[ends - 1], layout.freq, spec.horizon)
    index = _forecast_index(validated, stamps, spec.horizon)
    inputs: Any = past
    if features.future_columns:
        known = _future_part(future, validated, features, stamps, calendar, spec.horizon)
        inputs = {"past": past, "future": known}
    return LatestWindows(
        inputs=inputs,
        index=index,
        layout=layout,
        input_columns=features.input_columns,
        filled_inputs=filled,
        unobserved_steps=0 if observed_times is None else observed_times.count_outside(stamps),
        observed_times=observed_times,
    )


def _require_future(validated: ValidatedFrame, future, horizon: int) -> None:
    """A frame with future covariates needs their values at the forecast steps."""
    if validated.future_covariates and future is None:
        raise ValueError(
            f"the future covariates {list(validated.future_covariates)} need their values for "
            f"the {horizon} forecast steps: pass them as future=<frame>"
        )


def _forecast_index(validated: ValidatedFrame, stamps: pd.DatetimeIndex, horizon: int):
    """The index of the forecast rows: the future timestamps (and series ids of a panel)."""
    layout = validated.layout
    if not layout.is_panel:
        return stamps.rename(validated.frame.index.name)
    return pd.MultiIndex.from_arrays(
        [np.repeat(np.asarray(layout.series_ids, dtype=object), horizon), stamps],
        names=list(validated.frame.index.names),
    )


def _on_future_grid(
    validated: ValidatedFrame, future_grid: str, observed_times: ObservedTimes | None
) -> ValidatedFrame:
    """``validated``, continued to each series' next observed time for ``"observed"``."""
    check_future_grid(future_grid)
    if future_grid == "grid":
        return validated
    if observed_times is None:
        raise ValueError(
            "future_grid='observed' needs the times of day the training data had values at, "
            "and this model recorded none (its grid is not one the time of day or week "
            "describes, or it was fitted or exported before they were recorded)"
        )
    if grid_step(validated.layout.freq) != observed_times.step:
        return validated  # another frequency: refused as such by the caller
    return continue_to_next_observed(validated, observed_times)


def _future_part(
    future: pd.DataFrame | None,
    validated: ValidatedFrame,
    features: Features,
    stamps: pd.DatetimeIndex,
    calendar: str | Sequence[str],
    horizon: int,
) -> np.ndarray:
    """The known-future inputs of the forecast steps ``(n_series, horizon, n_future)``: the
    future covariates from ``future``, then the calendar of the future timestamps."""
    layout = validated.layout
    known = []
    if validated.future_covariates:
        columns, categories = validated.future_covariates, features.categories
        known.append(future_covariate_inputs(future, layout, stamps, columns, categories))
    if features.calendar_columns:
        table = calendar_features(stamps, calendar).to_numpy(dtype=np.float32)
        known.append(table.reshape(layout.n_series, horizon, -1))
    return np.concatenate(known, axis=-1)


def _check_usable(
    features: Features, layout: SeriesLayout, spec: WindowSpec, missing: MissingPolicy
) -> None:
    """Raise an error naming the first series whose window at its end breaks an origin rule
    (:func:`~forecast.windowing.origins.window_rules`): its last ``input_width`` rows cross a
    gap or, after every series passed that, hold a NaN input the missing-value policy cannot
    fill (under ``"fill"``: an input column without any observation in them)."""
    ends = layout.starts[1:]
    for rule, ok in window_rules(ends, spec, features, labels=False):
        if ok.all():
            continue
        end = int(ends[np.argmin(ok)])
        first = end - spec.input_width
        if rule == "gap":
            gap = first + int(np.flatnonzero(np.diff(features.block_ids[first:end]))[-1]) + 1
            raise DataValidationError(
                f"the last {spec.input_width} rows (input_width) must be gap-free to forecast "
                f"from the end of the series, but a gap ends here",
                **layout.where(gap),
            )
        if missing.fills_windows:
            _raise_unobserved(features, layout, spec, first)
        row = first + int(np.flatnonzero(features.input_nan[first:end])[-1])
        bad = [c for c, v in zip(features.input_columns, features.values[row]) if np.isnan(v)]
        raise DataValidationError(
            f"input is NaN in the last {spec.input_width} rows, beyond what the missing-value "
            f"policy fills ({missing})",
            column=bad[0],
            **layout.where(row),
        )


def _raise_unobserved(features: Features, layout: SeriesLayout, spec: WindowSpec, first: int):
    """Raise the error of a latest window (from row ``first``) with an input column that holds
    no observation, naming the column, the series, the window's rows and the origin."""
    end = first + spec.input_width
    block = features.values[first:end]
    j = next(j for j in features.nan_columns if np.isnan(block[:, j]).all())
    column = features.input_columns[j]
    if column.split("=")[0] in features.categories:  # a one-hot column: name the frame's
        column = column.split("=")[0]
    stamps = layout.timestamps
    origin = _future_stamps(stamps[end - 1 : end], layout.freq, 1)[0]
    raise DataValidationError(
        f"input column {column!r} holds no observed value in the last "
        f"{spec.input_width} rows (input_width, {stamps[first]} to {stamps[end - 1]}): the "
        f"forecast from origin {origin} has nothing to fill it from (MissingPolicy "
        "inputs='fill' fills a window from its own observations only)",
        column=column,
        **layout.where(end - 1),
    )


def _future_stamps(lasts: pd.DatetimeIndex, freq: pd.DateOffset, horizon: int) -> pd.DatetimeIndex:
    """The ``horizon`` grid timestamps after each of ``lasts``, concatenated."""
    if not is_fixed(freq):  # calendar offsets (days across DST, months, ...): series by series
        stamps = [future_index(last, freq, horizon) for last in lasts]
        return stamps[0].append(stamps[1:])
    offsets = np.arange(1, horizon + 1) * pd.Timedelta(freq).to_timedelta64()
    local = lasts.tz_convert("UTC").tz_localize(None) if lasts.tz is not None else lasts
    stamps = pd.DatetimeIndex((local.to_numpy()[:, None] + offsets[None, :]).reshape(-1))
    return stamps.tz_localize("UTC").tz_convert(lasts.tz) if lasts.tz is not None else stamps
