"""What an exported model learned from: its fit record.

A :class:`FitRecord` says which fit a model is and on what data: the first and last timestamp
of the frame the fit read (over all series of a panel), its rows and series, the rows held out
for early stopping, the epochs its networks hold, and what a network chose (anchor, scaling,
whether it reads the covariates). :func:`forecast.serving.export.export_forecaster` stores it
in the export's metadata (key ``"fit"``, read back by ``forecast.load(path).fit_record``);
``forecast run`` also writes it into ``metrics.json``, the published ``manifest.json`` and the
report's "Exported models" table.

The kinds of fit (:data:`FIT_KINDS`):

* ``"refit"``: refitted on all the data with the choices and epoch counts a validated fit made
  (``refit_full``); ``validated`` then describes that earlier fit;
* ``"backtest"``: the fit a backtest evaluated (the data before its first origin), exported as
  it is (``forecast run --no-refit``);
* ``"fit"``: a plain ``fit``, exported by hand.

Example:
    >>> import forecast
    >>> frame = forecast.load_dataset("electricity_hourly").iloc[-600:]
    >>> model = forecast.LinearForecaster(input_width=48, horizon=24).fit(frame.iloc[:-100])
    >>> FitRecord.of(model).describe()
    'fit on 2014-12-07 00:00:00 .. 2014-12-27 19:00:00 (500 rows)'
    >>> record = FitRecord.of(model.refit_full(frame))
    >>> record.fit, record.end == str(frame.index[-1]), record.rows, record.validated["rows"]
    ('refit', True, 600, 500)
    >>> FitRecord.from_dict(record.to_dict()) == record
    True
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

#: The kinds of fit a record names (see the module docstring).
FIT_KINDS = ("refit", "backtest", "fit")


@dataclass(frozen=True)
class FitRecord:
    """What one fitted model learned from (see the module docstring).

    Attributes:
        fit: ``"refit"``, ``"backtest"`` or ``"fit"``.
        start, end: the first and last timestamp of the frame the fit read (``str`` of the
            timestamps, as the export's ``training_range``).
        rows: the rows of that frame, across series (validation rows included).
        validation_rows: of those, the rows held out to choose when to stop (0 when nothing
            was held out: a baseline, a refit).
        series: the series of that frame.
        epochs: for a network, per member of the ensemble, the epoch whose weights it holds
            (0: untrained, the anchor alone); ``None`` for a model without epochs.
        anchor, scaling, covariates_used: what a network chose (``anchor_``,
            ``scaling_mode_``, ``covariates_used_``); ``None`` for a model without them
            (``covariates_used``: also for one given no covariates).
        validated: for a refit, the fit whose choices it kept: ``start``, ``end``, ``rows``
            and ``epochs`` (a list: the epoch counts the refit trained for); ``None``
            otherwise.
    """

    fit: str
    start: str
    end: str
    rows: int | None
    validation_rows: int | None
    series: int | None
    epochs: tuple[int, ...] | None = None
    anchor: str | None = None
    scaling: str | None = None
    covariates_used: bool | None = None
    validated: dict[str, Any] | None = None

    def __post_init__(self):
        if self.fit not in FIT_KINDS:
            raise ValueError(f"fit must be one of {FIT_KINDS}, got {self.fit!r}")

    @classmethod
    def of(cls, forecaster: Any, fit: str | None = None) -> FitRecord:
        """The record of a fitted forecaster.

        Args:
            forecaster: a fitted forecaster of this package.
            fit: the kind of fit; ``None``: ``"refit"`` after ``refit_full``, else ``"fit"``.
                ``"backtest"`` names a forecaster fitted by a backtest.

        Raises:
            ValueError: ``fit`` contradicts the forecaster (``"refit"`` for one that was not
                refitted, or another kind for one that was).
        """
        refitted = bool(getattr(forecaster, "refitted_", False))
        if fit is None:
            fit = "refit" if refitted else "fit"
        if (fit == "refit") != refitted:
            state = "was refitted on all the data" if refitted else "was not refitted"
            raise ValueError(f"this {type(forecaster).__name__} {state}: its fit is not {fit!r}")
        start, end = forecaster.training_range_
        epochs = getattr(forecaster, "best_epochs_", None)
        validated = None
        if refitted:
            earlier = forecaster.validated_
            first, last = earlier["training_range"]
            validated = {
                "start": str(first),
                "end": str(last),
                "rows": _optional_int(earlier.get("training_rows")),
                "epochs": _epoch_list(earlier.get("best_epochs")),
            }
        covariates_used = getattr(forecaster, "covariates_used_", None)
        if not getattr(forecaster, "covariate_columns_", ()):
            covariates_used = None  # no covariates to choose from
        return cls(
            fit=fit,
            start=str(start),
            end=str(end),
            rows=_optional_int(getattr(forecaster, "training_rows_", None)),
            validation_rows=_optional_int(getattr(forecaster, "validation_rows_", None)),
            series=_optional_int(getattr(forecaster, "n_series_", None)),
            epochs=_epochs(epochs),
            anchor=getattr(forecaster, "anchor_", None),
            scaling=getattr(forecaster, "scaling_mode_", None),
            covariates_used=None if covariates_used is None else bool(covariates_used),
            validated=validated,
        )

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (``epochs`` a list)."""
        out = asdict(self)
        out["epochs"] = None if self.epochs is None else list(self.epochs)
        if self.validated is not None:
            out["validated"] = dict(self.validated)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "the fit record") -> FitRecord:
        """Read a record back from :meth:`to_dict`'s data.

        Raises:
            ValueError: a key is missing or unknown, or a value is of the wrong kind (naming
                ``source`` and the key).
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"{source}: expected a mapping, got {type(data).__name__}")
        names = [f.name for f in fields(cls)]
        missing = [n for n in ("fit", "start", "end") if n not in data]
        unknown = [k for k in data if k not in names]
        if missing or unknown:
            problem = f"lacks the key(s) {missing}" if missing else f"has unknown key(s) {unknown}"
            raise ValueError(f"{source} {problem} (a fit record has {names})")
        values = dict(data)
        try:
            values["epochs"] = _epochs(values.get("epochs"))
            for key in ("rows", "validation_rows", "series"):
                values[key] = _optional_int(values.get(key), key)
            if values.get("validated") is not None:
                validated = dict(values["validated"])
                validated["epochs"] = _epoch_list(validated.get("epochs"))
                values["validated"] = validated
            return cls(**values)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{source}: {exc}") from None

    def describe(self) -> str:
        """One line: the kind of fit, the span, the rows and the epochs."""
        text = f"{self.fit} on {self.start} .. {self.end}"
        if self.rows is not None:
            text += f" ({self.rows:,} rows"
            text += f", {self.series:,} series)" if self.series and self.series > 1 else ")"
        if self.epochs is not None:
            text += f", epochs {list(self.epochs)}"
        return text


def _optional_int(value: Any, key: str = "rows") -> int | None:
    """``value`` as an ``int`` (``None`` stays); anything but a whole number is an error."""
    if value is None:
        return None
    whole = isinstance(value, numbers.Integral) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole:
        raise ValueError(f"{key}: expected a whole number, got {value!r}")
    return int(value)


def _epochs(value: Any) -> tuple[int, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValueError(f"epochs: expected a list of whole numbers, got {value!r}")
    return tuple(_optional_int(v, "epochs") for v in value)


def _epoch_list(value: Any) -> list[int] | None:
    """Epochs as ``validated`` holds them: plain data, as in JSON."""
    epochs = _epochs(value)
    return None if epochs is None else list(epochs)


__all__ = ["FIT_KINDS", "FitRecord"]
