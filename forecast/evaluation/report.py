"""A report of a comparison, with its figures, in Markdown and HTML, written atomically.

:func:`write_report` writes a directory holding ``report.md``, ``figures/*.png`` and
``report.html``, the same report as one self-contained page (figures embedded, tables
sortable, nothing fetched from the network: :mod:`forecast.evaluation.report_html`) to open
from the run directory or attach to an email:

* **Data**: what the comparison ran on (a table of ``data_summary``), the run time (when
  ``timings`` is given) and, when the missing-value policy filled any, how many NaN inputs it
  filled for each model's forecasts;
* **Leaderboard**: the metrics of every model and one sentence on the best model's skill over
  the best baseline;
* **Worst origins**: the origins where the best model erred most, with every model's MAE
  there;
* **Intervals** (when the forecasts carry intervals, as ``compare(..., coverage=...)`` makes
  them): coverage against nominal, width, pinball and WQL per model, the fan chart and
  coverage by step (:mod:`forecast.evaluation.report_intervals`);
* **Exported models** (when ``exported`` is given): what each exported model learned from
  (refit on all the data or the backtest fit, first and last timestamp, rows, epochs, anchor,
  scaling, covariates; see :mod:`forecast.serving.fit_record`), and the models whose export
  failed, with the reason;
* **Figures**: forecasts against actuals at the best model's worst, typical and best origins,
  error by horizon step, training curves (neural models) and, for panels, the error across
  series, each captioned from its data (see :mod:`forecast.evaluation.report_figures`);
* **Model settings**: each model's parameters, as the fit resolved them (``season_length``
  24, ``calendar`` ``['hour', 'dayofweek']``, not ``None`` and ``"auto"``).

The report is built in a temporary directory next to its destination and renamed into place
(:func:`forecast._files.atomic_directory`), so a reader never sees a half-written report and a
failure leaves nothing behind; an existing report is replaced only with ``overwrite=True``, and
a directory that is not a report never is. :meth:`forecast.Comparison.report` calls it with
everything :func:`forecast.compare` measured.

Example:
    >>> import shutil, tempfile
    >>> import pandas as pd
    >>> from pathlib import Path
    >>> stamps = pd.date_range("2024-01-01", periods=4, freq="h")
    >>> tidy = pd.DataFrame({"series_id": "series", "target": "y",
    ...                      "origin": stamps[[0, 0, 2, 2]], "timestamp": stamps,
    ...                      "step": [1, 2, 1, 2], "actual": [1.0, 2.0, 3.0, 4.0],
    ...                      "forecast": [1.5, 2.0, 3.0, 3.0], "model": "naive"})
    >>> board = pd.DataFrame({"mae": [0.375], "baseline": [True], "skill": [0.0]},
    ...                      index=pd.Index(["naive"], name="model"))
    >>> folder = Path(tempfile.mkdtemp()) / "report"
    >>> path = write_report(folder, leaderboard=board, forecasts=tidy, unit="kW")
    >>> path.name, sorted(p.name for p in folder.iterdir())
    ('report.md', ['figures', 'report.html', 'report.md'])
    >>> sorted(p.name for p in (folder / "figures").iterdir())
    ['error_by_step.png', 'forecasts.png']
    >>> [line for line in path.read_text().splitlines() if line.startswith("| naive")]
    ['| naive   | 0.3750 | yes        |   0.000 |']
    >>> shutil.rmtree(folder.parent)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast._files import atomic_directory
from forecast.evaluation.markdown_cells import (
    decimals as _decimals,
)
from forecast.evaluation.markdown_cells import (
    escape as _escape,
)
from forecast.evaluation.markdown_cells import (
    format_float as _format_float,
)
from forecast.evaluation.markdown_cells import (
    format_value as _format_value,
)
from forecast.evaluation.markdown_cells import (
    join as _join,
)
from forecast.evaluation.markdown_cells import (
    percent as _percent,
)
from forecast.evaluation.report_blocks import (
    Block,
    Heading,
    Image,
    Paragraph,
    Table,
    to_markdown,
)
from forecast.evaluation.report_figures import FIGURES_DIR, write_figures
from forecast.evaluation.report_html import HTML_FILE, to_html
from forecast.evaluation.report_intervals import interval_section
from forecast.evaluation.report_sections import (
    default_summary,
    exported_markdown,
    exported_section,
    filled_sentence,
    run_time_sentence,
    worst_origins_section,
)
from forecast.evaluation.schema import (
    INTERVAL_METRICS,
    METRIC_NAMES,
    METRICS_WITH_UNITS,
    PERCENT_METRICS,
    check_forecasts,
)

#: The file name of the Markdown report inside its directory.
REPORT_FILE = "report.md"


def write_report(
    path: str | os.PathLike,
    *,
    leaderboard: pd.DataFrame,
    forecasts: pd.DataFrame,
    history: pd.DataFrame | None = None,
    data_summary: Mapping[str, Any] | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    histories: Mapping[str, Mapping[str, Any]] | None = None,
    filled_inputs: Mapping[str, int] | None = None,
    title: str = "Forecast comparison",
    unit: str | None = None,
    overwrite: bool = False,
    exported: Mapping[str, Mapping[str, Any]] | None = None,
    timings: Mapping[str, float] | None = None,
) -> Path:
    """Write a Markdown report with PNG figures, and the same report as one HTML page
    (``report.html``), into the directory ``path``, atomically.

    Args:
        path: the report directory to create (``report.md`` and ``figures/`` go inside).
        leaderboard: the ranked metrics, indexed by model (as returned by
            :func:`forecast.compare`): metric columns, and optionally ``n``, ``baseline``,
            ``skill``, ``fit_seconds``, ...
        forecasts: the tidy forecast frame the leaderboard was computed from.
        history: the data the forecasts were made from, for the input windows of the
            forecast figure.
        data_summary: ``{item: value}`` describing the data (dataset, range, frequency,
            series, training rows, origins, ...); default a summary of ``forecasts``.
        settings: ``{model name: {parameter: value}}``; one table per model.
        histories: ``{model name: Keras history dict}``; the training figure is drawn when
            one is given.
        filled_inputs: ``{model name: NaN input values filled in its forecast windows}``;
            the Data section says so when one is not zero.
        title: the report's title.
        unit: the unit of the target (``"kW"``), for the figures and the leaderboard note.
        overwrite: replace an existing report at ``path``. Only a directory holding a
            ``report.md`` (or an empty one) is ever replaced.
        exported: ``{model name: fit record as data}``
            (:meth:`forecast.serving.fit_record.FitRecord.to_dict`), or ``{"error": reason}``
            for a model whose export failed: the "Exported models" table.
        timings: ``{step: seconds}`` of the job that made the report (``{"backtest": 21.3,
            "final fit": 1.8}``): the run time, said under the data summary.

    Returns:
        The path of ``report.md``.

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is false.
        ValueError: an empty leaderboard, a bad forecast frame (see
            :func:`forecast.evaluation.schema.check_forecasts`), or
            ``overwrite=True`` on something that is not a report directory.

    Example:
        See the module docstring; with a comparison::

            comparison = forecast.compare(models, frame, details=True)
            comparison.report("reports/electricity", unit="kW", overwrite=True)
    """
    destination = Path(path).absolute()
    if not destination.name or destination.name in (".", ".."):
        raise ValueError(f"the report path must name a directory to create, got {str(path)!r}")
    _check_leaderboard(leaderboard)
    check_forecasts(forecasts)
    _check_destination(destination, overwrite)

    with atomic_directory(destination, replace=overwrite) as building:
        figures = write_figures(
            building / FIGURES_DIR,
            forecasts=forecasts,
            leaderboard=leaderboard,
            history=history,
            histories=histories,
            settings=settings,
            unit=unit,
        )
        intervals = interval_section(
            building / FIGURES_DIR,
            forecasts=forecasts,
            leaderboard=leaderboard,
            history=history,
            settings=settings,
            unit=unit,
        )
        blocks = _blocks(
            title=title,
            leaderboard=leaderboard,
            forecasts=forecasts,
            data_summary=data_summary,
            settings=settings,
            figures=figures,
            unit=unit,
            exported=exported,
            filled_inputs=filled_inputs,
            timings=timings,
            intervals=intervals,
        )
        (building / REPORT_FILE).write_text(to_markdown(blocks), encoding="utf-8")
        page = to_html(blocks, title=title, folder=building)
        (building / HTML_FILE).write_text(page, encoding="utf-8")
        # again: something may have been written at the destination while the report was built
        _check_destination(destination, overwrite)
    return Path(path) / REPORT_FILE


# ---------------------------------------------------------------------- checks


def _check_leaderboard(leaderboard) -> None:
    if not isinstance(leaderboard, pd.DataFrame):
        raise TypeError(f"leaderboard must be a DataFrame, got {type(leaderboard).__name__}")
    if leaderboard.empty:
        raise ValueError("the leaderboard is empty: nothing to report")


def _check_destination(destination: Path, overwrite: bool) -> None:
    if not (destination.exists() or destination.is_symlink()):
        return
    if not overwrite:
        raise FileExistsError(
            f"{destination} already exists; pass overwrite=True to replace it with the new report"
        )
    if destination.is_symlink() or not destination.is_dir():
        raise ValueError(f"{destination} exists and is not a report directory; not replacing it")
    if (destination / REPORT_FILE).is_file() or not any(destination.iterdir()):
        return
    raise ValueError(
        f"{destination} is a directory without a {REPORT_FILE}: not a report, so overwrite=True "
        "will not delete it; choose another path"
    )


# ---------------------------------------------------------------------- Markdown


def _blocks(
    *,
    title,
    leaderboard,
    forecasts,
    data_summary,
    settings,
    figures,
    unit,
    exported=None,
    filled_inputs=None,
    timings=None,
    intervals=(),
) -> list[Block]:
    """The report's content, written as Markdown and as HTML."""
    blocks: list[Block] = [Heading(1, title)]
    blocks += [Heading(2, "Data"), _summary_table(data_summary or default_summary(forecasts))]
    filled = filled_sentence(filled_inputs or {})
    if filled:
        blocks.append(Paragraph(filled))
    if timings:
        blocks.append(Paragraph(run_time_sentence(timings)))
    blocks += [Heading(2, "Leaderboard"), Paragraph(_leaderboard_note(leaderboard, unit))]
    blocks.append(_leaderboard_table(leaderboard))
    sentence = _best_model_sentence(leaderboard, unit)
    if sentence:
        blocks.append(Paragraph(sentence))
    blocks += [Heading(2, "Worst origins"), *worst_origins_section(leaderboard, forecasts, unit)]
    blocks += list(intervals)
    if exported:
        blocks += [Heading(2, "Exported models"), *exported_section(exported)]
    blocks.append(Heading(2, "Figures"))
    for heading, file, caption in figures:
        blocks += [Heading(3, heading), Image(file, heading), Paragraph(caption)]
    if settings:
        blocks.append(Heading(2, "Model settings"))
        for name, params in settings.items():
            blocks += [Heading(3, _escape(name)), _settings_table(params)]
    return blocks


