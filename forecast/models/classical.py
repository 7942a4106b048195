"""Classical anchors: statsforecast's AutoETS and AutoTheta with the contract of the baselines.

Optional: they need the ``stats`` extra (``pip install 'forecast[stats]'``, which brings
statsforecast); without it ``fit`` raises an ``ImportError`` that says so. Like every baseline
they read the target's last ``input_width`` steps and forecast ``horizon`` steps, so
``forecast.compare`` scores them on the very windows of the networks, and a leaderboard says
plainly when a classical model beats them (both carry the ``baseline`` tag).

How they forecast:

* ``fit`` chooses and fits one statsforecast model per series and target (a panel of 30
  series is 30 fits): the model form and its smoothing parameters, on the series' training
  rows (the longest stretch without a gap or a NaN, its last ``max_fit_length`` steps);
* a forecast made at an origin reads only its input window, as every baseline's does: the
  model's states start from the window itself (ETS: statsforecast's seasonal states for the
  window and a straight line through the whole seasonally adjusted window for level and
  trend; theta: the window's own decomposition and first value), run through the window
  with the fitted parameters, and the forecast continues from the window's last state.
  (statsforecast's ``forward`` would restart ETS from the states fitted at the start of the
  training data, which makes a week-long window forecast badly: MAE 520 for AutoETS on the
  electricity protocol.)

``forecast.backtest`` / ``compare`` with ``refit`` fit a clone again on the rows before each
block of origins, so the parameters are refitted per block as every model's are. A window of
a series the fit did not see is forecast with parameters fitted on that window alone.

The season is the ``season_length`` given or, when ``None``, the one the frequency suggests
(hourly 24, daily 7, monthly 12, ...), used only when the input window holds two seasons.
They forecast with statsforecast, not a TensorFlow graph, so they are not exported as
SavedModels (pickle the fitted forecaster instead).

Example:
    >>> import numpy as np, pandas as pd
    >>> hours = pd.date_range("2024-01-01", periods=24 * 14, freq="h", name="timestamp")
    >>> t = np.arange(len(hours) + 24)
    >>> y = 10.0 + 0.01 * t + np.sin(2 * np.pi * t / 24)  # a trend and a daily season
    >>> frame = pd.DataFrame({"y": y[:-24]}, index=hours)
    >>> model = AutoETS(input_width=72, horizon=24).fit(frame)
    >>> model.params_[None][0]["method"], model.season_length_
    ('ETS(A,A,A)', 24)
    >>> bool(np.allclose(model.predict(frame)["y"], y[-24:], atol=1e-4))
    True
"""

from __future__ import annotations

import warnings
from importlib import import_module
from typing import Any

import numpy as np

from forecast.errors import DataValidationError
from forecast.models.base import BaseForecaster
from forecast.models.constraints import Choice, Integer
from forecast.models.contract import store_params
from forecast.windowing.windows import Windows

#: how to install what the classical models need
INSTALL = "pip install 'forecast[stats]'"


def statsforecast_module(name: str):
    """statsforecast's module ``name`` (``"models"``, ``"ets"``, ``"theta"``), imported on
    first use.

    Raises:
        ImportError: statsforecast is not installed (the message says how to install it).
    """
    try:
        return import_module(f"statsforecast.{name}")
    except ImportError as error:
        raise ImportError(
            f"AutoETS and AutoTheta need statsforecast, which is not installed ({error}); "
            f"install the stats extra: {INSTALL}"
        ) from error


