"""The final fit of ``forecast run``: every exported model learns from all the data.

The backtest is the honest evaluation: each model is fitted on the rows before the first
origin and scored on the origins after it. The model a run exports should then learn from
every row, the latest above all, so :func:`final_fit` refits each model to export on the
run's whole frame (train, validation and test rows) with ``refit_full``: a network keeps the
scaling mode, anchor and inputs its validated fit chose and trains for the epoch counts early
stopping kept, without holding anything out; a baseline refits on every row (the ridge
regression learns again, the naive ones are unchanged). The backtest fits stay as they were
(each model is refitted as a copy), so the leaderboard, histories and report describe what was
scored. With ``refit=False`` (``export: {refit: false}``, ``forecast run --no-refit``) the
backtest fits are exported as they are.

A refit that fails is never hidden nor replaced by the backtest fit: that model is not
exported, its reason is recorded (:attr:`FinalFit.errors`, and by the run in ``metrics.json``
and the report) and said on stderr; the other models go on. ``forecast run`` then exits with 1
and publishes nothing to ``export.path``, whose ``current`` set stays whole.

Example:
    >>> import forecast
    >>> frame = forecast.load_dataset("electricity_hourly").iloc[-600:]
    >>> fitted = {"linear": forecast.LinearForecaster(input_width=48, horizon=24).fit(frame.iloc[:-100])}
    >>> final = final_fit(fitted, ["linear"], frame, verbose=False)
    >>> final.records["linear"].fit, final.records["linear"].rows, fitted["linear"].training_rows_
    ('refit', 600, 500)
    >>> final_fit(fitted, ["linear"], frame, refit=False, verbose=False).records["linear"].fit
    'backtest'
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from forecast.serving.fit_record import FitRecord


@dataclass
class FinalFit:
    """The models a run exports and what they learned from.

    Attributes:
        models: the models to export, by name: refitted copies, or the backtest fits.
        records: the fit record of each of them (:class:`FitRecord`).
        errors: the models whose refit failed, with the reason (they are not in ``models``).
        seconds: the time each refit took.
    """

    models: dict[str, Any] = field(default_factory=dict)
    records: dict[str, FitRecord] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        """The time of the whole step."""
        return float(sum(self.seconds.values()))

    def exported(self) -> dict[str, dict[str, Any]]:
        """Every model of the step, by name: its record as data, or ``{"error": reason}``
        (as ``metrics.json`` and the report show them)."""
        out: dict[str, dict[str, Any]] = {
            name: record.to_dict() for name, record in self.records.items()
        }
        out.update({name: {"error": reason} for name, reason in self.errors.items()})
        return out


def final_fit(
    fitted: Mapping[str, Any],
    names: Sequence[str],
    frame: pd.DataFrame,
    refit: bool = True,
    verbose: bool = True,
) -> FinalFit:
    """Refit the models ``names`` of ``fitted`` on all of ``frame`` (see the module docstring).

    Args:
        fitted: the backtest fits, by name (``Comparison.models``); never modified.
        names: the models to export, in order.
        frame: the run's whole frame (every row the backtest read, its test rows included).
        refit: ``False``: keep the backtest fits, recorded as such.
        verbose: say which model is being refitted and on what (a failure is always said,
            on stderr).

    Returns:
        The :class:`FinalFit`.
    """
    out = FinalFit()
    if not refit:
        for name in names:
            out.models[name] = fitted[name]
            out.records[name] = FitRecord.of(fitted[name], "backtest")
        if verbose and names:
            print("\nexporting the backtest fits as they are (export.refit is off)", flush=True)
        return out
    if verbose and names:
        print(f"\nFinal fit: {len(names)} model(s) to export, refitted on all the data", flush=True)
    for i, name in enumerate(names, start=1):
        if verbose:
            print(f"[{i}/{len(names)}] {name}: refitting on all the data", flush=True)
        model = copy.copy(fitted[name])  # refit_full replaces fitted state, never mutates it
        started = time.perf_counter()
        try:
            model.refit_full(frame)
            record = FitRecord.of(model, "refit")
        except Exception as exc:  # any failure: this model is not exported, the others are
            out.seconds[name] = time.perf_counter() - started
            out.errors[name] = _reason(exc)
            print(
                f"forecast run: {name}: the final fit on all the data failed "
                f"({out.errors[name]}); {name} is not exported (its backtest fit is not "
                "exported in its place; --no-refit exports the backtest fits)",
                file=sys.stderr,
                flush=True,
            )
            continue
        out.seconds[name] = time.perf_counter() - started
        out.models[name], out.records[name] = model, record
        if verbose:
            print(f"      {record.describe()} in {out.seconds[name]:.1f} s", flush=True)
    return out


def _reason(error: BaseException) -> str:
    """``Type: first line of the message``."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


__all__ = ["FinalFit", "final_fit"]
