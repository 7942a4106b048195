"""The one base class of every forecaster: validated public methods, private implementations.

Subclasses (baselines and neural networks alike) implement two private methods on windows that
this class has already validated and built:

* ``_fit_windows(windows)``: learn from the training (and validation) windows;
* ``_forecast(inputs)``: ``(n, horizon, n_targets)`` forecasts in original units from a batch of
  raw inputs (an array ``(n, input_width, n_inputs)``, or a dict with ``"past"`` and
  ``"future"`` when calendar features are used); a forecaster with parameters of its own per
  series (tag ``per_series``) implements ``_forecast_series(inputs, series)`` instead, which
  also receives the series id of every window.

Everything else (validation, frequency, seasons, calendar defaults, windows, ``predict`` frames,
``score``) lives here, so every comparison runs through one code path.

The sklearn conventions hold: ``__init__`` stores its arguments; ``fit`` returns ``self``;
fitted attributes end in ``_``; ``predict`` before ``fit`` raises ``NotFittedError``;
``score`` is higher-is-better (negative MAE), so ``GridSearchCV`` works on frames.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from forecast.data.continuation import append_continuation
from forecast.data.long_format import read_long, write_long
from forecast.data.missing import MissingPolicy
from forecast.data.observed_times import check_future_grid, learn_observed_times
from forecast.data.validated import ValidatedFrame, require_frame, validate_frame
from forecast.errors import DataValidationError
from forecast.features.calendar_features import (
    default_input_width,
    infer_season_length,
)
from forecast.features.category_warnings import one_warning_per_job
from forecast.models.constraints import (
    Calendar,
    Columns,
    Constraint,
    Integer,
    MissingValues,
    check_parameters,
)
from forecast.models.contract import DeclaredContract
from forecast.models.future_inputs import (
    future_for_predict,
    read_future_covariates,
)
from forecast.models.probabilistic import ProbabilisticContract
from forecast.models.window_contract import WindowContract
from forecast.windowing.future_frame import future_of_series
from forecast.windowing.input_schema import InputSchema
from forecast.windowing.latest import LatestWindows
from forecast.windowing.series_errors import (
    attach_failures,
    check_errors_mode,
    forecast_frame,
    latest_windows_skipping,
)
from forecast.windowing.spec import Split, WindowSpec
from forecast.windowing.windows import Windows, make_windows


class BaseForecaster(WindowContract, ProbabilisticContract, DeclaredContract, BaseEstimator):
    """Shared plumbing of all forecasters (not used directly).

    Every subclass takes ``input_width``, ``horizon`` and ``target`` (and ``covariates`` and
    ``calendar``) as constructor arguments, so forecasters are interchangeable everywhere.
    """

    #: What a forecaster is and can do, declared per class (subclasses override single keys;
    #: read them with :meth:`get_tag`):
    #:
    #: * ``baseline``: a reference every model is compared with (``compare`` adds some when none
    #:   is given, and the leaderboard's skill is measured against the best of them);
    #: * ``neural``: a network trained by gradient descent (takes the ``training`` defaults of a
    #:   config);
    #: * ``uses_validation``: ``fit`` holds out the last ``validation`` fraction of each series
    #:   (or reads ``validation_frame``) to choose when to stop;
    #: * ``reads_covariates`` / ``reads_calendar``: the ``covariates`` / ``calendar`` inputs
    #:   change the forecast (otherwise they are accepted for interchangeability and unused);
    #: * ``reads_future_covariates``: the ``future_covariates`` are read (in the input rows
    #:   and the forecast steps, ``predict`` then needs ``future=``); otherwise they are
    #:   accepted for interchangeability, never read, and ``future=`` is ignored;
    #: * ``per_series``: the fitted parameters differ per series, so the forecast of a window
    #:   depends on its series (``_forecast_series`` is given the series id of each window);
    #: * ``exportable``: :meth:`export` writes a SavedModel (a forecast that is a TensorFlow
    #:   graph); run directories export only the forecasters that are.
    #: * ``probabilistic``: it may forecast quantiles (:meth:`predict_quantiles`; see
    #:   :mod:`forecast.models.probabilistic`); ``quantile_levels_`` says which, once fitted.
    _tags: dict[str, Any] = {
        "baseline": False,
        "neural": False,
        "uses_validation": False,
        "reads_covariates": False,
        "reads_calendar": False,
        "reads_future_covariates": False,
        "reads_static_covariates": False,  # static_covariates=, series_embedding=, static=
        "per_series": False,
        "exportable": True,
        "probabilistic": False,
    }

    #: Every constructor argument's accepted values (see :mod:`forecast.models.constraints`),
    #: merged along the class hierarchy; checked when ``fit`` starts and by the YAML schema.
    _parameter_constraints: dict[str, Constraint] = {
        "input_width": Integer(minimum=1, none=True),
        "horizon": Integer(minimum=1),
        "target": Columns(empty=False),
        "covariates": Columns(none=True),
        "future_covariates": Columns(none=True),
        "static_covariates": Columns(none=True),
        "calendar": Calendar(),
        "missing": MissingValues(),
        "stride": Integer(minimum=1),
        "season_length": Integer(minimum=1, none=True),
    }

    # ------------------------------------------------------------------ public API

    @one_warning_per_job("fit")
    def fit(
        self,
        X: pd.DataFrame,
        y: Any = None,
        validation_frame: pd.DataFrame | None = None,
        *,
        id_col: str | None = None,
        time_col: str | None = None,
    ):
        """Fit on one series or a panel, indexed by time or long.

        Args:
            X: the training frame (see :mod:`forecast.data`), or a long frame (one row per
                series and timestamp, see :mod:`forecast.data.long_format`).
            y: ignored (the target is a column of ``X``); present for sklearn.
            validation_frame: optional frame that continues ``X`` in time; its windows' labels
                lie inside it and their inputs may reach back into ``X``. Without it, models
                that validate take the last ``validation`` fraction of each series of ``X``.
                It may be long too (read by the same ``id_col`` and ``time_col``).
            id_col, time_col: a long ``X``'s series id and time columns, named as for
                :func:`forecast.read_csv` and ``forecast batch``; per call, as the layout is
                the frame's, not the model's (defaults: :mod:`forecast.data.long_format`).

        Besides each model's own state, every fit records what it read: ``training_range_``
        (its first and last timestamp), ``training_rows_`` (the rows of that frame, across
        series, validation rows included), ``validation_rows_`` (of those, the rows held out
        to choose when to stop; 0 for a baseline) and ``refitted_`` (``False``; see
        :meth:`refit_full`).

        Returns:
            ``self``, with (besides each model's own) the fitted attributes ``freq_``,
            ``input_width_``, ``season_length_``, ``calendar_``, ``target_columns_``,
            ``future_covariates_`` (the future covariates read: ``()`` for a forecaster that
            does not read them), ``input_columns_``, ``categories_``, ``training_range_``
            and ``filled_inputs_``:
            ``{"train": n, "validation": m}``, how many NaN input values the missing-value
            policy filled in the training and validation windows (a NaN read by several
            windows counts once in each).

        Raises:
            DataValidationError: the frame fails validation, or no training window fits (a
                long frame: see :meth:`forecast.data.long_format.LongFormat.read`).

        Example:
            See :meth:`predict`: a long frame in, a long forecast out.
        """
        X, _ = read_long(X, id_col, time_col)
        if validation_frame is not None:
            validation_frame, _ = read_long(validation_frame, id_col, time_col)
        return self._fit(X, validation_frame, hold_out=True)

    @one_warning_per_job("fit")
    def refit_full(self, X: pd.DataFrame):
        """Refit on all of ``X``, nothing held out, as the model to serve after an honest
        evaluation.

        The default refits with the same parameters and validation off: a baseline that
        learns (the ridge regression of :class:`~forecast.models.baselines.LinearForecaster`)
        learns again from every row, the naive ones read the same windows as before. A
        forecaster that validates overrides it to keep what validation chose (see
        :meth:`forecast.models.recurrent.RNNForecaster.refit_full`). ``refitted_`` becomes
        ``True`` and ``validated_`` keeps what the earlier fit saw (``training_range``,
        ``training_rows``); the constructor arguments are unchanged.

        Example:
            >>> import forecast
            >>> frame = forecast.load_dataset("electricity_hourly").iloc[-600:]
            >>> model = forecast.LinearForecaster(input_width=48, horizon=24).fit(frame.iloc[:-100])
            >>> model.refit_full(frame).refitted_, model.training_rows_, model.validated_["training_rows"]
            (True, 600, 500)

        Args:
            X: the frame to refit on (typically what ``fit`` saw and what followed it).

        Returns:
            ``self``, refitted.
        """
        self._check_fitted()
        validated = {"training_range": self.training_range_, "training_rows": self.training_rows_}
        self._fit(X, None, hold_out=False, calendar=self.calendar_)  # the validated calendar
        self.refitted_, self.validated_ = True, validated
        return self

    def _fit(self, X: pd.DataFrame, validation_frame, hold_out: bool, calendar=None):
        """:meth:`fit` (``hold_out``: the models that validate hold out their ``validation``
        fraction when no ``validation_frame`` is given; otherwise nothing is held out;
        ``calendar``: the features to read, instead of resolving ``self.calendar``)."""
        self._check_params()
        validated, split = self._training_frame(X, validation_frame, hold_out)
        layout = validated.layout
        self.freq_ = layout.freq
        self.input_width_ = (
            default_input_width(layout.freq, self.horizon)
            if self.input_width is None
            else self.input_width
        )
        params = self.get_params(deep=False)
        if isinstance(split, Split) and not split.uses_timestamps and split.validation:
            split = split.with_minimum_windows(self.input_width_, self.horizon)
        self.season_length_ = params.get("season_length") or infer_season_length(layout.freq)
        windows = make_windows(
            validated,
            WindowSpec(self.input_width_, self.horizon, int(params.get("stride", 1))),
            calendar=self.calendar if calendar is None else calendar,
            split=split,
            missing=self._missing_policy(),
        )
        if windows.n_windows("train") == 0:
            raise DataValidationError(
                f"no training window fits in the frame ({windows._why_empty()}); use a shorter "
                "input_width or horizon, or more data"
            )
        self.calendar_ = windows.calendar
        self.target_columns_ = windows.target_columns
        self.covariate_columns_ = windows.covariate_columns
        self.future_covariates_ = windows.future_covariate_columns
        self.input_columns_ = windows.input_columns
        self.categories_ = windows.categories
        self.n_series_ = layout.n_series
        self.training_range_ = (layout.timestamps.min(), layout.timestamps.max())
        observed = validated.frame[list(validated.targets)].notna().any(axis=1).to_numpy()
        self.observed_times_ = learn_observed_times(layout.timestamps, observed, layout.freq)
        self.training_rows_ = int(layout.n_rows)
        self.validation_rows_ = int(np.count_nonzero(windows.row_split == 1))
        self.refitted_ = False
        vars(self).pop("validated_", None)  # what an earlier refit_full recorded
        self.filled_inputs_ = {s: windows.filled_inputs(s) for s in ("train", "validation")}
        self._fit_windows(windows)
        return self

    @one_warning_per_job("predict")
    def predict(
        self,
        X: pd.DataFrame,
        *,
        future: pd.DataFrame | None = None,
        errors: str = "raise",
        id_col: str | None = None,
        time_col: str | None = None,
        future_grid: str = "grid",
    ) -> pd.DataFrame:
        """Forecast the ``horizon`` steps after the end of every series of ``X``.

        Args:
            X: one series or a panel with at least ``input_width`` gap-free rows at the end of
                each series, with the columns used in training (the future covariates too:
                their observed past values are inputs like the covariates); indexed by time
                or long (see :meth:`fit`).
            future: the values of the ``future_covariates`` at the forecast steps: a frame
                indexed like ``X``, exactly those columns and, per series, its ``horizon``
                timestamps after the end of ``X`` (see :mod:`forecast.windowing.future_frame`;
                :class:`~forecast.models.baselines.LinearForecaster` has an example);
                ignored by forecasters that do not read future covariates.
            errors: ``"raise"`` (default): a series that cannot be forecast is an error;
                ``"skip"``: for a panel, forecast the other series and report the failed
                ones (see :mod:`forecast.windowing.series_errors`).
            id_col, time_col: a long ``X``'s series id and time columns, as for :meth:`fit`.
            future_grid: ``"grid"`` (default): the steps continue the grid after each series'
                end, even into times of day the training data never had values at (a car
                park's closed hours: a ``UserWarning`` says how many steps fall there);
                ``"observed"``: each forecast starts at the next time of day (or week) the
                training data had values at (``observed_times_``), the closed hours before
                it read as missing inputs, filled by the missing-value policy (see
                :mod:`forecast.data.observed_times`).

        Returns:
            A frame indexed by the future timestamps (and ``series_id`` for a panel), one
            column per target, in original units (for a long ``X``, a long frame: ``id_col``
            if ``X`` has one, ``time_col``, the targets); ``forecasts.attrs["filled_inputs"]``
            is how many NaN input values the missing-value policy filled for them. With
            ``errors="skip"``, ``forecasts.attrs["errors"]`` is ``{series_id: reason}`` of the
            skipped series (empty when none was), and a ``UserWarning`` says how many were
            skipped.

        Raises:
            TypeError: ``X`` is not a ``DataFrame`` (a ``Series`` or an array, say).
            DataValidationError: ``X`` fails validation, lacks a column, has another
                frequency, or has too few usable rows at the end of a series, or ``future``
                lacks a row or column, holds an extra one, a NaN or a timestamp off the grid
                (with ``errors="skip"``, only what concerns the whole frame or a single
                series).
            ValueError: the forecaster reads future covariates and ``future`` is not given.

        Example:
            >>> import forecast
            >>> long = forecast.to_long(forecast.load_dataset("electricity_hourly").iloc[-100:])
            >>> forecast.Naive(input_width=24, horizon=2).fit(long).predict(long)
              unique_id                  ds           y
            0    series 2015-01-01 00:00:00  1439.39563
            1    series 2015-01-01 01:00:00  1439.39563
        """
        X, long = read_long(X, id_col, time_col)
        latest, failures = self._predict_windows(X, errors, future, future_grid)
        values = None
        if latest is not None:
            series = np.asarray(latest.layout.series_ids, dtype=object)
            values = self._forecast_series(latest.inputs, series)
        forecasts = forecast_frame(latest, values, self.target_columns_, X)
        forecasts = forecasts if errors == "raise" else attach_failures(forecasts, failures, X)
        return write_long(forecasts, long)

    def _predict_windows(
        self,
        X: pd.DataFrame,
        errors: str,
        future: pd.DataFrame | None = None,
        future_grid: str = "grid",
    ) -> tuple[LatestWindows | None, dict]:
        """The latest windows ``predict`` forecasts (checked) and the skipped series."""
        schema = self.input_schema_
        require_frame(X, schema.columns)
        check_errors_mode(errors)
        check_future_grid(future_grid)
        future = future_for_predict(self, schema, future)
        read = functools.partial(self._latest_windows, future_grid=future_grid)
        if errors == "raise":
            latest, failures = read(X, future), {}
        else:
            latest, failures = latest_windows_skipping(
                lambda part: read(part, future_of_series(future, part)), X
            )
        if latest is not None:
            self._check_inputs(latest)
        return latest, failures

    def export(
        self,
        path,
        overwrite: bool = False,
        metrics: dict | None = None,
        fit_record=None,
        name: str | None = None,
    ):
        """Write this fitted forecaster as a TensorFlow SavedModel that serves without this
        package (see :mod:`forecast.export`); returns the path. Load it with
        :func:`forecast.load`. ``metrics``, ``fit_record`` (a
        :class:`~forecast.serving.fit_record.FitRecord`; default this forecaster's) and
        ``name`` (the model's name, e.g. a run's ``LSTM``, written by ``forecast batch``;
        default the class name) go into the metadata. A forecaster fitted with future
        covariates takes them in the signature's ``future`` input (before the calendar)."""
        if not self.get_tag("exportable"):
            raise NotImplementedError(
                f"{type(self).__name__} cannot be exported as a SavedModel: its forecasts are "
                "not a TensorFlow graph; keep the fitted forecaster (it pickles) instead"
            )
        from forecast.serving.export import export_forecaster

        return export_forecaster(
            self, path, overwrite=overwrite, metrics=metrics, fit_record=fit_record, name=name
        )

    @property
    def input_schema_(self) -> InputSchema:
        """The fitted input contract (columns, roles and order, width, horizon, frequency),
        as the export metadata records it and the loaded model reads it."""
        self._check_fitted()
        return InputSchema(
            target_columns=tuple(self.target_columns_),
            covariate_columns=tuple(self.covariate_columns_),
            calendar=tuple(self.calendar_),
            input_columns=tuple(self.input_columns_),
            categories=dict(self.categories_),
            input_width=int(self.input_width_),
            horizon=int(self.horizon),
            freq=self.freq_,
            missing=self._missing_policy(),
            observed_times=getattr(self, "observed_times_", None),  # None: fitted before them
            future_covariate_columns=tuple(getattr(self, "future_covariates_", ())),
            static=getattr(self, "static_encoding_", None),
        )

    # ------------------------------------------------------------------ to implement

    def _serving_function(self):  # pragma: no cover - abstract
        """A function ``(past, future or None) -> forecast`` on TensorFlow tensors: the same
        forecast as ``_forecast``, as graph operations for export."""
        raise NotImplementedError

    def _fit_windows(self, windows: Windows) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _forecast(self, inputs) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _forecast_series(self, inputs, series: np.ndarray) -> np.ndarray:
        """Forecasts of a batch of inputs whose windows come from the series ``series`` (one
        id per window, as ``SeriesLayout.series_ids`` names them: ``None`` for a single
        series). The default ignores them; a ``per_series`` forecaster overrides this."""
        return self._forecast(inputs)

    def _check_inputs(self, latest: LatestWindows) -> None:
        """Look at the inputs of a ``predict`` before forecasting (e.g. warn about values
        outside the training range); the default does nothing."""

    # ------------------------------------------------------------------ helpers

    def _check_params(self) -> None:
        """Check every constructor argument against the class's constraint table."""
        check_parameters(self.parameter_constraints(), self.get_params(deep=False))
        self._missing_policy()

    def _missing_policy(self) -> MissingPolicy:
        """The ``missing`` argument as a :class:`MissingPolicy` (``None``: the default)."""
        missing = self.missing
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

    def _training_frame(
        self, X: pd.DataFrame, validation_frame: pd.DataFrame | None, hold_out: bool = True
    ) -> tuple[ValidatedFrame, Split | np.ndarray]:
        """The validated frame ``fit`` cuts its windows from, and its split: ``X`` (the last
        ``validation`` fraction of each series validating, for models that validate and when
        ``hold_out``), or ``X`` followed by ``validation_frame`` with every row's split code."""
        if validation_frame is None:
            validates = hold_out and self.get_tag("uses_validation")
            fraction = float(self.validation) if validates else 0.0
            frame, split = X, Split(fraction, 0.0)
        else:
            frame, split = append_continuation(X, validation_frame)
        futures = read_future_covariates(self)
        return validate_frame(frame, self.target, self.covariates, None, futures), split

    def _latest_windows(
        self,
        X: pd.DataFrame | ValidatedFrame,
        future: pd.DataFrame | None = None,
        future_grid: str = "grid",
    ) -> LatestWindows:
        """The inputs of the next forecast of every series of ``X`` (and the future covariates
        of its forecast steps from ``future``), cut as in training, on ``X``'s own frequency,
        which must be the training frame's."""
        schema = self.input_schema_
        latest = schema.latest_windows(
            schema.validate(X), freq=None, future_grid=future_grid, future=future
        )
        self._check_frequency(latest.layout.freq)
        return latest

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
