"""The ``tf.data`` pipeline of windows: origins batched, each batch gathered in the graph.

The windows' array is held once (shared with TensorFlow without a copy when its memory
allows); the pipeline batches origin positions first and turns each batch into ``(inputs,
labels)`` with one ``tf.gather`` per part, so memory does not grow with ``input_width``.
Under the ``"fill"`` missing-value policy, each batch's inputs are then filled within their
windows by :func:`~forecast.data.missing.fill_windows` on ``keras.ops`` (the very values the
NumPy :meth:`~forecast.windowing.windows.Windows.gather` gives).
Training order comes from a stateless permutation of the positions (no shuffle buffer): the
same seed gives the same order, each pass over the dataset a new one.

TensorFlow is imported only when a pipeline is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - for type checkers
    import tensorflow as tf

    from forecast.windowing.windows import Windows

#: Batches gathered ahead of the consumer: enough to overlap gathering with training, few
#: enough that memory stays a handful of batches (AUTOTUNE may buffer dozens).
_PREFETCH_BATCHES = 2


def window_dataset(
    windows: Windows, rows: np.ndarray, batch_size: int, shuffle: bool, seed: int | None
) -> tf.data.Dataset:
    """A batched ``tf.data.Dataset`` of the windows at the given origin rows.

    Args:
        windows: the windows (their array, spec and column roles).
        rows: the origin rows, in the order of unshuffled batches (at least one).
        batch_size: windows per batch (the last batch may be smaller).
        shuffle: permute the windows, anew on each pass over the dataset.
        seed: seed of the permutation; ``None`` for a non-reproducible order.

    Returns:
        A dataset of ``(inputs, labels)`` whose elements match
        :meth:`~forecast.windowing.windows.Windows.gather` of the same rows, batch by batch.
    """
    import tensorflow as tf

    from forecast._memory import bound_heap_growth

    bound_heap_growth()
    gather = _batch_gatherer(windows, rows)
    index = _batch_positions(len(rows), batch_size, shuffle, seed)
    dataset = index.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    options = tf.data.Options()
    # The pipeline sets its own parallelism; TensorFlow's default graph rewrites would
    # serialise the captured array by value (a full copy) for no gain.
    options.experimental_optimization.apply_default_optimizations = False
    return dataset.prefetch(_PREFETCH_BATCHES).with_options(options)


def _batch_positions(n: int, batch_size: int, shuffle: bool, seed: int | None) -> tf.data.Dataset:
    """A dataset of the positions (into the origin rows) of each batch, in batch order."""
    import tensorflow as tf

    n_batches = -(-n // batch_size)

    def positions(batch: tf.Tensor) -> tf.Tensor:
        return tf.range(batch * batch_size, tf.minimum((batch + 1) * batch_size, n))

    if not shuffle:
        return tf.data.Dataset.range(n_batches).map(positions)
    key = 0 if seed is None else int(seed)

    def shuffled_positions(batch: tf.Tensor, epoch_seed: tf.Tensor) -> tf.Tensor:
        pair = tf.stack([epoch_seed, tf.constant(key, tf.int64)])
        return tf.random.experimental.index_shuffle(positions(batch), seed=pair, max_index=n - 1)

    epoch_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).take(1)
    index = epoch_seeds.flat_map(
        lambda s: tf.data.Dataset.range(n_batches).map(lambda b: shuffled_positions(b, s))
    )
    return index.apply(tf.data.experimental.assert_cardinality(n_batches))


def _batch_gatherer(windows: Windows, rows: np.ndarray):
    """The graph function from a batch's positions to its ``(inputs, labels)``."""
    import tensorflow as tf

    values = _as_tensor(windows.values)
    index_dtype = tf.int32 if windows.layout.n_rows < 2**31 - 1 else tf.int64
    origins = tf.convert_to_tensor(rows.astype(index_dtype.as_numpy_dtype, copy=False))
    past_offsets = tf.range(-windows.spec.input_width, 0, dtype=index_dtype)
    future_offsets = tf.range(0, windows.spec.horizon, dtype=index_dtype)
    n_targets = windows.n_targets
    n_future = len(windows.future_columns)
    fill = _window_filler() if windows.fills_windows else None
    per_series = {key: tf.convert_to_tensor(v) for key, v in windows.series_inputs.items()}
    series_of_row = tf.convert_to_tensor(windows.layout.series_index()) if per_series else None

    def gather(index: tf.Tensor) -> tuple[Any, tf.Tensor]:
        starts = tf.gather(origins, index)[:, None]
        past = tf.gather(values, starts + past_offsets[None, :])
        if fill is not None:
            past = fill(past)
        ahead = tf.gather(values, starts + future_offsets[None, :])
        labels = ahead[:, :, :n_targets]
        if not n_future and not per_series:
            return past, labels
        inputs = {"past": past}
        if n_future:
            inputs["future"] = ahead[:, :, -n_future:]
        if per_series:  # each window's series row of the per-series inputs
            series = tf.gather(series_of_row, starts[:, 0])
            inputs.update({key: tf.gather(value, series) for key, value in per_series.items()})
        return inputs, labels

    return gather


def _window_filler():
    """:func:`~forecast.data.missing.fill_windows` as graph operations (``keras.ops``)."""
    import keras

    from forecast.data.missing import fill_windows

    return lambda past: fill_windows(past, keras.ops)


def _as_tensor(values: np.ndarray) -> tf.Tensor:
    """The array as a TensorFlow tensor, sharing its memory when TensorFlow allows it
    (C-contiguous and 64-byte aligned); a copy otherwise."""
    import tensorflow as tf

    if values.flags.c_contiguous and values.flags.writeable and values.ctypes.data % 64 == 0:
        try:
            return tf.experimental.dlpack.from_dlpack(values.__dlpack__())
        except (BufferError, TypeError, ValueError, tf.errors.InvalidArgumentError):
            pass
    return tf.convert_to_tensor(values)
