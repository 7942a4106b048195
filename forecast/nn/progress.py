"""Training progress as a Keras callback: a live bar in a terminal or notebook, one line per
epoch in a log.

* :func:`training_progress` turns a forecaster's ``verbose`` into the callback (or none);
* :class:`EpochProgress` is the callback: a tqdm bar over the batches of every epoch, with
  the losses and the time left, or, where output is not live (a file, a CI log), one line
  per epoch with its losses, its time and the most time left (early stopping may end sooner),
  and never a carriage return.

Example:
    >>> import io, keras, numpy as np
    >>> inputs = keras.Input((2,)); network = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    >>> network.compile(optimizer="sgd", loss="mse")
    >>> log = io.StringIO()
    >>> progress = EpochProgress("demo", live=False, stream=log)
    >>> _ = network.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0, callbacks=[progress])
    >>> [line.split(":")[0] for line in log.getvalue().splitlines()]
    ['demo epoch 1/2', 'demo epoch 2/2']
"""

from __future__ import annotations

import sys
import time
from typing import IO

import keras

from forecast._progress import format_duration, live_output, progress_bar
from forecast.nn.options import VERBOSE


def training_progress(verbose, description: str, stream: IO[str] | None = None):
    """The progress callback for ``verbose`` (``None`` for 0): ``"auto"`` or 1, a live bar
    where stderr is live (:func:`forecast._progress.live_output`), lines otherwise; 2, one
    line per epoch wherever output goes."""
    if verbose not in VERBOSE:
        raise ValueError(f"verbose must be one of {VERBOSE}, got {verbose!r}")
    if verbose == 0:
        return None
    stream = sys.stderr if stream is None else stream
    live = verbose != 2 and live_output(stream)
    return EpochProgress(description, live=live, stream=stream)


class EpochProgress(keras.callbacks.Callback):
    """Shows training as it goes (see the module docstring).

    Args:
        description: what is trained (the bar's label, each line's start).
        live: a tqdm bar (a terminal or notebook) rather than one line per epoch.
        stream: where it goes (default ``sys.stderr``).
    """

    def __init__(self, description: str, *, live: bool, stream: IO[str] | None = None):
        super().__init__()
        self.description, self.live = description, bool(live)
        self.stream = sys.stderr if stream is None else stream
        self.bar = None

    def on_train_begin(self, logs=None):
        self.epochs = int(self.params.get("epochs") or 0)
        self.steps = self.params.get("steps") or None
        self.started, self.epochs_done = time.perf_counter(), 0
        if self.live:
            total = self.epochs * self.steps if self.steps else self.epochs
            unit = "batch" if self.steps else "epoch"
            self.bar = progress_bar(total, self.description, unit, self.stream)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is not None and self.steps:
            self.bar.update(1)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_done = epoch + 1
        losses = _losses(logs)
        if self.bar is not None:
            if not self.steps:
                self.bar.update(1)
            self.bar.set_postfix_str(f"epoch {epoch + 1}/{self.epochs}, {losses}", refresh=True)
            return
        seconds = time.perf_counter() - self.epoch_started
        mean = (time.perf_counter() - self.started) / self.epochs_done
        left = self.epochs - self.epochs_done
        eta = f"; at most {format_duration(mean * left)} left" if left else ""
        self._line(
            f"{self.description} epoch {epoch + 1}/{self.epochs}: {losses} "
            f"({format_duration(seconds)}{eta})"
        )

    def on_train_end(self, logs=None):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif 0 < self.epochs_done < self.epochs:
            self._line(
                f"{self.description}: stopped early after {self.epochs_done} of {self.epochs} "
                f"epochs ({format_duration(time.perf_counter() - self.started)})"
            )

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


def _losses(logs) -> str:
    """``loss 0.0654, val_loss 0.053`` from an epoch's logs (the learning rate left out)."""
    shown = {k: v for k, v in (logs or {}).items() if k != "learning_rate"}
    return ", ".join(f"{k} {float(v):.4g}" for k, v in shown.items()) or "no loss logged"
