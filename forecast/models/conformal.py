"""Calibrated intervals for any forecaster: split conformal prediction, per horizon step.

:class:`ConformalForecaster` wraps a point forecaster (a baseline, a network, a classical
model) as a scikit-learn meta-estimator: ``get_params`` lists the inner model's parameters as
``model__*``, ``clone`` and ``set_params(model__horizon=...)`` work, and the wrapper has the same
``fit(frame, validation_frame=None)``, ``predict``, ``score``. It fits a clone of the model on
the training rows, forecasts every *calibration window* (windows whose labels the fitted model
never saw) and keeps, for every horizon step and target, the sorted nonconformity scores of
those forecasts (see :mod:`forecast.models.conformal_scores`). ``predict_quantiles`` and
``predict_interval`` then move the point forecast by the finite-sample quantiles of the scores.

The calibration windows (``calibration_`` says which) are

* the windows of ``validation_frame`` (their inputs may reach back into the frame) when it is
  given: the model is fitted on the whole frame;
* otherwise those of the last ``validation`` fraction of each series, which the model is then
  not fitted on (a network still holds out its own ``validation`` fraction of the rest to stop
  early); where that fraction of a short series holds too few windows to bound the widest
  coverage (19 for 95% with absolute scores), as many more rows as it needs, while the series
  keeps an input window and two horizons to fit on.

The scores of all series of a panel are pooled per step and target; with ``scale="local"``
each is divided by the local spread of its input window (the mean absolute change from step
to step), so intervals widen where, and when, the series is volatile, and series of different
scales share one calibration.

Around a quantile network (a model with ``quantiles=``: tag ``probabilistic``) the wrapper is
*conformalised quantile regression* (CQR, Romano, Patterson and Candes 2019): for every
coverage ``c`` the network's own bounds ``lo, hi`` (its levels ``(1 -+ c) / 2``, which it
must have trained) give the scores ``max(lo - y, y - hi)`` per step and target, and both
bounds move out (or in, when the score is negative: intervals too wide) by their
``ceil((n + 1) c)``-th smallest; the median stays the network's (``cqr_`` is ``True``).

``export`` writes a SavedModel serving the point forecast and the default quantiles (see
:mod:`forecast.models.conformal_export`), calibrated as ``predict`` is at the end of the
fitted data: with ``recalibrate`` the export's calibration does not roll forward.

Example:
    >>> import forecast
    >>> frame = forecast.load_dataset("electricity_hourly").iloc[-24 * 60:]
    >>> model = forecast.ConformalForecaster(
    ...     forecast.SeasonalNaive(24, input_width=48, horizon=24), coverage=(0.8, 0.95))
    >>> model.fit(frame.iloc[:-24]).calibration_, model.n_calibration_windows_
    ('last 0.2 of each series', 261)
    >>> model.get_params()["model__season_length"], model.quantile_levels_
    (24, (0.025, 0.1, 0.5, 0.9, 0.975))
    >>> bands = model.predict_interval(frame.iloc[:-24], coverage=0.8)
    >>> bands.columns.tolist()[:2]
    [('y', 0.8, 'lower'), ('y', 0.8, 'upper')]
    >>> bool((bands[("y", 0.8, "lower")] <= model.predict(frame.iloc[:-24])["y"]).all())
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from forecast._call_values import CallValue
from forecast.data.long_format import read_long
from forecast.errors import DataValidationError
from forecast.models import conformal_recent as recent
from forecast.models import conformal_scores as cs
from forecast.models.base import BaseForecaster
from forecast.models.conformal_scale import choose_scale
from forecast.models.conformal_split import calibration_split
from forecast.models.constraints import Boolean, Choice, Forecaster, Levels, Real
from forecast.models.contract import store_params
from forecast.models.own_windows import EVALUATION_BATCH, own_batches
from forecast.models.probabilistic import check_quantiles, interval_quantiles, levels_of_coverage
from forecast.nn.significance import windows_per_horizon

#: the recalibrated scores of a running ``predict_quantiles`` (:mod:`forecast._call_values`)
_SCORES_OF_CALL = CallValue("conformal_scores")
#: The inner model's fitted attributes that are the wrapper's input contract too.
_CONTRACT = (
    "freq_",
    "input_width_",
    "season_length_",
    "calendar_",
    "target_columns_",
    "covariate_columns_",
    "future_covariates_",
    "input_columns_",
    "categories_",
    "n_series_",
    "filled_inputs_",
    "observed_times_",
)
#: Tags the wrapper takes from its inner model (what it is; it reads what the model reads).
_INNER_TAGS = (
    "baseline",
    "neural",
    "reads_covariates",
    "reads_calendar",
    "reads_future_covariates",
    "per_series",
    "exportable",
)


def _inner(name: str) -> property:
    """A read-only view of the inner model's constructor argument ``name``."""
    return property(lambda self: getattr(self.model, name), doc=f"The model's ``{name}``.")


