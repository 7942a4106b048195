"""``forecast run``: one config in, one run directory out.

:func:`run_experiment` loads and validates the data, trains every model of the config, evaluates
all of them on the same backtest origins (:func:`forecast.compare`) and writes a run directory
``<runs_dir>/<config name>/<timestamp>/``::

    config.yaml          the resolved config (every default filled in)
    leaderboard.csv      one row per model, one column per metric
    leaderboard.md
    metrics.json         the leaderboard, metrics by horizon step, the data summary
    forecasts.parquet    the tidy backtest forecasts of every model
    history/NAME.json    each neural model's training history (of its backtest fit)
    report/report.md     the report with its figures and the "Exported models" table
    report/report.html   the same report as one self-contained page (figures embedded)
    models/NAME/         the exported SavedModels (forecast.load or plain TensorFlow)
    exported.md          what each exported model was fitted on (refit on all the data or
                         backtest fit, first and last timestamp, rows, epochs), or why it
                         was not exported

With ``evaluation.intervals`` (see :mod:`forecast.app.config`) the comparison scores prediction
intervals too: every point model is wrapped in a conformal forecaster
(:mod:`forecast.app.intervals`), the forecasts carry the quantile columns, the leaderboard and
``metrics.json`` the pinball, WQL, coverage and width columns (``by_step`` too), and the
report an "Intervals" section. The exported SavedModels serve the intervals too (a conformal
model is exported as its wrapper: point forecast and calibrated quantiles); ``metrics.json``
(``intervals``) says how each model's intervals were made.

The backtest is the honest evaluation; then each model to export is refitted on all the run's
data (train, validation and test rows) with the choices and epoch counts its validated fit made
(:mod:`forecast.app.final_fit`), and that refit is what ``models/`` holds, unless
``export: {refit: false}`` (or ``run_experiment(..., refit=False)``, ``forecast run
--no-refit``) exports the backtest fits. What each exported model learned from (its
:class:`~forecast.serving.fit_record.FitRecord`: refit or backtest, first and last timestamp,
rows, epochs, anchor, scaling, covariates) is in its metadata, in ``metrics.json``
(``exported``), in the published manifest (``fits``) and in the report. A model whose refit
fails is not exported (nor replaced by its backtest fit): ``metrics.json`` and the report give
the reason, the other models are exported, and nothing is published to ``export.path``.

The directory is assembled under a temporary name and renamed when complete, so a run that
fails or is interrupted never leaves a directory that looks finished. Its name is reserved
first (:func:`forecast._files.reserved_name`): runs started within the same second (a test, a
loop over configs, two users) get ``<timestamp>``, ``<timestamp>-2``, ..., and a concurrent run
never writes into, or replaces, another run's directory.

With ``export: {path: DIR}`` the exported models are also published to ``DIR`` as one set
(``DIR/current`` -> ``DIR/versions/<run>/``, switched in one rename; see
:mod:`forecast.app.publish`). Leftovers of killed writers (hidden names ending in ``.tmp``,
``.reserved`` or ``.replaced``) are removed by the next writer of the same folder, never a live
job's.

On a ``multi_worker`` cluster every worker runs the same config (they train the networks
together); only the chief writes the run directory and publishes the models, the other workers
return a result with ``path=None``.

Example:
    >>> from forecast.app.config import parse_config
    >>> import tempfile
    >>> config = parse_config('''
    ... name: tiny
    ... data: {dataset: electricity_hourly, target: y}
    ... window: {input_width: 48, horizon: 24}
    ... models: [{name: seasonal, kind: seasonal_naive}, {name: naive, kind: naive}]
    ... evaluation: {origins: {start: 0.98}, unit: kW}
    ... ''')
    >>> result = run_experiment(config, runs_dir=tempfile.mkdtemp(), verbose=False)
    >>> result.leaderboard.index.tolist()
    ['seasonal', 'naive']
    >>> sorted(p.name for p in result.path.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['config.yaml', 'exported.md', 'forecasts.parquet', 'history', 'leaderboard.csv',
     'leaderboard.md', 'metrics.json', 'models', 'report']
    >>> result.final_fit.records["seasonal"].fit, result.export_errors
    ('refit', {})
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from forecast._files import atomic_directory, reserved_name
from forecast.app.config import ExperimentConfig, build_forecasters, resolved_config
from forecast.app.final_fit import FinalFit, final_fit
from forecast.app.intervals import interval_forecasters, interval_sources
from forecast.app.publish import publish_run, writing_in
from forecast.data.layout import describe_layout
from forecast.evaluation.comparison import Comparison, compare, forecast_origins
from forecast.evaluation.intervals import leaderboard_metrics, sortable_columns
from forecast.evaluation.metrics import score_forecasts
from forecast.evaluation.report import exported_markdown, leaderboard_markdown
from forecast.evaluation.schema import PROBABILISTIC_METRICS
from forecast.features.calendar_features import default_input_width
from forecast.models.registry import MODEL_KINDS

#: Epochs of every neural model in a ``--quick`` run.
QUICK_EPOCHS = 1
#: Origins a ``--quick`` run keeps, and training rows before them in windows' lengths.
QUICK_ORIGINS, QUICK_TRAINING_WINDOWS = 5, 8


@dataclass
class RunResult:
    """A finished run: where it was written (``None`` on a non-chief worker of a
    ``multi_worker`` cluster, which writes nothing), what it measured (``comparison``: the
    backtest fits) and what it exported (``final_fit``: the refitted models and their
    records, see :mod:`forecast.app.final_fit`)."""

    path: Path | None
    comparison: Comparison
    final_fit: FinalFit = field(default_factory=FinalFit)

    @property
    def leaderboard(self) -> pd.DataFrame:
        return self.comparison.leaderboard

    @property
    def export_errors(self) -> dict[str, str]:
        """The models not exported because their final fit failed, with the reason."""
        return dict(self.final_fit.errors)


def run_experiment(
    config: ExperimentConfig,
    runs_dir: str | os.PathLike = "runs",
    quick: bool = False,
    verbose: bool = True,
    refit: bool | None = None,
) -> RunResult:
    """Train, evaluate, report and export everything a config describes (see the module docstring).

    Args:
        config: a validated config (:func:`forecast.app.config.load_config`).
        runs_dir: where run directories go.
        quick: a smoke run: one epoch, the data cut to a few windows before the first origin
            and :data:`QUICK_ORIGINS` origins.
        verbose: say which model and origin block is being trained, with the time left,
            and show the training progress.
        refit: refit the exported models on all the data before exporting them; ``None``:
            as the config says (``export.refit``, default true). The resolved ``config.yaml``
            records the value used.
    """
    job_started = time.time()  # leftovers older than this, of writers gone, are removed
    if refit is not None:
        config = config.model_copy(
            update={"export": config.export.model_copy(update={"refit": bool(refit)})}
        )
    name = config.name or "experiment"
    frame = load_experiment_data(config)
    forecasters = build_forecasters(config)
    horizon = config.window.horizon
    origins = config.evaluation.origins
    start, stride = origins.start, origins.stride
    if quick:
        frame, start = _quick_data(frame, config)
    _set_training(config, forecasters, quick, verbose)
    intervals = config.evaluation.intervals
    compared = forecasters if intervals is None else interval_forecasters(forecasters, intervals)
    started = time.perf_counter()
    comparison = compare(
        compared,
        frame,
        horizon=horizon,
        start=start,
        stride=stride,
        refit=origins.refit,
        metrics=config.evaluation.metrics,
        sort_by=config.evaluation.sort_by,
        season_length=config.evaluation.season_length,
        details=True,
        verbose=verbose,
        coverage=None if intervals is None else tuple(intervals.coverage),
    )
    comparison.summary = {"dataset": config.data.dataset or config.data.path, **comparison.summary}
    seconds = time.perf_counter() - started
    exported = _models_to_export(config, comparison.leaderboard)
    # every worker of a multi_worker cluster refits: they train the networks together
    final = final_fit(comparison.models, exported, frame, config.export.refit, verbose)
    if not writes_run(forecasters):
        if verbose:
            print(
                "\nthis worker of the multi_worker cluster is not the chief: the chief writes the run"
            )
        return RunResult(path=None, comparison=comparison, final_fit=final)
    path = _write_run(
        config,
        comparison,
        final,
        Path(runs_dir) / name,
        quick,
        seconds=seconds,
        job_started=job_started,
    )
    if verbose:
        _print_summary(f"{name}{', quick' if quick else ''}", comparison, final, path)
    return RunResult(path=path, comparison=comparison, final_fit=final)


def _set_training(config: ExperimentConfig, forecasters: dict, quick: bool, verbose: bool) -> None:
    """The training progress (unless a model block sets ``verbose``: none when not
    ``verbose``, otherwise the models' default, a live bar on a terminal and one line per
    epoch in a log) and, for ``--quick``, one epoch without early stopping, on every neural
    model."""
    for model_config in config.models:
        model = forecasters[model_config.name]
        if MODEL_KINDS[model_config.kind].get_tag("neural"):
            if "verbose" not in model_config.arguments() and not verbose:
                model.set_params(verbose=0)
            if quick:
                model.set_params(epochs=QUICK_EPOCHS, patience=None)


def _print_summary(title: str, comparison: Comparison, final: FinalFit, path: Path) -> None:
    """The leaderboard, the exported models and the run directory, on stdout."""
    print(f"\nLeaderboard ({title}):")
    board = comparison.leaderboard.drop(columns=["predict_seconds"])
    print(board.to_string(float_format=lambda v: f"{v:.4g}"))
    if final.models:
        kinds = {record.fit for record in final.records.values()}
        how = "refitted on all the data" if kinds == {"refit"} else "the backtest fits"
        print(f"\nexported ({how}):")
        for name, record in final.records.items():
            print(f"  {name}: {record.describe()}")
    print(f"\nrun written to {path}")


def writes_run(forecasters: dict) -> bool:
    """Whether this process writes the run: always, unless a model trains ``multi_worker`` and
    this process is not the cluster's chief (:func:`forecast.nn.distribution.is_chief`)."""
    from forecast.nn.distribution import is_chief

    distributed = any(
        getattr(model, "distribution", None) == "multi_worker" for model in forecasters.values()
    )
    return not distributed or is_chief()