def _summary_table(summary: Mapping[str, Any]) -> Table:
    rows = pd.DataFrame(
        {"item": [str(k) for k in summary], "value": [_format_value(v) for v in summary.values()]}
    )
    return Table(rows, ("left", "left"))


def _settings_table(params) -> Block:
    if not isinstance(params, Mapping) or not params:
        return Paragraph("_no parameters recorded_")
    rows = pd.DataFrame(
        {
            "parameter": [str(k) for k in params],
            "value": [_format_value(v, False) for v in params.values()],
        }
    )
    return Table(rows, ("left", "left"))


def leaderboard_markdown(leaderboard: pd.DataFrame, unit: str | None = None) -> str:
    """The leaderboard as the report shows it: a note on the metrics' units, then the table
    with floats rounded to about four significant digits, counts with thousands separators and
    ``yes``/``no`` for flags (``forecast run`` writes it to ``leaderboard.md``).

    Args:
        leaderboard: the ranked metrics, indexed by model (as :func:`forecast.compare`
            returns them).
        unit: the unit of the target, for the note.

    Returns:
        Markdown text ending in a newline.

    Example:
        >>> board = pd.DataFrame({"mae": [0.009418, 0.0125], "baseline": [False, True]},
        ...                      index=pd.Index(["LSTM", "naive"], name="model"))
        >>> print(leaderboard_markdown(board, unit="kW"))
        Lower errors are better. MAE is in kW.
        <BLANKLINE>
        | model   |    MAE | baseline   |
        |:--------|-------:|:-----------|
        | LSTM    | 0.0094 | no         |
        | naive   | 0.0125 | yes        |
        <BLANKLINE>
    """
    _check_leaderboard(leaderboard)
    return to_markdown(
        [Paragraph(_leaderboard_note(leaderboard, unit)), _leaderboard_table(leaderboard)]
    )


