"""The one base class of every forecaster: validated public methods, private implementations.

Subclasses (baselines and neural networks alike) implement two private methods on windows that
this class has already validated and built:

* ``_fit_windows(windows)``: learn from the training (and validation) windows;
* ``_forecast(inputs)``: ``(n, horizon, n_targets)`` forecasts in original units from a batch of
  raw inputs (an array ``(n, input_width, n_inputs)``, or a dict with ``"past"`` and
  ``"future"`` when calendar features are used).

Everything else (validation, frequency, seasons, calendar defaults, windows, ``predict`` frames,
``score``) lives here, so every comparison runs through one code path.

The sklearn conventions hold: ``__init__`` stores its arguments; ``fit`` returns ``self``;
fitted attributes end in ``_``; ``predict`` before ``fit`` raises ``NotFittedError``;
``score`` is higher-is-better (negative MAE), so ``GridSearchCV`` works on frames.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from forecast.data.columns import as_column_tuple
from forecast.data.layout import SERIES_LEVEL, describe_layout
from forecast.data.missing import MissingPolicy
from forecast.errors import DataValidationError
from forecast.features.calendar_features import (
    default_calendar,
    default_input_width,
    infer_season_length,
)
from forecast.windowing.latest import latest_windows
from forecast.windowing.spec import Split, WindowSpec
from forecast.windowing.windows import Windows, make_windows

#: Windows predicted at once by :meth:`BaseForecaster.forecast_windows` and ``score``.
EVALUATION_BATCH = 4096


class BaseForecaster(BaseEstimator):
    """Shared plumbing of all forecasters (not used directly).

    Every subclass takes ``input_width``, ``horizon`` and ``target`` (and ``covariates`` and
    ``calendar``) as constructor arguments, so forecasters are interchangeable everywhere.
    """

    #: whether ``fit`` carves a validation split out of the training frame
    _uses_validation = False

    # ------------------------------------------------------------------ public API

    def fit(self, X: pd.DataFrame, y: Any = None, validation_frame: pd.DataFrame | None = None):
        """Fit on one series or a panel.

        Args:
            X: the training frame (see :mod:`forecast.data`).
            y: ignored (the target is a column of ``X``); present for sklearn.
            validation_frame: optional frame that continues ``X`` in time; its windows' labels
                lie inside it and their inputs may reach back into ``X``. Without it, models
                that validate take the last ``validation`` fraction of each series of ``X``.

        Returns:
            ``self``.

        Raises:
            DataValidationError: the frame fails validation, or no training window fits.
        """
        self._check_params()
        frame, split = self._training_frame(X, validation_frame)
        layout = describe_layout(frame)
        self.freq_ = layout.freq
        self.input_width_ = (
            default_input_width(layout.freq, self.horizon)
            if self.input_width is None
            else self.input_width
        )
        self.season_length_ = getattr(self, "season_length", None) or infer_season_length(
            layout.freq
        )
        self.calendar_ = self._resolve_calendar(layout.freq)
        windows = make_windows(
            frame,
            WindowSpec(self.input_width_, self.horizon, int(getattr(self, "stride", 1))),
            target=self.target,
            covariates=self.covariates,
            calendar=self.calendar_,
            split=split,
            missing=self._missing_policy(),
        )
        if windows.n_windows("train") == 0:
            raise DataValidationError(
                f"no training window fits in the frame ({windows._why_empty()}); use a shorter "
                "input_width or horizon, or more data"
            )
        self.target_columns_ = windows.target_columns
        self.covariate_columns_ = windows.covariate_columns
        self.input_columns_ = windows.input_columns
        self.categories_ = windows.categories
        self.n_series_ = layout.n_series
        self.training_range_ = (layout.timestamps.min(), layout.timestamps.max())
        self._fit_windows(windows)
        return self

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        """Forecast the ``horizon`` steps after the end of every series of ``X``.

        Args:
            X: one series or a panel with at least ``input_width`` gap-free rows at the end of
                each series, with the columns used in training.

        Returns:
            A frame indexed by the future timestamps (and ``series_id`` for a panel), one
            column per target, in original units.
        """
        self._check_fitted()
        latest = latest_windows(
            X,
            self._spec(),
            target=self.target_columns_,
            covariates=self.covariate_columns_ or None,
            calendar=self.calendar_,
            missing=self._missing_policy(),
            categories=self.categories_,
        )
        self._check_frequency(latest.layout.freq)
        forecasts = self._forecast(latest.inputs)
        n_targets = len(self.target_columns_)
        return pd.DataFrame(
            np.asarray(forecasts, dtype=np.float64).reshape(-1, n_targets),
            index=latest.index,
            columns=list(self.target_columns_),
        )

    def score(self, X: pd.DataFrame, y: Any = None) -> float:
        """Negative mean absolute error over every window whose labels lie in ``X``.

        Higher is better, as scikit-learn's model selection expects.
        """
        windows = self.windows(X)
        if windows.n_windows("train") == 0:
            raise DataValidationError(
                f"no window fits in the frame to score ({windows._why_empty()})"
            )
        forecasts = self.forecast_windows(windows, "train")
        labels = (
            windows.arrays("train")[1] if windows.n_windows("train") <= EVALUATION_BATCH else None
        )
        if labels is None:
            labels = np.concatenate([y for _, y in windows.batches("train", EVALUATION_BATCH)])
        return -float(np.mean(np.abs(forecasts - labels)))

    def windows(
        self, X: pd.DataFrame, split: Split | tuple = Split(0.0, 0.0), stride: int = 1
    ) -> Windows:
        """Cut ``X`` into windows the way this fitted forecaster reads them (its input width,
        horizon, columns, calendar and training categories). All windows are in the
        ``"train"`` split unless ``split`` says otherwise."""
        self._check_fitted()
        windows = make_windows(
            X,
            WindowSpec(self.input_width_, self.horizon, stride),
            target=self.target_columns_,
            covariates=self.covariate_columns_ or None,
            calendar=self.calendar_,
            split=split,
            missing=self._missing_policy(),
            categories=self.categories_,
        )
        self._check_frequency(windows.layout.freq)
        return windows

    def forecast_windows(
        self, windows: Windows, split: str = "test", rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Forecasts ``(n, horizon, n_targets)`` for the windows of a split, in the order of
        ``windows.arrays(split)`` (so every forecaster can be scored on the very same windows).

        The windows may have been cut by another forecaster that reads more: they need the
        same targets (first, in the same order) and horizon, an input width at least this
        forecaster's, and every column it reads (its covariates in the past, its calendar
        features in the past and the future). This forecaster reads the last ``input_width_``
        rows of its own columns, picked by name: a seasonal-naive baseline reads the very
        windows of an LSTM with calendar features.

        ``rows`` (origin rows, e.g. a selection of ``windows.origin_index(split)["row"]``)
        forecasts those windows instead of the whole split. Windows are forecast in batches of
        ``EVALUATION_BATCH``, never one call per window.

        Raises:
            ValueError: the windows lack a column this forecaster reads, are narrower than its
                input width, or have other targets or another horizon.
        """
        from forecast.features.calendar_features import calendar_columns

        self._check_fitted()
        own_calendar = calendar_columns(self.calendar_)
        if not (
            windows.target_columns == self.target_columns_
            and windows.spec.horizon == self.horizon
            and windows.spec.input_width >= self.input_width_
            and set(self.input_columns_) <= set(windows.input_columns)
            and set(own_calendar) <= set(windows.calendar_columns)
        ):
            raise ValueError(
                "these windows were not cut the way this forecaster reads them (input columns "
                f"{list(windows.input_columns)}, width {windows.spec.input_width}, horizon "
                f"{windows.spec.horizon}; expected {list(self.input_columns_)}, width "
                f"{self.input_width_} or more, horizon {self.horizon}); build them with "
                "forecaster.windows(frame, ...)"
            )
        if rows is None:
            batches = (inputs for inputs, _ in windows.batches(split, EVALUATION_BATCH))
        else:
            rows = np.asarray(rows, dtype=np.int64)
            batches = (
                windows.gather(rows[i : i + EVALUATION_BATCH])[0]
                for i in range(0, len(rows), EVALUATION_BATCH)
            )
        if (
            windows.input_columns != self.input_columns_
            or windows.spec.input_width != self.input_width_
        ):
            past_columns = [windows.input_columns.index(c) for c in self.input_columns_]
            future_columns = [windows.calendar_columns.index(c) for c in own_calendar]

            def own_columns(inputs):
                past = inputs["past"] if isinstance(inputs, dict) else inputs
                past = past[:, -self.input_width_ :, past_columns]
                if not own_calendar:
                    return past
                return {"past": past, "future": inputs["future"][:, :, future_columns]}

            batches = (own_columns(inputs) for inputs in batches)
        parts = [self._forecast(inputs) for inputs in batches]
        if not parts:
            return np.zeros((0, self.horizon, len(self.target_columns_)), dtype=np.float32)
        return np.concatenate([np.asarray(p) for p in parts])

    def export(self, path, overwrite: bool = False, metrics: dict | None = None):
        """Write this fitted forecaster as a TensorFlow SavedModel that serves without this
        package (see :mod:`forecast.export`); returns the path. Load it with
        :func:`forecast.load`."""
        from forecast.serving.export import export_forecaster

        return export_forecaster(self, path, overwrite=overwrite, metrics=metrics)

    # ------------------------------------------------------------------ to implement

    def _serving_function(self):  # pragma: no cover - abstract
        """A function ``(past, future or None) -> forecast`` on TensorFlow tensors: the same
        forecast as ``_forecast``, as graph operations for export."""
        raise NotImplementedError

    def _fit_windows(self, windows: Windows) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _forecast(self, inputs) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers

    def _check_params(self) -> None:
        for name in ("horizon",):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if self.input_width is not None and (
            isinstance(self.input_width, bool)
            or not isinstance(self.input_width, (int, np.integer))
            or self.input_width < 1
        ):
            raise ValueError(
                f"input_width must be an integer >= 1 or None, got {self.input_width!r}"
            )
        stride = getattr(self, "stride", 1)
        if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
            raise ValueError(f"stride must be an integer >= 1, got {stride!r}")
        if not as_column_tuple(self.target):
            raise ValueError("target must name at least one column")
        self._missing_policy()
        if self._uses_validation and not (0.0 <= float(self.validation) < 1.0):
            raise ValueError(f"validation must be a fraction in [0, 1), got {self.validation!r}")

    def _missing_policy(self) -> MissingPolicy:
        """The ``missing`` argument as a :class:`MissingPolicy` (``None``: the default)."""
        missing = getattr(self, "missing", None)
        if missing is None:
            return MissingPolicy()
        if isinstance(missing, MissingPolicy):
            return missing
        if isinstance(missing, dict):
            try:
                return MissingPolicy(**missing)
            except TypeError:
                raise ValueError(
                    f"missing must have the keys 'inputs' and 'limit', got {sorted(missing)}"
                ) from None
        raise ValueError(f"missing must be a MissingPolicy, a dict or None, got {missing!r}")

    def _spec(self) -> WindowSpec:
        return WindowSpec(self.input_width_, self.horizon)

    def _resolve_calendar(self, freq) -> tuple[str, ...]:
        calendar = getattr(self, "calendar", ())
        if calendar == "auto":
            return default_calendar(freq)
        return as_column_tuple(calendar)

    def _training_frame(self, X: pd.DataFrame, validation_frame: pd.DataFrame | None):
        if validation_frame is None:
            fraction = float(self.validation) if self._uses_validation else 0.0
            return X, Split(fraction, 0.0)
        return _append_validation(X, validation_frame)

    def _check_fitted(self) -> None:
        check_is_fitted(self, "freq_")

    def _check_frequency(self, freq) -> None:
        if freq != self.freq_:
            raise DataValidationError(
                f"the frame's frequency {freq.freqstr} differs from the training frame's "
                f"{self.freq_.freqstr}; resample it to {self.freq_.freqstr} first"
            )

    def _targets_of(self, inputs) -> np.ndarray:
        """The raw target columns of a batch of input windows, ``(n, input_width, n_targets)``."""
        past = inputs["past"] if isinstance(inputs, dict) else inputs
        return np.asarray(past[:, :, : len(self.target_columns_)], dtype=np.float64)


