"""The autoregressive decoder: one forecast step at a time, each fed the previous one.

Example:
    >>> decoder = AutoregressiveDecoder("gru", (3,), (), n_targets=1, levels=(0.1, 0.5, 0.9))
    >>> AutoregressiveDecoder.from_config(decoder.get_config()).levels
    (0.1, 0.5, 0.9)
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers, ops

from forecast.nn.options import CELL_NAMES
from forecast.nn.quantile_head import increments_layer, start_increments

CELL_UNITS = dict(zip(CELL_NAMES, (layers.LSTMCell, layers.GRUCell, layers.SimpleRNNCell)))


def output_init(zero: bool) -> dict:
    """The output layer's initialisers: zeros when it corrects an anchor."""
    return {"kernel_initializer": "zeros", "bias_initializer": "zeros"} if zero else {}


@keras.saving.register_keras_serializable(package="forecast")
class AutoregressiveDecoder(layers.Layer):
    """Emit one step at a time, feeding back the previous forecast (the TensorFlow tutorial's
    feedback model), starting from the encoder's final states.

    Call with ``[decoder_inputs (batch, horizon, n), past (batch, input_width, n_inputs),
    *encoder_states]``, or with a residual ``[decoder_inputs, past, anchor (batch, horizon,
    n_targets), *encoder_states]``; returns ``(batch, horizon, n_targets)``. The first step is
    fed the last observed target; with a residual, each step's anchor is added before it is
    fed back. With a residual the output layer starts at zero: before training the decoder
    forecasts the anchor exactly.

    With ``levels`` (a quantile network, see :mod:`forecast.nn.quantile_head`) the forecast
    fed back is the median, and the decoder also returns each step's raw increments:
    ``[median (batch, horizon, n_targets), increments (batch, horizon, n_targets,
    len(levels) - 1)]``.
    """

    def __init__(
        self,
        cell: str,
        units: Sequence[int],
        dense_units: Sequence[int],
        n_targets: int,
        residual: str | None = None,
        season_length: int | None = None,
        recurrent_dropout: float = 0.0,
        levels: Sequence[float] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.cell, self.units, self.dense_units = cell, tuple(units), tuple(dense_units)
        self.n_targets, self.residual, self.season_length = n_targets, residual, season_length
        self.recurrent_dropout = float(recurrent_dropout)
        self.levels = None if levels is None else tuple(float(q) for q in levels)
        self.cells = [
            CELL_UNITS[cell](u, recurrent_dropout=self.recurrent_dropout) for u in self.units
        ]
        self.head = [layers.Dense(u, activation="relu") for u in self.dense_units]
        self.out = layers.Dense(n_targets, **output_init(residual is not None))
        self.spread = None if levels is None else increments_layer(self.levels, n_targets)

    def build(self, input_shape):
        step_inputs = input_shape[0][-1] + self.n_targets
        for cell, units in zip(self.cells, self.units):
            cell.build((None, step_inputs))
            step_inputs = units
        width = self.units[-1]
        for dense in self.head:
            dense.build((None, width))
            width = dense.units
        self.out.build((None, width))
        if self.spread is not None:
            self.spread.build((None, width))
            start_increments(self.spread, self.levels)

    def call(self, inputs, training=None):
        decoder_inputs, past, *flat_states = inputs
        anchor = None
        if self.residual is not None:
            anchor, *flat_states = flat_states
        horizon = decoder_inputs.shape[1]
        states, i = [], 0
        for cell in self.cells:
            if self.recurrent_dropout:  # one mask per sequence, as Keras's RNN layer draws
                cell.reset_recurrent_dropout_mask()
            n = 2 if isinstance(cell, layers.LSTMCell) else 1
            states.append(list(flat_states[i : i + n]))
            i += n
        previous = past[:, -1, : self.n_targets]
        outputs, increments = [], []
        for k in range(horizon):
            x = ops.concatenate([decoder_inputs[:, k, :], previous], axis=-1)
            for j, cell in enumerate(self.cells):
                x, new_state = cell(x, states[j], training=training)
                states[j] = list(new_state) if isinstance(new_state, (list, tuple)) else [new_state]
            for dense in self.head:
                x = dense(x)
            previous = self.out(x) if anchor is None else self.out(x) + anchor[:, k, :]
            outputs.append(previous)
            if self.spread is not None:
                increments.append(
                    ops.reshape(self.spread(x), (-1, self.n_targets, len(self.levels) - 1))
                )
        median = ops.stack(outputs, axis=1)
        return median if self.spread is None else [median, ops.stack(increments, axis=1)]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "cell": self.cell,
            "units": list(self.units),
            "dense_units": list(self.dense_units),
            "n_targets": self.n_targets,
            "residual": self.residual,
            "season_length": self.season_length,
            "recurrent_dropout": self.recurrent_dropout,
            "levels": None if self.levels is None else list(self.levels),
        }
