"""``forecast run``: one config in, one run directory out.

:func:`run_experiment` loads and validates the data, trains every model of the config, evaluates
all of them on the same backtest origins (:func:`forecast.compare`) and writes a run directory
``<runs_dir>/<config name>/<timestamp>/``::

    config.yaml          the resolved config (every default filled in)
    leaderboard.csv      one row per model, one column per metric
    leaderboard.md
    metrics.json         the leaderboard, metrics by horizon step, the data summary
    forecasts.parquet    the tidy backtest forecasts of every model
    history/NAME.json    each neural model's training history
    report/report.md     the report with its figures
    models/NAME/         the exported SavedModels (forecast.load or plain TensorFlow)

The directory is assembled under a temporary name and renamed when complete, so a run that
fails or is interrupted never leaves a directory that looks finished. Its name is reserved
first (:func:`forecast._files.reserved_name`): runs started within the same second (a test, a
loop over configs, two users) get ``<timestamp>``, ``<timestamp>-2``, ..., and a concurrent run
never writes into, or replaces, another run's directory.

With ``export: {path: DIR}`` the exported models are also published to ``DIR`` as one set, e.g.
the folder a batch job or a model server reads from::

    DIR/current -> versions/<run>     a symlink to the published version
    DIR/versions/<run>/NAME/          its models (forecast.load or plain TensorFlow)
    DIR/versions/<run>/manifest.json  version, run, run directory, config, models, time

The models and the manifest are copied into a new version, named as the run directory
(``<run>-2`` if taken) and, like it, assembled under a temporary name and renamed when complete;
then a temporary symlink to it is renamed over ``current``. A reader of ``DIR/current/NAME``
sees the previous complete set or the new one, never a mix, and a publisher killed at any point
leaves ``current`` as it was or switched; a reader that opens files over time resolves
``current`` once to stay on one version. The version ``current`` pointed to before stays, and
the newest others up to :data:`KEPT_VERSIONS` in all; older ones are removed (renamed to a
hidden temporary first). Publishers of one ``DIR`` take turns.

Leftovers of killed writers (half-written directories, reserved names' markers, temporary
symlinks: hidden names ending in ``.tmp``, ``.reserved`` or ``.replaced``) are removed by the
next writer of the same folder: writers hold an ``fcntl.flock`` on the folder while they write
(runs of one config share theirs, publishers hold ``DIR``'s in turn), and a writer that finds the
folder held by no other removes those older than its own job. A live job's are never touched.

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
    ['config.yaml', 'forecasts.parquet', 'history', 'leaderboard.csv', 'leaderboard.md',
     'metrics.json', 'models', 'report']
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX: no folder locks, so no leftover is known to be stale
    fcntl = None

import pandas as pd
import yaml

from forecast._files import atomic_directory, reserved_name, temporary_beside
from forecast.app.config import ExperimentConfig, build_forecasters, resolved_config
from forecast.data.layout import describe_layout
from forecast.evaluation.comparison import Comparison, compare, forecast_origins
from forecast.evaluation.metrics import score_forecasts
from forecast.features.calendar_features import default_input_width
from forecast.models.registry import MODEL_KINDS

#: Epochs of every neural model in a ``--quick`` run.
QUICK_EPOCHS = 1
#: Origins a ``--quick`` run keeps, and training rows before them in windows' lengths.
QUICK_ORIGINS, QUICK_TRAINING_WINDOWS = 5, 8
#: Published versions kept in ``export.path/versions/``: the current one, the one before it
#: and the newest others up to this count.
KEPT_VERSIONS = 3
#: The file in each published version that says what it holds.
MANIFEST_FILE = "manifest.json"
#: How the names of the hidden temporaries a writer leaves when killed end.
TEMPORARY_SUFFIXES = (".tmp", ".reserved", ".replaced")


@dataclass
class RunResult:
    """A finished run: where it was written (``None`` on a non-chief worker of a
    ``multi_worker`` cluster, which writes nothing) and what it measured."""

    path: Path | None
    comparison: Comparison

    @property
    def leaderboard(self) -> pd.DataFrame:
        return self.comparison.leaderboard


def run_experiment(
    config: ExperimentConfig,
    runs_dir: str | os.PathLike = "runs",
    quick: bool = False,
    verbose: bool = True,
) -> RunResult:
    """Train, evaluate, report and export everything a config describes (see the module docstring).

    Args:
        config: a validated config (:func:`forecast.app.config.load_config`).
        runs_dir: where run directories go.
        quick: a smoke run: one epoch, the data cut to a few windows before the first origin
            and :data:`QUICK_ORIGINS` origins.
        verbose: say which model is being trained and show Keras's progress.
    """
    job_started = time.time()  # leftovers older than this, of writers gone, are removed
    name = config.name or "experiment"
    frame = load_experiment_data(config)
    forecasters = build_forecasters(config)
    horizon = config.window.horizon
    origins = config.evaluation.origins
    start, stride = origins.start, origins.stride
    if quick:
        frame, start = _quick_data(frame, config)
    for model_config in config.models:
        model = forecasters[model_config.name]
        if MODEL_KINDS[model_config.kind].get_tag("neural"):
            if "verbose" not in model_config.arguments():
                model.set_params(verbose=(1 if sys.stdout.isatty() else 2) if verbose else 0)
            if quick:
                model.set_params(epochs=QUICK_EPOCHS, patience=None)
    started = time.perf_counter()
    comparison = compare(
        forecasters,
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
    )
    comparison.summary = {"dataset": config.data.dataset or config.data.path, **comparison.summary}
    if not writes_run(forecasters):
        if verbose:
            print(
                "\nthis worker of the multi_worker cluster is not the chief: the chief writes the run"
            )
        return RunResult(path=None, comparison=comparison)
    path = _write_run(
        config,
        comparison,
        Path(runs_dir) / name,
        quick,
        seconds=time.perf_counter() - started,
        job_started=job_started,
    )
    if verbose:
        print(f"\nLeaderboard ({name}{', quick' if quick else ''}):")
        print(
            comparison.leaderboard.drop(columns=["predict_seconds"]).to_string(
                float_format=lambda v: f"{v:.4g}"
            )
        )
        print(f"\nrun written to {path}")
    return RunResult(path=path, comparison=comparison)


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
        parent: the config's folder of runs.
        quick: whether this is a ``--quick`` run (recorded in ``config.yaml``).
        seconds: how long training and evaluation took (recorded in ``metrics.json``).
        job_started: when the run started (``time.time()``): leftovers older than this, of
            writers gone, are removed from ``parent`` and the publishing folder.
    """
    with (
        _writing_in(parent, job_started),
        reserved_name(parent, _run_stamp()) as final,
        atomic_directory(final, replace=False) as temp,
    ):
        _write_run_files(temp, config, comparison, quick, seconds)
    if config.export.path is not None:
        _publish(final, config.name or "experiment", Path(config.export.path), job_started)
    return final


