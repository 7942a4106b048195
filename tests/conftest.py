"""Shared fixtures: tiny hand-made frames whose values say which row they came from."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402


def hourly(hours, values=None, start="2024-01-01", **columns) -> pd.DataFrame:
    """A one-series frame at the given hour offsets; ``y`` defaults to the hour number."""
    index = pd.DatetimeIndex(
        pd.Timestamp(start) + pd.to_timedelta(list(hours), unit="h"), name="timestamp"
    )
    data = {"y": np.asarray(hours if values is None else values, dtype=float), **columns}
    return pd.DataFrame(data, index=index)


def panel(parts: dict) -> pd.DataFrame:
    """A panel from ``{series_id: one-series frame}``."""
    return pd.concat(parts, names=["series_id", "timestamp"])


@pytest.fixture
def ten_hours() -> pd.DataFrame:
    """Ten hourly rows: y = 0..9, x = 100..109."""
    return hourly(range(10), x=np.arange(100.0, 110.0))


def anchor_exact_on_validation(n: int = 240, split: int = 180) -> pd.DataFrame:
    """The covariate x says the next y in the first ``split`` rows (y[t+1] = x[t]); after
    them y stays at its last value: the last-value anchor is exact there and learning x only
    hurts it."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    y = np.concatenate([[0.0], x[:-1]])
    y[split:] = y[split - 1]
    return hourly(range(n), values=y, x=x)


def all_inside_at_once(monkeypatch, owner, method: str, calls: dict) -> dict:
    """Run ``calls`` (``{name: function of no arguments}``) in threads of their own, each held
    at a barrier on entering ``owner.method`` until all have entered it (so whatever they set
    before is set for all of them), and return ``{name: result}``; any error fails the test."""
    import threading

    barrier = threading.Barrier(len(calls), timeout=30)
    original = getattr(owner, method)

    def held(self, *args, **kwargs):
        barrier.wait()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, method, held)
    results, failures = {}, []

    def run(name):
        try:
            results[name] = calls[name]()
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=run, args=(name,)) for name in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    return results
