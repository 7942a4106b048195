"""Distributed training with ``tf.distribute``: the neural forecasters' ``distribution`` argument.

(Not ``strategy``: that argument of the forecasters is the multi-step strategy.)

* ``"default"``: no distribution; TensorFlow's default strategy on one device (plain
  ``Model.fit``, no strategy scope).
* ``"mirrored"``: :class:`tf.distribute.MirroredStrategy`, one replica per local GPU or, on a
  machine without GPUs, per logical CPU device (a CPU is one device unless
  ``tf.config.set_logical_device_configuration`` splits it, as the tests do). The devices are
  named explicitly, so a ``TF_CONFIG`` in the environment does not turn it into a cluster.
* ``"multi_worker"``: :class:`tf.distribute.MultiWorkerMirroredStrategy`, the cluster read from
  the ``TF_CONFIG`` environment variable; every worker runs the same program on the same data
  and ends with the same trained model (export it from the chief, :func:`is_chief`). Keras 3's
  ``Model.fit`` fails inside TensorFlow under this strategy with more than one worker
  (keras-team/keras#20585, #20329), so these runs train with
  :func:`forecast.nn.training_loop.fit_distributed`, which takes the same steps with the same
  callbacks. Start the workers together: each waits for the others when the strategy is made.

The network is built and compiled inside the strategy's scope (its variables are mirrored on
every replica) and Keras runs each step on all replicas, summing their (1/replicas-scaled)
gradients. ``batch_size`` stays the *global* batch size: each step reads ``batch_size`` windows
in all, split evenly across the replicas (so it must be a multiple of their number), and
averages the gradient over the same windows as one device would, so the learning rate needs no
rescaling. To keep every device as busy as one was, multiply ``batch_size`` by the replicas.
Keras clips gradients (``clipnorm``) on each replica, before the sum, where each replica holds
its own mean gradient divided by the number of replicas ``n``; the forecasters pass
``clipnorm / n`` there, so each replica's mean gradient is clipped at ``clipnorm`` and their
average never exceeds it, as on one device (clipping the parts rather than their average may
clip a little more).

The window pipelines are generated from an array in memory, not read from files, so they are
sharded by data (``AutoShardPolicy.DATA``): with several workers, each worker keeps its share of
every global batch (all workers build the same seeded pipeline, so they agree on the order).

Two Keras behaviours under ``"mirrored"`` shape the rest. Before training, ``Model.fit`` reads
one batch of each pipeline to build the model and averages it across the replicas, which fails
when their shares differ in size: :func:`split_batch_size` keeps every first batch even. And that
extra read opens the training pipeline once more, so the seeded shuffle starts one pass later
than in a ``"default"`` run. ``"multi_worker"``'s own loop reads no extra batch and takes a
global batch split unevenly (or a replica with no window at all) in its stride, but the
distributed pipeline shuffles in another seeded order too. So a distributed fit is reproducible
with ``random_state``, but not bit-identical to a default one.

Example:
    >>> DISTRIBUTIONS
    ('default', 'mirrored', 'multi_worker')
    >>> make_strategy("default") is None
    True
"""

from __future__ import annotations

import functools
import json
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import tensorflow as tf

#: Values of the neural forecasters' ``distribution`` argument.
from forecast.nn.options import DISTRIBUTIONS  # noqa: F401  (re-exported)


def make_strategy(distribution: str) -> tf.distribute.Strategy | None:
    """The ``tf.distribute`` strategy a forecaster trains under (``None`` for ``"default"``).

    Args:
        distribution: one of :data:`DISTRIBUTIONS`.

    Raises:
        ValueError: an unknown ``distribution``, or ``"multi_worker"`` without a usable
            ``TF_CONFIG``.
    """
    if distribution == "default":
        return None
    if distribution == "mirrored":
        import tensorflow as tf

        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return _mirrored_strategy(tuple(device.name for device in devices))
    if distribution == "multi_worker":
        return _multi_worker_strategy(_tf_config())
    raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {distribution!r}")


