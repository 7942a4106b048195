"""The figure of the networks' training: training and validation loss per epoch.

:func:`plot_training_history` (also :func:`forecast.evaluation.plots.plot_training_history`)
draws the Keras histories of the neural models, one colour per model, with the best
validation epoch starred, every epoch marked for short runs, and the loss's unit on the y
axis when the caller knows it (:mod:`forecast.evaluation.loss_units`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from forecast.evaluation.plot_support import colours

#: Up to this many epochs, the training curves mark every epoch (one epoch is a single point).
MARKED_EPOCHS = 40


def plot_training_history(
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    model_order: Sequence[str] | None = None,
    loss_label: str | None = None,
    kept_epochs: Mapping[str, Sequence[int] | None] | None = None,
) -> Figure:
    """Training (solid) and validation (dashed) loss per epoch, one colour per model.

    The epoch with the lowest validation loss (the weights early stopping restores) is marked
    with a star. Every epoch gets a marker when there are at most :data:`MARKED_EPOCHS` (a
    one-epoch run shows its two points); the x axis shows whole epochs only. The y axis is
    logarithmic when the losses span more than a factor of 10.

    Args:
        histories: ``{model name: Keras history dict}``, each with a ``"loss"`` list and
            optionally ``"val_loss"`` (other keys are ignored).
        model_order: the names whose order sets the colours, e.g. every model of a
            comparison, so that a model has the colour it has in the other figures; default the
            order of ``histories``.
        loss_label: the y label, naming the loss and its unit (see
            :func:`forecast.evaluation.loss_units.loss_label`); default ``"loss"``.
        kept_epochs: ``{model name: best_epochs_}``, the epochs each model's networks hold:
            a model whose networks all hold epoch 0 kept its anchor alone (training did not
            beat it), which its legend says instead of starring a validation epoch.

    Returns:
        The figure: x ``"epoch"`` (from 1), y ``loss_label``.

    Raises:
        ValueError: no history, or a history without ``loss`` values.

    Example:
        >>> figure = plot_training_history({"LSTM": {"loss": [3.0, 2.0, 1.5],
        ...                                          "val_loss": [3.5, 2.5, 2.8]}})
        >>> [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
        ['LSTM (train)', 'LSTM (validation, best epoch 2)']
        >>> one = plot_training_history({"GRU": {"loss": [0.07], "val_loss": [0.05]}},
        ...                             loss_label="MAE loss", kept_epochs={"GRU": [0]})
        >>> axes = one.axes[0]
        >>> [line.get_marker() for line in axes.lines], axes.get_xticks().tolist()
        (['o', 'o'], [1])
        >>> axes.get_ylabel(), axes.get_legend().get_texts()[1].get_text()
        ('MAE loss', 'GRU (validation; the anchor alone was kept)')
    """
    curves = _loss_curves(histories)
    order = list(dict.fromkeys([str(m) for m in (model_order or ())] + list(curves)))
    model_colours = colours(order)
    figure = Figure(figsize=(9.0, 4.6), layout="constrained")
    axes = figure.subplots()
    longest = max(len(loss) for loss, _ in curves.values())
    marker = "o" if longest <= MARKED_EPOCHS else None
    size = 7.0 if longest <= 5 else 4.0  # a few points must be seen
    for name, (loss, val) in curves.items():
        kept = (kept_epochs or {}).get(name)
        anchor_kept = kept is not None and len(kept) > 0 and all(int(e) == 0 for e in kept)
        _draw_loss_curves(axes, name, loss, val, model_colours[name][0], marker, anchor_kept, size)
    values = np.concatenate(
        [np.concatenate([c[0], c[1] if c[1] is not None else []]) for c in curves.values()]
    )
    values = values[np.isfinite(values)]
    log = values.size > 0 and values.min() > 0 and values.max() / values.min() > 10
    if log:
        axes.set_yscale("log")
    axes.set_xlabel("epoch")
    axes.set_ylabel(loss_label or "loss")
    axes.set_xlim(0.5, longest + 0.5)
    if longest <= 12:
        axes.set_xticks(np.arange(1, longest + 1))
    else:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3, which="both" if log else "major")
    axes.legend(frameon=False, loc="best")
    axes.set_title(
        "Training history (solid: training, dashed: validation, star: best validation epoch)",
        fontsize=10,
    )
    return figure


def _loss_curves(histories) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
    """``{model name: (training loss, validation loss or None)}`` of Keras history dicts."""
    if not isinstance(histories, Mapping) or not histories:
        raise ValueError(
            "no training history to plot (histories is empty); only neural models have one"
        )
    curves = {}
    for name, history in histories.items():
        if not isinstance(history, Mapping) or len(history.get("loss", ())) == 0:
            raise ValueError(f"the history of {name!r} has no 'loss' values")
        loss = np.asarray(history["loss"], dtype=np.float64)
        val = history.get("val_loss")
        val = None if val is None or len(val) == 0 else np.asarray(val, dtype=np.float64)
        curves[str(name)] = (loss, val)
    return curves


def _draw_loss_curves(
    axes,
    name: str,
    loss: np.ndarray,
    val: np.ndarray | None,
    colour,
    marker: str | None = None,
    anchor_kept: bool = False,
    markersize: float = 4.0,
) -> None:
    """One model's training loss (solid), validation loss (dashed) and best epoch (star; none
    when the model kept its anchor alone)."""
    axes.plot(
        np.arange(1, len(loss) + 1),
        loss,
        color=colour,
        linewidth=1.6,
        marker=marker,
        markersize=markersize,
        label=f"{name} (train)",
    )
    if val is None:
        return
    best = int(np.nanargmin(val)) if np.isfinite(val).any() else None
    if anchor_kept:
        label, best = f"{name} (validation; the anchor alone was kept)", None
    else:
        label = f"{name} (validation" + ("" if best is None else f", best epoch {best + 1}") + ")"
    axes.plot(
        np.arange(1, len(val) + 1),
        val,
        color=colour,
        linestyle="--",
        linewidth=1.6,
        marker=marker,
        markersize=markersize,
        markerfacecolor="white",
        label=label,
    )
    if best is None:
        return
    axes.plot(
        [best + 1],
        [val[best]],
        marker="*",
        markersize=13,
        color=colour,
        markeredgecolor="black",
        markeredgewidth=0.6,
        linestyle="none",
        zorder=5,
        label="_best",
    )


__all__ = ["MARKED_EPOCHS", "plot_training_history"]