class _Classical(BaseForecaster):
    """What AutoETS and AutoTheta share: one fit per series and target, and forecasts from
    window-initialised states (subclasses say how to fit one series and forecast one window)."""

    _tags = {"baseline": True, "per_series": True, "exportable": False}
    _parameter_constraints = {"max_fit_length": Integer(minimum=8, none=True)}

    def _fit_windows(self, windows: Windows) -> None:
        statsforecast_module("models")  # a missing extra fails before any work
        self.season_length_ = self._season()
        fits: dict[Any, tuple] = {}
        for number, series_id in enumerate(windows.layout.series_ids):
            fits[series_id] = tuple(
                self._fit_target(series_training_values(windows, number, j), series_id, column)
                for j, column in enumerate(self.target_columns_)
            )
        self.params_ = fits

    def _season(self) -> int:
        """The season the models use: the resolved one when the window holds two of them."""
        season = int(self.season_length_)
        if season <= 1 or 2 * season <= self.input_width_:
            return max(season, 1)
        if self.season_length is not None:
            raise ValueError(
                f"season_length {season} needs an input_width of at least {2 * season} (two "
                f"seasons) to initialise the seasonal states, got {self.input_width_}"
            )
        return 1

    def _fit_target(self, values: np.ndarray, series_id, column: str) -> dict:
        if len(values) < 2 * max(self.season_length_, 2):
            raise DataValidationError(
                f"{type(self).__name__} needs at least {2 * max(self.season_length_, 2)} "
                f"consecutive training values without a gap or NaN, found {len(values)}",
                column=column,
                series=series_id,
            )
        if self.max_fit_length is not None:
            values = values[-int(self.max_fit_length) :]
        try:
            with warnings.catch_warnings():  # candidate parameters overflowing in the search
                warnings.simplefilter("ignore", RuntimeWarning)
                return self._fit_one(values)
        except Exception as error:  # statsforecast raises bare Exceptions too
            raise DataValidationError(
                f"statsforecast could not fit {type(self).__name__} ({error})",
                column=column,
                series=series_id,
            ) from error

    def _forecast(self, inputs) -> np.ndarray:
        past = inputs["past"] if isinstance(inputs, dict) else inputs
        return self._forecast_series(inputs, np.full(len(past), None, dtype=object))

    def _forecast_series(self, inputs, series: np.ndarray) -> np.ndarray:
        past = self._targets_of(inputs)
        out = np.empty((len(past), self.horizon, past.shape[2]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            for i, series_id in enumerate(series):
                fitted = self.params_.get(series_id)
                for j, column in enumerate(self.target_columns_):
                    window = past[i, :, j]
                    if fitted is None:  # a series the fit did not see: fitted on the window
                        params = self._fit_target(window, series_id, column)
                    else:
                        params = fitted[j]
                    out[i, :, j] = self._forecast_one(params, window)
        return out

    def _fit_one(self, values: np.ndarray) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def _forecast_one(self, params: dict, window: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


class AutoETS(_Classical):
    """statsforecast's AutoETS (exponential smoothing, the form chosen by AICc) per series,
    forecasting each window from states initialised on the window itself.

    Args:
        season_length: the season in steps; ``None`` infers it from the frequency (hourly
            24, daily 7, monthly 12, ...) and drops it when the window is shorter than two
            seasons (a ``season_length`` given must fit twice in ``input_width``).
        model: statsforecast's three letters for error, trend and season, each ``A``
            (additive), ``M`` (multiplicative), ``N`` (none) or ``Z`` (chosen); ``"ZZZ"``
            chooses all three.
        damped: whether the trend is damped; ``None`` tries both.
        max_fit_length: the parameters are fitted on at most this many of the last
            training steps of each series (``None``: all of them).
        input_width, horizon, target, covariates, calendar, missing: as for
            :class:`~forecast.models.baselines.Naive` (covariates and calendar are accepted
            for interchangeability and unused).

    Fitted attributes:
        params_: ``{series_id: (one dict per target)}`` (``None`` is the id of a single
            series): the form (``method``, ``components``), the season ``m`` and the
            smoothing parameters ``par`` (alpha, beta, gamma, phi; NaN where unused).
    """

    _parameter_constraints = {
        "model": Choice(tuple(e + t + s for e in "AMZ" for t in "ANMZ" for s in "ANMZ")),
        "damped": Choice((True, False), none=True),
    }

    def __init__(
        self,
        season_length=None,
        *,
        model="ZZZ",
        damped=None,
        max_fit_length=None,
        input_width=None,
        horizon=1,
        target="y",
        covariates=None,
        calendar=(),
        missing=None,
    ):
        store_params(self, locals())

    def _fit_one(self, values: np.ndarray) -> dict:
        models = statsforecast_module("models")
        fitted = models.AutoETS(
            season_length=self.season_length_, model=self.model, damped=self.damped
        ).fit(values)
        return {
            "method": fitted.model_["method"],
            "components": fitted.model_["components"],
            "m": int(fitted.model_["m"]),
            "par": tuple(float(p) for p in fitted.model_["par"][:4]),
        }

    def _forecast_one(self, params: dict, window: np.ndarray) -> np.ndarray:
        return ets_window_forecast(params, window, self.horizon)


class AutoTheta(_Classical):
    """statsforecast's AutoTheta (the theta method; standard, optimised or dynamic, chosen
    by MSE) per series, forecasting each window from a level and seasonal indices computed
    on the window itself.

    Args:
        season_length: as for :class:`AutoETS`; the series is deseasonalised (a classical
            decomposition) when statsforecast's seasonality test on the training rows says
            so, and each window then by its own decomposition.
        model: ``"STM"``, ``"OTM"``, ``"DSTM"`` or ``"DOTM"``; ``None`` chooses.
        decomposition_type: ``"multiplicative"`` (additive where the values are not all
            positive) or ``"additive"``.
        max_fit_length, input_width, horizon, target, covariates, calendar, missing: as for
            :class:`AutoETS`.

    Fitted attributes:
        params_: ``{series_id: (one dict per target)}``: ``modeltype``, ``alpha``,
            ``theta``, the season ``m`` and the decomposition (``decomposition_type``, or
            ``None`` when the series is not deseasonalised).
    """

    _parameter_constraints = {
        "model": Choice(("STM", "OTM", "DSTM", "DOTM"), none=True),
        "decomposition_type": Choice(("multiplicative", "additive")),
    }

    def __init__(
        self,
        season_length=None,
        *,
        model=None,
        decomposition_type="multiplicative",
        max_fit_length=None,
        input_width=None,
        horizon=1,
        target="y",
        covariates=None,
        calendar=(),
        missing=None,
    ):
        store_params(self, locals())

    def _fit_one(self, values: np.ndarray) -> dict:
        models = statsforecast_module("models")
        fitted = models.AutoTheta(
            season_length=self.season_length_,
            model=self.model,
            decomposition_type=self.decomposition_type,
        ).fit(values)
        model = fitted.model_
        return {
            "modeltype": model["modeltype"],
            "m": int(self.season_length_),
            "alpha": float(model["par"]["alpha"]),
            "theta": float(model["par"]["theta"]),
            "decomposition_type": model["decomposition_type"] if model.get("decompose") else None,
        }

    def _forecast_one(self, params: dict, window: np.ndarray) -> np.ndarray:
        return theta_window_forecast(params, window, self.horizon)


# ---------------------------------------------------------------------- one window


def ets_window_forecast(params: dict, window: np.ndarray, horizon: int) -> np.ndarray:
    """An ETS forecast of ``horizon`` steps after ``window`` with fitted ``params`` (see
    :attr:`AutoETS.params_`): the states start from :func:`window_states` of the window and
    run through it with the fitted smoothing parameters; the forecast continues from the last.

    A multiplicative-season model on a window with values <= 0 (which it cannot initialise)
    forecasts the window's last season.
    """
    ets = statsforecast_module("ets")
    error, trend, season, damped = params["components"]
    m = params["m"]
    alpha, beta, gamma, phi = params["par"]
    if season == "M" and not np.all(window > 0):
        return np.resize(window[-m:], horizon)
    state = window_states(window, m, trend, season)
    _, _, states, _ = ets.pegelsresid_C(
        window, m, state, error, trend, season, damped == "D", alpha, beta, gamma, phi, 1
    )
    out = np.full(horizon, np.nan)
    ets.etsforecast(
        x=states[-1],
        m=m,
        trend=ets.switch(trend),
        season=ets.switch(season),
        phi=phi if damped == "D" else 1.0,
        h=horizon,
        f=out,
    )
    return out


def window_states(window: np.ndarray, m: int, trend: str, season: str) -> np.ndarray:
    """The initial ETS states ``[level, trend, seasonal states...]`` (as statsforecast orders
    them) of a window: statsforecast's seasonal states for the window (a classical
    decomposition, or a Fourier fit on short windows) and, with a trend, the level and slope
    of a least-squares line through the whole seasonally adjusted window (statsforecast's
    line through its first ``max(10, 2m)`` values would make the slope of a day or two
    persist through the window and the forecast)."""
    ets = statsforecast_module("ets")
    state = ets.initstate(window, m, trend, season)
    has_trend = trend != "N"
    if season != "N":  # the last seasonal state completes the others (as statsforecast's fit)
        state = np.append(state, m * (season == "M") - state[1 + has_trend :].sum())
    if trend == "A":
        steps = np.arange(1, len(window) + 1, dtype=np.float64)
        adjusted = window
        if season != "N":  # the season of step i is the state m - 1 - (i mod m)
            seasons = state[1 + has_trend :][::-1][np.arange(len(window)) % m]
            adjusted = window - seasons if season == "A" else window / seasons
        slope, intercept = np.polyfit(steps, adjusted, 1)
        state[0], state[1] = intercept, slope
    return state


def theta_window_forecast(params: dict, window: np.ndarray, horizon: int) -> np.ndarray:
    """A theta forecast of ``horizon`` steps after ``window`` with fitted ``params`` (see
    :attr:`AutoTheta.params_`): the window is deseasonalised by its own classical
    decomposition (when the fit deseasonalised the series), its first value is the initial
    level, and the fitted ``alpha`` and ``theta`` run through it; the forecast is
    reseasonalised with the window's last seasonal indices."""
    theta = statsforecast_module("theta")
    m, kind = params["m"], params["decomposition_type"]
    seasonal = None
    if kind is not None:
        from statsmodels.tsa.seasonal import seasonal_decompose

        if kind == "multiplicative" and not np.all(window > 0):
            kind = "additive"
        seasonal = seasonal_decompose(window, model=kind, period=m).seasonal
        if kind == "multiplicative" and np.any(seasonal < 0.01):
            kind = "additive"
            seasonal = seasonal_decompose(window, model=kind, period=m).seasonal
        window = window - seasonal if kind == "additive" else window / seasonal
    model = theta.thetamodel(
        y=window,
        m=m,
        modeltype=params["modeltype"],
        initial_smoothed=float(window[0]),
        alpha=params["alpha"],
        theta=params["theta"],
        nmse=3,
    )
    out = np.asarray(theta.forecast_theta(model, horizon)["mean"], dtype=np.float64)
    if seasonal is None:
        return out
    indices = np.resize(seasonal[-m:], horizon)
    return out + indices if kind == "additive" else out * indices


# ---------------------------------------------------------------------- training values


def series_training_values(windows: Windows, series: int, target: int) -> np.ndarray:
    """The training values of one series and target that a model is fitted on: its longest
    stretch of training rows without a gap or a NaN (the latest of the longest), NaN inputs
    filled as the ``missing`` policy fills them."""
    layout = windows.layout
    rows = slice(int(layout.starts[series]), int(layout.starts[series + 1]))
    values = windows.values[rows, target].astype(np.float64)
    usable = (windows.row_split[rows] == 0) & ~np.isnan(values)
    blocks = layout.block_ids()[rows]
    if not usable.any():
        return values[:0]
    begins = usable & np.r_[True, ~usable[:-1] | (blocks[1:] != blocks[:-1])]
    run = np.cumsum(begins)
    run[~usable] = 0
    lengths = np.bincount(run)[1:]
    longest = len(lengths) - int(np.argmax(lengths[::-1]))  # runs are numbered from 1
    return values[run == longest]
