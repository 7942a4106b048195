"""The ``forecast`` command line.

Commands:

* ``forecast run CONFIG``: train every model of a YAML config, compare them on the same
  backtest origins, refit the models to export on all the data (``--no-refit``: export the
  backtest fits) and write a run directory (leaderboard, report, exported models);
* ``forecast batch --model DIR --input FILE --output FILE``: forecast every series of a long
  CSV or Parquet file with an exported model, streaming it in chunks;
* ``forecast datasets``: list the bundled datasets with their size and frequency;
* ``forecast windows NAME``: load a bundled dataset (or a CSV/Parquet file), validate it,
  cut it into train / validation / test windows and print what was built.

TensorFlow is never imported here unless a command needs it, so ``forecast --help`` is instant.

Example:
    $ forecast windows electricity_hourly --target y --input-width 168 --horizon 24 \\
          --calendar hour dayofweek

``forecast windows`` takes the library's defaults (:func:`window_defaults`, the same as
:func:`~forecast.make_windows`, the forecasters and a config): ``--calendar auto``, the input
width inferred from the frequency when ``--input-width`` is left out, the ``Split`` fractions,
stride 1 and, for a file, the time column ``ds``.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Sequence

from forecast._version import __version__
from forecast.errors import DataValidationError

#: The exit codes of ``forecast batch``, as its help prints them.
BATCH_EXIT_CODES = """\
exit codes:
  0  every series was forecast
  1  some series failed: the errors file lists them with the reason
  2  bad input, model or arguments (a one-line error; no output is written)"""


#: The exit codes of ``forecast run``, as its help prints them.
RUN_EXIT_CODES = """\
exit codes:
  0  the run is written and every model to export was exported
  1  the run is written, but the final fit of some models failed: they were not
     exported (metrics.json and the report say why) and nothing was published
  2  bad config or data (a one-line error; no run is written)"""


def _build_parser() -> argparse.ArgumentParser:
    """The ``forecast`` parser: one subcommand per command of the module docstring."""
    parser = argparse.ArgumentParser(
        prog="forecast",
        description="Forecast time series with LSTM/GRU models, evaluated against baselines.",
    )
    parser.add_argument("--version", action="version", version=f"forecast {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run_arguments(
        commands.add_parser(
            "run",
            help="train, evaluate, report and export the models of a YAML config",
            description=textwrap.fill(
                "Train every model of a YAML config, backtest them on the same origins, refit "
                "the models to export on all the data (the epoch counts validation chose; "
                "--no-refit exports the backtest fits) and write a run directory: leaderboard, "
                "report, exported models. It appears only when complete.",
                width=79,
                break_on_hyphens=False,
            ),
            epilog=RUN_EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    )
    _add_batch_arguments(
        commands.add_parser(
            "batch",
            help="forecast every series of a long CSV/Parquet file with an exported model",
            description=textwrap.fill(
                "Forecast every series of a long-format file (rows grouped by series, in time "
                "order) with a model written by forecaster.export or forecast run. A series "
                "that cannot be forecast (too short, a timestamp out of time order, a value "
                "that is not a number, ...) goes to the errors file with the reason, and the "
                "job goes on. The forecasts and errors files appear only when the job completes.",
                width=79,
            ),
            epilog=BATCH_EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    )
    commands.add_parser("datasets", help="list the bundled datasets")
    _add_windows_arguments(
        commands.add_parser("windows", help="validate a dataset and show the windows cut from it")
    )
    return parser


def _add_run_arguments(run: argparse.ArgumentParser) -> None:
    """``forecast run CONFIG [--quick] [--no-refit] [--runs-dir DIR] [--quiet]``."""
    run.add_argument("config", help="a YAML experiment config, e.g. configs/electricity.yaml")
    run.add_argument(
        "--quick", action="store_true", help="a smoke run: 1 epoch, little data, 5 origins"
    )
    run.add_argument(
        "--no-refit",
        action="store_true",
        help="export the backtest fits as they are, not refitted on all the data "
        "(as export: {refit: false} in the config)",
    )
    run.add_argument("--runs-dir", default="runs", help="where run directories go (default: runs)")
    run.add_argument("--quiet", action="store_true", help="print only the leaderboard's path")


def _add_batch_arguments(batch: argparse.ArgumentParser) -> None:
    """``forecast batch --model DIR --input FILE --output FILE [options]``."""
    batch.add_argument("--model", required=True, help="an exported SavedModel directory")
    batch.add_argument("--input", required=True, help="a long-format .csv or .parquet file")
    batch.add_argument("--output", required=True, help="the forecasts file (.csv or .parquet)")
    batch.add_argument(
        "--id-col", default="unique_id", help="series id column (default: unique_id)"
    )
    batch.add_argument("--time-col", default="ds", help="time column (default: ds)")
    batch.add_argument(
        "--errors",
        default=None,
        help="where failed series are listed (default: <output stem>.errors.csv)",
    )
    batch.add_argument(
        "--engine",
        choices=("local", "spark"),
        default="local",
        help="local (default): stream the file on this machine; spark: run on a "
        "Spark cluster (pip install 'forecast[spark]'); output is then a Parquet directory",
    )
    batch.add_argument(
        "--spark-master",
        default=None,
        help="Spark master for --engine spark (default: spark-submit's, else local[*])",
    )
    batch.add_argument("--overwrite", action="store_true", help="replace existing Spark output")
    batch.add_argument(
        "--chunk-rows", type=int, default=1_000_000, help="input rows read at a time"
    )
    batch.add_argument("--series-per-batch", type=int, default=2048, help="series per network call")
    batch.add_argument(
        "--future-grid",
        choices=("grid", "observed"),
        default="grid",
        help="grid (default): the forecast steps continue each series' time grid, also into "
        "hours the training data had no values at (a car park's closed hours); observed: "
        "each forecast starts at the next time of day (or week) the training data had values "
        "at (the car park's next opening)",
    )
    batch.add_argument(
        "--future",
        default=None,
        metavar="PATH",
        help="for a model with future covariates: a .csv or .parquet file of their values at "
        "the forecast steps (id, time and future covariate columns); default: the input's "
        "rows after each series' last observed target",
    )
    progress = batch.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="always show a progress bar (default: only on a terminal)",
    )
    progress.add_argument("--no-progress", dest="progress", action="store_false")


def window_defaults() -> dict[str, object]:
    """The defaults ``forecast windows`` shares with the library: the calendar, input width
    (``None``: inferred from the frequency), stride and split fractions of
    :func:`~forecast.make_windows`, :class:`~forecast.WindowSpec`, :class:`~forecast.Split` and
    the forecasters, and the time and id columns of :func:`~forecast.read_csv`.

    Example:
        >>> window_defaults()["calendar"], window_defaults()["time_col"]
        ('auto', 'ds')
    """
    from forecast.data.readers import TIME_COL
    from forecast.features.calendar_features import AUTO_CALENDAR
    from forecast.windowing.spec import Split, WindowSpec

    return {
        "calendar": AUTO_CALENDAR,
        "input_width": None,
        "stride": WindowSpec.__dataclass_fields__["stride"].default,
        "validation": Split().validation,
        "test": Split().test,
        "time_col": TIME_COL,
        "id_col": None,
    }


def _add_windows_arguments(windows: argparse.ArgumentParser) -> None:
    """``forecast windows DATA --target ... --horizon N [--input-width N] [options]``."""
    defaults = window_defaults()
    windows.add_argument("data", help="a bundled dataset name or a CSV/Parquet file")
    windows.add_argument("--target", nargs="+", required=True, help="column(s) to forecast")
    windows.add_argument("--covariates", nargs="*", default=(), help="past-only input columns")
    windows.add_argument(
        "--calendar",
        nargs="*",
        default=defaults["calendar"],
        help="calendar features, e.g. hour dayofweek; auto (default): picked from the "
        "frequency, as the forecasters do; none (or no value): no calendar features",
    )
    windows.add_argument(
        "--input-width",
        type=int,
        default=defaults["input_width"],
        help="past steps per window (default: inferred from the frequency, as the forecasters "
        "do: a week of hourly data, four weeks of daily data, ...)",
    )
    windows.add_argument("--horizon", type=int, required=True)
    windows.add_argument("--stride", type=int, default=defaults["stride"])
    for split in ("validation", "test"):
        windows.add_argument(
            f"--{split}",
            type=float,
            default=defaults[split],
            help=f"fraction (default {defaults[split]})",
        )
    windows.add_argument(
        "--time-col",
        default=defaults["time_col"],
        help=f"time column of a file (default: {defaults['time_col']})",
    )
    windows.add_argument(
        "--id-col", default=defaults["id_col"], help="series id column of a file of many series"
    )
    windows.add_argument(
        "--batch-size", type=int, default=256, help="batch size of the tf.data check"
    )


def _load(args: argparse.Namespace):
    from forecast.data.datasets import list_datasets, load_dataset
    from forecast.data.readers import read_frame

    if args.data in list_datasets():
        return load_dataset(args.data)
    if not os.path.exists(args.data):
        raise DataValidationError(
            f"{args.data!r} is neither a bundled dataset ({', '.join(list_datasets())}) nor a file"
        )
    return read_frame(args.data, time_col=args.time_col, id_col=args.id_col)


def _calendar_argument(values: str | Sequence[str]) -> str | tuple[str, ...]:
    """``--calendar``: ``auto`` (the default), ``none`` or no value, or feature names."""
    if isinstance(values, str):
        return values
    if list(values) == ["auto"]:
        return "auto"
    if list(values) in ([], ["none"]):
        return ()
    if "auto" in values or "none" in values:
        raise ValueError(
            f"--calendar: auto and none stand alone, got {' '.join(values)}; name the "
            "features instead (e.g. --calendar hour dayofweek)"
        )
    return tuple(values)


def _datasets() -> int:
    from forecast.data.datasets import list_datasets, load_dataset
    from forecast.data.layout import describe_layout

    print(f"{'name':<20} {'rows':>8} {'series':>6} {'freq':>10}  columns")
    for name in list_datasets():
        frame = load_dataset(name)
        layout = describe_layout(frame)
        columns = ", ".join(map(str, frame.columns[:6])) + (", ..." if frame.shape[1] > 6 else "")
        print(
            f"{name:<20} {len(frame):>8} {layout.n_series:>6} {layout.freq.freqstr:>10}  {columns}"
        )
    return 0


def _windows(args: argparse.Namespace) -> int:
    import time

    from forecast.data.validated import validate_frame
    from forecast.features.calendar_features import default_input_width
    from forecast.windowing.spec import Split, WindowSpec
    from forecast.windowing.windows import make_windows

    calendar = _calendar_argument(args.calendar)
    frame = _load(args)
    start = time.perf_counter()
    validated = validate_frame(frame, args.target, args.covariates or None)
    freq = validated.layout.freq
    input_width = args.input_width
    if input_width is None:  # as the forecasters infer it
        input_width = default_input_width(freq, args.horizon)
    windows = make_windows(
        validated,
        WindowSpec(input_width, args.horizon, args.stride),
        calendar=calendar,
        split=Split(validation=args.validation, test=args.test),
    )
    built = time.perf_counter() - start
    layout = windows.layout
    print(
        f"data: {args.data}: {layout.n_rows} rows, {layout.n_series} series, freq {layout.freq.freqstr}"
    )
    inferred = " (inferred from the frequency)" if args.input_width is None else ""
    print(f"window: input width {input_width}{inferred}, horizon {args.horizon}")
    print(f"inputs per step ({windows.n_inputs}): {', '.join(windows.input_columns)}")
    print(
        f"targets: {', '.join(windows.target_columns)}; known-future: "
        f"{', '.join(windows.calendar_columns) or 'none'}"
    )
    print(f"windows built in {built:.2f} s (array held once: {windows.values.nbytes / 1e6:.1f} MB)")
    print(windows.summary().to_string())
    print("candidate windows dropped: " + ", ".join(f"{k} {v}" for k, v in windows.dropped.items()))
    inputs, labels = (
        windows.arrays("train")
        if windows.n_windows("train") <= 4
        else next(windows.batches("train", batch_size=4))
    )
    past = inputs["past"] if isinstance(inputs, dict) else inputs
    print(
        f"first training window: inputs {tuple(past.shape[1:])}, labels {tuple(labels.shape[1:])}; "
        f"labels[0] = {labels[0, :, 0].astype(float).round(2).tolist()[:8]}{' ...' if labels.shape[1] > 8 else ''}"
    )
    dataset = windows.dataset("train", batch_size=args.batch_size, seed=0)
    for epoch in (1, 2):  # the first pass also pays TensorFlow's one-time start-up
        start = time.perf_counter()
        n = sum(int(y.shape[0]) for _, y in dataset)
        seconds = time.perf_counter() - start
        print(
            f"tf.data epoch {epoch}: a shuffled pass over {n} training windows in "
            f"{seconds:.2f} s ({n / max(seconds, 1e-9):,.0f} windows/s)"
        )
    return 0


def _run(args: argparse.Namespace) -> int:
    from forecast.app.config import load_config
    from forecast.app.runs import run_experiment

    config = load_config(args.config)
    result = run_experiment(
        config,
        runs_dir=args.runs_dir,
        quick=args.quick,
        verbose=not args.quiet,
        refit=False if args.no_refit else None,
    )
    if args.quiet and result.path is not None:  # a non-chief worker writes no run
        print(result.path)
    if result.export_errors:  # each was said as it failed; the summary comes last
        print(
            f"forecast: error: {len(result.export_errors)} model(s) not exported, their final "
            f"fit failed: {', '.join(result.export_errors)} (see metrics.json, 'exported')",
            file=sys.stderr,
        )
        return 1
    return 0


def _batch(args: argparse.Namespace) -> int:
    from forecast.serving.batch_engine import use_compilation_cache

    use_compilation_cache()  # before TensorFlow starts: a repeated job skips compiling
    if args.engine == "spark":
        return _batch_spark(args)
    import pyarrow as pa

    from forecast.serving.batch_files import forecast_file

    try:
        summary = forecast_file(
            args.model,
            args.input,
            args.output,
            id_col=args.id_col,
            time_col=args.time_col,
            errors_path=args.errors,
            chunk_rows=args.chunk_rows,
            series_per_batch=args.series_per_batch,
            progress=args.progress,
            future_grid=args.future_grid,
            future_path=args.future,
        )
    except (OSError, pa.ArrowException) as exc:  # a file that cannot be read or written
        print(f"forecast: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    print(summary.describe())
    if summary.filled_inputs:
        print(f"{summary.filled_inputs:,} NaN input values filled (the missing-value policy)")
    if summary.unobserved_steps:
        print(_unobserved_note(summary.unobserved_steps, args.future_grid))
    if summary.n_failed:
        print(f"{summary.n_failed:,} series failed; reasons in {summary.errors}", file=sys.stderr)
    return 1 if summary.n_failed else 0


def _unobserved_note(steps: int, future_grid: str) -> str:
    """The line saying that forecast steps fall at times the training data had no values at."""
    note = (
        f"{steps:,} forecast steps fall at times of day (or week) the training data had no "
        "values at (closed hours): the model forecasts them"
    )
    if future_grid == "grid":
        return note + "; --future-grid observed starts each forecast at the next observed time"
    return note + " (a horizon longer than the open hours runs into the closed ones)"


def _one_line(error: BaseException) -> str:
    """An error's message on one line (its first), or its type when it has none."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _batch_spark(args: argparse.Namespace) -> int:
    from forecast.serving.spark import forecast_file_spark

    n_forecast, n_failed = forecast_file_spark(
        args.model,
        args.input,
        args.output,
        id_col=args.id_col,
        time_col=args.time_col,
        errors_path=args.errors,
        series_per_batch=args.series_per_batch,
        master=args.spark_master,
        overwrite=args.overwrite,
        future_grid=args.future_grid,
        future_path=args.future,
    )
    print(f"forecast {n_forecast:,} series with Spark -> {args.output}")
    if n_failed:
        print(
            f"{n_failed:,} series failed; reasons in {args.errors or args.output.rstrip('/') + '.errors'}",
            file=sys.stderr,
        )
    return 1 if n_failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``forecast`` command; returns the exit code."""
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "batch":
            return _batch(args)
        if args.command == "datasets":
            return _datasets()
        if args.command == "windows":
            return _windows(args)
    except (
        DataValidationError,
        ValueError,
        FileNotFoundError,
        FileExistsError,
        ImportError,
    ) as exc:
        print(f"forecast: error: {exc}", file=sys.stderr)
        return 2
    return 1  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
