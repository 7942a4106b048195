"""Windows across an outage: filled within themselves ("fill"), refused ("drop"), never a label.

The series: y = hour number (0..47), NaN at hours 38..44 (a 7-hour outage). With
``WindowSpec(6, 1)``, the origins are 6..47; their label is row ``t`` and their inputs rows
``t - 6 .. t - 1``.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import hourly

from forecast import (
    DataValidationError,
    LSTMForecaster,
    MissingPolicy,
    Naive,
    Split,
    WindowAverage,
    WindowSpec,
    make_windows,
)

OUTAGE = slice(38, 45)
ALL_TRAIN = Split(0.0, 0.0)


def outage_frame():
    values = np.arange(48.0)
    values[OUTAGE] = np.nan
    return hourly(range(48), values=values)


def windows_under(policy: str):
    return make_windows(
        outage_frame(),
        WindowSpec(6, 1),
        "y",
        split=ALL_TRAIN,
        missing=MissingPolicy(policy),
        calendar=(),
    )


def test_training_windows_across_the_outage_are_filled_and_their_labels_never():
    windows = windows_under("fill")
    origins = windows.origins["train"].tolist()
    # labels 38..44 are NaN: dropped; origin 45 reads only NaN inputs (rows 39..44): dropped,
    # never filled from its label (row 45); origins 46 and 47 read the outage and are kept
    assert origins == [*range(6, 38), 46, 47]
    assert windows.dropped == {"gap": 0, "nan_label": 7, "nan_input": 1, "straddles_split": 0}
    inputs, labels = windows.arrays()
    np.testing.assert_array_equal(inputs[-2, :, 0], [45] * 6)  # rows 40..44 from row 45
    np.testing.assert_array_equal(inputs[-1, :, 0], [45, 45, 45, 45, 45, 46])
    np.testing.assert_array_equal(labels[-2:, 0, 0], [46, 47])
    assert not np.isnan(inputs).any() and not np.isnan(labels).any()
    assert windows.filled_inputs() == 5 + 4
    assert windows.filled_inputs(rows=np.array([47])) == 4
    # the tf.data pipeline fills in the graph: the very same windows
    past, label = zip(*windows.dataset("train", batch_size=16, shuffle=False))
    np.testing.assert_array_equal(np.concatenate(past), inputs)
    np.testing.assert_array_equal(np.concatenate(label), labels)


def test_drop_and_ffill_refuse_the_windows_that_read_the_outage():
    drop, ffill = windows_under("drop"), windows_under("ffill")
    for windows in (drop, ffill):  # ffill carries 37 to rows 38..40 only (limit 3)
        assert windows.origins["train"].tolist() == list(range(6, 38))
        assert windows.dropped["nan_input"] == 3  # origins 45, 46, 47
        assert windows.filled_inputs() == 0


def test_the_forecast_across_the_outage_is_made_with_fill_and_refused_with_drop():
    frame = outage_frame()  # the last window, rows 42..47, holds NaN at 42..44
    average = WindowAverage(input_width=6).fit(frame.iloc[:36])
    forecasts = average.predict(frame)
    assert forecasts["y"].tolist() == [(45 * 4 + 46 + 47) / 6]  # 45.5
    assert forecasts.attrs["filled_inputs"] == 3
    for policy, message in [
        ("drop", r"input is NaN in the last 6 rows.*inputs='drop'"),
        ("ffill", r"input is NaN in the last 6 rows.*inputs='ffill', limit=3"),
    ]:
        strict = WindowAverage(input_width=6, missing={"inputs": policy}).fit(frame.iloc[:36])
        with pytest.raises(DataValidationError, match=message) as info:
            strict.predict(frame)
        assert (info.value.column, info.value.timestamp) == ("y", frame.index[44])


def test_filled_inputs_are_counted_per_split_in_the_fitted_attribute():
    frame = outage_frame()
    naive = Naive(input_width=6).fit(frame)  # no validation: every window trains
    assert naive.filled_inputs_ == {"train": 9, "validation": 0}
    assert naive.predict(frame)["y"].tolist() == [47.0]
    assert naive.predict(frame).attrs["filled_inputs"] == 3
    assert Naive(input_width=6).fit(frame.iloc[:36]).filled_inputs_ == {
        "train": 0,
        "validation": 0,
    }
    # the outage in the validation frame: its windows 36, 37, 46, 47 (labels in rows 36..47)
    lstm = LSTMForecaster(
        input_width=6, units=(2,), dense_units=(), epochs=1, residual="last", random_state=0
    ).fit(frame.iloc[:36], validation_frame=frame.iloc[36:])
    assert lstm.filled_inputs_ == {"train": 0, "validation": 9}
    assert np.isfinite(lstm.predict(frame)["y"]).all()
