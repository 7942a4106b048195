"""The Markdown report: its numbers, its figures, and that it is written atomically."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from test_plots import PNG_MAGIC, synthetic_forecasts, synthetic_history

from forecast.evaluation import plots, report
from forecast.evaluation.metrics import score_forecasts
from forecast.evaluation.report import write_report

HISTORIES = {"good": {"loss": [3.0, 2.0, 1.5], "val_loss": [3.2, 2.1, 2.4]}}
SETTINGS = {
    "good": {
        "class": "LSTMForecaster",
        "units": (64, 32),
        "learning_rate": 0.001,
        "dropout": 0.0,
        "epochs": 50000,
        "target": "y",
    },
    "bad": {"class": "Naive", "input_width": 12, "horizon": 6},
}
SUMMARY = {
    "dataset": "synthetic",
    "range": "2024-03-01 to 2024-03-02 23:00",
    "frequency": "h",
    "series": 3,
    "training rows": 72,
    "origins": 4,
    "forecast windows": 12,
}


def leaderboard_of(tidy: pd.DataFrame) -> pd.DataFrame:
    """A leaderboard as forecast.compare builds it: bad is the baseline."""
    board = score_forecasts(tidy, ["mae", "rmse", "smape", "bias"], by="model")
    board["baseline"] = board.index == "bad"
    board["skill"] = 1.0 - board["mae"] / board.loc["bad", "mae"]
    board["fit_seconds"] = [0.25 if m == "good" else 0.001 for m in board.index]
    return board.sort_values("mae")


@pytest.fixture
def tidy() -> pd.DataFrame:
    return synthetic_forecasts()


def links(text: str) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)


def cell_row(text: str, model: str) -> list[str]:
    (line,) = [line for line in text.splitlines() if re.match(rf"\|\s*{model}\s*\|", line)]
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_report_of_a_panel_holds_the_numbers_and_every_figure(tmp_path, tidy):
    board = leaderboard_of(tidy)
    path = write_report(
        tmp_path / "run1",
        leaderboard=board,
        forecasts=tidy,
        history=synthetic_history(),
        data_summary=SUMMARY,
        settings=SETTINGS,
        histories=HISTORIES,
        title="Synthetic comparison",
        unit="kW",
    )
    assert path == tmp_path / "run1" / "report.md"
    text = path.read_text()
    assert text.startswith("# Synthetic comparison\n")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Data", "## Leaderboard", "## Worst origins", "## Figures", "## Model settings"
    ]  # fmt: skip
    # data summary as a table
    assert cell_row(text, "dataset") == ["dataset", "synthetic"]
    assert cell_row(text, "training rows") == ["training rows", "72"]
    # the leaderboard: good MAE = (24 * 0.5 + 24 * 1 + 23 * 1.5) / 71; bad: the mean step
    good_mae, bad_mae = 70.5 / 71, (2 * 4 * 21 + 3 * 21 + 15) / 71
    assert board.loc["good", "mae"] == pytest.approx(good_mae)
    assert board.loc["bad", "mae"] == pytest.approx(bad_mae)
    header = [
        cell.strip() for cell in text.split("| model")[1].splitlines()[0].strip(" |").split("|")
    ]
    assert header == ["MAE", "RMSE", "sMAPE", "Bias", "n", "baseline", "skill", "fit_seconds"]
    good, bad = cell_row(text, "good"), cell_row(text, "bad")
    assert good[1] == f"{good_mae:.3f}" == "0.993" and bad[1] == f"{bad_mae:.3f}" == "3.465"
    assert good[5:8] == ["71", "no", f"{1 - good_mae / bad_mae:.3f}"]
    assert bad[5:8] == ["71", "yes", "0.000"]
    assert bad[4] == f"{-bad_mae:.3f}"  # bias: bad is too low by the step
    # ranked best first, and the sentence on the best model
    assert text.index("| good") < text.index("| bad")
    skill = 1 - good_mae / bad_mae
    assert (
        f"Best model: **good** (MAE 0.993 kW), with skill {skill:.3f} over the best baseline **bad**"
        in text
    )
    assert f"{100 * skill:.1f}% lower MAE" in text
    assert "MAE, RMSE and Bias are in kW" in text
    assert "Bias is forecast minus actual" in text
    # four figures, every link a real PNG inside the report
    assert links(text) == [
        "figures/forecasts.png",
        "figures/error_by_step.png",
        "figures/training_history.png",
        "figures/series_errors.png",
    ]
    for link in links(text):
        assert (path.parent / link).read_bytes()[:8] == PNG_MAGIC
    assert sorted(p.name for p in (path.parent / "figures").iterdir()) == sorted(
        link.split("/")[1] for link in links(text)
    )
    # model settings, one table per model
    settings = text.split("## Model settings")[1]
    assert "### good" in settings and "### bad" in settings
    assert cell_row(settings, "units") == ["units", "(64, 32)"]
    assert cell_row(settings, "learning_rate") == ["learning_rate", "0.001"]
    assert cell_row(settings, "dropout") == ["dropout", "0.0"]  # as typed, not "0"
    assert cell_row(settings, "epochs") == ["epochs", "50000"]
    assert cell_row(settings, "input_width") == ["input_width", "12"]
    # nothing but the report in the parent directory
    assert [p.name for p in tmp_path.iterdir()] == ["run1"]


def test_report_of_one_series_without_histories(tmp_path):
    tidy = synthetic_forecasts(series=("series",), nan_actual=False)
    history = synthetic_history(("series",)).loc["series"]
    path = write_report(
        tmp_path / "single", leaderboard=leaderboard_of(tidy), forecasts=tidy, history=history
    )
    text = path.read_text()
    assert text.startswith("# Forecast comparison\n")
    assert links(text) == ["figures/forecasts.png", "figures/error_by_step.png"]
    assert sorted(p.name for p in (path.parent / "figures").iterdir()) == [
        "error_by_step.png",
        "forecasts.png",
    ]
    assert "## Model settings" not in text
    # without a data summary, one from the forecasts
    assert cell_row(text, "origins") == ["origins", "4"]
    assert cell_row(text, "horizon") == ["horizon", "6"]
    assert cell_row(text, "good")[1] == "0.500"


def test_worst_origins_table_and_run_time(tmp_path, tidy):
    text = write_report(
        tmp_path / "rep",
        leaderboard=leaderboard_of(tidy),
        forecasts=tidy,
        unit="kW",
        timings={"backtest": 75.4, "final fit": 2.0},
    ).read_text()
    data = text.split("## Data")[1].split("## Leaderboard")[0]
    assert "Run time: 1 min 17 s (backtest 1 min 15 s, final fit 2.0 s)." in data
    section = text.split("## Worst origins")[1].split("## Figures")[0]
    assert (
        "The 5 of 12 series and origins where **good**, the best model, erred most: each "
        "model's MAE over the horizon there (in kW), worst first." in section
    )
    rows = [
        [c.strip() for c in line.strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ")
    ]
    assert rows[0] == ["series", "origin", "good", "bad"]
    # good errs by 0.5, 1.0, 1.5 on a, b, c: c's four origins, then b's first; bad's MAE is
    # the mean step 3.5, but 3.0 at c's last origin (its sixth actual is NaN)
    assert rows[1:] == [
        ["c", "2024-03-02 00:00 (Sat)", "1.500", "3.500"],
        ["c", "2024-03-02 06:00 (Sat)", "1.500", "3.500"],
        ["c", "2024-03-02 12:00 (Sat)", "1.500", "3.500"],
        ["c", "2024-03-02 18:00 (Sat)", "1.500", "3.000"],
        ["b", "2024-03-02 00:00 (Sat)", "1.000", "3.500"],
    ]


def captured_figures(monkeypatch) -> dict:
    """The figures the report saves, by file name."""
    saved = {}
    save = plots.save_figure

    def keep(figure, path, dpi=110):
        saved[path.name] = figure
        return save(Figure((1, 1)), path, dpi=10)

    monkeypatch.setattr(plots, "save_figure", keep)
    return saved


def test_forecast_figure_shows_the_best_models_worst_typical_and_best_origins(
    tmp_path, monkeypatch
):
    """One series; good's error grows with the origin, so its worst origin is the last."""
    tidy = synthetic_forecasts(series=("s",), nan_actual=False)
    origins = sorted(tidy["origin"].unique())
    growth = tidy["origin"].map({o: float(i) for i, o in enumerate(origins)})
    good = tidy["model"] == "good"
    tidy.loc[good, "forecast"] += growth[good]  # good: 0.5, 1.5, 2.5, 3.5 at the origins
    history = synthetic_history(("s",)).loc["s"]
    saved = captured_figures(monkeypatch)
    text = write_report(
        tmp_path / "rep",
        leaderboard=leaderboard_of(tidy),
        forecasts=tidy,
        history=history,
        settings={"good": {"input_width": 20}, "bad": {"input_width": 8}},
        unit="kW",
    ).read_text()
    figure = saved["forecasts.png"]
    titles = [axes.get_title() for axes in figure.axes if axes.get_visible()]
    assert titles == [
        "worst for good (MAE 3.500 kW): origin 2024-03-02 18:00 (Sat)",
        "typical (median) for good (MAE 1.500 kW): origin 2024-03-02 06:00 (Sat)",
        "best for good (MAE 0.500 kW): origin 2024-03-02 00:00 (Sat)",
    ]
    # the input window is good's own 20 rows (joined to the first actual), not twice the horizon
    windows = [line for line in figure.axes[0].lines if line.get_label() == "input window"]
    assert len(windows[0].get_ydata()) == 20 + 1
    caption = text.split("![Forecasts against actuals](figures/forecasts.png)")[1].split("###")[0]
    assert (
        "ranked by its MAE at each of its 4 origins: worst 2024-03-02 18:00 (Sat) with" in caption
    )
    assert "the input window the model reads (20 steps)" in caption