def _write_run_files(
    folder: Path, config: ExperimentConfig, comparison: Comparison, quick: bool, seconds: float
) -> None:
    """The run directory's files (see the module docstring), written into ``folder``."""
    resolved = resolved_config(config)
    resolved["quick"] = quick
    (folder / "config.yaml").write_text(yaml.safe_dump(resolved, sort_keys=False))
    board = comparison.leaderboard
    board.to_csv(folder / "leaderboard.csv")
    (folder / "leaderboard.md").write_text(board.to_markdown(floatfmt=".4g") + "\n")
    comparison.forecasts.to_parquet(folder / "forecasts.parquet", index=False)
    by_step = score_forecasts(
        comparison.forecasts,
        [m for m in config.evaluation.metrics if m != "mase"],
        by=["model", "step"],
    )
    metrics = {
        "leaderboard": json.loads(board.to_json(orient="index")),
        "by_step": json.loads(by_step.reset_index().to_json(orient="records")),
        "summary": {
            k: str(v) if not isinstance(v, (int, float)) else v
            for k, v in comparison.summary.items()
        },
        "seconds": seconds,
    }
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
    (folder / "history").mkdir()
    for model_name, history in comparison.histories.items():
        (folder / "history" / f"{_safe_name(model_name)}.json").write_text(
            json.dumps(history, indent=2)
        )
    comparison.report(folder / "report", title=f"Run {config.name}", unit=config.evaluation.unit)
    (folder / "models").mkdir()
    for model_name in _models_to_export(config, board):
        row = board.loc[model_name]
        scores = {m: float(row[m]) for m in config.evaluation.metrics if pd.notna(row[m])}
        comparison.models[model_name].export(
            folder / "models" / _safe_name(model_name), metrics=scores
        )


