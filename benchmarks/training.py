"""Training speed: this package's ``fit`` against a hand-written Keras loop, in the same run.

Both train the same architecture (LSTM(64) over 168 steps of the target and hour/day-of-week
calendar features, the forecast steps' calendar flattened into a Dense(64) head, 24 outputs
added to the seasonal-naive anchor) on the same training windows of ``electricity_hourly``
with batch 64 and Adam. The hand-written side gets pre-built, pre-scaled NumPy windows and
``model.fit``; this package builds windows with ``tf.data`` and scales them per batch.

Per-epoch time is measured as (time of a 1 + k epoch fit - time of a 1 epoch fit) / k for
both, which removes graph tracing and set-up from the comparison. Goal: the package within
1.10x of the hand-written loop.

Run: ``make bench`` or ``python benchmarks/training.py [--epochs 3]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


from _results import write_results  # noqa: E402  (benchmarks/)

import forecast  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "training.json"
SETTINGS = dict(
    input_width=168,
    horizon=24,
    target="y",
    units=(64,),
    dense_units=(64,),
    calendar=("hour", "dayofweek"),
    residual="seasonal",
    season_length=24,
    batch_size=64,
    loss="mae",
    patience=None,
    validation=0.0,
    random_state=0,
)


def package_fit_seconds(frame, epochs: int) -> float:
    model = forecast.LSTMForecaster(epochs=epochs, **SETTINGS)
    start = time.perf_counter()
    model.fit(frame)
    return time.perf_counter() - start


def prebuilt_windows(frame):
    """Every training window as scaled NumPy arrays, built once before timing."""
    reference = forecast.LSTMForecaster(epochs=1, **SETTINGS).fit(frame.iloc[:2000])
    windows = reference.windows(frame)
    inputs, labels = windows.arrays("train")
    values = windows.values[windows.row_split == 0]
    mean, std = values[:, 0].mean(), values[:, 0].std()
    past = inputs["past"].copy()
    past[:, :, 0] = (past[:, :, 0] - mean) / std
    return {"past": past, "future": inputs["future"]}, (labels - mean) / std


def hand_written_model():
    import keras
    from keras import layers, ops

    past = keras.Input((168, 5), name="past")
    future = keras.Input((24, 4), name="future")
    encoding = layers.LSTM(64)(past)
    head = layers.Concatenate()([encoding, layers.Flatten()(future)])
    head = layers.Dense(64, activation="relu")(head)
    output = layers.Reshape((24, 1))(layers.Dense(24)(head))
    steps = [168 - 24 + k for k in range(24)]
    anchor = layers.Lambda(lambda p: ops.take(p[:, :, :1], steps, axis=1), output_shape=(24, 1))(
        past
    )
    model = keras.Model({"past": past, "future": future}, layers.Add()([output, anchor]))
    model.compile(optimizer=keras.optimizers.Adam(1e-3, clipnorm=1.0), loss="mae")
    return model


def hand_written_fit_seconds(inputs, labels, epochs: int) -> float:
    import keras

    keras.utils.set_random_seed(0)
    model = hand_written_model()
    start = time.perf_counter()
    model.fit(inputs, labels, batch_size=64, epochs=epochs, shuffle=True, verbose=0)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs after the first")
    parser.add_argument("--rows", type=int, default=None, help="use only the last ROWS rows")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    frame = forecast.load_dataset("electricity_hourly")
    frame = frame.iloc[: int(len(frame) * 0.7)] if args.rows is None else frame.iloc[-args.rows :]
    inputs, labels = prebuilt_windows(frame)
    k = args.epochs
    # Interleave the two sides so that machine noise hits both alike.
    hand_1 = hand_written_fit_seconds(inputs, labels, 1)
    package_1 = package_fit_seconds(frame, 1)
    hand_k = hand_written_fit_seconds(inputs, labels, 1 + k)
    package_k = package_fit_seconds(frame, 1 + k)
    result = {
        "windows": int(len(labels)),
        "timed_epochs": k,
        "package_seconds_per_epoch": (package_k - package_1) / k,
        "hand_written_seconds_per_epoch": (hand_k - hand_1) / k,
        "package_setup_seconds": package_1,
        "hand_written_setup_seconds": hand_1,
    }
    result["ratio"] = result["package_seconds_per_epoch"] / result["hand_written_seconds_per_epoch"]
    print(f"{'':<14} {'s/epoch':>8} {'1-epoch fit s':>14}")
    print(f"{'forecast':<14} {result['package_seconds_per_epoch']:8.2f} {package_1:14.2f}")
    print(f"{'hand-written':<14} {result['hand_written_seconds_per_epoch']:8.2f} {hand_1:14.2f}")
    print(
        f"ratio (forecast / hand-written): {result['ratio']:.3f}  (goal <= 1.10) on {result['windows']} windows"
    )
    write_results(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