class ConformalForecaster(BaseForecaster):
    """Split-conformal prediction intervals around any forecaster's point forecasts.

    Args:
        model: the forecaster to calibrate (cloned at ``fit``, never modified).
        coverage: the nominal coverage of the intervals it is calibrated for (one or several
            in ``(0, 1)``); its default quantiles are their bounds and the median.
        method: ``"absolute"`` (scores ``|y - f|``: intervals symmetric about the forecast)
            or ``"signed"`` (scores ``y - f``, each bound from its own tail: intervals that
            lean to the side the model errs on; they need about twice as many windows).
            Around a quantile network, only ``"absolute"`` (CQR's scores, see above).
        scale: ``None`` (scores in the data's units), ``"local"`` (scores divided by the
            local spread of each input window) or ``"auto"``: the one of the two whose
            intervals, calibrated on the older half of the calibration windows, cover the
            newer half clearly closer to nominal (else ``None``; see
            :mod:`forecast.models.conformal_scale`); ``scale_`` says which.
        validation: the fraction of each series' end whose windows calibrate, when ``fit`` is
            given no ``validation_frame``.
        recalibrate: ``True`` (default): every forecast is calibrated on the most recent
            ``n_calibration_windows_`` honest windows, the errors observed after the fit
            (in the forecast frame, before the origin) replacing the oldest calibration
            windows, so intervals follow a change of regime (see
            :mod:`forecast.models.conformal_recent`); ``False``: always the windows of ``fit``.
            An export is calibrated as ``predict`` is at the end of the fitted data.

    Fitted attributes:
        model_: the fitted inner model.
        calibration_: which windows calibrated: ``"validation_frame"`` or ``"last <validation>
            of each series"``.
        n_calibration_windows_: how many (all series together).
        scores_: the sorted scores ``(n_calibration_windows_, horizon, n_targets)``; with
            ``cqr_``, ``(n_calibration_windows_, horizon, n_targets, n_coverages)``, one
            column per coverage of ``coverage`` (ascending).
        cqr_: whether the scores are CQR's (the model is a quantile network).
        quantile_levels_: the default levels of ``predict_quantiles``.
        spread_floor_: per target, the smallest local spread used (``scale="local"``).
        scale_: the scale of the scores (``"auto"`` resolved); ``scale_errors_`` (``"auto"``):
            each one's mean coverage error on the newer half of the calibration windows.
        calibration_scores_, calibration_ends_: the scores in the windows' order and the
            timestamp of each one's last label (what ``recalibrate`` rolls forward from);
            ``calibrated_until_``: the last timestamp the forecaster was fitted or
            calibrated on (later windows are honest).
        validation_rows_: the rows of the calibration windows' labels; and the contract
            attributes of every forecaster (``freq_``, ``input_width_``, ``target_columns_``,
            ...), those of ``model_``.

    Raises (at ``fit``):
        DataValidationError: no calibration window fits, or fewer than the ``coverage``
            needs (``ceil((n + 1) c) <= n``: 4 windows for 80%, 19 for 95%, with
            ``method="absolute"``).
    """

    _tags = {"probabilistic": True, "uses_validation": True}
    _parameter_constraints = {
        "model": Forecaster(),
        "coverage": Levels(),
        "method": Choice(("absolute", "signed")),
        "scale": Choice((None, "local", "auto")),
        "validation": Real(low=0.0, high=1.0, open_low=True, open_high=True),
        "recalibrate": Boolean(),
    }

    def __init__(
        self,
        model,
        *,
        coverage=(0.8, 0.95),
        method="absolute",
        scale=None,
        validation=0.2,
        recalibrate=True,
    ):
        store_params(self, locals())

    input_width = _inner("input_width")
    horizon = _inner("horizon")
    target = _inner("target")
    covariates = _inner("covariates")
    future_covariates = property(
        lambda self: self.model.get_params(deep=False).get("future_covariates"),
        doc="The model's ``future_covariates`` (``None`` when it takes none).",
    )
    calendar = _inner("calendar")
    missing = _inner("missing")
    stride = _inner("stride")
    season_length = _inner("season_length")

    # ------------------------------------------------------------------ fitting

    def fit(
        self,
        X: pd.DataFrame,
        y: Any = None,
        validation_frame: pd.DataFrame | None = None,
        *,
        id_col: str | None = None,
        time_col: str | None = None,
    ):
        """Fit a clone of ``model`` and calibrate its intervals (see the module docstring).

        Args:
            X: the frame (one series or a panel, indexed by time or long).
            y: ignored.
            validation_frame: the calibration data, continuing ``X`` in time; ``None``: the
                last ``validation`` fraction of each series of ``X``.
            id_col, time_col: a long frame's series id and time columns (see
                :meth:`forecast.models.base.BaseForecaster.fit`).

        Returns:
            ``self``.
        """
        X, _ = read_long(X, id_col, time_col)
        if validation_frame is not None:
            validation_frame, _ = read_long(validation_frame, id_col, time_col)
        self._check_params()
        inner = clone(self.model)
        train, combined, codes, self.calibration_ = calibration_split(
            inner, X, validation_frame, self.validation, self.coverage, self.method
        )
        inner.fit(train)
        windows = inner.windows(combined, split=codes)
        n = windows.n_windows("validation")
        levels = levels_of_coverage(self.coverage)
        needed = cs.windows_needed(cs.level_needing_most(levels, self.method))
        if n < needed:
            raise DataValidationError(
                f"the coverage {max(check_quantiles(self.coverage))} needs at least {needed} "
                f"calibration windows with method={self.method!r}; {self.calibration_} holds {n}: "
                "give a longer validation_frame, a larger validation fraction or more data"
            )
        self.cqr_ = self._check_cqr(inner)
        self.calibration_ends_ = recent.label_ends(
            windows, windows.origin_index("validation")["row"].to_numpy()
        )
        self.calibration_scores_ = self._scores(inner, windows)
        self.scores_ = np.sort(self.calibration_scores_, axis=0)
        self.calibrated_until_ = windows.layout.timestamps.max()
        self.n_calibration_windows_ = int(n)
        self.quantile_levels_ = levels
        self.model_ = inner
        self._copy_contract(windows.layout, int(np.count_nonzero(codes == 1)))
        return self

    def _check_cqr(self, inner: BaseForecaster) -> bool:
        """Whether ``inner`` is a quantile network (CQR), checked to have trained the bounds
        of every coverage."""
        trained = getattr(inner, "quantile_levels_", None)
        if not inner.get_tag("probabilistic") or trained is None:
            return False
        if self.method != "absolute":
            raise ValueError(
                f"method={self.method!r} calibrates a point forecast; around a quantile network "
                f"({type(inner).__name__} with quantiles={inner.quantiles!r}) the scores are "
                "conformalised quantile regression's: use method='absolute'"
            )
        missing = [q for q in levels_of_coverage(self.coverage) if q not in trained]
        if missing:
            raise ValueError(
                f"the coverage {self.coverage!r} needs the quantiles {missing}, which "
                f"{type(inner).__name__} did not train (quantiles={inner.quantiles!r}); add "
                f"them to its quantiles"
            )
        return True

    def _scores(self, inner: BaseForecaster, windows) -> np.ndarray:
        """The nonconformity scores of the calibration windows (see the module docstring);
        sets ``spread_floor_`` from their spreads."""
        raw, spread = self._window_scores(inner, windows, "validation")
        self.spread_floor_ = cs.spread_floor(spread)
        self.scale_ = self.scale
        if self.scale == "auto":
            self.scale_, self.scale_errors_ = choose_scale(
                raw, spread, self.spread_floor_, self.calibration_ends_, self._coverages(),
                self.method, windows_per_horizon(inner.horizon, getattr(inner, "stride", 1) or 1),
            )  # fmt: skip
        return self._scaled(raw, spread)

    def _window_scores(self, inner: BaseForecaster, windows, split: str, rows=None) -> tuple:
        """``(scores, spreads)`` of the windows of ``split`` (or at the origin ``rows``): the
        scores in the data's units (every score is linear in ``1 / spread``, so
        :meth:`_scaled` divides afterwards) and each window's local spread."""
        rows = windows._origins(split) if rows is None else np.asarray(rows, dtype=np.int64)
        cqr = getattr(self, "cqr_", False)
        if cqr:
            bounds = [q for c in self._coverages() for q in interval_quantiles(c)]
            ascending = check_quantiles(bounds)  # the order the model gives them in
            order = [ascending.index(q) for q in bounds]  # lo_1, hi_1, lo_2, ...
        scores, spreads = [], []
        for i, (inputs, series) in enumerate(own_batches(inner, windows, split, rows)):
            labels = windows.gather(rows[i * EVALUATION_BATCH : (i + 1) * EVALUATION_BATCH])[1]
            spreads.append(cs.local_spread(inner._targets_of(inputs)))
            if cqr:
                bands = np.asarray(inner._forecast_quantiles(inputs, series, ascending))
                scores.append(cs.cqr_scores(labels, bands[..., order], 1.0))
            else:
                forecasts = inner._forecast_series(inputs, series)
                scores.append(cs.nonconformity(labels, forecasts, 1.0, self.method))
        return np.concatenate(scores), np.concatenate(spreads)

    def _scaled(self, raw: np.ndarray, spread: np.ndarray) -> np.ndarray:
        """Scores in units of each window's floored local spread (``scale_="local"``)."""
        if self.scale_ != "local":
            return raw
        floored = cs.floored(spread, self.spread_floor_)
        return raw / (floored[..., None] if raw.ndim == 4 else floored)

    def _coverages(self) -> tuple:
        return check_quantiles(self.coverage, "coverage")

    def _copy_contract(self, layout, calibration_rows: int) -> None:
        for name in _CONTRACT:
            setattr(self, name, getattr(self.model_, name))
        self.training_range_ = (layout.timestamps.min(), layout.timestamps.max())
        self.training_rows_ = int(layout.n_rows)
        self.validation_rows_ = calibration_rows
        self.refitted_ = False
        vars(self).pop("validated_", None)

    def refit_full(self, X: pd.DataFrame):
        """Refit the inner model on all of ``X`` (its own :meth:`refit_full`), keeping the
        calibration scores of the validated fit: the refitted model has seen more data, so
        its errors are, if anything, smaller than those the intervals were calibrated on.

        Returns:
            ``self``, with ``refitted_`` ``True`` and ``validated_`` what the validated fit saw.
        """
        self._check_fitted()
        validated = {"training_range": self.training_range_, "training_rows": self.training_rows_}
        self.model_.refit_full(X)
        for name in _CONTRACT:
            setattr(self, name, getattr(self.model_, name))
        self.training_range_ = self.model_.training_range_
        self.training_rows_ = self.model_.training_rows_
        self.calibrated_until_ = max(self.calibrated_until_, self.training_range_[1])
        self.refitted_, self.validated_ = True, validated
        return self

    # ------------------------------------------------------------------ forecasting

    def _forecast_series(self, inputs, series: np.ndarray) -> np.ndarray:
        return self.model_._forecast_series(inputs, series)

    def _forecast_quantiles(
        self, inputs, series: np.ndarray, quantiles: tuple, offsets: np.ndarray | None = None
    ) -> np.ndarray:
        """The quantiles of a batch: the point forecast (or the network's bounds) moved by
        ``offsets``, ``(horizon, n_targets, n_levels)`` or one such per window (default:
        from the scores of this call, see :meth:`_predict_quantiles`, else of ``fit``)."""
        if offsets is None:
            scores = _SCORES_OF_CALL.get(self)
            offsets = self._offsets(self.scores_ if scores is None else scores, quantiles)
        if getattr(self, "cqr_", False):
            base = np.asarray(self.model_._forecast_quantiles(inputs, series, quantiles))
        else:
            base = np.asarray(self.model_._forecast_series(inputs, series))[..., None]
        offsets = offsets if offsets.ndim == 4 else offsets[None]
        return base.astype(np.float64) + self._spread(inputs)[..., None] * offsets

    def _offsets(self, scores: np.ndarray, quantiles: tuple) -> np.ndarray:
        """``(horizon, n_targets, n_levels)`` offsets from sorted scores; a clear error when
        too few windows bound a level."""
        if getattr(self, "cqr_", False):
            offsets = cs.cqr_offsets(scores, self._coverages(), quantiles)
        else:
            offsets = cs.quantile_offsets(scores, quantiles, self.method)
        if not np.isfinite(offsets).all():
            level = cs.level_needing_most(quantiles, self.method)
            raise ValueError(
                f"the quantiles {list(quantiles)} need at least {cs.windows_needed(level)} "
                f"calibration windows with method={self.method!r}; this forecaster was "
                f"calibrated on {self.n_calibration_windows_} ({self.calibration_})"
            )
        return offsets

    def _spread(self, inputs) -> np.ndarray | float:
        """Each window's local spread ``(n, 1, n_targets)`` (``scale_="local"``), else 1."""
        if self.scale_ != "local":
            return np.ones((1, 1, 1))
        return cs.floored(cs.local_spread(self.model_._targets_of(inputs)), self.spread_floor_)

    # ------------------------------------------------------------------ recalibration

    def _recalibrating(self) -> bool:
        return bool(getattr(self, "recalibrate", False)) and hasattr(self, "calibration_ends_")

    def _new_scores(self, windows, first_origin=None, last_origin=None) -> tuple:
        """The scores and last-label timestamps of the windows after ``calibrated_until_``
        that a forecast at ``first_origin`` .. ``last_origin`` (``None``: after the last
        window) can use: at most ``n_calibration_windows_`` before the first origin, none
        ending at or after the last (those with a NaN label left out)."""
        rows = recent.windows_after(windows, self.calibrated_until_)
        ends = recent.label_ends(windows, rows)
        order = np.argsort(ends, kind="stable")
        rows, ends = rows[order], ends[order]
        start = 0 if first_origin is None else np.searchsorted(ends, first_origin, "left")
        stop = len(ends) if last_origin is None else np.searchsorted(ends, last_origin, "left")
        keep = slice(max(0, start - self.n_calibration_windows_), stop)
        if first_origin is None:  # a predict: only the most recent windows can count
            keep = slice(max(0, stop - self.n_calibration_windows_), stop)
        rows, ends = rows[keep], ends[keep]
        if not len(rows):
            return self.calibration_scores_[:0], ends
        raw, spread = self._window_scores(self.model_, windows, "train", rows)
        scores = self._scaled(raw, spread)
        finite = np.isfinite(scores.reshape(len(scores), -1)).all(axis=1)
        return scores[finite], ends[finite]

    def _recent(self, new, new_ends, origin) -> np.ndarray:
        return recent.recent_scores(
            self.calibration_scores_, self.calibration_ends_, new, new_ends, origin
        )

    def forecast_quantile_windows(
        self, windows, quantiles, split: str = "test", rows=None
    ) -> np.ndarray:
        """As for every forecaster; with ``recalibrate``, each origin's quantiles are
        calibrated on the most recent honest windows whose labels end before it."""
        if not self._recalibrating():
            return super().forecast_quantile_windows(windows, quantiles, split, rows)
        levels = self._quantile_request(quantiles)
        rows = windows._origins(split) if rows is None else np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return np.zeros((0, self.horizon, len(self.target_columns_), len(levels)))
        origins = windows.layout.timestamps[rows].to_numpy()
        new, new_ends = self._new_scores(windows, origins.min(), origins.max())
        offsets = {
            origin: self._offsets(self._recent(new, new_ends, origin), levels)
            for origin in np.unique(origins)
        }
        parts = []
        for i, (inputs, series) in enumerate(own_batches(self, windows, split, rows)):
            batch = origins[i * EVALUATION_BATCH : (i + 1) * EVALUATION_BATCH]
            at = np.stack([offsets[origin] for origin in batch])
            parts.append(self._forecast_quantiles(inputs, series, levels, at))
        return np.concatenate(parts)

    def _predict_quantiles(self, X, quantiles, errors, future=None):
        """As for every forecaster; with ``recalibrate``, calibrated on the most recent
        honest windows of ``X`` (all observed: the forecast starts after its end)."""
        if not self._recalibrating():
            return super()._predict_quantiles(X, quantiles, errors, future)
        try:
            new, new_ends = self._new_scores(self.windows(X))
        except (DataValidationError, ValueError):  # no window fits: the windows of fit
            new, new_ends = self.calibration_scores_[:0], self.calibration_ends_[:0]
        with _SCORES_OF_CALL.given(self, self._recent(new, new_ends, None)):
            return super()._predict_quantiles(X, quantiles, errors, future)

    def _check_inputs(self, latest) -> None:
        self.model_._check_inputs(latest)

    def _instance_tags(self) -> dict[str, Any]:
        if not isinstance(self.model, BaseForecaster):
            return {}
        inner = self.model.get_tags()
        return {name: inner[name] for name in _INNER_TAGS}

    def _serving_function(self):
        """The inner model's graph and the calibrated quantiles (see
        :mod:`forecast.models.conformal_export`: the calibration as of the end of the fitted
        data, fixed in the export even with ``recalibrate``)."""
        from forecast.models.conformal_export import conformal_serving_function

        return conformal_serving_function(self)

    def _export_metadata(self) -> dict[str, Any]:
        from forecast.models.conformal_export import conformal_metadata

        return conformal_metadata(self)