def test_error_by_step_caption_is_written_from_the_data(tmp_path, monkeypatch):
    saved = captured_figures(monkeypatch)
    tidy = synthetic_forecasts(nan_actual=False)
    far = tidy.loc[tidy["model"] == "bad"].assign(
        model="far", forecast=lambda f: f["actual"] + 50.0
    )
    frame = pd.concat([tidy, far], ignore_index=True)
    board = score_forecasts(frame, ["mae"], by="model").sort_values("mae")
    text = write_report(tmp_path / "rep", leaderboard=board, forecasts=frame, unit="kW")
    caption = text.read_text().split("(figures/error_by_step.png)")[1].split("###")[0]
    # good's error is the same at every step; bad's grows with it; far is 50x off
    assert "For **good**, the best model, the error is the same at every step (" in caption
    assert "It grows with the step for 1 of the 2 models drawn (bad)." in caption
    assert "Not drawn (an MAE over 4 times the best model's): far (MAE 50.00 kW)." in caption
    axes = saved["error_by_step.png"].axes[0]
    assert [line.get_label() for line in axes.lines] == ["good", "bad"]
    assert axes.get_yscale() == "linear"
    assert axes.get_ylim()[1] == pytest.approx(1.08 * 6.0)  # bad's step 6, not far's 50