def _publish(run: Path, config_name: str, destination: Path, job_started: float) -> Path | None:
    """Publish the models of the run directory ``run`` as one new version of ``destination``
    and switch ``destination/current`` to it (see the module docstring).

    Returns:
        The version's directory, or ``None`` when the run exported no model (nothing changes).
    """
    models = sorted(p for p in (run / "models").iterdir() if p.is_dir())
    if not models:
        return None
    versions = destination / "versions"
    with _writing_in(destination, job_started, exclusive=True, also=(versions,)):
        with (
            reserved_name(versions, run.name) as version,
            atomic_directory(version, replace=False) as building,
        ):
            for model in models:
                shutil.copytree(model, building / model.name)
            manifest = {
                "version": version.name,
                "run": run.name,
                "run_directory": str(run.resolve()),
                "config": config_name,
                "models": [model.name for model in models],
                "published": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
            (building / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
        previous = _current_version(destination)
        _switch_current(destination, version)
        _prune_versions(versions, keep={version.name, previous})
    return version


def _current_version(destination: Path) -> str | None:
    """The name of the version ``destination/current`` points to (``None`` if none)."""
    current = destination / "current"
    return Path(os.readlink(current)).name if current.is_symlink() else None


def _switch_current(destination: Path, version: Path) -> None:
    """Point ``destination/current`` at ``version`` in one rename of a temporary symlink."""
    current = destination / "current"
    if current.exists() and not current.is_symlink():
        raise FileExistsError(f"{current} is not the symlink a publish switches; move it away")
    link = temporary_beside(current)
    os.symlink(Path(version.parent.name) / version.name, link)  # relative: DIR may move
    try:
        os.replace(link, current)
    except BaseException:
        link.unlink(missing_ok=True)
        raise


def _prune_versions(versions: Path, keep: set[str | None]) -> None:
    """Remove the published versions beyond :data:`KEPT_VERSIONS`, oldest first, never one of
    ``keep``; a folder without a readable manifest is not a version and stays."""
    published = {}
    for folder in versions.iterdir():
        if folder.name.startswith("."):  # a temporary, not a version
            continue
        try:
            manifest = json.loads((folder / MANIFEST_FILE).read_text())
            published[folder.name] = str(manifest["published"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    newest = sorted(published, key=lambda name: (published[name], name), reverse=True)
    kept = [name for name in newest if name in keep]
    kept += [name for name in newest if name not in keep][: max(KEPT_VERSIONS - len(kept), 0)]
    for name in newest:
        if name not in kept:
            doomed = temporary_beside(versions / name)  # out of sight before it is deleted
            os.replace(versions / name, doomed)
            shutil.rmtree(doomed, ignore_errors=True)


@contextlib.contextmanager
def _writing_in(
    folder: Path, job_started: float, exclusive: bool = False, also: tuple[Path, ...] = ()
) -> Iterator[None]:
    """Hold ``folder`` (created if missing) for writing while the block runs, after removing the
    leftovers of killed writers from it and from the folders ``also`` when no other writer holds
    it (see the module docstring).

    Args:
        folder: the folder written in.
        job_started: when the job started (``time.time()``): leftovers changed since stay.
        exclusive: hold ``folder`` alone (publishers take turns); otherwise writers share it.
        also: more folders this folder's writers write in.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        if _lock_alone(descriptor, wait=exclusive):
            for written in (folder, *also):
                _remove_leftovers(written, job_started)
            if not exclusive:
                fcntl.flock(descriptor, fcntl.LOCK_SH)
        elif not exclusive:
            with contextlib.suppress(OSError):  # a file system without locks
                fcntl.flock(descriptor, fcntl.LOCK_SH)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _lock_alone(descriptor: int, wait: bool) -> bool:
    """Take an exclusive ``flock`` on ``descriptor`` (waiting for it if ``wait``): whether it is
    held, ``False`` when another writer holds it or the file system has no locks."""
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:  # BlockingIOError: another writer is busy here
        return False
    return True


def _remove_leftovers(folder: Path, job_started: float) -> None:
    """Remove the hidden temporaries in ``folder`` (names ending in one of
    :data:`TEMPORARY_SUFFIXES`) last changed before ``job_started``. Call it only while holding
    ``folder`` alone: their writers are gone then."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if not (entry.name.startswith(".") and entry.name.endswith(TEMPORARY_SUFFIXES)):
            continue
        with contextlib.suppress(OSError):  # gone meanwhile, or not ours to remove: it stays
            if entry.lstat().st_mtime >= job_started:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()


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
