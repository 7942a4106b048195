"""A backtest warns once about categories its fits never saw, naming how often it met them."""

from __future__ import annotations

import warnings

import numpy as np
from conftest import hourly

from forecast import LinearForecaster, backtest, compare


def _frame_with_a_new_category_at_the_end():
    """60 hours whose covariate ``kind`` alternates a/b, then "c" in the last row only: no
    fit of the backtest (each on the rows before its origin) ever sees "c"."""
    kinds = np.where(np.arange(60) % 2 == 0, "a", "b").astype(object)
    kinds[-1] = "c"
    return hourly(range(60), values=np.arange(60) * 0.5, kind=kinds)


def _unseen_warnings(run) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run()
    messages = [str(w.message) for w in caught if "were not seen" in str(w.message)]
    return result, messages


def test_a_ten_origin_backtest_warns_once_with_the_count():
    frame = _frame_with_a_new_category_at_the_end()
    model = LinearForecaster(input_width=3, horizon=2, covariates=("kind",), alpha=1e-3)
    tidy, messages = _unseen_warnings(
        lambda: backtest(model, frame, start=frame.index[40], stride=2, refit=True)
    )
    assert tidy["origin"].nunique() == 10  # origins at rows 40, 42, ..., 58
    assert messages == [
        "covariate 'kind': categories ['c'] were not seen in the training split and are "
        f"encoded as all zeros, 10 times in this backtest (first at timestamp {frame.index[-1]})"
    ]


def test_a_comparison_warns_once_for_all_its_models():
    frame = _frame_with_a_new_category_at_the_end()
    models = {
        name: LinearForecaster(input_width=3, horizon=2, covariates=("kind",), alpha=alpha)
        for name, alpha in (("ridge", 1e-3), ("stiff", 10.0))
    }
    _, messages = _unseen_warnings(
        lambda: compare(models, frame, start=frame.index[40], stride=2, refit=2, verbose=False)
    )
    assert len(messages) == 1  # two models, five fits each: ten forecasting encodings
    assert "10 times in this comparison" in messages[0]
