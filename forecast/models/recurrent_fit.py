"""How a recurrent forecaster fits: its anchor, its inputs, its seed ensemble.

:class:`~forecast.models.recurrent.RNNForecaster` calls these from ``_fit_windows`` once the
windows are cut and scaled:

* :func:`choose_scaling_and_anchor` resolves ``scaling`` and ``residual`` to the scaling mode
  and the anchor the network corrects (``"auto"``: the candidate that forecasts the validation
  windows best, see :mod:`forecast.nn.anchor_selection`);
* :func:`fit_members` trains the ensemble: with past covariates and ``select_covariates``, the
  first member is trained with and without them and the better on validation is kept (so an
  unhelpful covariate cannot make the forecast worse than the target alone); the other
  ``n_models - 1`` members reuse that choice with the next seeds. Every member starts from its
  anchor (output layer at zero) and keeps its best weights, the untrained ones included.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecast.models.constraints import MAX_SEED

#: the most windows (the latest ones) the anchors are fitted and scored on
ANCHOR_WINDOWS = 20_000


@dataclass
class Member:
    """One trained network of the ensemble."""

    network: Any
    history: dict
    best_epoch: int
    best_loss: float
    columns: tuple[int, ...] | None
    settings: dict


def choose_scaling_and_anchor(model, windows, numeric) -> tuple:
    """``(scaling mode, ScalingStats, anchor name, candidate scores, LinearAnchor or None)``:
    ``scaling="auto"`` follows the rule of :func:`forecast.nn.scaling.choose_scaling`, then
    the anchor is chosen under that scaling."""
    from forecast.nn.scaling import choose_scaling, fit_scaling

    train_rows = windows.row_split == 0
    mode = model.scaling
    if mode == "auto":
        series = windows.layout.series_index()
        mode = choose_scaling(windows.values, train_rows, series, windows.n_targets)
    stats = fit_scaling(windows.values, train_rows, numeric, mode, windows.n_targets)
    return (mode, stats, *choose_network_anchor(model, windows, stats))


def choose_network_anchor(model, windows, stats) -> tuple[str | None, dict[str, float], Any]:
    """``(anchor name, candidate scores, fitted LinearAnchor or None)`` for ``model.residual``
    under the scaling ``stats``. A chosen linear anchor is refitted on the training and
    validation windows together: the choice is made, and for short series the latest windows
    matter most."""
    from forecast.features.calendar_features import candidate_seasons
    from forecast.nn.anchor_selection import candidate_anchors, choose_anchor, fit_linear_anchor
    from forecast.nn.training import scaled_arrays

    residual = model.residual
    if residual is None or residual == "last":
        return residual, {}, None
    if residual == "seasonal":
        return f"seasonal:{model.season_length_}", {}, None
    train = scaled_arrays(windows, "train", stats, ANCHOR_WINDOWS)
    has_validation = windows.n_windows("validation") > 0
    val = scaled_arrays(windows, "validation", stats, ANCHOR_WINDOWS) if has_validation else train
    if residual == "linear":
        best, scores = "linear", {}
    else:
        seasons = sorted({*candidate_seasons(model.freq_), *_given_season(model)})
        candidates = candidate_anchors(seasons, model.input_width_)
        best, scores, _ = choose_anchor(
            candidates, train["past"], train["future"], train["labels"],
            val["past"], val["future"], val["labels"], val["spread"],
        )  # fmt: skip
    if best != "linear":
        return best, scores, None
    both = train if not has_validation else _concatenate(train, val)
    return (
        best,
        scores,
        fit_linear_anchor(both["past"], both["future"], both["labels"], stats.n_targets),
    )


def _concatenate(first: dict, second: dict) -> dict:
    return {k: None if first[k] is None else np.concatenate([first[k], second[k]]) for k in first}


def _given_season(model) -> tuple[int, ...]:
    season = model.get_params(deep=False).get("season_length")
    return () if season is None else (int(season),)


def fit_members(model, windows, pipelines, strategy, replicas: int, linear) -> list[Member]:
    """Train ``model.n_models`` networks (see the module docstring); the first is the one
    whose input columns were chosen."""
    plan = getattr(model, "_refit_plan", None)
    variants: list[tuple[int, ...] | None] = [None]
    if plan is not None:  # refit_full: the validated fit chose the inputs and epochs
        variants = [_without_covariates(windows) if plan["target_only"] else None]
    elif windows.covariate_columns and model.select_covariates:
        variants.append(_without_covariates(windows))
    seeds = _seeds(model.random_state, int(model.n_models))
    tried = [
        _fit_member(model, windows, pipelines, strategy, replicas, linear, seeds[0], columns, 0)
        for columns in variants
    ]
    # ties go to the last variant tried: the simpler one, without the covariates
    first = min(reversed(tried), key=lambda member: member.best_loss)
    others = [
        _fit_member(model, windows, pipelines, strategy, replicas, linear, seed, first.columns, i)
        for i, seed in enumerate(seeds[1:], start=1)
    ]
    return [first, *others]


def _without_covariates(windows) -> tuple[int, ...]:
    """The input columns but the covariates: the targets and the calendar."""
    covariates = set(windows.covariate_columns)
    return tuple(
        i
        for i, name in enumerate(windows.input_columns)
        if name.split("=")[0] not in covariates or i < windows.n_targets
    )


def _seeds(random_state, n: int) -> list[int | None]:
    if random_state is None:
        return [None] * n
    return [(int(random_state) + i) % (MAX_SEED + 1) for i in range(n)]


def _fit_member(model, windows, pipelines, strategy, replicas, linear, seed, columns, index):
    import keras

    from forecast.nn.training import train_network

    if seed is not None:
        keras.utils.set_random_seed(seed)
    settings = model._network_settings(windows, columns, linear)
    name = f"{model.cell}_{model.strategy}" + (f"_{index}" if index else "")
    if columns is not None:
        name += "_target_only"
    with contextlib.nullcontext() if strategy is None else strategy.scope():
        network = model._compiled_network(settings, replicas, name)
    train, validation = pipelines
    plan = getattr(model, "_refit_plan", None)
    if plan is not None and plan["epochs"][index] == 0:  # the anchor alone validated best
        return Member(network, {}, 0, float("nan"), columns, settings)
    epochs = int(model.epochs) if plan is None else plan["epochs"][index]
    fit, initial = None, None
    if model.distribution == "multi_worker":  # Model.fit fails there: forecast.training_loop
        from forecast.nn.training_loop import evaluate_distributed

        fit = _distributed_fit(model, network, strategy)
        start = validation if validation is not None else train
        initial = evaluate_distributed(network, start, strategy, loss=model.loss)
    history, best_epoch, best_loss = train_network(
        network, train, validation, epochs=epochs, patience=model.patience,
        verbose=model.verbose, fit=fit, initial=initial,
    )  # fmt: skip
    return Member(network, history, best_epoch, best_loss, columns, settings)


def _distributed_fit(model, network, strategy):
    from forecast.nn.distribution import is_chief
    from forecast.nn.training_loop import fit_distributed

    def fit(*, x, validation_data, epochs, callbacks, verbose):
        return fit_distributed(
            network, x, validation_data, strategy, loss=model.loss, epochs=epochs,
            callbacks=callbacks, verbose=verbose if is_chief() else 0,
        )  # fmt: skip

    return fit


def refit_plan(model) -> tuple[dict, dict]:
    """The parameters and the plan of :meth:`RNNForecaster.refit_full`: the validated fit's
    choices fixed (scaling mode, anchor, inputs), no validation, no early stopping, and for
    every network the epoch count validation chose."""
    from forecast.nn.anchor_selection import parse_anchor

    kind, season = (None, None) if model.anchor_ is None else parse_anchor(model.anchor_)
    params = model.get_params(deep=False)
    params.update(
        residual=kind,
        season_length=season if kind == "seasonal" else params["season_length"],
        scaling=model.scaling_mode_,
        select_covariates=False,
        validation=0.0,
        patience=None,
        epochs=max(1, *model.best_epochs_),
    )
    target_only = bool(model.covariate_columns_) and not model.covariates_used_
    return params, {"epochs": list(model.best_epochs_), "target_only": target_only}
