"""The report's sections that say what the run did: exported models, worst origins, run time,
filled inputs, and the default data summary.

Each function returns blocks (:mod:`forecast.evaluation.report_blocks`) or a sentence of
inline Markdown; :func:`forecast.evaluation.report.write_report` puts them together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from forecast.evaluation.markdown_cells import decimals as _decimals
from forecast.evaluation.markdown_cells import escape as _escape
from forecast.evaluation.markdown_cells import format_float as _format_float
from forecast.evaluation.markdown_cells import join as _join
from forecast.evaluation.origin_errors import worst_origins
from forecast.evaluation.plot_support import format_stamp
from forecast.evaluation.report_blocks import (
    Block,
    Bullets,
    Heading,
    Paragraph,
    Table,
    to_markdown,
)
from forecast.evaluation.report_figures import best_model

#: How the "Exported models" table names each kind of fit.
_FIT_NAMES = {"refit": "refit on all the data", "backtest": "backtest fit", "fit": "fit"}


def exported_section(exported: Mapping[str, Mapping[str, Any]]) -> list[Block]:
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


def worst_origins_section(leaderboard, forecasts, unit) -> list[Block]:
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


def run_time_sentence(timings: Mapping[str, float]) -> str:
    """``Run time: 23.1 s (backtest 21.3 s, final fit 1.8 s).``

    Example:
        >>> run_time_sentence({"backtest": 3600 + 125.0, "final fit": 61.0})
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
    return to_markdown([Heading(1, "Exported models"), *exported_section(exported)])


def filled_sentence(filled_inputs: Mapping[str, int]) -> str:
    """What the missing-value policy filled in each model's forecast windows ("" if nothing).

    Example:
        >>> filled_sentence({"lstm": 1234, "naive": 0, "linear": 7})
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


def default_summary(forecasts: pd.DataFrame) -> dict[str, Any]:
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


__all__ = [
    "WORST_ORIGINS",
    "default_summary",
    "exported_markdown",
    "exported_section",
    "filled_sentence",
    "run_time_sentence",
    "worst_origins_section",
]
