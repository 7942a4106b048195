"""Keras 3 networks built by pure functions from plain parameters.

:func:`build_network` returns the *core* network, which works in scaled units: it reads a
scaled input window (``"past"``: ``(input_width, n_inputs)``) and, when the model has
known-future features, their values for the forecast steps (``"future"``:
``(horizon, n_future)``), and returns ``(horizon, n_targets)``. :func:`build_serving_model`
wraps it with the scaling layers so that a model takes raw windows and returns forecasts in
original units (what ``predict`` and the exported SavedModel use).

Multi-step strategies:

* ``"direct"``: the encoder's final output, with the future features flattened beside it, goes
  through a dense head that emits all steps at once;
* ``"seq2seq"``: the encoder's final states start a decoder RNN that runs over the forecast
  steps, fed with the known-future features (and the step number);
* ``"autoregressive"``: a decoder cell, started from the encoder's states, emits one step at a
  time and is fed its own previous forecast (and that step's known-future features).

Residual output adds an anchor to whatever the network emits: ``"last"`` the last observed
target, ``"seasonal"`` the seasonal-naive forecast (the last season repeated), so the network
learns a correction to a baseline.

A quantile network (``quantiles=``) returns ``(horizon, n_targets, n_levels)``: its median is
what a point network returns (the anchor plus a correction), the other levels a
non-crossing fan around it (:mod:`forecast.nn.quantile_head`).

Example:
    >>> model = build_network(input_width=24, horizon=6, n_inputs=3, n_targets=1, n_future=2,
    ...                       cell="gru", units=(16, 8), residual="seasonal", season_length=12)
    >>> model.output_shape
    (None, 6, 1)
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers, ops

from forecast.nn import anchors
from forecast.nn.decoders import CELL_UNITS, AutoregressiveDecoder, output_init  # noqa: F401
from forecast.nn.options import ANCHORS, CELL_NAMES, STRATEGIES
from forecast.nn.quantile_head import QuantileFan, increments_layer, start_increments, with_median
from forecast.nn.scaling import ScalingStats, scale_future, scale_window
from forecast.nn.static_conditioning import conditioning_inputs, conditioning_vector, initial_states

CELLS = dict(zip(CELL_NAMES, (layers.LSTM, layers.GRU, layers.SimpleRNN)))


@keras.saving.register_keras_serializable(package="forecast")
class WindowScaler(layers.Layer):
    """Scale raw input windows; returns ``[scaled, center, scale]`` (see :mod:`forecast.scaling`)."""

    def __init__(self, stats: dict, **kwargs):
        super().__init__(**kwargs)
        self.stats = stats
        self._stats = ScalingStats.from_config(stats)

    def call(self, past):
        scaled, center, scale = scale_window(past, self._stats)
        return [scaled, center, scale]

    def get_config(self) -> dict:
        return {**super().get_config(), "stats": self.stats}


@keras.saving.register_keras_serializable(package="forecast")
class FutureScaler(WindowScaler):
    """Scale the known-future inputs of the forecast steps like their input columns (see
    :func:`forecast.nn.scaling.scale_future`; the calendar passes unchanged)."""

    def call(self, future):
        return scale_future(future, self._stats)


@keras.saving.register_keras_serializable(package="forecast")
class Unscale(layers.Layer):
    """Back to original units: ``forecast * scale + center`` (quantile forecasts, with a last
    axis of levels, each level alike: the scale is positive, so the order stays)."""

    def call(self, inputs):
        forecast, center, scale = inputs
        if len(forecast.shape) == 4:
            center, scale = ops.expand_dims(center, -1), ops.expand_dims(scale, -1)
        return forecast * scale + center


@keras.saving.register_keras_serializable(package="forecast")
class ResidualAnchor(layers.Layer):
    """The baseline a residual network corrects: the last target value (``mode="last"``), or
    the last season (``"seasonal"``), as :mod:`forecast.nn.anchors` computes them.

    Output ``(batch, horizon, n_targets)`` from a (scaled) ``(batch, input_width, n_inputs)``.
    """

    def __init__(
        self, mode: str, horizon: int, n_targets: int, season_length: int | None = None, **kwargs
    ):
        super().__init__(**kwargs)
        self.mode, self.horizon, self.n_targets, self.season_length = (
            mode,
            horizon,
            n_targets,
            season_length,
        )

    def call(self, past):
        if self.mode == "last":
            return anchors.last_value(ops, past, self.n_targets, self.horizon)
        return anchors.seasonal_naive(ops, past, self.n_targets, self.season_length, self.horizon)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "mode": self.mode,
            "horizon": self.horizon,
            "n_targets": self.n_targets,
            "season_length": self.season_length,
        }


@keras.saving.register_keras_serializable(package="forecast")
class LinearResidualAnchor(layers.Layer):
    """The linear anchor (:class:`forecast.nn.anchor_selection.LinearAnchor`) as a layer: a
    fixed affine map from the scaled target windows (and the future calendar) to the forecast
    steps. Its weights are not trained; they are saved with the model.

    Call with ``past`` or ``[past, future]``; returns ``(batch, horizon, n_targets)``.
    """

    def __init__(self, n_features: int, horizon: int, n_targets: int, **kwargs):
        super().__init__(**kwargs)
        self.n_features, self.horizon, self.n_targets = n_features, horizon, n_targets
        self.kernel = self.add_weight(
            shape=(n_features, horizon * n_targets), initializer="zeros", trainable=False,
            name="kernel",
        )  # fmt: skip
        self.bias = self.add_weight(
            shape=(horizon * n_targets,), initializer="zeros", trainable=False, name="bias"
        )

    def set_anchor(self, anchor) -> None:
        """Set the fitted weights and bias."""
        self.kernel.assign(anchor.weights)
        self.bias.assign(anchor.bias)

    def call(self, inputs):
        past, future = inputs if isinstance(inputs, (list, tuple)) else (inputs, None)
        targets = past[:, :, : self.n_targets]
        return anchors.linear(ops, targets, future, self.kernel, self.bias, self.horizon)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "n_features": self.n_features,
            "horizon": self.horizon,
            "n_targets": self.n_targets,
        }


@keras.saving.register_keras_serializable(package="forecast")
class TakeColumns(layers.Layer):
    """The input columns a network reads, by position (e.g. without the covariates)."""

    def __init__(self, columns: Sequence[int], **kwargs):
        super().__init__(**kwargs)
        self.columns = [int(c) for c in columns]

    def call(self, past):
        return ops.take(past, self.columns, axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "columns": list(self.columns)}


@keras.saving.register_keras_serializable(package="forecast")
class StepIndex(layers.Layer):
    """One-hot forecast step numbers ``(batch, horizon, horizon)``: the decoder's own clock."""

    def __init__(self, horizon: int, **kwargs):
        super().__init__(**kwargs)
        self.horizon = horizon

    def call(self, past):
        eye = ops.eye(self.horizon, dtype=past.dtype)
        return ops.broadcast_to(eye[None], (ops.shape(past)[0], self.horizon, self.horizon))

    def get_config(self) -> dict:
        return {**super().get_config(), "horizon": self.horizon}