def test_training_curves_of_one_epoch_and_their_loss_unit(tmp_path, tidy, monkeypatch):
    saved = captured_figures(monkeypatch)
    settings = {
        "good": {"loss": "mae", "scaling": "standard", "target": "y", "best_epochs": [0]},
        "bad": {"input_width": 12},
    }
    text = write_report(
        tmp_path / "rep",
        leaderboard=leaderboard_of(tidy),
        forecasts=tidy,
        histories={"good": {"loss": [0.07], "val_loss": [0.05]}},
        settings=settings,
    ).read_text()
    axes = saved["training_history.png"].axes[0]
    assert axes.get_ylabel() == "MAE loss (y in training standard deviations)"
    assert [line.get_marker() for line in axes.lines] == ["o", "o"]  # one point each, visible
    assert [line.get_ydata().tolist() for line in axes.lines] == [[0.07], [0.05]]
    assert axes.get_xlim() == (0.5, 1.5)
    caption = text.split("(figures/training_history.png)")[1].split("##")[0]
    assert "as MAE loss (y in training standard deviations)" in caption
    assert "good trained 1 epoch and kept its anchor alone" in caption


def test_best_model_sentences(tidy):
    board = leaderboard_of(tidy)
    no_baseline = board.drop(columns=["baseline", "skill"])
    assert report._best_model_sentence(no_baseline, None) == (
        "Best model: **good** (MAE 0.993); there is no baseline to measure its skill against."
    )
    both_baselines = board.assign(baseline=True)
    assert (
        report._best_model_sentence(both_baselines, "kW")
        == "Best model: the baseline **good** (MAE 0.993 kW)."
    )
    flipped = board.assign(baseline=board.index == "good")
    sentence = report._best_model_sentence(flipped, None)
    assert (
        "no other model beats it" in sentence and "The best non-baseline model, **bad**" in sentence
    )
    assert f"skill {1 - board.loc['bad', 'mae'] / board.loc['good', 'mae']:.3f}" in sentence


