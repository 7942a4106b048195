"""Recurrent forecasters (LSTM, GRU, plain RNN) with the sklearn-style API.

Example:
    >>> import forecast
    >>> frame = forecast.load_dataset("electricity_hourly").iloc[-2000:]
    >>> model = forecast.LSTMForecaster(input_width=48, horizon=24, units=(8,), epochs=1,
    ...                                 random_state=0)
    >>> model.fit(frame).predict(frame).shape
    (24, 1)
    >>> model.season_length_, model.calendar_
    (24, ('hour', 'dayofweek'))
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.features.category_warnings import one_warning_per_job
from forecast.models.base import BaseForecaster
from forecast.models.constraints import Boolean, Choice, Integer, Levels, Real, Seed, Widths
from forecast.models.contract import store_params
from forecast.models.network_pickling import PicklableNetworks
from forecast.models.quantile_network import QuantileOutputs, compiled_loss, trained_levels
from forecast.models.recurrent_fit import choose_scaling_and_anchor, fit_members
from forecast.models.static_inputs import StaticInputs
from forecast.nn.options import (
    CELL_NAMES,
    DISTRIBUTIONS,
    LOSSES,
    RESIDUALS,
    SCALING_CHOICES,
    STRATEGIES,
    VERBOSE,
)
from forecast.windowing.windows import Windows


class RNNForecaster(StaticInputs, PicklableNetworks, QuantileOutputs, BaseForecaster):
    """A stacked recurrent network trained on windows, scored like every baseline.

    The network reads scaled windows (statistics from the training split only) and its
    forecasts are scaled back inside the Keras graph, so ``model_`` takes raw windows and
    returns original units. Training stops early on the validation loss, restoring the best
    weights, and halves the learning rate when the validation loss stalls.

    Args:
        cell: ``"lstm"``, ``"gru"`` or ``"rnn"`` (plain ``SimpleRNN``).
        input_width: past steps read; ``None`` picks one from the frequency (a week of hourly
            data, four weeks of daily data, ...; see :func:`forecast.features.calendar_features.default_input_width`).
        horizon: steps forecast.
        target: the column (or columns) to forecast.
        covariates: past-only input columns (categoricals are one-hot encoded).
        calendar: calendar features used as inputs and known-future features; ``"auto"``
            picks them from the frequency, keeping those whose cycle the training rows span
            twice (``calendar_`` says which), ``()`` for none.
        future_covariates: columns whose values are known in advance (a weather forecast,
            planned promotions). Like the calendar, they are read twice: their observed
            values in the input rows (past inputs) and their known values at the forecast
            steps (the network's ``"future"`` input, beside the calendar: into the head with
            ``strategy="direct"``, into every decoder step with ``"seq2seq"`` and
            ``"autoregressive"``); ``predict`` takes the latter from ``future=``. Numeric ones
            are scaled on the training rows and clipped to their training range like the
            covariates, categorical ones one-hot encoded. ``select_covariates`` never drops
            them.
        static_covariates: columns holding one value per series of a panel (a region, a
            capacity), from the frame (constant within each series) or ``fit(frame,
            static=<frame indexed by series id>)``; numeric ones scaled on the training series,
            categorical ones one-hot encoded. With ``series_embedding=<dim>``, a learned
            embedding of the series id (``predict`` refuses a series ``fit`` did not see).
            Both start every encoder layer (its initial state): see
            :mod:`forecast.models.static_inputs`.
        units: one width per stacked recurrent layer.
        dropout: dropout after each recurrent layer.
        recurrent_dropout: dropout on the recurrent state (any value but 0 leaves the fast
            cuDNN kernel on GPUs).
        bidirectional: read the input window in both directions.
        dense_units: hidden widths of the head (``()`` for none).
        strategy: ``"direct"``, ``"seq2seq"`` or ``"autoregressive"``.
        residual: the baseline the network corrects (it forecasts ``anchor + correction``,
            its output layer starting at zero so that before training it forecasts the anchor
            exactly): ``"auto"`` (default) scores the last value, the seasonal-naive forecast
            of every season the frequency suggests that fits in the window (hourly 24 and
            168, daily 7 and 364, monthly 12, ...; and ``season_length`` when given), a
            ridge regression on the target window, the Theta method on the window (each
            season that fits twice in it), and the means of the best two and three
            of those, on the validation windows, and anchors on the best (``anchor_``,
            ``anchor_scores_``); ``"last"``, ``"seasonal"`` (season
            ``season_length``), ``"linear"`` fix it; ``None``: the network forecasts the level.
        season_length: season of ``residual="seasonal"``; ``None`` infers it from the frequency.
        scaling: ``"auto"`` (default) is ``"window"`` when the targets' level moves beyond
            what training statistics describe (a trend or level shift in the last part of
            the training rows, or series of a panel whose spreads differ tenfold), else
            ``"standard"`` (see :func:`forecast.nn.scaling.choose_scaling`;
            ``scaling_mode_`` says which); or one of ``"standard"``, ``"robust"``,
            ``"window"`` (per-window target scaling) and ``None``. In every mode the numeric
            covariates are clipped to their training range (plus a quarter of it on each side).
        epochs: the most passes over the training windows.
        batch_size: windows per gradient step: the global batch, split across the replicas
            under a ``distribution`` (multiply it by their number to keep each as busy).
        learning_rate: Adam's initial learning rate.
        loss: ``"mse"``, ``"mae"`` or ``"huber"`` (on scaled values); with ``quantiles``, only
            ``"mae"`` (the pinball loss at the median; another loss is an error).
        quantiles: ``None`` (default): point forecasts; levels in ``(0, 1)``, e.g. ``(0.1,
            0.5, 0.9)``: a quantile network, whose head emits every level of every step and
            target (never crossing: :mod:`forecast.nn.quantile_head`), trained with the mean
            pinball loss over them in scaled units, early stopping on the same loss on
            validation (:mod:`forecast.models.quantile_network` says why). The median 0.5 is
            always trained (added if missing): ``predict`` returns it, and
            ``predict_quantiles``/``predict_interval`` any trained level.
        patience: epochs without validation improvement before stopping (``None``: never stop
            early); the learning rate is halved after ``max(1, patience // 2)`` such epochs.
        clipnorm: gradient norm clipping (``None`` for none); under a ``distribution``, each
            replica's gradient is clipped at it before they are averaged.
        validation: fraction of each series' end held out for early stopping when ``fit`` is
            given no ``validation_frame``.
        random_state: seed of weights, dropout and shuffling: the same seed on the same data
            and CPU gives the same forecasts.
        verbose: the training progress on stderr: ``"auto"`` (default) or 1, a live bar with
            the time left on a terminal or in a notebook and one line per epoch in a file or
            log; 2, one line per epoch wherever it goes; 0, nothing (see
            :mod:`forecast.nn.progress`).
        missing: the :class:`~forecast.data.missing.MissingPolicy` for NaN inputs (or a dict of its
            fields, e.g. ``{"inputs": "drop"}``); ``None``: ``"fill"``, each window's NaN
            inputs filled from its own observations, in training as in ``predict``. Labels
            are never filled.
        distribution: the ``tf.distribute`` strategy that trains the network: ``"default"``
            (one device), ``"mirrored"`` (one replica per local GPU, or per logical CPU device
            without GPUs) or ``"multi_worker"`` (``MultiWorkerMirroredStrategy``, the cluster
            read from ``TF_CONFIG``, trained by :func:`forecast.nn.training_loop.fit_distributed`); see
            :mod:`forecast.distribution`. It is not called ``strategy`` because that argument
            is the multi-step strategy. ``batch_size`` stays the global batch, split evenly
            across the replicas (a multiple of their number).
        stride: steps between the origins of consecutive training (and validation) windows:
            1 trains on every window; 2 on every other one, halving the time of an epoch on
            long histories, where neighbouring windows differ by one row.

        n_models: networks trained with seeds ``random_state, random_state + 1, ...``
            and averaged (a seed ensemble), exported as one graph. The default of one was
            measured against three on the generalisation benchmark's datasets where the
            networks leave their anchors (``benchmarks/results/generalization_n_models_3.json``):
            three changed no dataset from losing to winning against the best baseline, for up
            to twice the fit time.
        select_covariates: with past covariates, train the first network with and without
            them and keep the one better on validation (``covariates_used_``), so an
            unhelpful covariate cannot make the forecast worse than the target alone.

    Fitted attributes:
        model_: the Keras model (raw windows in, forecasts in original units out).
        networks_: the core networks of the ensemble (scaled units); ``network_`` the first.
        anchor_: the anchor the networks correct (``"last"``, ``"seasonal:<season>"``,
            ``"linear"``, ``"linear+calendar"``, ``"theta:<season>"``, a mean such as
            ``"mean(linear,seasonal:24)"`` or ``None``); ``anchor_scores_``: every candidate's validation error
            (mean absolute error in training standard deviations) when ``residual="auto"``.
        best_epochs_: for every network, the epoch whose weights it kept (0: untrained, i.e.
            the anchor itself forecasts best on validation).
        scaling_mode_: the scaling mode used; ``covariates_used_``: whether the networks read
            the past covariates.
        history_: the training history (``loss``, ``val_loss`` and ``learning_rate`` per epoch).
        quantile_levels_: the levels a quantile network trained (``None`` for a point one).
        scaling_: the :class:`~forecast.nn.scaling.ScalingStats` fitted on the training split.
        filled_inputs_: NaN input values filled in the training and validation windows.
        freq_, input_width_, season_length_, calendar_, input_columns_, target_columns_,
        categories_, training_range_, training_rows_, validation_rows_: what ``fit`` saw and
        chose; ``refitted_`` (and after :meth:`refit_full`, ``validated_``).
    """

    _tags = {
        "neural": True,
        "uses_validation": True,
        "reads_covariates": True,
        "reads_calendar": True,
        "reads_future_covariates": True,
    }
    _parameter_constraints = {
        "cell": Choice(CELL_NAMES),
        "units": Widths(),
        "dropout": Real(low=0.0, high=1.0, open_high=True),
        "recurrent_dropout": Real(low=0.0, high=1.0, open_high=True),
        "bidirectional": Boolean(),
        "dense_units": Widths(empty=True),
        "strategy": Choice(STRATEGIES),
        "residual": Choice(RESIDUALS),
        "scaling": Choice(SCALING_CHOICES),
        "n_models": Integer(minimum=1),
        "select_covariates": Boolean(),
        "epochs": Integer(minimum=1),
        "batch_size": Integer(minimum=1),
        "learning_rate": Real(low=0.0, open_low=True),
        "loss": Choice(LOSSES),
        "quantiles": Levels(none=True),
        "patience": Integer(minimum=1, none=True),
        "clipnorm": Real(low=0.0, open_low=True, none=True),
        "validation": Real(low=0.0, high=1.0, open_high=True),
        "random_state": Seed(),
        "verbose": Choice(VERBOSE),
        "distribution": Choice(DISTRIBUTIONS),
    }

    def __init__(
        self,
        cell="lstm",
        *,
        input_width=None,
        horizon=1,
        target="y",
        covariates=None,
        calendar="auto",
        units=(64,),
        dropout=0.0,
        recurrent_dropout=0.0,
        bidirectional=False,
        dense_units=(64,),
        strategy="direct",
        residual="auto",
        season_length=None,
        scaling="auto",
        epochs=100,
        batch_size=64,
        learning_rate=1e-3,
        loss="mae",
        quantiles=None,
        patience=5,
        clipnorm=1.0,
        validation=0.2,
        random_state=None,
        verbose="auto",
        missing=None,
        distribution="default",
        stride=1,
        n_models=1,
        select_covariates=True,
        future_covariates=None,
        static_covariates=None,
        series_embedding=None,
    ):
        store_params(self, locals())

    # ------------------------------------------------------------------ training

    def _fit_windows(self, windows: Windows) -> None:
        from forecast.nn.distribution import make_strategy
        from forecast.nn.networks import build_serving_model

        if self.residual == "seasonal" and self.season_length_ > self.input_width_:
            raise ValueError(
                f"residual='seasonal' needs season_length ({self.season_length_}) <= input_width "
                f"({self.input_width_}); raise input_width or set residual='auto', 'last' or None"
            )
        # First: a multi-worker strategy starts this worker's server, best before other ops.
        strategy = make_strategy(self.distribution)
        replicas = 1 if strategy is None else strategy.num_replicas_in_sync
        if self.batch_size % replicas:
            raise ValueError(
                f"batch_size ({self.batch_size}) must be a multiple of the {replicas} replicas of "
                f"distribution={self.distribution!r}: it is the global batch, split evenly among them"
            )
        self.quantile_levels_ = trained_levels(self.quantiles, self.loss)
        windows = self._with_static_windows(windows)
        scaled = {*windows.covariate_columns, *windows.future_covariate_columns}
        numeric = [
            i < windows.n_targets or (name in scaled)
            for i, name in enumerate(windows.input_columns)
        ]
        (
            self.scaling_mode_,
            self.scaling_,
            self.anchor_,
            self.anchor_scores_,
            linear,
        ) = choose_scaling_and_anchor(self, windows, numeric)
        pipelines = self._pipelines(windows, strategy)
        members = fit_members(self, windows, pipelines, strategy, replicas, linear)
        self.covariates_used_ = members[0].columns is None and bool(windows.covariate_columns)
        self.networks_ = [member.network for member in members]
        self.network_ = self.networks_[0]
        self.history_ = members[0].history
        self.best_epochs_ = [member.best_epoch for member in members]
        self._network_config = members[0].settings
        self.model_ = build_serving_model(self.networks_, self.scaling_)

    def _network_settings(self, windows: Windows, columns=None, linear=None) -> dict:
        """The arguments of :func:`~forecast.nn.networks.build_network` for these windows."""
        from forecast.nn.anchor_selection import parse_anchor

        kind, season = (None, None) if self.anchor_ is None else parse_anchor(self.anchor_)
        return {
            "input_width": self.input_width_,
            "horizon": self.horizon,
            "n_inputs": windows.n_inputs,
            "n_targets": windows.n_targets,
            "n_future": len(windows.future_columns),
            "cell": self.cell,
            "units": tuple(np.atleast_1d(self.units).tolist()),
            "dropout": float(self.dropout),
            "recurrent_dropout": float(self.recurrent_dropout),
            "bidirectional": bool(self.bidirectional),
            "dense_units": self.dense_units,
            "strategy": self.strategy,
            "residual": kind,
            "season_length": season,
            "linear_anchor": linear,
            "columns": columns,
            "quantiles": self.quantile_levels_,
            "conditioning": self._conditioning(),
        }

    def _compiled_network(self, settings: dict, replicas: int, name: str):
        """The core network, compiled with Adam (the gradient clipped per replica: see
        :mod:`forecast.nn.distribution`) and the training loss."""
        import keras

        from forecast.nn.networks import build_network

        network = build_network(**settings, name=name)
        optimizer = keras.optimizers.Adam(
            learning_rate=float(self.learning_rate),
            clipnorm=None if self.clipnorm is None else float(self.clipnorm) / replicas,
        )
        network.compile(optimizer=optimizer, loss=compiled_loss(self))
        return network

    def _pipelines(self, windows: Windows, strategy=None) -> tuple:
        """The scaled training and validation datasets (``None`` without validation windows);
        under a ``strategy``, sharded by data and batched so each first batch splits evenly."""
        from forecast.nn.distribution import shard_by_data, split_batch_size
        from forecast.nn.training import scaled_dataset

        replicas = 1 if strategy is None else strategy.num_replicas_in_sync
        shard = (lambda dataset: dataset) if strategy is None else shard_by_data
        if self.distribution == "multi_worker":  # its own loop takes batches of any split
            replicas = 1
        seed = None if self.random_state is None else int(self.random_state)
        batch = split_batch_size(self.batch_size, windows.n_windows("train"), replicas)
        train = windows.dataset("train", batch, shuffle=True, seed=seed)
        train = shard(scaled_dataset(train, self.scaling_))
        n_validation = windows.n_windows("validation")
        if n_validation == 0:
            return train, None
        batch = -(-max(self.batch_size, 256) // replicas) * replicas  # a multiple of the replicas
        batch = split_batch_size(batch, n_validation, replicas, "validation")
        validation = windows.dataset("validation", batch, shuffle=False)
        return train, shard(scaled_dataset(validation, self.scaling_))

    # ------------------------------------------------------------------ final fit

    @one_warning_per_job("fit")
    def refit_full(self, X: pd.DataFrame, *, static: pd.DataFrame | None = None) -> RNNForecaster:
        """Refit on all of ``X`` (no validation held out) with what the validated fit chose.

        After an honest evaluation, the model to serve should learn from every row, the
        latest above all. The scaling mode, the anchor and whether the covariates are read
        stay as ``fit`` chose them on validation; each network trains for the epochs early
        stopping kept (``best_epochs_``; 0: it stays the anchor), without early stopping,
        from the same seeds. ``refitted_`` becomes ``True``; ``validated_`` keeps what the
        validated fit saw (its training range and rows, best epochs, anchor scores, history).

        Example:
            >>> import forecast
            >>> frame = forecast.load_dataset("electricity_hourly").iloc[-1500:]
            >>> model = forecast.LSTMForecaster(input_width=48, horizon=24, units=(8,),
            ...                                 epochs=2, random_state=0).fit(frame.iloc[:-200])
            >>> model.refit_full(frame).refitted_, model.training_range_[1] == frame.index[-1]
            (True, True)

        Args:
            X: the frame to refit on (typically the frame ``fit`` saw and what followed it).
            static: the static covariates, as for :meth:`fit` (default: those of ``X``'s
                columns, else those ``fit`` saw).

        Returns:
            ``self``, refitted.
        """
        from forecast.models.recurrent_fit import refit_plan

        self._check_fitted()
        self._static_for_refit(X, static)
        params, plan = refit_plan(self)
        full = type(self)(**params)
        full._refit_plan = plan
        full.fit(X)
        validated = {
            "training_range": self.training_range_,
            "training_rows": self.training_rows_,
            "best_epochs": list(self.best_epochs_),
            "anchor_scores": dict(self.anchor_scores_),
            "history": self.history_,
        }
        fitted = {k: v for k, v in vars(full).items() if k.endswith("_") and not k.startswith("_")}
        fitted["anchor_scores_"] = validated["anchor_scores"]
        vars(self).update(fitted, _network_config=full._network_config)
        self.refitted_, self.validated_ = True, validated
        return self

    # ------------------------------------------------------------------ forecasting

    def _network_outputs(self, inputs) -> np.ndarray:
        """``model_``'s output for raw inputs: ``(n, horizon, n_targets)``, or with quantiles
        ``(n, horizon, n_targets, n_levels)``."""
        import keras

        features = dict(inputs) if isinstance(inputs, dict) else {"past": inputs}
        features = {
            k: np.asarray(v, dtype=np.int32 if k == "series_index" else np.float32)
            for k, v in features.items()
        }
        n = len(features["past"])
        out = [
            keras.ops.convert_to_numpy(
                self.model_({k: v[i : i + 1024] for k, v in features.items()}, training=False)
            )
            for i in range(0, n, 1024)
        ]
        levels = () if self.quantile_levels_ is None else (len(self.quantile_levels_),)
        empty = np.zeros((0, self.horizon, len(self.target_columns_), *levels))
        return np.concatenate(out) if out else empty

    def _check_inputs(self, latest) -> None:
        from forecast.models.input_range import warn_out_of_range

        warn_out_of_range(latest, self.scaling_, self.input_width_, self.freq_)

    def _serving_function(self):
        """The forecast graph; a quantile network's returns ``{"forecast": median, "quantiles":
        every level}`` (see :mod:`forecast.serving.export`)."""
        model = self.model_
        median = None if self.quantile_levels_ is None else self._median_index()

        def forecast_graph(past, future, static=None, series_index=None):
            named = {"future": future, "static": static, "series_index": series_index}
            inputs = {"past": past, **{k: v for k, v in named.items() if v is not None}}
            out = model(inputs, training=False)
            return out if median is None else {"forecast": out[..., median], "quantiles": out}

        return forecast_graph


class _FixedCellForecaster(RNNForecaster):
    """An :class:`RNNForecaster` whose cell is fixed by the class (no ``cell`` parameter)."""

    cell = "lstm"

    def __init__(
        self,
        input_width=None,
        *,
        horizon=1,
        target="y",
        covariates=None,
        calendar="auto",
        units=(64,),
        dropout=0.0,
        recurrent_dropout=0.0,
        bidirectional=False,
        dense_units=(64,),
        strategy="direct",
        residual="auto",
        season_length=None,
        scaling="auto",
        epochs=100,
        batch_size=64,
        learning_rate=1e-3,
        loss="mae",
        quantiles=None,
        patience=5,
        clipnorm=1.0,
        validation=0.2,
        random_state=None,
        verbose="auto",
        missing=None,
        distribution="default",
        stride=1,
        n_models=1,
        select_covariates=True,
        future_covariates=None,
        static_covariates=None,
        series_embedding=None,
    ):
        store_params(self, locals())


class LSTMForecaster(_FixedCellForecaster):
    """Stacked LSTM forecaster: :class:`RNNForecaster` with ``cell="lstm"`` (see it for the
    arguments).

    Example:
        >>> LSTMForecaster(input_width=168, horizon=24, units=(64, 32)).get_params()["units"]
        (64, 32)
    """

    cell = "lstm"


class GRUForecaster(_FixedCellForecaster):
    """Stacked GRU forecaster: :class:`RNNForecaster` with ``cell="gru"`` (see it for the
    arguments)."""

    cell = "gru"
