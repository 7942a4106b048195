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
from forecast.evaluation.origin_errors import worst_origins
from forecast.evaluation.plot_support import format_stamp
from forecast.evaluation.report_blocks import (
    Block,
    Bullets,
    Heading,
    Image,
    Paragraph,
    Table,
    to_markdown,
)
from forecast.evaluation.report_figures import FIGURES_DIR, best_model, write_figures
from forecast.evaluation.report_html import HTML_FILE, to_html
from forecast.evaluation.schema import (
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
) -> list[Block]:
    """The report's content, written as Markdown and as HTML."""
    blocks: list[Block] = [Heading(1, title)]
    blocks += [Heading(2, "Data"), _summary_table(data_summary or _default_summary(forecasts))]
    filled = _filled_sentence(filled_inputs or {})
    if filled:
        blocks.append(Paragraph(filled))
    if timings:
        blocks.append(Paragraph(_run_time_sentence(timings)))
    blocks += [Heading(2, "Leaderboard"), Paragraph(_leaderboard_note(leaderboard, unit))]
    blocks.append(_leaderboard_table(leaderboard))
    sentence = _best_model_sentence(leaderboard, unit)
    if sentence:
        blocks.append(Paragraph(sentence))
    blocks += [Heading(2, "Worst origins"), *_worst_origins_section(leaderboard, forecasts, unit)]
    if exported:
        blocks += [Heading(2, "Exported models"), *_exported_section(exported)]
    blocks.append(Heading(2, "Figures"))
    for heading, file, caption in figures:
        blocks += [Heading(3, heading), Image(file, heading), Paragraph(caption)]
    if settings:
        blocks.append(Heading(2, "Model settings"))
        for name, params in settings.items():
            blocks += [Heading(3, _escape(name)), _settings_table(params)]
    return blocks


#: How the "Exported models" table names each kind of fit.
_FIT_NAMES = {"refit": "refit on all the data", "backtest": "backtest fit", "fit": "fit"}


def _exported_section(exported: Mapping[str, Mapping[str, Any]]) -> list[Block]:
    """The note, the table of what each exported model learned from, and the failed exports."""
    kinds = {record.get("fit") for record in exported.values() if "error" not in record}
    notes = []
    if "refit" in kinds:
        notes.append(
            "Refitted models learned from every row of the data, the test rows included, with "
            "the choices and epoch counts their validated fit made; the leaderboard scores the "
            "backtest fits, trained on the rows before the first origin."
        )
    if "backtest" in kinds:
        notes.append("Backtest fits are exported as the leaderboard scored them.")
    rows, failures = [], []
    for name, record in exported.items():
        if "error" in record:
            rows.append([str(name), "not exported", *["–"] * 6])
            failures.append(
                f"**{_escape(name)}** was not exported: its final fit failed "
                f"({_escape(record['error'])})."
            )
            continue
        rows_text = "–" if record.get("rows") is None else f"{int(record['rows']):,}"
        if record.get("validation_rows"):
            rows_text += f" ({int(record['validation_rows']):,} validating)"
        epochs = record.get("epochs")
        used = record.get("covariates_used")
        rows.append(
            [
                str(name),
                _FIT_NAMES.get(str(record.get("fit")), str(record.get("fit"))),
                f"{record.get('start')} .. {record.get('end')}",
                rows_text,
                "–" if epochs is None else ", ".join(str(int(e)) for e in epochs),
                "–" if record.get("anchor") is None else str(record["anchor"]),
                "–" if record.get("scaling") is None else str(record["scaling"]),
                "–" if used is None else ("yes" if used else "no"),
            ]
        )
    header = ["model", "fit", "trained on", "rows", "epochs", "anchor", "scaling", "covariates"]
    table = Table(
        pd.DataFrame(rows, columns=header), ("left",) * 3 + ("right",) * 2 + ("left",) * 3
    )
    return [
        *([Paragraph(" ".join(notes))] if notes else []),
        table,
        *([Bullets(tuple(failures))] if failures else []),
    ]


#: Rows of the "Worst origins" table.
WORST_ORIGINS = 5


