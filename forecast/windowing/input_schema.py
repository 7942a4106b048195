"""The fitted input contract: which columns a forecaster reads, in what roles and order, and how.

One :class:`InputSchema` describes it, whoever reads it: the fitted estimator
(``forecaster.input_schema_``), the export metadata (``assets/forecast.json``), the loaded model
(``forecast.load(path).input_schema``), the batch engine and the Spark engine. It is written
into the metadata by :meth:`InputSchema.to_metadata` and read back, checked, by
:meth:`InputSchema.from_metadata`.

Example:
    >>> import pandas as pd
    >>> schema = InputSchema(
    ...     target_columns=("y",), covariate_columns=("wind",), calendar=("hour",),
    ...     input_columns=("y", "wind=N", "wind=S", "hour_sin", "hour_cos"),
    ...     categories={"wind": ("N", "S")}, input_width=48, horizon=24,
    ...     freq=pd.tseries.frequencies.to_offset("h"))
    >>> schema.columns, schema.calendar_columns
    (('y', 'wind'), ('hour_sin', 'hour_cos'))
    >>> InputSchema.from_metadata(schema.to_metadata()) == schema
    True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.missing import MissingPolicy
from forecast.data.observed_times import ObservedTimes
from forecast.data.validated import ValidatedFrame, ensure_validated
from forecast.features.calendar_features import calendar_columns
from forecast.features.static_features import StaticEncoding
from forecast.windowing.latest import LatestWindows, latest_windows
from forecast.windowing.spec import WindowSpec

#: The policy of an export whose metadata records none (written before the policy was recorded,
#: when forward filling was the only one).
LEGACY_MISSING = {"inputs": "ffill", "limit": 3}

#: The metadata keys :meth:`InputSchema.from_metadata` needs.
SCHEMA_KEYS = (
    "target_columns",
    "covariate_columns",
    "calendar",
    "input_columns",
    "categories",
    "input_width",
    "horizon",
    "freq",
)


@dataclass(frozen=True)
class InputSchema:
    """What a fitted forecaster reads and how its windows are cut.

    Attributes:
        target_columns: the forecast columns (the first input columns).
        covariate_columns: the past-only input columns, as named by the user.
        calendar: the calendar feature names (``"hour"``, ``"dayofweek"``, ``"holiday_PT"``, ...).
        input_columns: every column of an input window, in order: targets, encoded covariates
            (one column per category of a categorical one), encoded future covariates,
            calendar columns.
        categories: the training categories of each categorical covariate.
        input_width: rows of history in a window.
        horizon: steps forecast.
        freq: the grid step of the data.
        missing: the policy for NaN inputs.
        observed_times: the times of day (or week) the training data had values at (a car
            park's open hours), or ``None`` (a grid they do not describe, an old export).
        future_covariate_columns: the columns known in advance, as named by the user: read
            in the input rows from the data and for the forecast steps from ``future=``.
        static: the static covariates' encoding and the series embedding's ids
            (:class:`~forecast.features.static_features.StaticEncoding`; metadata key
            ``"static"``), ``None`` without either.
    """

    target_columns: tuple[str, ...]
    covariate_columns: tuple[str, ...]
    calendar: tuple[str, ...]
    input_columns: tuple[str, ...]
    categories: Mapping[str, tuple]
    input_width: int
    horizon: int
    freq: pd.DateOffset
    missing: MissingPolicy = field(default_factory=MissingPolicy)
    observed_times: ObservedTimes | None = None
    future_covariate_columns: tuple[str, ...] = ()
    static: StaticEncoding | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """The frame columns read: the targets, the covariates, the future covariates."""
        return (*self.target_columns, *self.covariate_columns, *self.future_covariate_columns)

    @property
    def future_columns(self) -> tuple[str, ...]:
        """The known-future input columns (the last input columns, the ``"future"`` part of
        a window): the encoded future covariates, then the calendar columns.

        Example:
            >>> schema = InputSchema(
            ...     target_columns=("y",), covariate_columns=(), calendar=("month",),
            ...     input_columns=("y", "promo", "month_sin", "month_cos"), categories={},
            ...     input_width=12, horizon=3, freq=pd.tseries.frequencies.to_offset("MS"),
            ...     future_covariate_columns=("promo",))
            >>> schema.future_columns
            ('promo', 'month_sin', 'month_cos')
        """
        n = len(self.calendar_columns) + sum(
            len(self.categories[c]) if c in self.categories else 1
            for c in self.future_covariate_columns
        )
        return tuple(self.input_columns[len(self.input_columns) - n :]) if n else ()

    @property
    def calendar_columns(self) -> tuple[str, ...]:
        """The calendar feature columns, known for the forecast steps too."""
        return calendar_columns(self.calendar)

    @property
    def spec(self) -> WindowSpec:
        """The window arithmetic of a forecast."""
        return WindowSpec(self.input_width, self.horizon)

    def validate(self, frame: pd.DataFrame | ValidatedFrame) -> ValidatedFrame:
        """``frame`` checked once for the columns this schema reads (a validated frame of the
        same columns passes as it is)."""
        return ensure_validated(
            frame,
            self.target_columns,
            self.covariate_columns or None,
            future_covariates=self.future_covariate_columns or None,
        )

    def latest_windows(
        self,
        frame: pd.DataFrame | ValidatedFrame,
        freq: pd.DateOffset | str | None = "model",
        future_grid: str = "grid",
        future: pd.DataFrame | None = None,
    ) -> LatestWindows:
        """The inputs of the next forecast of every series of ``frame``, cut as in training.

        Args:
            frame: the data, a plain frame or one validated by :meth:`validate`.
            freq: ``"model"``: the frame is read on the model's grid (a series of another
                frequency shows up as gaps or off-grid timestamps); ``None``: the frequency is
                inferred from ``frame`` (the caller compares it with :attr:`freq`).
            future_grid: ``"grid"`` or ``"observed"`` (the forecast starts at the next of the
                :attr:`observed_times`; see :func:`~forecast.windowing.latest.latest_windows`).
            future: the future covariates of the forecast steps (see
                :mod:`forecast.windowing.future_frame`); needed when the schema has some.
        """
        return latest_windows(
            frame,
            self.spec,
            target=self.target_columns,
            covariates=self.covariate_columns or None,
            calendar=self.calendar,
            missing=self.missing,
            freq=self.freq if freq == "model" else freq,
            categories=dict(self.categories),
            future_grid=future_grid,
            observed_times=self.observed_times,
            future_covariates=self.future_covariate_columns or None,
            future=future,
        )

    def to_metadata(self) -> dict[str, Any]:
        """The schema as JSON-able values, under the metadata's keys."""
        return {
            "target_columns": list(self.target_columns),
            "covariate_columns": list(self.covariate_columns),
            "calendar": list(self.calendar),
            "calendar_columns": list(self.calendar_columns),
            "input_columns": list(self.input_columns),
            "categories": {k: [jsonable(c) for c in v] for k, v in self.categories.items()},
            "input_width": int(self.input_width),
            "horizon": int(self.horizon),
            "freq": self.freq.freqstr,
            "missing": dataclasses.asdict(self.missing),
            "observed_times": None
            if self.observed_times is None
            else self.observed_times.to_dict(),
            "future_covariate_columns": list(self.future_covariate_columns),
            "future_columns": list(self.future_columns),
            "static": None if self.static is None else self.static.to_dict(),
        }

    @classmethod
    def from_metadata(
        cls, metadata: Mapping[str, Any], source: str = "the metadata"
    ) -> InputSchema:
        """Read a schema back from export metadata.

        Raises:
            ValueError: a key is missing or holds a value of the wrong kind (naming ``source``
                and the key).
        """
        missing_keys = [key for key in SCHEMA_KEYS if key not in metadata]
        if missing_keys:
            raise ValueError(f"{source} lacks the key(s) {missing_keys}: not a complete export")
        try:
            return cls(
                target_columns=tuple(metadata["target_columns"]),
                covariate_columns=tuple(metadata["covariate_columns"]),
                calendar=tuple(metadata["calendar"]),
                input_columns=tuple(metadata["input_columns"]),
                categories={k: tuple(v) for k, v in dict(metadata["categories"]).items()},
                input_width=_positive_int(metadata["input_width"], "input_width"),
                horizon=_positive_int(metadata["horizon"], "horizon"),
                freq=pd.tseries.frequencies.to_offset(metadata["freq"]),
                missing=MissingPolicy(**metadata.get("missing", LEGACY_MISSING)),
                observed_times=_observed_times(metadata.get("observed_times")),
                future_covariate_columns=tuple(metadata.get("future_covariate_columns", ())),
                static=_static(metadata.get("static")),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{source} is not a valid input schema: {exc}") from None


def _observed_times(record: Any) -> ObservedTimes | None:
    """The ``observed_times`` of the metadata (absent in an export written before them)."""
    if record is None:
        return None
    if not isinstance(record, Mapping):
        raise ValueError(f"observed_times must be an object, got {record!r}")
    return ObservedTimes.from_dict(record)


def _static(record: Any) -> StaticEncoding | None:
    """The ``static`` of the metadata (absent in an export written before them)."""
    if record is None:
        return None
    if not isinstance(record, Mapping):
        raise ValueError(f"static must be an object, got {record!r}")
    return StaticEncoding.from_dict(record)


def _positive_int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{key} must be an integer >= 1, got {value!r}")
    return value


def jsonable(value: Any) -> Any:
    """A parameter or category as a JSON value: NumPy scalars as Python ones, tuples as lists,
    anything else that JSON cannot hold as its ``str``."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool, type(None), list, dict)):
        return value
    return str(value)