def build_network(
    *,
    input_width: int,
    horizon: int,
    n_inputs: int,
    n_targets: int,
    n_future: int = 0,
    cell: str = "lstm",
    units: Sequence[int] = (64,),
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    bidirectional: bool = False,
    dense_units: int | Sequence[int] = (64,),
    strategy: str = "direct",
    residual: str | None = None,
    season_length: int | None = None,
    linear_anchor=None,
    columns: Sequence[int] | None = None,
    quantiles: Sequence[float] | None = None,
    conditioning: dict | None = None,
    name: str | None = None,
) -> keras.Model:
    """Build the core network (scaled units in and out).

    Args:
        input_width: steps in the input window.
        horizon: steps forecast.
        n_inputs: input columns per step (targets first).
        n_targets: target columns.
        n_future: known-future columns per forecast step (0: no ``"future"`` input).
        cell: ``"lstm"``, ``"gru"`` or ``"rnn"`` (plain ``SimpleRNN``, to see why gates exist).
        units: one entry per stacked recurrent layer, e.g. ``(64, 32)``.
        dropout: dropout rate after each recurrent layer.
        recurrent_dropout: dropout on the recurrent state of every recurrent layer, encoder
            and decoder alike; any value but 0 leaves the fast cuDNN kernel on GPUs (a much
            slower generic kernel is used instead).
        bidirectional: read the input window in both directions.
        dense_units: hidden layer widths of the head (an int for one layer, ``()`` for none).
        strategy: one of :data:`STRATEGIES`.
        residual: the anchor the network corrects: ``None``, ``"last"``, ``"seasonal"`` or
            ``"linear"`` (``"auto"`` is resolved by the forecaster before building). With an
            anchor the output layer starts at zero, so the untrained network forecasts the
            anchor exactly.
        season_length: the season of ``residual="seasonal"`` (at most ``input_width``).
        linear_anchor: the fitted :class:`~forecast.nn.anchor_selection.LinearAnchor` of
            ``residual="linear"``.
        columns: the input columns the recurrent layers read (targets first), e.g. without
            the covariates; ``None``: all. Anchors always read the target columns.
        quantiles: the levels of a quantile network (the median is added if missing);
            ``None``: a point network.
        conditioning: the static covariates' ``center`` and ``scale`` and the series
            embedding's ``n_series`` and ``embedding_dim``: ``"static"`` and
            ``"series_index"`` inputs that start the encoder (see
            :mod:`forecast.nn.static_conditioning`); ``None``: neither.
        name: the model's name (default ``"<cell>_<strategy>"``); the members of an ensemble
            need distinct names.

    Returns:
        An uncompiled ``keras.Model`` with inputs ``{"past", ["future"]}`` and output
        ``(batch, horizon, n_targets)``, or with ``quantiles`` ``(batch, horizon, n_targets,
        n_levels)``, the levels ascending.

    Raises:
        ValueError: an unknown option or inconsistent settings.
    """
    units = _as_widths(units, "units")
    dense = _as_widths(dense_units, "dense_units", allow_empty=True)
    _check_options(cell, strategy, residual, season_length, input_width, dropout, recurrent_dropout)
    if residual == "linear" and linear_anchor is None:
        raise ValueError("residual='linear' needs the fitted linear_anchor")
    inputs = _network_inputs(input_width, n_inputs, horizon, n_future, conditioning)
    past, future = inputs["past"], inputs.get("future")
    read = past if columns is None else TakeColumns(columns, name="columns")(past)
    start = initial_states(conditioning_vector(inputs, conditioning), cell, units, bidirectional)
    encoding, states = _encoder(
        read, cell, units, dropout, recurrent_dropout, bidirectional, strategy != "direct", start
    )
    anchor = _anchor(past, future, residual, horizon, n_targets, season_length, linear_anchor)
    zero = anchor is not None
    levels = None if quantiles is None else with_median(quantiles)
    if strategy == "direct":
        output, raw = _direct_head(encoding, future, dense, horizon, n_targets, zero, levels)
    else:
        steps = StepIndex(horizon, name="step")(past)
        decoder_inputs = steps if future is None else layers.Concatenate()([future, steps])
        decoder_units = tuple(u * (2 if bidirectional else 1) for u in units)
        if strategy == "seq2seq":
            output, raw = _seq2seq_decoder(
                decoder_inputs, states, cell, decoder_units, dense, n_targets, dropout,
                recurrent_dropout, zero, levels,
            )  # fmt: skip
        else:
            flat_states = [s for group in states for s in group]
            decoder = AutoregressiveDecoder(
                cell, decoder_units, dense, n_targets, residual, season_length, recurrent_dropout,
                levels, name="decoder",
            )  # fmt: skip
            anchor_input = [] if anchor is None else [anchor]
            output = decoder([decoder_inputs, past, *anchor_input, *flat_states])
            output, raw = (output, None) if levels is None else output
            anchor = None  # the decoder adds it inside its feedback loop
    output = _output(output, anchor, raw, levels)
    return keras.Model(inputs, output, name=name or f"{cell}_{strategy}")


