"""What ``quantiles=`` changes in a recurrent forecaster: the levels it trains, its loss, the
levels it can be asked for.

A quantile network (see :mod:`forecast.nn.quantile_head`) trains every level of
``quantiles`` and the median (added when missing: the point forecast), with the mean pinball
loss over them in scaled units; the validation loss that early stopping watches, and the
per-window score that decides whether training beat the untrained anchor (and whether the
covariates help), are that same pinball loss, so every choice is made on what is trained:
the median alone (its absolute error) would keep weights whose tails are wrong, and the
untrained fan is deliberately too narrow to be a fair reference on it.

Example:
    >>> trained_levels((0.9, 0.1))
    (0.1, 0.5, 0.9)
    >>> level_indices((0.1, 0.5, 0.9), (0.5, 0.9), "LSTMForecaster")
    [1, 2]
    >>> level_indices((0.1, 0.5, 0.9), (0.05,), "LSTMForecaster")
    Traceback (most recent call last):
    ...
    ValueError: LSTMForecaster was trained for the quantiles [0.1, 0.5, 0.9], not [0.05]: ask for those, or refit it with quantiles=(0.05, 0.1, 0.5, 0.9)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forecast.models.probabilistic import check_quantiles

#: The level every quantile network trains (its point forecast).
MEDIAN = 0.5


def trained_levels(quantiles, loss: str = "mae") -> tuple[float, ...] | None:
    """The levels a network with ``quantiles=`` trains: those, checked
    (:func:`~forecast.models.probabilistic.check_quantiles`), with the median; ``None`` for
    a point network.

    Raises:
        ValueError: ``quantiles`` is empty or holds a level outside ``(0, 1)``, or comes
            with a ``loss`` other than ``"mae"`` (a quantile network trains the pinball
            loss, whose median level is the MAE; another loss would be silently ignored).
    """
    if quantiles is None:
        return None
    if loss != "mae":
        raise ValueError(
            f"loss={loss!r} cannot be combined with quantiles={quantiles!r}: a quantile "
            "network trains the pinball loss over its levels (the MAE at the median); "
            "leave loss at 'mae' or set quantiles=None"
        )
    return check_quantiles([*check_quantiles(quantiles), MEDIAN])


def level_indices(trained: Sequence[float], requested: Sequence[float], name: str) -> list[int]:
    """The position of every ``requested`` level among the ``trained`` ones.

    Raises:
        ValueError: a level was not trained (listing the trained ones).
    """
    missing = [q for q in requested if q not in trained]
    if missing:
        both = check_quantiles([*trained, *missing])
        raise ValueError(
            f"{name} was trained for the quantiles {list(trained)}, not {missing}: ask for "
            f"those, or refit it with quantiles={both}"
        )
    return [list(trained).index(q) for q in requested]


def compiled_loss(model, element: bool = False):
    """The loss ``model`` trains with: the pinball loss over its trained levels for a
    quantile network, else its ``loss`` (Keras's by name; with ``element``, as
    :func:`forecast.nn.training_loop.fit_distributed` takes it: the name, or the pinball
    loss per element)."""
    levels = getattr(model, "quantile_levels_", None)
    if levels is not None:
        from forecast.nn.quantile_head import PinballLoss

        return PinballLoss(levels, reduction=None) if element else PinballLoss(levels)
    if element:
        return model.loss
    import keras

    return {"mse": "mse", "mae": "mae", "huber": keras.losses.Huber(delta=1.0)}[model.loss]


class QuantileOutputs:
    """The point and quantile forecasts of a network forecaster whose ``_network_outputs``
    gives ``(n, horizon, n_targets)`` (a point network) or ``(n, horizon, n_targets,
    n_levels)`` (a quantile network: its ``quantile_levels_``); the tag ``probabilistic`` is
    read from the instance (``quantiles`` set)."""

    def _forecast(self, inputs) -> np.ndarray:
        out = self._network_outputs(inputs)
        return out if self.quantile_levels_ is None else out[..., self._median_index()]

    def _forecast_quantiles(self, inputs, series: np.ndarray, quantiles: tuple) -> np.ndarray:
        """The trained levels ``quantiles`` (an untrained one is an error naming those)."""
        indices = level_indices(self.quantile_levels_, quantiles, type(self).__name__)
        return self._network_outputs(inputs)[..., indices]

    def _instance_tags(self) -> dict:
        return {"probabilistic": self.get_params(deep=False).get("quantiles") is not None}

    def _median_index(self) -> int:
        return list(self.quantile_levels_).index(0.5)