def load_experiment_data(config: ExperimentConfig) -> pd.DataFrame:
    """The config's frame: a bundled dataset, or a file relative to the config's folder."""
    data = config.data
    if data.dataset is not None:
        from forecast.data.datasets import load_dataset

        return load_dataset(data.dataset)
    from forecast.data.readers import read_frame

    path = Path(data.path)
    if not path.is_absolute() and config.source and Path(config.source).parent.exists():
        candidate = Path(config.source).parent / path
        path = candidate if candidate.exists() else path
    return read_frame(path, time_col=data.time_col, id_col=data.id_col)


def _quick_data(frame: pd.DataFrame, config: ExperimentConfig) -> tuple[pd.DataFrame, pd.Timestamp]:
    """A few origins and a few windows of training data before them."""
    window, origins = config.window, config.evaluation.origins
    layout = describe_layout(frame)
    grid = forecast_origins(frame, window.horizon, origins.start, origins.stride)
    width = window.input_width or default_input_width(layout.freq, window.horizon)
    first, last = grid[0], grid[min(QUICK_ORIGINS, len(grid)) - 1]
    begin = first - QUICK_TRAINING_WINDOWS * (width + window.horizon) * layout.freq
    end = last + (window.horizon - 1) * layout.freq
    stamps = frame.index.get_level_values(-1)
    return frame.loc[(stamps >= begin) & (stamps <= end)], first


