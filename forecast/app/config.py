"""Experiment configs: one YAML file describes data, windows, models, training, evaluation, export.

Validated with pydantic: an unknown key, a wrong type or an unknown model kind is a
:class:`ConfigError` naming the file, the key path and what was expected. Each model block is
``name``, ``kind`` and that kind's constructor arguments, one to one (``units: [64, 32]`` is
``LSTMForecaster(units=(64, 32))``); ``training`` holds defaults shared by the neural models.

Probabilistic forecasts: ``quantiles: [0.1, 0.5, 0.9]`` on a model block trains a quantile
network (the kinds whose forecaster takes ``quantiles``; any other kind is an error that
points to intervals), and ``evaluation: {intervals: {coverage: [0.8, 0.95], method:
absolute, scale: null}}`` makes ``forecast run`` compare every model's intervals: the point
models (baselines and networks alike) get split-conformal intervals
(:class:`~forecast.models.conformal.ConformalForecaster` with that ``method`` and ``scale``),
quantile networks their own, whose quantiles must then hold the bounds of every coverage. A
config with quantile networks and no ``intervals`` block gets the coverages their quantiles
bound (recorded in the resolved config).

Example:
    >>> config = parse_config('''
    ... data: {dataset: electricity_hourly, target: y}
    ... window: {input_width: 168, horizon: 24}
    ... models:
    ...   - {name: seasonal, kind: seasonal_naive}
    ...   - {name: lstm, kind: lstm, units: [32]}
    ... training: {epochs: 5, seed: 1}
    ... ''', source="inline.yaml")
    >>> forecasters = build_forecasters(config)
    >>> forecasters["lstm"].units, forecasters["lstm"].epochs, forecasters["lstm"].random_state
    ((32,), 5, 1)
    >>> parse_config("data: {dataset: x, target: y}\\nwindow: {horizon: 0}\\nmodels: [{name: n, kind: naive}]",
    ...              source="bad.yaml")
    Traceback (most recent call last):
    ...
    forecast.app.config.ConfigError: bad.yaml: window.horizon: Input should be greater than or equal to 1 (got 0)
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from forecast.app.config_schema import ExperimentConfig, IntervalsConfig, ModelConfig
from forecast.evaluation.intervals import leaderboard_metrics, sortable_columns
from forecast.evaluation.quantile_metrics import frame_coverages
from forecast.evaluation.schema import PROBABILISTIC_METRICS
from forecast.features.calendar_features import AUTO_CALENDAR
from forecast.models.probabilistic import check_quantiles, interval_quantiles
from forecast.models.registry import MODEL_KINDS

#: Arguments every model gets from the ``data`` and ``window`` blocks, not from its own block.
SHARED_ARGUMENTS = (
    "input_width",
    "horizon",
    "target",
    "covariates",
    "future_covariates",
    "missing",
)


class ConfigError(ValueError):
    """A config file that does not validate; the message names the file and the key path."""


def load_config(path: str | os.PathLike) -> ExperimentConfig:
    """Read and validate a YAML config file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config ({exc.strerror})") from None
    config = parse_config(text, source=str(path))
    if config.name is None:
        config = config.model_copy(update={"name": path.stem})
    return config