def _leaderboard_table(leaderboard: pd.DataFrame) -> Table:
    """The leaderboard with each float column rounded to about four significant digits."""
    table = pd.DataFrame({leaderboard.index.name or "model": [str(i) for i in leaderboard.index]})
    align = ["left"]
    for column in leaderboard.columns:
        values = leaderboard[column]
        header = _header(str(column))
        if pd.api.types.is_bool_dtype(values):
            table[header] = ["yes" if v else "no" for v in values]
            align.append("left")
        elif pd.api.types.is_integer_dtype(values):
            table[header] = [f"{int(v):,}" for v in values]
            align.append("right")
        elif pd.api.types.is_float_dtype(values):
            decimals = 3 if column == "skill" else _decimals(values.astype(np.float64))
            table[header] = [_format_float(v, decimals) for v in values]
            align.append("right")
        else:
            table[header] = [_format_value(v) for v in values]
            align.append("left")
    return Table(table, tuple(align))


def _header(column: str) -> str:
    """A leaderboard column as the report shows it: ``MAE``, ``Coverage 80%``, ``skill``."""
    metric, _, level = column.partition("_")
    if metric in INTERVAL_METRICS and level:
        return f"{METRIC_NAMES[metric]} {level}%"
    return METRIC_NAMES.get(column, column)