def _append_validation(
    frame: pd.DataFrame, validation: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame`` followed by ``validation`` (per series), and every row's split code."""
    describe_layout(frame)
    describe_layout(validation)
    if isinstance(frame.index, pd.MultiIndex) != isinstance(validation.index, pd.MultiIndex):
        raise DataValidationError(
            "validation_frame must have the same layout (series or panel) as the frame"
        )
    if isinstance(frame.index, pd.MultiIndex):
        ends = _series_bound(frame, "max")
        starts = _series_bound(validation, "min")
        for sid, start in starts.items():
            if sid in ends.index and start <= ends[sid]:
                raise DataValidationError(
                    f"validation_frame must continue the frame in time, but starts at or before "
                    f"the frame's end ({ends[sid]})",
                    series=sid,
                    timestamp=start,
                )
        combined = pd.concat([frame.assign(_split=0), validation.assign(_split=1)])
        order = np.lexsort(
            (np.arange(len(combined)), pd.factorize(combined.index.get_level_values(0))[0])
        )
        combined = combined.iloc[order]
        combined.index = combined.index.set_names(
            [
                SERIES_LEVEL if combined.index.names[0] is None else combined.index.names[0],
                combined.index.names[1],
            ]
        )
    else:
        if validation.index[0] <= frame.index[-1]:
            raise DataValidationError(
                f"validation_frame must continue the frame in time, but starts at or before the "
                f"frame's end ({frame.index[-1]})",
                timestamp=validation.index[0],
            )
        combined = pd.concat([frame.assign(_split=0), validation.assign(_split=1)])
    codes = combined.pop("_split").to_numpy(dtype=np.int8)
    return combined, codes


def _series_bound(frame: pd.DataFrame, how: str) -> pd.Series:
    """The first (``"min"``) or last (``"max"``) timestamp of every series of a panel."""
    index = frame.index
    stamps = pd.Series(index.get_level_values(1), index=index.get_level_values(0))
    return stamps.groupby(level=0, sort=False).agg(how)
