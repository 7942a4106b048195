"""Figures against hand-computed values: what each line, box and label shows, not only that it draws."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from forecast.evaluation.plots import (
    plot_error_by_step,
    plot_forecasts,
    plot_series_errors,
    plot_training_history,
    save_figure,
)

HORIZON = 6
SERIES = ("a", "b", "c")
ORIGIN_HOURS = (24, 30, 36, 42)
START = pd.Timestamp("2024-03-01")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def synthetic_history(series=SERIES) -> pd.DataFrame:
    """A panel of 48 hourly rows per series: y = 100 * (series number) + hour."""
    stamps = pd.date_range(START, periods=48, freq="h")
    parts = {
        sid: pd.DataFrame(
            {"y": 100.0 * k + np.arange(48.0)}, index=pd.DatetimeIndex(stamps, name="timestamp")
        )
        for k, sid in enumerate(series)
    }
    return pd.concat(parts, names=["series_id", "timestamp"])


def synthetic_forecasts(series=SERIES, nan_actual: bool = True) -> pd.DataFrame:
    """Two models with known errors on 4 origins x 6 hourly steps of each series.

    * ``good`` is too high by 0.5, 1.0, 1.5 on series a, b, c (the same at every step);
    * ``bad`` is too low by the step number (1 to 6) everywhere.

    With ``nan_actual``, the actual of the last step of the last origin of the last series is
    NaN (as backtests produce for missing data), so it must not be scored.
    """
    history = synthetic_history(series)
    rows = []
    for k, sid in enumerate(series):
        values = history.loc[sid, "y"]
        for hour in ORIGIN_HOURS:
            origin = START + pd.Timedelta(hours=hour)
            stamps = pd.date_range(origin, periods=HORIZON, freq="h")
            actual = values.loc[stamps].to_numpy()
            steps = np.arange(1, HORIZON + 1)
            for model, forecast in (("good", actual + 0.5 * (k + 1)), ("bad", actual - steps)):
                rows.append(
                    pd.DataFrame(
                        {
                            "series_id": sid,
                            "target": "y",
                            "origin": origin,
                            "timestamp": stamps,
                            "step": steps,
                            "actual": actual.copy(),
                            "forecast": forecast,
                            "model": model,
                        }
                    )
                )
    tidy = pd.concat(rows, ignore_index=True)
    if nan_actual:
        last = (
            (tidy["series_id"] == series[-1])
            & (tidy["origin"] == tidy["origin"].max())
            & (tidy["step"] == HORIZON)
        )
        tidy.loc[last, "actual"] = np.nan
    return tidy


@pytest.fixture
def tidy() -> pd.DataFrame:
    return synthetic_forecasts()


@pytest.fixture
def history() -> pd.DataFrame:
    return synthetic_history()


def lines_by_label(axes) -> dict:
    return {line.get_label(): line for line in axes.lines}


def legend_texts(figure) -> list[str]:
    legend = figure.legends[0] if figure.legends else figure.axes[0].get_legend()
    return [text.get_text() for text in legend.get_texts()]


def as_stamps(xdata) -> pd.DatetimeIndex:
    values = np.asarray(xdata)
    if np.issubdtype(values.dtype, np.number):
        return pd.DatetimeIndex(mdates.num2date(values)).tz_localize(None)
    return pd.DatetimeIndex(values)


# ---------------------------------------------------------------------- plot_forecasts


def test_forecast_lines_show_the_forecasts_actuals_and_input_window(tidy, history):
    origin = START + pd.Timedelta(hours=30)
    figure = plot_forecasts(tidy, history, origins=[origin], series_id="b", unit="kW")
    assert isinstance(figure, Figure)
    (axes,) = [a for a in figure.axes if a.get_visible()]
    lines = lines_by_label(axes)
    rows = tidy.loc[(tidy["series_id"] == "b") & (tidy["origin"] == origin)].sort_values("step")
    for model in ("good", "bad"):
        one = rows.loc[rows["model"] == model]
        np.testing.assert_allclose(lines[model].get_ydata(), one["forecast"])
        assert as_stamps(lines[model].get_xdata()).equals(pd.DatetimeIndex(one["timestamp"]))
    np.testing.assert_allclose(
        lines["actual"].get_ydata(), rows.loc[rows["model"] == "good", "actual"]
    )
    # the default input window is 2 * horizon rows before the origin, joined to the first actual
    expected = (
        history.loc["b", "y"].loc[: origin - pd.Timedelta(hours=1)].iloc[-2 * HORIZON :].tolist()
    )
    expected.append(history.loc[("b", origin), "y"])
    np.testing.assert_allclose(lines["input window"].get_ydata(), expected)
    assert as_stamps(lines["input window"].get_xdata())[-1] == origin
    # a dashed vertical line at the origin
    verticals = [
        line
        for line in axes.lines
        if line.get_linestyle() == "--" and line.get_label().startswith("_")
    ]
    assert [as_stamps(line.get_xdata()[:1])[0] for line in verticals] == [origin]
    assert legend_texts(figure) == ["good", "bad", "actual", "input window"]
    assert axes.get_ylabel() == "y (kW)"
    assert "b" in axes.get_title() and "2024-03-02 06:00" in axes.get_title()
    assert isinstance(axes.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)


def test_origins_spread_evenly_and_series_default_to_the_first(tidy, history):
    figure = plot_forecasts(tidy, history, origins=3)
    visible = [a for a in figure.axes if a.get_visible()]
    origins = [START + pd.Timedelta(hours=h) for h in ORIGIN_HOURS]
    # first and last origin always shown; 3 of 4 evenly spread: indices 0, 2, 3
    for axes, origin in zip(visible, [origins[0], origins[2], origins[3]], strict=True):
        assert axes.get_title().startswith("a:")
        assert f"{origin:%Y-%m-%d %H:%M}" in axes.get_title()
        assert axes.get_ylabel() == "y"  # no unit: the target alone
    many = plot_forecasts(tidy, history, origins=10)
    assert sum(a.get_visible() for a in many.axes) == len(ORIGIN_HOURS)


def test_input_width_models_and_no_history(tidy, history):
    origin = START + pd.Timedelta(hours=42)
    figure = plot_forecasts(
        tidy, history, origins=[str(origin)], series_id="c", models=["bad"], input_width=4
    )
    lines = lines_by_label(figure.axes[0])
    assert len(lines["input window"].get_ydata()) == 4 + 1
    assert legend_texts(figure) == ["bad", "actual", "input window"]
    # a model keeps its colour when others are left out
    full = lines_by_label(
        plot_forecasts(tidy, history, origins=[str(origin)], series_id="c").axes[0]
    )
    assert lines["bad"].get_color() == full["bad"].get_color() != full["good"].get_color()
    # the NaN actual stays a NaN (a gap in the line), never a made-up value
    assert np.isnan(lines["actual"].get_ydata()[-1])
    bare = plot_forecasts(tidy, origins=1)
    assert legend_texts(bare) == ["good", "bad", "actual"]


def test_single_series_history(history):
    single = synthetic_forecasts(series=("series",))
    frame = synthetic_history(("series",)).loc["series"]
    figure = plot_forecasts(single, frame, origins=1, unit="kW")
    assert len(lines_by_label(figure.axes[0])["input window"].get_ydata()) == 2 * HORIZON + 1
    # no placeholder series id ("series: origin ...") in the titles of a single series
    assert figure.axes[0].get_title().startswith("origin ")
    with pytest.raises(ValueError, match="panel"):
        plot_forecasts(synthetic_forecasts(), frame)


def test_lines_break_at_gaps_in_the_history(tidy, history):
    gappy = history.drop(index=[("a", START + pd.Timedelta(hours=h)) for h in (20, 21)])
    origin = START + pd.Timedelta(hours=24)
    figure = plot_forecasts(tidy, gappy, origins=[origin], input_width=8)
    window = lines_by_label(figure.axes[0])["input window"]
    values = np.asarray(window.get_ydata(), dtype=float)
    assert np.isnan(values).sum() == 1  # one break where two hours are missing
    np.testing.assert_allclose(values[~np.isnan(values)], [14, 15, 16, 17, 18, 19, 22, 23, 24])


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (lambda t: t.drop(columns="forecast"), {}, "no column"),
        (lambda t: t.iloc[:0], {}, "empty"),
        (lambda t: t, {"series_id": "zzz"}, "unknown series_id 'zzz'"),
        (lambda t: t, {"models": ["good", "LSTM"]}, r"unknown model\(s\) \['LSTM'\]"),
        (lambda t: t, {"origins": ["2030-01-01"]}, "no forecast from origin"),
        (lambda t: t, {"origins": 0}, "at least 1"),
        (lambda t: t, {"input_width": 0}, "input_width"),
    ],
)
def test_plot_forecasts_errors(tidy, history, change, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot_forecasts(change(tidy), history, **kwargs)


def test_history_must_hold_the_series_and_target(tidy, history):
    with pytest.raises(ValueError, match="no column 'y'"):
        plot_forecasts(tidy, history.rename(columns={"y": "load"}))
    with pytest.raises(ValueError, match="no series 'a'"):
        plot_forecasts(tidy, history.drop(index="a", level=0))


# ---------------------------------------------------------------------- plot_error_by_step


def test_error_by_step_is_the_hand_computed_mae_per_step(tidy):
    figure = plot_error_by_step(tidy, unit="kW")
    (axes,) = figure.axes
    lines = lines_by_label(axes)
    # bad: off by the step everywhere
    np.testing.assert_allclose(lines["bad"].get_ydata(), np.arange(1.0, HORIZON + 1))
    np.testing.assert_allclose(lines["bad"].get_xdata(), np.arange(1, HORIZON + 1))
    # good: series a, b, c off by 0.5, 1, 1.5 -> 1.0, but step 6 lacks one actual of series c
    expected_last = (4 * 0.5 + 4 * 1.0 + 3 * 1.5) / 11
    np.testing.assert_allclose(lines["good"].get_ydata(), [1.0] * (HORIZON - 1) + [expected_last])
    # and the same from first principles, per step
    scored = tidy.dropna(subset=["actual"]).assign(
        err=lambda d: (d["forecast"] - d["actual"]).abs()
    )
    by_step = scored.groupby(["model", "step"])["err"].mean()
    np.testing.assert_allclose(lines["good"].get_ydata(), by_step.loc["good"].to_numpy())
    assert axes.get_xlabel() == "forecast step (horizon)"
    assert axes.get_ylabel() == "MAE (kW)"
    assert legend_texts(figure) == ["good", "bad"]
    assert lines["good"].get_color() != lines["bad"].get_color()


def test_error_by_step_labels_per_metric(tidy):
    assert plot_error_by_step(tidy, "smape", unit="kW").axes[0].get_ylabel() == "sMAPE (%)"
    assert plot_error_by_step(tidy, "rmse").axes[0].get_ylabel() == "RMSE"
    figure = plot_error_by_step(tidy, "bias", unit="kW")
    assert figure.axes[0].get_ylabel() == "Bias (kW)"
    np.testing.assert_allclose(
        lines_by_label(figure.axes[0])["bad"].get_ydata(), -np.arange(1.0, HORIZON + 1)
    )
    mase = plot_error_by_step(tidy, "mase", scales={"a": 2.0, "b": 2.0, "c": 2.0})
    np.testing.assert_allclose(
        lines_by_label(mase.axes[0])["bad"].get_ydata(), np.arange(1.0, HORIZON + 1) / 2
    )
    with pytest.raises(ValueError, match="unknown metric"):
        plot_error_by_step(tidy, "accuracy")


def test_error_by_step_one_panel_per_target(tidy):
    two = pd.concat(
        [tidy, tidy.assign(target="z", forecast=tidy["actual"] + 10.0)], ignore_index=True
    )
    figure = plot_error_by_step(two, unit="kW")
    assert len(figure.axes) == 2
    z_good = lines_by_label(figure.axes[1])["good"].get_ydata()
    np.testing.assert_allclose(z_good, np.full(HORIZON, 10.0))
    # forecasts of one target at a time: the first by default
    first = lines_by_label(plot_forecasts(two, origins=1).axes[0])
    z = lines_by_label(plot_forecasts(two, origins=1, target="z").axes[0])
    np.testing.assert_allclose(z["good"].get_ydata() - first["actual"].get_ydata(), 10.0)
    with pytest.raises(ValueError, match="unknown target 'w'"):
        plot_forecasts(two, target="w")


def test_time_zones_are_kept(tidy, history):
    zoned = tidy.assign(
        origin=tidy["origin"].dt.tz_localize("Europe/Lisbon"),
        timestamp=tidy["timestamp"].dt.tz_localize("Europe/Lisbon"),
    )
    stamps = history.index.get_level_values(1).tz_localize("Europe/Lisbon")
    zoned_history = history.set_axis(
        pd.MultiIndex.from_arrays([history.index.get_level_values(0), stamps])
    )
    figure = plot_forecasts(zoned, zoned_history, origins=["2024-03-02 06:00"], series_id="a")
    lines = lines_by_label(figure.axes[0])
    assert len(lines["input window"].get_ydata()) == 2 * HORIZON + 1
    assert "2024-03-02 06:00" in figure.axes[0].get_title()


# ---------------------------------------------------------------------- plot_training_history


def test_training_history_curves_and_best_epoch():
    histories = {
        "LSTM": {
            "loss": [4.0, 2.0, 1.0, 0.8],
            "val_loss": [5.0, 3.0, 3.5, 4.0],
            "learning_rate": [1e-3] * 4,
        },
        "GRU": {"loss": [3.0, 2.5]},
    }
    figure = plot_training_history(histories)
    (axes,) = figure.axes
    lines = lines_by_label(axes)
    np.testing.assert_allclose(lines["LSTM (train)"].get_ydata(), histories["LSTM"]["loss"])
    np.testing.assert_allclose(lines["LSTM (train)"].get_xdata(), [1, 2, 3, 4])
    validation = lines["LSTM (validation, best epoch 2)"]
    np.testing.assert_allclose(validation.get_ydata(), histories["LSTM"]["val_loss"])
    assert validation.get_linestyle() == "--" and lines["LSTM (train)"].get_linestyle() == "-"
    assert validation.get_color() == lines["LSTM (train)"].get_color()
    (star,) = [line for line in axes.lines if line.get_marker() == "*"]
    assert star.get_xdata().tolist() == [2] and star.get_ydata().tolist() == [3.0]
    assert "GRU (train)" in lines and not any(k.startswith("GRU (validation") for k in lines)
    assert lines["GRU (train)"].get_color() != lines["LSTM (train)"].get_color()
    assert legend_texts(figure) == [
        "LSTM (train)",
        "LSTM (validation, best epoch 2)",
        "GRU (train)",
    ]
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("epoch", "loss")
    assert axes.get_yscale() == "linear"
    assert plot_training_history({"m": {"loss": [100.0, 1.0]}}).axes[0].get_yscale() == "log"
    # colours in the order of every model of a comparison, as in its other figures
    by_step = lines_by_label(plot_error_by_step(synthetic_forecasts()).axes[0])
    ordered = lines_by_label(
        plot_training_history({"bad": {"loss": [1.0]}}, model_order=["good", "bad"]).axes[0]
    )
    assert ordered["bad (train)"].get_color() == by_step["bad"].get_color()


def test_training_history_errors():
    with pytest.raises(ValueError, match="no training history"):
        plot_training_history({})
    with pytest.raises(ValueError, match="no 'loss'"):
        plot_training_history({"LSTM": {"val_loss": [1.0]}})


# ---------------------------------------------------------------------- plot_series_errors


def test_series_errors_boxes_show_per_series_medians_best_on_top(tidy):
    figure = plot_series_errors(tidy, unit="kW")
    (axes,) = figure.axes
    scored = tidy.dropna(subset=["actual"]).assign(
        err=lambda d: (d["forecast"] - d["actual"]).abs()
    )
    per_series = scored.groupby(["model", "series_id"])["err"].mean()
    medians = {
        line.get_gid().split(":", 1)[1]: line.get_xdata()[0]
        for line in axes.lines
        if (line.get_gid() or "").startswith("median:")
    }
    assert medians == pytest.approx({m: per_series.loc[m].median() for m in ("good", "bad")})
    assert medians["good"] == pytest.approx(1.0) and medians["bad"] == pytest.approx(3.5, abs=0.03)
    # sorted by median: the best model on top
    labels = [t.get_text() for t in axes.get_yticklabels()]
    positions = axes.get_yticks()
    assert [label for _, label in sorted(zip(positions, labels), reverse=True)] == ["good", "bad"]
    # one dot per series per model, at the per-series values
    dots = sorted(np.concatenate([c.get_offsets()[:, 0] for c in axes.collections]))
    assert dots == pytest.approx(sorted(per_series.to_numpy()))
    assert axes.get_xlabel() == "MAE (kW) per series"


def test_series_errors_need_a_panel():
    single = synthetic_forecasts(series=("series",))
    with pytest.raises(ValueError, match="needs a panel"):
        plot_series_errors(single)


# ---------------------------------------------------------------------- save_figure


def test_save_figure_writes_a_png_atomically(tmp_path, tidy):
    figure = plot_error_by_step(tidy)
    path = save_figure(figure, tmp_path / "deep" / "er" / "step.png", dpi=50)
    assert path == tmp_path / "deep" / "er" / "step.png"
    assert path.read_bytes()[:8] == PNG_MAGIC
    assert [p.name for p in path.parent.iterdir()] == ["step.png"]
    with pytest.raises(ValueError, match="ending in .png"):
        save_figure(figure, tmp_path / "step.pdf")


def test_save_figure_failure_keeps_the_old_file(tmp_path, tidy, monkeypatch):
    path = tmp_path / "step.png"
    path.write_bytes(b"old")
    figure = plot_error_by_step(tidy)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(figure, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        save_figure(figure, path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["step.png"]