def _run_stamp() -> str:
    """The run directory's name: the local start time to the second, ``YYYYmmdd-HHMMSS``."""
    return time.strftime("%Y%m%d-%H%M%S")


def _write_run(
    config: ExperimentConfig,
    comparison: Comparison,
    final: FinalFit,
    parent: Path,
    quick: bool,
    seconds: float,
    job_started: float,
) -> Path:
    """Write the run directory under a fresh name in ``parent`` (see the module docstring),
    publish its models if the config says so, and return its path.

    Args:
        config: the run's config.
        comparison: what the run measured.
        final: the models to export (see :mod:`forecast.app.final_fit`); when one of them
            failed, nothing is published.
        parent: the config's folder of runs.
        quick: whether this is a ``--quick`` run (recorded in ``config.yaml``).
        seconds: how long training and evaluation took (recorded in ``metrics.json``).
        job_started: when the run started (``time.time()``): leftovers older than this, of
            writers gone, are removed from ``parent`` and the publishing folder.
    """
    with (
        writing_in(parent, job_started),
        reserved_name(parent, _run_stamp()) as run,
        atomic_directory(run, replace=False) as temp,
    ):
        _write_run_files(temp, config, comparison, final, quick, seconds)
    if config.export.path is not None and final.errors:
        print(
            f"forecast run: nothing published to {config.export.path}: "
            f"{', '.join(final.errors)} could not be exported, and a published set is whole; "
            "its current version stays as it was",
            file=sys.stderr,
            flush=True,
        )
    elif config.export.path is not None:
        fits = {_safe_name(n): record.to_dict() for n, record in final.records.items()}
        publish_run(run, config.name or "experiment", Path(config.export.path), job_started, fits)
    return run