@pytest.fixture
def small_figures(monkeypatch):
    """Tiny blank PNGs instead of the drawn figures, for the tests about files, not pictures."""
    save = plots.save_figure
    monkeypatch.setattr(
        plots, "save_figure", lambda figure, path, dpi=110: save(Figure((1, 1)), path, dpi=10)
    )


def test_existing_report_is_kept_without_overwrite(tmp_path, tidy, small_figures):
    board = leaderboard_of(tidy)
    first = write_report(tmp_path / "rep", leaderboard=board, forecasts=tidy, title="First")
    before = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_report(tmp_path / "rep", leaderboard=board, forecasts=tidy, title="Second")
    after = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before
    assert first.read_text().startswith("# First\n")
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]


def test_overwrite_replaces_the_whole_report(tmp_path, tidy, small_figures):
    board = leaderboard_of(tidy)
    write_report(
        tmp_path / "rep", leaderboard=board, forecasts=tidy, histories=HISTORIES, title="First"
    )
    assert (tmp_path / "rep" / "figures" / "training_history.png").exists()
    path = write_report(
        tmp_path / "rep", leaderboard=board, forecasts=tidy, title="Second", overwrite=True
    )
    assert path.read_text().startswith("# Second\n")
    # the old report's files are gone with it, not merged into the new one
    assert not (tmp_path / "rep" / "figures" / "training_history.png").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]


def test_a_failure_leaves_no_trace(tmp_path, tidy, small_figures, monkeypatch):
    board = leaderboard_of(tidy)
    with pytest.raises(ValueError, match="no column"):
        write_report(tmp_path / "rep", leaderboard=board, forecasts=tidy.drop(columns="step"))
    assert list(tmp_path.iterdir()) == []
    write_report(tmp_path / "rep", leaderboard=board, forecasts=tidy, title="Old")

    def broken(*args, **kwargs):
        raise RuntimeError("plotting failed half way")

    monkeypatch.setattr(plots, "plot_series_errors", broken)
    with pytest.raises(RuntimeError, match="half way"):
        write_report(
            tmp_path / "rep", leaderboard=board, forecasts=tidy, title="New", overwrite=True
        )
    assert (tmp_path / "rep" / "report.md").read_text().startswith("# Old\n")
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]  # no temporary directory left


def test_overwrite_never_deletes_something_that_is_not_a_report(tmp_path, tidy):
    precious = tmp_path / "data"
    precious.mkdir()
    (precious / "keep.csv").write_text("1,2,3")
    with pytest.raises(ValueError, match="not a report"):
        write_report(precious, leaderboard=leaderboard_of(tidy), forecasts=tidy, overwrite=True)
    assert (precious / "keep.csv").read_text() == "1,2,3"
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


