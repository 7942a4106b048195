"""Training progress: one line per epoch in a log, a live bar on a terminal, nothing at 0."""

from __future__ import annotations

import io
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from forecast._progress import format_duration, live_output
from forecast.nn.progress import EpochProgress, training_progress
from forecast.nn.training import train_network


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _network() -> keras.Model:
    inputs = keras.Input((1,))
    network = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="zeros")(inputs))
    network.compile(optimizer=keras.optimizers.SGD(0.1), loss="mae")
    return network


def _data():
    x = np.linspace(-1, 1, 16).reshape(-1, 1).astype("float32")
    return tf.data.Dataset.from_tensor_slices((x, 2 * x)).batch(4)  # 4 batches per epoch


def test_a_log_gets_one_line_per_epoch_with_losses_and_time_left():
    log = io.StringIO()
    progress = EpochProgress("Dense", live=False, stream=log)
    _network().fit(
        _data(), validation_data=_data(), epochs=3, verbose=0, shuffle=False, callbacks=[progress]
    )
    text = log.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"Dense epoch {e}/3" for e in (1, 2, 3)]
    assert all(re.search(r"loss [\d.e-]+, val_loss [\d.e-]+ \(", line) for line in lines)
    assert "left" in lines[0] and "left" in lines[1] and "left" not in lines[2]


def test_an_early_stop_says_so_in_the_log(capsys):
    network = _network()
    data = _data()
    history, _, _ = train_network(network, data, data, epochs=20, patience=1, verbose=2)
    err = capsys.readouterr().err
    epochs_run = len(history["loss"])
    assert epochs_run < 20
    assert len(re.findall(r"^training epoch \d+/20: ", err, flags=re.M)) == epochs_run
    assert f"training: stopped early after {epochs_run} of 20 epochs" in err


def test_a_terminal_gets_a_live_bar_over_the_batches_with_the_time_left():
    terminal = Terminal()
    progress = training_progress("auto", "Dense", stream=terminal)
    assert progress.live
    _network().fit(_data(), epochs=2, verbose=0, shuffle=False, callbacks=[progress])
    text = terminal.getvalue()
    assert "\r" in text  # redrawn in place
    assert "Dense" in text and "8/8" in text  # 2 epochs of 4 batches
    assert "epoch 2/2" in text and "<" in text  # tqdm's elapsed<left


def test_verbose_chooses_the_display():
    assert training_progress(0, "x") is None
    assert training_progress(2, "x", stream=Terminal()).live is False  # 2: lines, always
    assert training_progress(1, "x", stream=io.StringIO()).live is False
    assert training_progress(1, "x", stream=Terminal()).live is True
    with pytest.raises(ValueError, match="verbose must be one of"):
        training_progress(3, "x")


def test_live_output_and_durations():
    assert live_output(Terminal()) and not live_output(io.StringIO())
    assert [format_duration(s) for s in (3.21, 59.4, 60, 61, 3600, 3725)] == [
        "3.2 s", "59 s", "1 min", "1 min 1 s", "1 h", "1 h 2 min",
    ]  # fmt: skip
