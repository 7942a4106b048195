"""The schema of an experiment config: one pydantic model per YAML block.

Every block is strict (an unknown key is an error) and frozen. :mod:`forecast.app.config`
reads a YAML file into :class:`ExperimentConfig`, checks each model block against its kind's
constructor and turns validation errors into a :class:`~forecast.app.config.ConfigError`
that names the file and the key path.

Example:
    >>> config = ExperimentConfig(
    ...     data={"dataset": "electricity_hourly", "target": "y"},
    ...     window={"horizon": 24},
    ...     models=[{"name": "naive", "kind": "naive"}],
    ... )
    >>> config.window.input_width is None, config.evaluation.metrics[0], config.export.refit
    (True, 'mae', True)
    >>> IntervalsConfig(coverage=0.9).coverage
    [0.9]
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from forecast.data.readers import TIME_COL
from forecast.evaluation.schema import METRICS
from forecast.features.calendar_features import AUTO_CALENDAR
from forecast.models.probabilistic import check_quantiles
from forecast.nn.options import DISTRIBUTIONS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MissingConfig(_Strict):
    """NaN inputs (:class:`~forecast.data.missing.MissingPolicy`): ``fill`` each window from its
    own observations (default), carry them forward at most ``limit`` steps (``ffill``), or
    ``drop`` the window. Windows whose labels hold NaN are always dropped, never filled."""

    inputs: Literal["fill", "ffill", "drop"] = "fill"
    limit: int = Field(3, ge=0)


class DataConfig(_Strict):
    """Where the data come from and what the columns are."""

    dataset: str | None = Field(None, description="a bundled dataset name (forecast datasets)")
    path: str | None = Field(None, description="a CSV or Parquet file, relative to the config")
    time_col: str | list[str] = Field(TIME_COL, description="the time column of a file")
    id_col: str | None = Field(None, description="the series id column of a file of many series")
    target: str | list[str]
    covariates: list[str] | None = None
    future_covariates: list[str] | None = None  # known ahead: see build_forecasters
    static_covariates: list[str] | None = Field(
        None,
        description="one value per series (constant within each), for the models that read them",
    )
    calendar: Literal["auto"] | list[str] = AUTO_CALENDAR
    missing: MissingConfig = Field(default_factory=lambda: MissingConfig())

    @field_validator("path")
    @classmethod
    def _one_source(cls, value, info):
        if value is not None and info.data.get("dataset") is not None:
            raise ValueError("give either dataset or path, not both")
        return value

    def source_check(self) -> None:
        if self.dataset is None and self.path is None:
            raise ValueError("give a bundled dataset name or a file path")


class WindowConfig(_Strict):
    """The window arithmetic shared by every model."""

    input_width: int | None = Field(None, ge=1, description="null: inferred from the frequency")
    horizon: int = Field(ge=1)
    stride: int = Field(
        1,
        ge=1,
        description="steps between consecutive training windows of the models that train on windows",
    )


class TrainingConfig(_Strict):
    """Defaults for the neural models (a model block may override each)."""

    epochs: int | None = Field(None, ge=1)
    batch_size: int | None = Field(None, ge=1)
    learning_rate: float | None = Field(None, gt=0)
    patience: int | None = Field(None, ge=1)
    validation: float | None = Field(None, ge=0, lt=1)
    seed: int | None = None
    distribution: Literal[DISTRIBUTIONS] | None = Field(  # type: ignore[valid-type]
        None, description="tf.distribute strategy: default, mirrored or multi_worker (TF_CONFIG)"
    )


class OriginsConfig(_Strict):
    """Where the backtest forecasts from (see :func:`forecast.backtest`)."""

    start: float | str = 0.9
    stride: int | None = Field(None, ge=1, description="null: the horizon")
    refit: bool | int = False


class IntervalsConfig(_Strict):
    """Prediction intervals for every model of the comparison (see the module docstring):
    their nominal ``coverage``, and for the point models' conformal intervals the
    nonconformity ``method`` and ``scale`` (see
    :class:`~forecast.models.conformal.ConformalForecaster`)."""

    coverage: list[float] = Field(
        default_factory=lambda: [0.8, 0.95],
        min_length=1,
        description="nominal coverages of the central intervals, each in (0, 1)",
    )
    method: Literal["absolute", "signed"] = Field(
        "absolute",
        description="absolute: |y - f| scores, symmetric intervals; signed: y - f, each bound "
        "from its own tail (needs about twice the calibration windows)",
    )
    scale: Literal["local", "auto"] | None = Field(
        None,
        description="local: scores / each window's local spread; auto: chosen on calibration; null: none",
    )

    @field_validator("coverage", mode="before")
    @classmethod
    def _one_or_more(cls, value):
        return [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else value

    @field_validator("coverage")
    @classmethod
    def _coverages(cls, value):
        return list(check_quantiles(value, "coverage"))


class EvaluationConfig(_Strict):
    """Metrics and forecast origins of the comparison."""

    metrics: list[Literal[METRICS]] = [  # type: ignore[valid-type]
        "mae",
        "rmse",
        "smape",
        "mase",
        "bias",
    ]
    sort_by: str = "mae"
    season_length: int | None = Field(None, ge=1)
    origins: OriginsConfig = OriginsConfig()
    unit: str | None = Field(None, description="unit of the target, for plots and the report")
    intervals: IntervalsConfig | None = Field(
        None, description="prediction intervals for every model (null: point forecasts only)"
    )


class ExportConfig(_Strict):
    """Which fitted models to export as SavedModels (into the run directory's ``models/``),
    whether they are refitted on all the data first, and where else to publish them."""

    models: Literal["all", "best", "none"] | list[str] = Field(
        "all",
        description="all: every model that can be exported (not the classical auto_ets and "
        "auto_theta), best: the best-ranked of those, none, or a list of model names",
    )
    refit: bool = Field(
        True,
        description="after the backtest, refit each exported model on all the run's data "
        "(train, validation and test rows) with the choices and epoch counts validation made "
        "(see forecast.app.final_fit); false: export the backtest fits (forecast run --no-refit)",
    )
    path: str | None = Field(
        None,
        description="also publish the exported models here as one set: DIR/current/<name>, a "
        "symlink switched atomically to DIR/versions/<run>/ (relative to the current directory, "
        "like the runs directory)",
    )


class ModelConfig(_Strict):
    """One model: a name, a kind and the kind's constructor arguments (checked per kind)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: str
    kind: str

    def arguments(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class ExperimentConfig(_Strict):
    """A whole experiment."""

    name: str | None = None
    data: DataConfig
    window: WindowConfig
    models: list[ModelConfig] = Field(min_length=1)
    training: TrainingConfig = TrainingConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    export: ExportConfig = ExportConfig()
    source: str | None = Field(None, exclude=True)
