"""Scaling statistics: fitted on the training rows, in float64, safe at any float32 magnitude."""

from __future__ import annotations

import numpy as np
import pytest

from forecast.nn.scaling import fit_scaling, scale_window

pytest.importorskip("tensorflow")


def cycle(n=96, level=10.0, amplitude=5.0):
    return level + amplitude * np.sin(2 * np.pi * np.arange(n) / 24)


@pytest.mark.parametrize("magnitude", [1.0, 1e19, 1e37])
@pytest.mark.parametrize("mode", ["standard", "robust"])
def test_statistics_are_exact_at_any_float32_magnitude(magnitude, mode):
    """At 1e19 the float32 variance overflowed and the scale fell back to 1."""
    values = (magnitude * cycle()).astype(np.float32)[:, None]
    stats = fit_scaling(values, np.ones(len(values), bool), numeric=(True,), mode=mode)
    exact = values[:, 0].astype(np.float64)
    if mode == "standard":
        center, scale = exact.mean(), exact.std()
    else:
        q1, center, q3 = np.percentile(exact, [25, 50, 75])
        scale = (q3 - q1) / 1.349
    np.testing.assert_allclose(stats.center, [center], rtol=1e-6)
    np.testing.assert_allclose(stats.scale, [scale], rtol=1e-6)
    assert stats.center.dtype == stats.scale.dtype == np.float32


@pytest.mark.parametrize("magnitude", [1e19, 1e37])
@pytest.mark.parametrize("mode", ["standard", "window"])
def test_scaled_windows_do_not_depend_on_the_magnitude(magnitude, mode):
    """The network sees the same scaled windows (and labels) whatever the unit of the data:
    per-window statistics no longer square or sum raw values in float32."""
    values = cycle()[:, None]
    windows = np.stack([values[i : i + 24] for i in range(0, 72, 12)])
    train = np.ones(len(values), bool)
    small = scale_window(windows, fit_scaling(values, train, (True,), mode))
    big_values = (magnitude * values).astype(np.float32)
    big = scale_window(
        (magnitude * windows).astype(np.float32), fit_scaling(big_values, train, (True,), mode)
    )
    for part_small, part_big, factor in zip(small, big, (1.0, magnitude, magnitude)):
        part_big = np.asarray(part_big, np.float64) / factor
        assert np.isfinite(part_big).all()
        np.testing.assert_allclose(part_big, np.asarray(part_small), rtol=1e-5, atol=1e-5)
