"""Fan charts and coverage-by-step figures against the quantile values they draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from test_plots import (
    PNG_MAGIC,
    legend_texts,
    lines_by_label,
    synthetic_forecasts,
    synthetic_history,
)

from forecast.evaluation.plots import plot_forecasts, save_figure

#: The half-width of each model's band of each coverage, per unit of the step.
HALF = {0.5: 0.5, 0.8: 1.0, 0.95: 2.0}


def with_quantiles(tidy: pd.DataFrame, point_only: tuple[str, ...] = ()) -> pd.DataFrame:
    """``tidy`` with quantile columns: the ``c`` band is the forecast +- HALF[c] * step, the
    median the forecast; the models in ``point_only`` get NaN quantiles."""
    out = tidy.copy()
    out["q0.5"] = out["forecast"]
    for c, half in HALF.items():
        low, high = round((1 - c) / 2, 10), round((1 + c) / 2, 10)
        out[f"q{low:g}"] = out["forecast"] - half * out["step"]
        out[f"q{high:g}"] = out["forecast"] + half * out["step"]
    levels = sorted((c for c in out.columns if c.startswith("q")), key=lambda name: float(name[1:]))
    out.loc[out["model"].isin(point_only), levels] = np.nan
    return out[[*tidy.columns, *levels]]


@pytest.fixture
def probabilistic() -> pd.DataFrame:
    return with_quantiles(synthetic_forecasts(nan_actual=False))


def bands(axes) -> dict[str, PolyCollection]:
    return {c.get_label(): c for c in axes.collections if isinstance(c, PolyCollection)}


def band_y(band: PolyCollection) -> set[float]:
    return {round(v, 9) for path in band.get_paths() for v in path.vertices[:, 1]}


# ---------------------------------------------------------------------- fan charts


def test_fan_chart_shades_one_band_per_model_and_coverage(probabilistic):
    origin = probabilistic["origin"].unique()[1]
    figure = plot_forecasts(probabilistic, synthetic_history(), origins=[origin], series_id="b")
    axes = figure.axes[0]
    shaded = bands(axes)
    assert sorted(shaded) == sorted(f"{m} {p}%" for m in ("good", "bad") for p in (50, 80, 95))
    rows = probabilistic.loc[
        (probabilistic["origin"] == origin)
        & (probabilistic["series_id"] == "b")
        & (probabilistic["model"] == "good")
    ].sort_values("step")
    # the 80% band of "good" runs from q0.1 to q0.9 of its rows
    expected = set(np.round(np.r_[rows["q0.1"], rows["q0.9"]], 9))
    assert band_y(shaded["good 80%"]) == expected
    assert band_y(shaded["good 95%"]) == set(np.round(np.r_[rows["q0.025"], rows["q0.975"]], 9))
    # darker for narrower, in the model's colour, under its median line
    alphas = [shaded[f"good {p}%"].get_alpha() for p in (50, 80, 95)]
    assert alphas[0] > alphas[1] > alphas[2]
    line = lines_by_label(axes)["good"]
    assert np.allclose(line.get_ydata(), rows["q0.5"])
    assert np.allclose(shaded["good 80%"].get_facecolor()[0][:3], line.get_color()[:3])
    assert line.get_zorder() > shaded["good 50%"].get_zorder()
    # the legend names each model, then its coverages, narrowest first
    assert legend_texts(figure) == [
        "good",
        "good 50%",
        "good 80%",
        "good 95%",
        "bad",
        "bad 50%",
        "bad 80%",
        "bad 95%",
        "actual",
        "input window",
    ]


def test_fan_chart_coverage_choice_and_point_models(probabilistic):
    mixed = with_quantiles(synthetic_forecasts(nan_actual=False), point_only=("bad",))
    axes = plot_forecasts(mixed, origins=1).axes[0]
    assert sorted(bands(axes)) == ["good 50%", "good 80%", "good 95%"]  # bad has no quantiles
    only = plot_forecasts(probabilistic, origins=1, coverage=0.8, models=["good"])
    assert list(bands(only.axes[0])) == ["good 80%"]
    assert legend_texts(only) == ["good", "good 80%", "actual"]
    none = plot_forecasts(probabilistic, origins=1, coverage=())
    assert bands(none.axes[0]) == {}
    point = plot_forecasts(synthetic_forecasts(), origins=1)
    assert bands(point.axes[0]) == {}
    with pytest.raises(ValueError, match=r"coverage 0.9: .*\['q0.05', 'q0.95'\]"):
        plot_forecasts(probabilistic, origins=1, coverage=0.9)
    with pytest.raises(ValueError, match="coverage"):
        plot_forecasts(probabilistic, origins=1, coverage=1.5)


def test_fan_chart_renders_to_png(probabilistic, tmp_path):
    figure = plot_forecasts(probabilistic, synthetic_history(), origins=2, unit="kW")
    path = save_figure(figure, tmp_path / "fan.png")
    assert path.read_bytes()[:8] == PNG_MAGIC


# ---------------------------------------------------------------------- coverage by step


def covered_rows(tidy: pd.DataFrame) -> pd.DataFrame:
    """Rows whose actuals fall inside known intervals: at step 1 and 2 inside every band, at
    step 3 outside the 50% band only, at steps 4-6 outside every band (of "good" and "bad")."""
    out = with_quantiles(tidy)
    for c, half in HALF.items():
        low, high = round((1 - c) / 2, 10), round((1 + c) / 2, 10)
        out[f"q{low:g}"] = out["actual"] - half
        out[f"q{high:g}"] = out["actual"] + half
    out.loc[out["step"] == 3, ["q0.25", "q0.75"]] += 10.0
    out.loc[out["step"] >= 4, [c for c in out.columns if c.startswith("q")]] += 10.0
    return out


def test_interval_scores_by_step_are_the_hand_counted_shares():
    from forecast.evaluation.interval_plot import interval_scores_by_step

    rows = covered_rows(synthetic_forecasts())  # one NaN actual: not scored
    scores = interval_scores_by_step(rows)
    assert list(scores.columns) == [
        "coverage_50",
        "width_50",
        "coverage_80",
        "width_80",
        "coverage_95",
        "width_95",
    ]
    good = scores.loc["good"]
    assert good["coverage_50"].tolist() == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    assert good["coverage_95"].tolist() == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    assert np.allclose(good["width_80"], 2.0) and np.allclose(good["width_95"], 4.0)
    only = interval_scores_by_step(rows, coverage=0.8)
    assert list(only.columns) == ["coverage_80", "width_80"]
    mixed = with_quantiles(synthetic_forecasts(), point_only=("bad",))
    assert interval_scores_by_step(mixed).index.get_level_values("model").unique().tolist() == [
        "good"
    ]
    with pytest.raises(ValueError, match="no interval"):
        interval_scores_by_step(synthetic_forecasts())


def test_coverage_plot_lines_and_nominal_levels():
    from forecast.evaluation.plots import plot_coverage_by_step

    rows = covered_rows(synthetic_forecasts(nan_actual=False))
    figure = plot_coverage_by_step(rows, unit="kW")
    cover, width = figure.axes
    lines = lines_by_label(cover)
    expected = [f"{m} {p}%" for m in ("good", "bad") for p in (50, 80, 95)]
    assert list(lines) == expected + ["nominal 50%", "nominal 80%", "nominal 95%"]
    assert lines["good 50%"].get_ydata().tolist() == [100.0, 100.0, 0.0, 0.0, 0.0, 0.0]
    assert lines["bad 80%"].get_ydata().tolist() == [100.0, 100.0, 100.0, 0.0, 0.0, 0.0]
    assert lines["nominal 95%"].get_ydata().tolist() == [95.0, 95.0]
    assert lines["nominal 95%"].get_linestyle() == "--"
    assert lines["good 80%"].get_color() == lines["good 95%"].get_color()
    assert lines["good 80%"].get_linestyle() != lines["good 95%"].get_linestyle()
    widths = lines_by_label(width)
    assert np.allclose(widths["good 95%"].get_ydata(), 4.0)
    assert width.get_ylabel() == "interval width (kW)"
    assert cover.get_ylabel() == "actuals inside the interval (%)"
    two = pd.concat([rows, rows.assign(target="z")], ignore_index=True)
    assert len(plot_coverage_by_step(two, coverage=[0.8]).axes) == 4


def test_coverage_plot_renders_to_png(tmp_path):
    from forecast.evaluation.plots import plot_coverage_by_step

    rows = covered_rows(synthetic_forecasts(nan_actual=False))
    path = save_figure(plot_coverage_by_step(rows, unit="kW"), tmp_path / "coverage.png")
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_coverage_plot_names_the_nominal_levels_and_legend():
    from forecast.evaluation.plots import plot_coverage_by_step

    rows = covered_rows(synthetic_forecasts(nan_actual=False))
    cover, width = plot_coverage_by_step(rows, coverage=(0.8, 0.95)).axes
    assert [t.get_text() for t in cover.texts if t.get_gid() == "nominal"] == [
        "nominal 80%",
        "nominal 95%",
    ]
    legend = [t.get_text() for t in width.get_legend().get_texts()]
    assert legend == ["good 80%", "good 95%", "bad 80%", "bad 95%"]