@pytest.mark.parametrize(
    ("overwrite", "error", "message"),
    [(False, FileExistsError, "already exists"), (True, ValueError, "not a report")],
)
def test_a_directory_written_there_meanwhile_is_kept(
    tmp_path, tidy, small_figures, monkeypatch, overwrite, error, message
):
    blocks = report._blocks

    def while_building(**kwargs):
        (tmp_path / "rep").mkdir()
        (tmp_path / "rep" / "keep.csv").write_text("1,2,3")
        return blocks(**kwargs)

    monkeypatch.setattr(report, "_blocks", while_building)
    with pytest.raises(error, match=message):
        write_report(
            tmp_path / "rep", leaderboard=leaderboard_of(tidy), forecasts=tidy, overwrite=overwrite
        )
    assert [p.name for p in (tmp_path / "rep").iterdir()] == ["keep.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]  # the temporary report is removed


def test_bad_leaderboard(tmp_path, tidy):
    with pytest.raises(ValueError, match="leaderboard is empty"):
        write_report(tmp_path / "rep", leaderboard=leaderboard_of(tidy).iloc[:0], forecasts=tidy)
    assert list(tmp_path.iterdir()) == []


def test_float_columns_are_rounded_to_about_four_significant_digits():
    assert report._decimals(np.array([210.98, 601.99])) == 1
    assert report._decimals(np.array([0.0123, 0.5])) == 4
    assert report._decimals(np.array([12345.0, np.nan])) == 0
    assert report._format_float(-0.0001, 2) == "0.00"
    assert report._format_float(float("nan"), 2) == "–"


def test_the_exported_models_table_shows_what_each_model_learned_from(tmp_path, tidy):
    refit = {
        "fit": "refit",
        "start": "2024-03-01 00:00:00",
        "end": "2024-03-02 23:00:00",
        "rows": 144,
        "validation_rows": 0,
        "series": 3,
        "epochs": [4, 0],
        "anchor": "seasonal:24",
        "scaling": "window",
        "covariates_used": False,
        "validated": {"start": "2024-03-01 00:00:00", "end": "x", "rows": 72, "epochs": [4, 0]},
    }
    backtest = {**refit, "fit": "backtest", "rows": 72, "validation_rows": 15, "epochs": None}
    backtest.update(anchor=None, scaling=None, covariates_used=None, validated=None)
    text = write_report(
        tmp_path / "report",
        leaderboard=leaderboard_of(tidy),
        forecasts=tidy,
        exported={"good": refit, "bad": backtest, "worse": {"error": "ValueError: no rows | x"}},
    ).read_text()
    section = text.split("## Exported models")[1].split("## Figures")[0]
    assert cell_row(section, "model") == [
        "model", "fit", "trained on", "rows", "epochs", "anchor", "scaling", "covariates"
    ]  # fmt: skip
    span = "2024-03-01 00:00:00 .. 2024-03-02 23:00:00"
    assert cell_row(section, "good") == [
        "good", "refit on all the data", span, "144", "4, 0", "seasonal:24", "window", "no"
    ]  # fmt: skip
    assert cell_row(section, "bad") == [
        "bad", "backtest fit", span, "72 (15 validating)", "–", "–", "–", "–"
    ]  # fmt: skip
    assert cell_row(section, "worse")[:2] == ["worse", "not exported"]
    assert (
        "- **worse** was not exported: its final fit failed (ValueError: no rows \\| x)." in section
    )
    assert "Refitted models learned from every row of the data" in section
    assert "Backtest fits are exported as the leaderboard scored them." in section
    without = write_report(tmp_path / "plain", leaderboard=leaderboard_of(tidy), forecasts=tidy)
    assert "## Exported models" not in without.read_text()


def test_the_report_says_how_many_inputs_were_filled_when_any_was(tmp_path, tidy):
    board = leaderboard_of(tidy)
    filled = write_report(
        tmp_path / "filled", leaderboard=board, forecasts=tidy, filled_inputs={"good": 1234}
    ).read_text()
    data = filled.split("## Data")[1].split("## Leaderboard")[0]
    assert (
        "Missing inputs: the missing-value policy filled NaN input values in the forecast "
        "windows: 1,234 for good (a NaN read by several windows counts once in each; labels "
        "are never filled)." in data
    )
    none = write_report(
        tmp_path / "none", leaderboard=board, forecasts=tidy, filled_inputs={"good": 0, "bad": 0}
    ).read_text()
    assert "Missing inputs" not in none


def test_a_comparison_counts_the_inputs_each_model_filled_and_reports_them(tmp_path):
    import forecast

    hours = np.arange(240)
    values = 10 + np.sin(2 * np.pi * hours / 24)
    values[[130, 131]] = np.nan  # labels of the origin at row 120, inputs of the one at 144
    frame = pd.DataFrame(
        {"y": values}, index=pd.date_range("2024-01-01", periods=240, freq="h", name="timestamp")
    )
    models = {
        "naive": forecast.Naive(input_width=24, horizon=24),
        "seasonal": forecast.SeasonalNaive(24, input_width=24, horizon=24),
    }
    comparison = forecast.compare(models, frame, start=0.5, details=True, verbose=False)
    assert sorted(comparison.forecasts["origin"].unique()) == list(
        frame.index[[144, 168, 192, 216]]
    )
    assert comparison.filled_inputs == {"naive": 2, "seasonal": 2}
    assert comparison.models["naive"].filled_inputs_ == {"train": 0, "validation": 0}
    text = comparison.report(tmp_path / "report").read_text()
    assert "filled NaN input values in the forecast windows: 2 for naive and 2 for seasonal" in text
