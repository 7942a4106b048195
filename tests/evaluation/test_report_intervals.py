"""The report's "Intervals" section: present only with intervals, in report.md and report.html."""

from __future__ import annotations

import re

import pandas as pd
from test_interval_plots import covered_rows
from test_plots import PNG_MAGIC, synthetic_forecasts, synthetic_history
from test_report import cell_row, leaderboard_of, links

from forecast.evaluation.report import write_report
from forecast.evaluation.report_intervals import has_intervals


def probabilistic_board(tidy: pd.DataFrame) -> pd.DataFrame:
    board = leaderboard_of(tidy)
    board["intervals"] = ["quantile" if m == "good" else "conformal" for m in board.index]
    return board


def test_the_intervals_section_holds_the_scores_and_figures(tmp_path):
    tidy = covered_rows(synthetic_forecasts(nan_actual=False))
    # bad's quantiles miss by more at steps 4-6 (outside either way): a higher WQL
    later = (tidy["model"] == "bad") & (tidy["step"] >= 4)
    tidy.loc[later, [c for c in tidy.columns if c.startswith("q")]] += 5.0
    path = write_report(
        tmp_path / "report",
        leaderboard=probabilistic_board(tidy),
        forecasts=tidy,
        history=synthetic_history(),
        settings={"good": {"input_width": 12}, "bad": {"model__input_width": 8}},
        unit="kW",
    )
    text = path.read_text()
    assert "## Intervals" in text
    section = text[text.index("## Intervals") :]
    section = section[: section.index("\n## ", 3)]  # up to the next section
    assert text.index("## Worst origins") < text.index("## Intervals") < text.index("## Figures")
    assert "nominal coverage 50%, 80%, 95%" in section
    header = cell_row(section, "model")
    assert header == [
        "model",
        "intervals",
        "Pinball (kW)",
        "WQL",
        "coverage 50%",
        "width 50% (kW)",
        "coverage 80%",
        "width 80% (kW)",
        "coverage 95%",
        "width 95% (kW)",
    ]
    # steps 1-2 of 6 inside every band, step 3 inside the 80% and 95% bands only
    good = cell_row(section, "good")
    assert good[1] == "quantile"
    assert good[4:] == ["33.3%", "1.000", "50.0%", "2.000", "50.0%", "4.000"]
    assert cell_row(section, "bad")[1] == "conformal"
    off = "under-covers its 50% (33.3%), 80% (50.0%) and 95% (50.0%) intervals"
    assert f"Not within 5 points of nominal: **good** {off}; **bad** {off}." in section
    assert links(section) == ["figures/intervals.png", "figures/coverage_by_step.png"]
    for name in ("intervals.png", "coverage_by_step.png"):
        assert (path.parent / "figures" / name).read_bytes()[:8] == PNG_MAGIC
    # the fan chart's caption counts the actuals inside each band at the origins it shows
    assert "Of the actuals shown, 6 of 18 inside the 50% band" in section
    assert "**good**, the model with the lowest WQL" in section
    assert "For **good**: 50%: 100.0% at step 1, 0.0% at step 6" in section
    page = (path.parent / "report.html").read_text()
    assert "<h2>Intervals</h2>" in page
    assert re.search(r"<td[^>]*>33\.3%</td>", page)
    assert page.count("<img") == len(links(text))


def test_no_intervals_section_without_intervals(tmp_path):
    tidy = synthetic_forecasts(nan_actual=False)
    assert not has_intervals(tidy)
    path = write_report(tmp_path / "report", leaderboard=leaderboard_of(tidy), forecasts=tidy)
    assert "Intervals" not in path.read_text()
    nan_quantiles = tidy.assign(**{"q0.1": float("nan"), "q0.9": float("nan")})
    assert not has_intervals(nan_quantiles)
    assert has_intervals(covered_rows(tidy))


def test_the_leaderboard_names_interval_columns_by_their_coverage():
    from forecast.evaluation.report import leaderboard_markdown

    board = pd.DataFrame(
        {"mae": [1.5], "coverage_80": [0.8125], "width_80": [12.5], "intervals": ["conformal"]},
        index=pd.Index(["naive"], name="model"),
    )
    text = leaderboard_markdown(board, unit="kW")
    assert cell_row(text, "model") == ["model", "MAE", "Coverage 80%", "Width 80%", "intervals"]
    assert "MAE and Width are in kW" in text
    assert "Coverage is the share of actuals inside each central interval" in text


def test_the_calibration_sentence_names_the_models_off_nominal():
    from forecast.evaluation.report_intervals import _calibration

    scores = pd.DataFrame(
        {"coverage_80": [0.82, 0.99], "coverage_95": [0.93, 0.88]}, index=["a", "b"]
    )
    assert _calibration(scores) == (
        "Not within 5 points of nominal: **b** under-covers its 95% (88.0%) interval; "
        "**b** over-covers its 80% (99.0%) interval."
    )
    assert _calibration(scores.loc[["a"]]) == (
        "Every interval covers within 5 points of its nominal level."
    )