def _worst_origins_section(leaderboard, forecasts, unit) -> list[Block]:
    """The origins where the best model erred most, with every model's MAE there."""
    best = best_model(leaderboard, forecasts)
    table = worst_origins(forecasts, best, WORST_ORIGINS)
    if table.empty:
        return [Paragraph(f"**{_escape(best)}** has no finite MAE at any origin.")]
    stamps = pd.DatetimeIndex(table.index.get_level_values("origin"))
    with_time = not (stamps == stamps.normalize()).all()
    cells = pd.DataFrame({"origin": [format_stamp(o, with_time) for o in stamps]})
    align = ["left"]
    panel = forecasts["series_id"].nunique() > 1
    if panel:
        cells.insert(0, "series", [str(s) for s in table.index.get_level_values("series_id")])
        align.insert(0, "left")
    ranked = [best] + [m for m in leaderboard.index if m in table.columns and m != best]
    table = table[ranked + [m for m in table.columns if m not in ranked]]  # best model first
    digits = _decimals(table.to_numpy(np.float64))
    for model in table.columns:
        cells[str(model)] = [_format_float(v, digits) for v in table[model]]
        align.append("right")
    n_origins = forecasts.loc[forecasts["model"] == best, ["series_id", "origin"]].drop_duplicates()
    where = "series and origins" if panel else "origins"
    text = (
        f"The {len(table)} of {len(n_origins):,} {where} where **{_escape(best)}**, the best "
        f"model, erred most: each model's MAE over the horizon there"
        + (f" (in {unit})" if unit else "")
        + ", worst first."
    )
    return [Paragraph(text), Table(cells, tuple(align))]


def _run_time_sentence(timings: Mapping[str, float]) -> str:
    """``Run time: 23.1 s (backtest 21.3 s, final fit 1.8 s).``

    Example:
        >>> _run_time_sentence({"backtest": 3600 + 125.0, "final fit": 61.0})
        'Run time: 1 h 03 min (backtest 1 h 02 min, final fit 1 min 01 s).'
    """
    total = float(sum(timings.values()))
    parts = ", ".join(f"{_escape(step)} {_duration(s)}" for step, s in timings.items())
    return f"Run time: {_duration(total)}" + (f" ({parts})." if len(timings) > 1 else ".")


def _duration(seconds: float) -> str:
    seconds = max(float(seconds), 0.0)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def exported_markdown(exported: Mapping[str, Mapping[str, Any]]) -> str:
    """What each exported model learned from, as the report's "Exported models" section says
    it (``forecast run`` writes it to ``exported.md`` in the run directory too).

    Args:
        exported: ``{model name: fit record as data}``
            (:meth:`forecast.serving.fit_record.FitRecord.to_dict`), or ``{"error": reason}``.

    Example:
        >>> record = {"fit": "backtest", "start": "2024-01-01 00:00:00",
        ...           "end": "2024-01-20 23:00:00", "rows": 480, "validation_rows": 96}
        >>> print(exported_markdown({"LSTM": record}).splitlines()[-1])
        | LSTM    | backtest fit | 2024-01-01 00:00:00 .. 2024-01-20 23:00:00 | 480 (96 validating) |        – | –        | –         | –            |
    """
    return to_markdown([Heading(1, "Exported models"), *_exported_section(exported)])


def _filled_sentence(filled_inputs: Mapping[str, int]) -> str:
    """What the missing-value policy filled in each model's forecast windows ("" if nothing).

    Example:
        >>> _filled_sentence({"lstm": 1234, "naive": 0, "linear": 7})
        'Missing inputs: the missing-value policy filled NaN input values in the forecast windows: 1,234 for lstm and 7 for linear (a NaN read by several windows counts once in each; labels are never filled).'
    """
    counts = [f"{int(n):,} for {_escape(name)}" for name, n in filled_inputs.items() if n]
    if not counts:
        return ""
    return (
        "Missing inputs: the missing-value policy filled NaN input values in the forecast "
        f"windows: {_join(counts)} (a NaN read by several windows counts once in each; labels "
        "are never filled)."
    )


def _default_summary(forecasts: pd.DataFrame) -> dict[str, Any]:
    origins = forecasts["origin"]
    return {
        "series": int(forecasts["series_id"].nunique()),
        "targets": ", ".join(map(str, pd.unique(forecasts["target"]))),
        "first origin": str(origins.min()),
        "last origin": str(origins.max()),
        "origins": int(origins.nunique()),
        "horizon": int(forecasts["step"].max()),
        "models": ", ".join(map(str, pd.unique(forecasts["model"]))),
    }


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
        header = METRIC_NAMES.get(str(column), str(column))
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


def _leaderboard_note(leaderboard: pd.DataFrame, unit: str | None) -> str:
    columns = [str(c) for c in leaderboard.columns]
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
