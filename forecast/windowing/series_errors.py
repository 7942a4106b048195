"""``predict(panel, errors="skip")``: forecast the series that can be, report those that cannot.

With ``errors="raise"`` (the default), ``predict`` raises the first error of any series. With
``errors="skip"``, a series that fails validation or windowing (too short, NaN at its end, an
``inf``, no target values, another frequency, ...) is set aside with its reason, and the others
are forecast as if the frame held them only. ``predict`` still returns the forecasts frame; the
failures are in ``forecasts.attrs["errors"]``, a dict ``{series_id: reason}`` in the frame's
order (empty when every series was forecast), and a ``UserWarning`` says how many series were
skipped. A single series (no panel) raises either way: there is nothing else to forecast.

A failing series is found as ``forecast batch`` finds it: an error that names its series sets
that series aside and the rest is read again; an error that names none splits the series in
halves until it does.

Example:
    >>> import numpy as np, pandas as pd
    >>> from forecast.windowing.latest import latest_windows
    >>> from forecast.windowing.spec import WindowSpec
    >>> index = pd.date_range("2024-01-01", periods=48, freq="h")
    >>> frame = pd.concat({"a": pd.DataFrame({"y": np.arange(48.0)}, index),
    ...                    "b": pd.DataFrame({"y": np.nan}, index)},
    ...                   names=["series_id", "timestamp"])
    >>> read = lambda part: latest_windows(part, WindowSpec(24, 2), target="y")
    >>> latest, failures = latest_windows_skipping(read, frame)
    >>> latest.index.get_level_values(0).unique().tolist(), latest.inputs[:, -1, 0].tolist()
    (['a'], [47.0])
    >>> failures
    {'b': "target column has no values (every value is NaN); drop the series or fill its target [column 'y']"}
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.validated import ValidatedFrame
from forecast.errors import DataValidationError
from forecast.windowing.latest import LatestWindows

#: The values of ``predict``'s ``errors`` argument.
ERROR_MODES = ("raise", "skip")
#: The key of ``forecasts.attrs`` that holds ``{series_id: reason}`` of the skipped series.
ERRORS_ATTR = "errors"
#: The key of ``forecasts.attrs`` that holds how many NaN input values were filled for them.
FILLED_ATTR = "filled_inputs"
#: The key of ``forecasts.attrs`` that holds how many forecast steps fall at times of day (or
#: week) the training data had no values at (closed hours).
UNOBSERVED_ATTR = "unobserved_steps"


def check_errors_mode(errors: str) -> None:
    """Raise a ``ValueError`` unless ``errors`` is one of :data:`ERROR_MODES`."""
    if errors not in ERROR_MODES:
        raise ValueError(f"errors must be 'raise' or 'skip', got {errors!r}")


def latest_windows_skipping(
    read: Callable[[Any], LatestWindows], frame: pd.DataFrame | ValidatedFrame
) -> tuple[LatestWindows | None, dict[Any, str]]:
    """The latest windows of the series ``read`` accepts, and the reason of each it refuses.

    Args:
        read: reads the latest windows of a frame (validating it); raises a
            :class:`~forecast.errors.DataValidationError` for a frame it cannot forecast.
        frame: a panel (or a single series, read as it is: its error is raised).

    Returns:
        ``(latest, failures)``: ``read`` of the frame without the failed series (``None``
        when every series failed), and ``{series_id: reason}`` in the frame's order, each
        reason the error's message without the series (the key says which).

    Raises:
        DataValidationError: a single series (not a panel) that ``read`` refuses, or an error
            of the good series read together that none of them raised alone.
    """
    try:
        return read(frame), {}
    except DataValidationError as error:
        plain = frame.frame if isinstance(frame, ValidatedFrame) else frame
        if not isinstance(plain.index, pd.MultiIndex):
            raise
        failures = dict(read_by_series(read, plain, error)[1])
    ids = plain.index.get_level_values(0)
    ordered = {sid: failures[sid] for sid in pd.unique(ids) if sid in failures}
    good = plain[~ids.isin(list(ordered))]
    return (read(good) if len(good) else None), ordered


def read_by_series(
    read: Callable[[Any], Any],
    panel: pd.DataFrame,
    error: DataValidationError | None = None,
    describe: Callable[[DataValidationError], str] | None = None,
) -> tuple[list[Any], list[tuple[Any, str]]]:
    """Read ``panel`` in parts that ``read`` accepts, setting aside each series it refuses.

    An error that names its series sets that series aside and the rest is read again; an
    error that names none splits the series in halves until it does (a single series that
    fails is set aside with the whole message).

    Args:
        read: reads a frame, raising :class:`~forecast.errors.DataValidationError` for one it
            cannot forecast.
        panel: the series to read.
        error: what reading the whole ``panel`` already raised (``None``: not read yet).
        describe: the reason given for an error that names its series (default: the message
            without the series, which the failure's key names).

    Returns:
        ``(parts, failures)``: what ``read`` returned for each accepted part, and
        ``(series_id, reason)`` of each refused series, in the order they were found.
    """
    describe = describe or _reason
    parts: list[Any] = []
    failures: list[tuple[Any, str]] = []
    pending: list[tuple[pd.DataFrame, DataValidationError | None]] = [(panel, error)]
    while pending:
        part, failed = pending.pop()
        if failed is None:
            try:
                parts.append(read(part))
                continue
            except DataValidationError as exc:
                failed = exc
        ids = part.index.get_level_values(0)
        unique = pd.unique(ids)
        if failed.series is not None and (ids == failed.series).any():
            failures.append((failed.series, describe(failed)))
            rest = part[ids != failed.series]
            if len(rest):
                pending.append((rest, None))
        elif len(unique) == 1:
            failures.append((unique[0], str(failed) if describe is _reason else describe(failed)))
        else:
            half = ids.isin(unique[: len(unique) // 2])
            pending.extend([(part[~half], None), (part[half], None)])
    return parts, failures


def _reason(error: DataValidationError) -> str:
    """The error's message with the column and timestamp at fault, not the series."""
    return str(
        DataValidationError(
            error.reason, advice=error.advice, column=error.column, timestamp=error.timestamp
        )
    )


def forecast_frame(
    latest: LatestWindows | None,
    values: np.ndarray | None,
    targets: Sequence[str],
    frame: pd.DataFrame | ValidatedFrame,
) -> pd.DataFrame:
    """The forecasts frame of ``predict``: ``values`` ``(n, horizon, n_targets)`` indexed by
    ``latest.index``, one float64 column per target; with no ``latest`` (every series
    skipped), an empty frame with the index levels of ``frame``. ``attrs["filled_inputs"]``
    says how many NaN input values the missing-value policy filled for these forecasts, and
    ``attrs["unobserved_steps"]`` how many steps fall at times the training data had no values
    at (closed hours), which a ``UserWarning`` then says too."""
    columns = list(targets)
    if latest is None:
        index = (frame.frame if isinstance(frame, ValidatedFrame) else frame).index[:0]
        forecasts = pd.DataFrame(np.zeros((0, len(columns))), index=index, columns=columns)
    else:
        forecasts = pd.DataFrame(
            np.asarray(values, dtype=np.float64).reshape(-1, len(columns)),
            index=latest.index,
            columns=columns,
        )
    forecasts.attrs[FILLED_ATTR] = 0 if latest is None else int(latest.filled_inputs)
    forecasts.attrs[UNOBSERVED_ATTR] = 0 if latest is None else int(latest.unobserved_steps)
    if latest is not None and latest.unobserved_steps:
        _warn_unobserved(latest)
    return forecasts


def _warn_unobserved(latest: LatestWindows) -> None:
    """Say how many forecast steps fall at times the training data had no values at."""
    times = latest.observed_times
    stamps = latest.index.get_level_values(-1)
    first = stamps[~times.contains(stamps)][0]
    warnings.warn(
        f"{latest.unobserved_steps} of {len(stamps)} forecast steps (the first at {first}) fall "
        f"at times of {times.period} the training data had no values at (it had values "
        f"{times.describe()}): they forecast closed hours; predict(..., "
        "future_grid='observed') starts each forecast at the next observed time instead",
        UserWarning,
        stacklevel=5,
    )


def attach_failures(
    forecasts: pd.DataFrame, failures: dict[Any, str], frame: pd.DataFrame | ValidatedFrame
) -> pd.DataFrame:
    """Store ``failures`` in ``forecasts.attrs["errors"]`` and, if any series was skipped,
    warn how many (of the series of ``frame``); returns ``forecasts``."""
    forecasts.attrs[ERRORS_ATTR] = dict(failures)
    if failures:
        plain = frame.frame if isinstance(frame, ValidatedFrame) else frame
        n_series = len(pd.unique(plain.index.get_level_values(0)))
        named = ", ".join(repr(sid) for sid in list(failures)[:3])
        more = ", ..." if len(failures) > 3 else ""
        warnings.warn(
            f"skipped {len(failures)} of {n_series} series that cannot be forecast "
            f"({named}{more}); forecasts.attrs[{ERRORS_ATTR!r}] holds the reason of each",
            UserWarning,
            stacklevel=3,
        )
    return forecasts