def parse_config(text: str, source: str = "<config>") -> ExperimentConfig:
    """Validate YAML text (``source`` names it in errors)."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping with data, window and models at the top")
    try:
        config = ExperimentConfig.model_validate({**raw, "source": source})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None
    try:
        config.data.source_check()
    except ValueError as exc:
        raise ConfigError(f"{source}: data: {exc}") from None
    names = [m.name for m in config.models]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ConfigError(f"{source}: models: the name {duplicate!r} is used twice")
    for i, model in enumerate(config.models):
        _check_model(model, f"{source}: models[{i}] ({model.name})")
    config = _with_intervals(config, source)
    _check_sort_by(config, source)
    if isinstance(config.export.models, list):
        unknown = [n for n in config.export.models if n not in names]
        if unknown:
            raise ConfigError(
                f"{source}: export.models: no model named {unknown} (models: {names})"
            )
        kinds = {m.name: m.kind for m in config.models}
        fixed = [n for n in config.export.models if not MODEL_KINDS[kinds[n]].get_tag("exportable")]
        if fixed:
            raise ConfigError(
                f"{source}: export.models: {fixed} cannot be exported as SavedModels (their "
                "forecasts are not a TensorFlow graph)"
            )
    return config


def build_forecasters(config: ExperimentConfig) -> dict[str, Any]:
    """The forecasters of a config, by name, with the shared data, window and training
    settings; ``data.future_covariates`` (columns known ahead, read at the forecast steps from
    the data itself in the backtest) go to the models that read them (tag
    ``reads_future_covariates``), the others forecast without them."""
    data, window, training = config.data, config.window, config.training
    target = data.target if isinstance(data.target, str) else tuple(data.target)
    shared = {
        "input_width": window.input_width,
        "horizon": window.horizon,
        "stride": window.stride,
        "target": target,
        "covariates": tuple(data.covariates) if data.covariates else None,
        "missing": data.missing.model_dump(),
    }
    calendar = AUTO_CALENDAR if data.calendar == AUTO_CALENDAR else tuple(data.calendar)
    future = tuple(data.future_covariates) if data.future_covariates else None
    defaults = {
        "epochs": training.epochs,
        "batch_size": training.batch_size,
        "learning_rate": training.learning_rate,
        "patience": training.patience,
        "validation": training.validation,
        "random_state": training.seed,
        "distribution": training.distribution,
    }
    out = {}
    for model in config.models:
        cls = MODEL_KINDS[model.kind]
        accepted = inspect.signature(cls.__init__).parameters
        arguments = {k: v for k, v in shared.items() if k in accepted}
        if "calendar" in accepted and cls.get_tag("reads_calendar"):
            arguments["calendar"] = calendar
        if future and cls.get_tag("reads_future_covariates"):
            arguments["future_covariates"] = future
        if data.static_covariates and cls.get_tag("reads_static_covariates"):
            arguments["static_covariates"] = tuple(data.static_covariates)
        if cls.get_tag("neural"):
            arguments.update({k: v for k, v in defaults.items() if v is not None})
        validated = _argument_schema(model.kind).model_validate(model.arguments())
        arguments.update(
            {k: _as_tuple(v) for k, v in validated.model_dump(exclude_unset=True).items()}
        )
        out[model.name] = cls(**arguments)
    return out


def resolved_config(config: ExperimentConfig) -> dict[str, Any]:
    """The config with every default filled in, as plain data (written into each run)."""
    return config.model_dump(mode="json", exclude={"source"})


# ---------------------------------------------------------------------- helpers


def _check_model(model: ModelConfig, where: str) -> None:
    if model.kind not in MODEL_KINDS:
        raise ConfigError(
            f"{where}.kind: expected one of {sorted(MODEL_KINDS)}, got {model.kind!r}"
        )
    schema = _argument_schema(model.kind)
    arguments = model.arguments()
    if "quantiles" in arguments and "quantiles" not in schema.model_fields:
        raise ConfigError(
            f"{where}.quantiles: a {model.kind} model forecasts points only and takes no "
            "quantiles; for its intervals set evaluation: {intervals: {coverage: [0.8, 0.95]}} "
            "(calibrated conformal intervals around its forecasts)"
        )
    shared = [k for k in arguments if k in SHARED_ARGUMENTS]
    if shared:
        raise ConfigError(
            f"{where}.{shared[0]}: set it in the data or window block, for all models"
        )
    try:
        schema.model_validate(arguments)
    except ValidationError as exc:
        message = _describe(exc, where, joiner=".")
        if "unknown key" in message:
            message += f" (a {model.kind} model takes: {', '.join(sorted(schema.model_fields))})"
        raise ConfigError(message) from None


def _model_quantiles(config: ExperimentConfig) -> dict[int, tuple[float, ...]]:
    """The quantiles of each model block that sets them (by position)."""
    out = {}
    for i, model in enumerate(config.models):
        quantiles = model.arguments().get("quantiles")
        if quantiles is not None:
            out[i] = check_quantiles(quantiles)
    return out


def _with_intervals(config: ExperimentConfig, source: str) -> ExperimentConfig:
    """The config with the intervals its quantile networks bound when it sets none; checks
    that every quantile network holds the bounds of every coverage."""
    evaluation = config.evaluation
    quantiles = _model_quantiles(config)
    intervals = evaluation.intervals
    if intervals is None and quantiles:
        common = set.intersection(*(set(frame_coverages(q)) for q in quantiles.values()))
        if not common:
            raise ConfigError(
                f"{source}: models: the quantile networks' quantiles bound no common central "
                "interval (0.1 and 0.9 bound 80%); set evaluation.intervals.coverage and "
                "quantiles that hold its bounds"
            )
        intervals = IntervalsConfig(coverage=sorted(common))
        evaluation = evaluation.model_copy(update={"intervals": intervals})
        config = config.model_copy(update={"evaluation": evaluation})
    asked = [m for m in evaluation.metrics if m in PROBABILISTIC_METRICS]
    if asked and intervals is None:
        raise ConfigError(
            f"{source}: evaluation.metrics: {asked} score intervals; set evaluation: "
            "{intervals: {coverage: [0.8, 0.95]}}"
        )
    for i, levels in quantiles.items():
        for c in intervals.coverage:
            missing = [q for q in interval_quantiles(c) if q not in levels]
            if missing:
                raise ConfigError(
                    f"{source}: models[{i}] ({config.models[i].name}).quantiles: the "
                    f"{c:g} interval of evaluation.intervals.coverage needs the quantiles "
                    f"{missing}; add them or drop that coverage"
                )
    return config


def _check_sort_by(config: ExperimentConfig, source: str) -> None:
    """``evaluation.sort_by`` is a column of the leaderboard (``coverage_80``, ... with
    intervals)."""
    evaluation = config.evaluation
    columns = list(evaluation.metrics)
    if evaluation.intervals is not None:
        coverages = tuple(evaluation.intervals.coverage)
        metrics = leaderboard_metrics(evaluation.metrics, coverages)
        columns = sortable_columns(metrics, coverages)
    if evaluation.sort_by not in columns:
        hint = ""
        if (
            evaluation.intervals is None
            and evaluation.sort_by.split("_")[0] in PROBABILISTIC_METRICS
        ):
            hint = " (an interval metric: set evaluation.intervals)"
        raise ConfigError(
            f"{source}: evaluation.sort_by: expected one of the leaderboard's metrics {columns}, "
            f"got {evaluation.sort_by!r}{hint}"
        )


_SCHEMAS: dict[str, type[BaseModel]] = {}


def _argument_schema(kind: str) -> type[BaseModel]:
    """A strict pydantic model of a kind's own constructor arguments, each typed by the
    forecaster's constraint table (so every parameter is checked when the config loads)."""
    if kind not in _SCHEMAS:
        cls = MODEL_KINDS[kind]
        defaults = {
            name: parameter.default
            for name, parameter in inspect.signature(cls.__init__).parameters.items()
        }
        fields = {
            name: (constraint.annotation(), defaults[name])
            for name, constraint in cls.parameter_constraints().items()
            if name not in SHARED_ARGUMENTS
        }
        _SCHEMAS[kind] = create_model(
            f"{cls.__name__}Arguments",
            __config__=ConfigDict(extra="forbid", strict=False),
            **fields,
        )
    return _SCHEMAS[kind]


def _as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _describe(exc: ValidationError, source: str, joiner: str = ": ") -> str:
    """One line per key at fault; the alternatives of a union are folded into one line."""
    by_path: dict[str, list[dict]] = {}
    for error in exc.errors():
        parts = [str(p) for p in error["loc"] if not _is_type_tag(p)]
        by_path.setdefault(".".join(parts), []).append(error)
    lines = []
    for path, errors in by_path.items():
        first = errors[0]
        if first["type"] == "extra_forbidden":
            lines.append(f"{source}{joiner}{path}: unknown key")
        elif first["type"] == "missing":
            lines.append(f"{source}{joiner}{path}: required key missing")
        else:
            messages = list(dict.fromkeys(e["msg"] for e in errors))
            what = messages[0] if len(messages) == 1 else "expected one of: " + "; ".join(messages)
            lines.append(f"{source}{joiner}{path}: {what} (got {first.get('input')!r})")
    return "\n".join(lines)


def _is_type_tag(part: Any) -> bool:
    """Whether a location part names a union branch (``int``, ``list[str]``, ...), not a key."""
    return isinstance(part, str) and (
        part in ("int", "float", "str", "bool", "none", "list", "tuple") or "[" in part
    )
