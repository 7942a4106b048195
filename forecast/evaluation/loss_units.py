"""What a network's training loss measures, in words: the loss and the unit of its errors.

The networks train on scaled targets (:mod:`forecast.nn.scaling`), so a loss of 0.05 is not
0.05 kW: with ``scaling="standard"`` it is an error of 0.05 training standard deviations of
the target. :func:`loss_label` says so for the training figure's y axis.

Example:
    >>> loss_label("mae", "standard", "y")
    'MAE loss (y in training standard deviations)'
    >>> loss_label("mse", None, "y", unit="kW")
    'MSE loss (kW²)'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The loss names as the labels write them.
LOSS_NAMES = {"mae": "MAE", "mse": "MSE", "huber": "Huber"}
#: The unit of the scaled target, by scaling mode.
_SCALED_UNITS = {
    "standard": "training standard deviations",
    "robust": "robust training spreads (IQR / 1.349)",
    "window": "standard deviations of each input window",
}


def loss_label(loss: str, scaling: str | None, target: str, unit: str | None = None) -> str:
    """The y label of a training loss: ``"MAE loss (y in training standard deviations)"``.

    Args:
        loss: ``"mae"``, ``"mse"`` or ``"huber"``.
        scaling: the resolved scaling mode (``scaling_mode_``): ``"standard"``,
            ``"robust"``, ``"window"`` or ``None`` (the target's own unit).
        target: the target's name.
        unit: the target's unit, for an unscaled target.
    """
    name = LOSS_NAMES.get(str(loss), str(loss))
    squared = loss == "mse"
    if scaling is None:
        if not unit:
            return f"{name} loss ({target}{', squared' if squared else ''})"
        return f"{name} loss ({unit}{'²' if squared else ''})"
    scaled = _SCALED_UNITS.get(str(scaling), f"{scaling}-scaled units")
    return f"{name} loss ({target} in {scaled}{', squared' if squared else ''})"


def settings_loss_label(
    settings: Mapping[str, Mapping[str, Any]], models: list[str], unit: str | None = None
) -> str:
    """The label of the training figure of ``models`` from their resolved settings
    (``loss``, ``scaling``, ``target``): one label when they agree, else one per model.

    Example:
        >>> settings = {"LSTM": {"loss": "mae", "scaling": "standard", "target": "y"},
        ...             "GRU": {"loss": "mse", "scaling": "standard", "target": "y"}}
        >>> settings_loss_label(settings, ["LSTM"])
        'MAE loss (y in training standard deviations)'
        >>> settings_loss_label(settings, ["LSTM", "GRU"])
        'loss (LSTM: MAE, GRU: MSE of y in training standard deviations)'
    """
    labels = {}
    for name in models:
        params = settings.get(name) or {}
        if "loss" not in params:
            return "loss"
        target = params.get("target")
        target = ", ".join(map(str, target)) if isinstance(target, (list, tuple)) else target
        labels[name] = (params["loss"], params.get("scaling"), str(target or "target"))
    if not labels:
        return "loss"
    if len(set(labels.values())) == 1:
        loss, scaling, target = next(iter(labels.values()))
        return loss_label(loss, scaling, target, unit)
    if len({(s, t) for _, s, t in labels.values()}) == 1:
        _, scaling, target = next(iter(labels.values()))
        unit_text = loss_label("mae", scaling, target, unit).split("(", 1)[1].rstrip(")")
        names = ", ".join(
            f"{name}: {LOSS_NAMES.get(str(loss), loss)}" for name, (loss, _, _) in labels.items()
        )
        return f"loss ({names} of {unit_text})"
    return "loss (scaled targets; see each model's loss and scaling in its settings)"


__all__ = ["LOSS_NAMES", "loss_label", "settings_loss_label"]