def _output(output, anchor, raw, levels):
    """The network's output: ``output`` plus the ``anchor`` (if any), with ``levels`` the
    quantile fan around that median."""
    if anchor is not None:
        output = layers.Add(name="residual")([output, anchor])
    if levels is not None:
        output = QuantileFan(levels, name="quantiles")([output, raw])
    return output


def _anchor(past, future, residual, horizon, n_targets, season_length, linear_anchor):
    """The anchor tensor a residual network adds to its output (``None`` without one)."""
    if residual is None:
        return None
    if residual != "linear":
        return ResidualAnchor(residual, horizon, n_targets, season_length, name="anchor")(past)
    layer = LinearResidualAnchor(
        int(linear_anchor.weights.shape[0]), horizon, n_targets, name="linear_anchor"
    )
    anchor = layer(past if future is None else [past, future])
    layer.set_anchor(linear_anchor)
    return anchor


def _network_inputs(
    input_width: int, n_inputs: int, horizon: int, n_future: int, conditioning=None
) -> dict:
    """The Keras inputs: ``"past"`` windows and, with known-future columns, ``"future"``
    (and the ``conditioning``'s ``"static"`` and ``"series_index"``)."""
    inputs = {"past": keras.Input((input_width, n_inputs), name="past")}
    if n_future:
        inputs["future"] = keras.Input((horizon, n_future), name="future")
    return {**inputs, **conditioning_inputs(conditioning)}


def _check_options(
    cell, strategy, residual, season_length, input_width, dropout, recurrent_dropout
):
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}, got {cell!r}")
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    if residual not in ANCHORS:
        raise ValueError(f"residual must be one of {ANCHORS}, got {residual!r}")
    if residual == "seasonal" and not (season_length and 1 <= season_length <= input_width):
        raise ValueError(
            f"residual='seasonal' needs 1 <= season_length <= input_width ({input_width}), "
            f"got season_length={season_length!r}"
        )
    if not 0.0 <= dropout < 1.0 or not 0.0 <= recurrent_dropout < 1.0:
        raise ValueError(f"dropout rates must be in [0, 1), got {dropout}, {recurrent_dropout}")