def _write_run_files(
    folder: Path,
    config: ExperimentConfig,
    comparison: Comparison,
    final: FinalFit,
    quick: bool,
    seconds: float,
) -> None:
    """The run directory's files (see the module docstring), written into ``folder``."""
    resolved = resolved_config(config)
    resolved["quick"] = quick
    (folder / "config.yaml").write_text(yaml.safe_dump(resolved, sort_keys=False))
    board = comparison.leaderboard
    board.to_csv(folder / "leaderboard.csv")
    (folder / "leaderboard.md").write_text(leaderboard_markdown(board, config.evaluation.unit))
    comparison.forecasts.to_parquet(folder / "forecasts.parquet", index=False)
    metrics = _run_metrics(config, comparison, final, seconds)
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
    (folder / "history").mkdir()
    for model_name, history in comparison.histories.items():
        (folder / "history" / f"{_safe_name(model_name)}.json").write_text(
            json.dumps(history, indent=2)
        )
    comparison.report(
        folder / "report",
        title=f"Run {config.name}",
        unit=config.evaluation.unit,
        exported=final.exported(),
        timings={"backtest": seconds, "final fit": final.total_seconds},
    )
    (folder / "models").mkdir()
    for model_name, model in final.models.items():
        scores = _export_scores(config, board.loc[model_name], model)
        model.export(
            folder / "models" / _safe_name(model_name),
            metrics=scores,
            fit_record=final.records[model_name],
            name=model_name,
        )
    if final.records or final.errors:
        # what each model learned from, beside the models (also in metrics.json and the report)
        (folder / "exported.md").write_text(exported_markdown(final.exported()))


def _run_metrics(
    config: ExperimentConfig, comparison: Comparison, final: FinalFit, seconds: float
) -> dict:
    """The content of ``metrics.json``: the leaderboard, the metrics by step, the data
    summary, the timings, the exported models and, with intervals, how each was made."""
    board = comparison.leaderboard
    intervals = config.evaluation.intervals
    coverage = None if intervals is None else tuple(intervals.coverage)
    by_step = score_forecasts(
        comparison.forecasts,
        [
            m
            for m in leaderboard_metrics(config.evaluation.metrics, coverage or ())
            if m not in ("mase", "msis")
        ],
        by=["model", "step"],
        coverage=coverage,
    )
    metrics = {
        "leaderboard": json.loads(board.to_json(orient="index")),
        "by_step": json.loads(by_step.reset_index().to_json(orient="records")),
        "summary": {
            k: str(v) if not isinstance(v, (int, float)) else v
            for k, v in comparison.summary.items()
        },
        "seconds": seconds,
        "final_fit_seconds": final.total_seconds,
        "exported": final.exported(),
    }
    if intervals is not None:
        metrics["intervals"] = {
            **intervals.model_dump(mode="json"),
            "models": interval_sources(comparison.models),
            "exported": "point forecasts and quantiles (a conformal model's calibration as of the "
            "end of its fitted data)",
        }
    return metrics


def _export_scores(config: ExperimentConfig, row: pd.Series, model) -> dict[str, float]:
    """The leaderboard scores an exported model's metadata records: the point metrics, and
    the interval columns (``coverage_80``, ...) when the model forecasts intervals (a quantile
    network, or a conformal wrapper: exported with its quantiles)."""
    metrics = [m for m in config.evaluation.metrics if m not in PROBABILISTIC_METRICS]
    intervals = config.evaluation.intervals
    if intervals is not None and model.get_tag("probabilistic"):
        coverages = tuple(intervals.coverage)
        probabilistic = leaderboard_metrics(config.evaluation.metrics, coverages)
        metrics += sortable_columns(
            [m for m in probabilistic if m in PROBABILISTIC_METRICS], coverages
        )
    return {m: float(row[m]) for m in metrics if m in row.index and pd.notna(row[m])}


def _models_to_export(config: ExperimentConfig, board: pd.DataFrame) -> list[str]:
    """The models ``export.models`` names; ``all`` and ``best`` count only the models that can
    be exported (the classical ones forecast with statsforecast, not a TensorFlow graph)."""
    choice = config.export.models
    if choice == "none":
        return []
    if not isinstance(choice, str):
        return list(choice)
    kinds = {m.name: m.kind for m in config.models}
    exportable = [n for n in board.index if MODEL_KINDS[kinds[n]].get_tag("exportable")]
    if choice == "best":
        return exportable[:1]
    return [m.name for m in config.models if m.name in exportable]


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