def _leaderboard_note(leaderboard: pd.DataFrame, unit: str | None) -> str:
    columns = [str(c) for c in leaderboard.columns]
    columns += [c.partition("_")[0] for c in columns if c.partition("_")[0] in INTERVAL_METRICS]
    notes = []
    in_units = [METRIC_NAMES[c] for c in METRICS_WITH_UNITS if c in columns]
    if in_units and unit:
        notes.append(f"{_join(in_units)} {'are' if len(in_units) > 1 else 'is'} in {unit}")
    percent = [METRIC_NAMES[c] for c in PERCENT_METRICS if c in columns]
    if percent:
        notes.append(f"{_join(percent)} in percent")
    if "mase" in columns:
        notes.append(f"{METRIC_NAMES['mase']} relative to the in-sample seasonal-naive MAE")
    if "bias" in columns:
        notes.append(f"{METRIC_NAMES['bias']} is forecast minus actual")
    if "coverage" in columns:
        notes.append(
            f"{METRIC_NAMES['coverage']} is the share of actuals inside each central interval "
            "(closest to its nominal level is best)"
        )
    if "skill" in columns:
        notes.append("skill is 1 - MAE / MAE of the best baseline (above 0 beats every baseline)")
    text = "Lower errors are better."
    if notes:
        rest = "; ".join(notes)
        text += " " + rest[0].upper() + rest[1:] + "."
    return text


def _best_model_sentence(leaderboard: pd.DataFrame, unit: str | None) -> str:
    if "mae" not in leaderboard.columns or leaderboard["mae"].isna().all():
        return f"Best model: **{_escape(leaderboard.index[0])}** (first in the leaderboard)."
    mae = leaderboard["mae"].astype(np.float64)
    decimals = _decimals(mae.to_numpy())
    suffix = f" {unit}" if unit else ""

    def described(name) -> str:
        return f"**{_escape(name)}** (MAE {_format_float(mae[name], decimals)}{suffix})"

    best = mae.idxmin()
    if "baseline" not in leaderboard.columns or not leaderboard["baseline"].astype(bool).any():
        return f"Best model: {described(best)}; there is no baseline to measure its skill against."
    baselines = leaderboard["baseline"].astype(bool)
    best_baseline = mae[baselines].idxmin()
    if baselines[best]:
        others = mae[~baselines]
        if others.notna().any():
            challenger = others.idxmin()
            skill = 1.0 - mae[challenger] / mae[best_baseline]
            return (
                f"Best model: the baseline {described(best)}: no other model beats it. The best "
                f"non-baseline model, {described(challenger)}, has skill {skill:.3f} "
                f"({_percent(-skill)} higher MAE)."
            )
        return f"Best model: the baseline {described(best)}."
    skill = 1.0 - mae[best] / mae[best_baseline]
    return (
        f"Best model: {described(best)}, with skill {skill:.3f} over the best baseline "
        f"{described(best_baseline)}: {_percent(skill)} lower MAE."
    )


__all__ = [
    "FIGURES_DIR",
    "HTML_FILE",
    "REPORT_FILE",
    "exported_markdown",
    "leaderboard_markdown",
    "write_report",
]