def _direct_head(encoding, future, dense, horizon, n_targets, zero=False, levels=None):
    """All steps at once from the encoding (and the flattened known-future features); returns
    the (median) forecast and, with ``levels``, the raw increments of its quantile fan."""
    head = (
        encoding if future is None else layers.Concatenate()([encoding, layers.Flatten()(future)])
    )
    for width in dense:
        head = layers.Dense(width, activation="relu")(head)
    output = layers.Dense(horizon * n_targets, **output_init(zero))(head)
    output = layers.Reshape((horizon, n_targets))(output)
    return output, _increments(head, levels, horizon * n_targets, (horizon, n_targets))


def _increments(features, levels, n_outputs: int, shape: tuple):
    """The raw increments of a quantile fan from a head's last features (``None`` without
    ``levels``), reshaped to ``(*shape, len(levels) - 1)``."""
    if levels is None:
        return None
    spread = increments_layer(levels, n_outputs, name="increments")
    raw = spread(features)
    start_increments(spread, levels)
    return layers.Reshape((*shape, len(levels) - 1))(raw)


def _seq2seq_decoder(
    decoder_inputs, states, cell, decoder_units, dense, n_targets, dropout, recurrent_dropout,
    zero=False, levels=None,
):  # fmt: skip
    """A recurrent decoder over the forecast steps, started from the encoder's states; returns
    the (median) forecast and, with ``levels``, the raw increments of its quantile fan."""
    x = decoder_inputs
    for i, (width, state) in enumerate(zip(decoder_units, states)):
        x = CELLS[cell](
            width, return_sequences=True, recurrent_dropout=recurrent_dropout, name=f"decoder_{i}"
        )(x, initial_state=state)
        if dropout:
            x = layers.Dropout(dropout)(x)
    for width in dense:
        x = layers.Dense(width, activation="relu")(x)
    output = layers.Dense(n_targets, **output_init(zero))(x)
    return output, _increments(x, levels, n_targets, (decoder_inputs.shape[1], n_targets))


def build_serving_model(core, stats: ScalingStats) -> keras.Model:
    """Wrap a core network (or several: a seed ensemble, averaged in scaled units) so it takes
    raw windows and returns forecasts in original units."""
    cores = list(core) if isinstance(core, (list, tuple)) else [core]
    shapes = {name: tensor.shape[1:] for name, tensor in cores[0].input.items()}
    past = keras.Input(shapes["past"], name="past")
    inputs = {"past": past}
    scaled, center, scale = WindowScaler(stats.get_config(), name="scaler")(past)
    core_inputs = {"past": scaled}
    if "future" in shapes:
        future = keras.Input(shapes["future"], name="future")
        inputs["future"] = future
        core_inputs["future"] = FutureScaler(stats.get_config(), name="future_scaler")(future)
    for key in ("static", "series_index"):  # raw: the core scales its static covariates
        if key in shapes:
            dtype = cores[0].input[key].dtype
            inputs[key] = core_inputs[key] = keras.Input(shapes[key], dtype=dtype, name=key)
    outputs = [network(core_inputs) for network in cores]
    output = outputs[0] if len(outputs) == 1 else layers.Average(name="ensemble")(outputs)
    output = Unscale(name="unscale")([output, center, scale])
    return keras.Model(inputs, output, name="forecaster")


def _encoder(past, cell, units, dropout, recurrent_dropout, bidirectional, need_states, start=None):
    """The stacked recurrent layers (``start``: each layer's initial states, or ``None``)."""
    x, states = past, []
    for i, width in enumerate(units):
        last = i == len(units) - 1
        rnn = CELLS[cell](
            width,
            return_sequences=not last,
            return_state=need_states,
            recurrent_dropout=recurrent_dropout,
            name=f"encoder_{i}",
        )
        if bidirectional:
            rnn = layers.Bidirectional(rnn, name=f"bidirectional_{i}")
        out = rnn(x) if start is None else rnn(x, initial_state=start[i])
        if need_states:
            x, *layer_states = out
            if bidirectional:  # forward and backward states side by side, per state kind
                half = len(layer_states) // 2
                layer_states = [
                    layers.Concatenate()([f, b])
                    for f, b in zip(layer_states[:half], layer_states[half:])
                ]
            states.append(layer_states)
        else:
            x = out
        if dropout:
            x = layers.Dropout(dropout)(x)
    return x, states


def _as_widths(value, name: str, allow_empty: bool = False) -> tuple[int, ...]:
    widths = (
        (value,) if isinstance(value, int) and not isinstance(value, bool) else tuple(value or ())
    )
    if (not widths and not allow_empty) or any(
        isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in widths
    ):
        raise ValueError(f"{name} must be a positive integer or a tuple of them, got {value!r}")
    return widths