def split_batch_size(batch_size: int, n_windows: int, replicas: int, split: str = "train") -> int:
    """The batch size of a split's pipeline, such that its first batch splits evenly across
    the replicas.

    Under a strategy Keras reads the first batch of each pipeline before training and averages
    it across the replicas, which fails when their shares differ in size. ``batch_size`` is
    kept when every share is equal; a split with fewer windows than one batch is cut into a
    batch that splits evenly and a small remainder.

    Args:
        batch_size: the global batch size (a multiple of ``replicas``).
        n_windows: windows in the split.
        replicas: the strategy's ``num_replicas_in_sync`` (1: ``batch_size`` unchanged).
        split: the split's name, for the error.

    Raises:
        ValueError: the split has fewer windows than replicas.

    Example:
        >>> split_batch_size(64, 1000, 2), split_batch_size(64, 41, 2), split_batch_size(64, 41, 1)
        (64, 40, 64)
    """
    if replicas == 1:
        return batch_size
    if n_windows < replicas:
        raise ValueError(
            f"the {split} split has {n_windows} window(s), fewer than the {replicas} replicas "
            "that share each batch; use more data or fewer devices"
        )
    first = min(batch_size, n_windows)
    return first - first % replicas


def shard_by_data(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """``dataset`` with the ``DATA`` auto-shard policy (it is generated, not read from files)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def _tf_config() -> str:
    """The ``TF_CONFIG`` text, checked to name a cluster and this process's task in it."""
    text = os.environ.get("TF_CONFIG", "")
    example = (
        'e.g. {"cluster": {"worker": ["localhost:12345"]}, "task": {"type": "worker", "index": 0}}'
    )
    if not text.strip():
        raise ValueError(
            "distribution='multi_worker' reads the cluster from the TF_CONFIG environment "
            f"variable, which is not set; set it on every worker ({example}), or use "
            "distribution='mirrored' for the devices of this machine"
        )
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"TF_CONFIG is not valid JSON ({exc}); expected {example}") from None
    if (
        not isinstance(config, dict)
        or not isinstance(config.get("cluster"), dict)
        or not config["cluster"]
        or not isinstance(config.get("task"), dict)
    ):
        raise ValueError(f"TF_CONFIG needs a 'cluster' and this worker's 'task'; {example}")
    task = config["task"]
    members = config["cluster"].get(task.get("type")) or ()
    if (
        task.get("type") not in ("chief", "worker")
        or not isinstance(task.get("index"), int)
        or not 0 <= task["index"] < len(members)
    ):
        raise ValueError(
            f"TF_CONFIG's task {task} is not a 'chief' or 'worker' of the cluster "
            f"{config['cluster']}; {example}"
        )
    return text


def is_chief() -> bool:
    """Whether this process is the cluster's chief: the ``chief`` task, or worker 0 of a
    cluster without one (also ``True`` without a ``TF_CONFIG``). Only the chief shows
    training progress; every worker ends with the same trained model.

    Example:
        >>> import os; os.environ.pop("TF_CONFIG", None) and None
        >>> is_chief()
        True
    """
    text = os.environ.get("TF_CONFIG", "").strip()
    if not text:
        return True
    config = json.loads(text)
    task, cluster = config.get("task") or {}, config.get("cluster") or {}
    if task.get("type") == "chief":
        return True
    return not cluster.get("chief") and task.get("type") == "worker" and task.get("index", 0) == 0


# One strategy per device set (or cluster) and process, reused by every fit: a new strategy
# restarts its collective keys, so a second model of another shape trained under a second
# strategy fails ("Shape mismatch in the collective instance 100", tensorflow#62790).


@functools.cache
def _mirrored_strategy(devices: tuple[str, ...]) -> tf.distribute.Strategy:
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(list(devices))


@functools.cache
def _multi_worker_strategy(tf_config: str) -> tf.distribute.Strategy:
    """The cluster's strategy; creating it starts this worker's server, once per process
    (TensorFlow prefers that before any other op runs: fit early in the program)."""
    import tensorflow as tf

    del tf_config  # the cache key; the strategy reads the environment itself
    return tf.distribute.MultiWorkerMirroredStrategy()
