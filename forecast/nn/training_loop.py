"""A training loop over ``tf.distribute`` replicas for when Keras's ``Model.fit`` cannot train.

Keras 3's ``Model.fit`` fails under :class:`tf.distribute.MultiWorkerMirroredStrategy` with more
than one worker (it reduces the first batch and the step's logs with ``strategy.reduce`` in
ways ``CollectiveAllReduceStrategy`` rejects; keras-team/keras#20585 and #20329). The
forecasters therefore train ``distribution="multi_worker"`` with :func:`fit_distributed`: the
same steps as ``fit`` (the compiled network and optimizer, Keras's own callbacks for early
stopping, learning-rate decay and the progress bar), written with ``strategy.run`` over
``strategy.experimental_distribute_dataset``.

Each step is the mean loss over the *global* batch, whatever its split: every replica sums the
loss over its share, the sums and the counts of loss elements are added across all replicas
(``all_reduce``), and each replica's gradient is that of its sum divided by the global count.
The optimizer adds the replicas' gradients (Keras's ``TFOptimizer`` all-reduces them), so the
update is the gradient of the global batch's mean, as on one device, even for a last batch
that leaves some replica with few windows or none. Losses reported per epoch are means over
all windows of the epoch, so every worker sees the same numbers and the callbacks take the
same decisions on every worker.

Example:
    >>> import keras, numpy as np, tensorflow as tf
    >>> inputs = keras.Input((3,)); network = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    >>> network.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    >>> x = np.ones((8, 3), "float32"); y = np.full((8, 1), 2.0, "float32")
    >>> train = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    >>> history = fit_distributed(network, train, None, tf.distribute.get_strategy(), loss="mse",
    ...                           epochs=3)
    >>> sorted(history), len(history["loss"])
    (['learning_rate', 'loss'], 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import keras
    import tensorflow as tf

#: Loss names of the forecasters and the Keras losses that give them element by element.
_ELEMENT_LOSSES = {"mse": "MeanSquaredError", "mae": "MeanAbsoluteError", "huber": "Huber"}


def fit_distributed(
    network: keras.Model,
    train: tf.data.Dataset,
    validation: tf.data.Dataset | None,
    strategy: tf.distribute.Strategy,
    *,
    loss: str | keras.losses.Loss,
    epochs: int,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 0,
) -> dict[str, list[float]]:
    """Train a compiled ``network`` on every replica of ``strategy``, like ``network.fit``.

    Args:
        network: a model built and compiled inside ``strategy.scope()``; its optimizer trains it.
        train: batches of ``(inputs, labels)``, each batch the global batch (auto-sharded).
        validation: batches for the validation loss (``None``: no validation).
        strategy: the strategy the network was built under.
        loss: ``"mse"``, ``"mae"`` or ``"huber"`` (Huber with ``delta=1``), as compiled, or
            a Keras loss whose ``reduction`` is ``None`` (one value per loss element, e.g. a
            quantile network's :class:`~forecast.nn.quantile_head.PinballLoss`).
        epochs: passes over ``train``, unless a callback stops training first.
        callbacks: Keras callbacks (early stopping, learning-rate schedules, ...).
        verbose: Keras's progress output (0 silent, 1 progress bar, 2 one line per epoch).

    Returns:
        The history: ``loss``, ``val_loss`` (with validation) and ``learning_rate`` per epoch.
    """
    import keras

    element_loss = _element_loss(loss)
    optimizer = network.optimizer
    with strategy.scope():  # its slots mirrored like the weights, made before the first step
        if not optimizer.built:
            optimizer.build(network.trainable_variables)
    train_step = _train_step(network, optimizer, element_loss, strategy)
    test_step = _test_step(network, element_loss, strategy)
    distributed_train = strategy.experimental_distribute_dataset(train)
    distributed_validation = (
        None if validation is None else strategy.experimental_distribute_dataset(validation)
    )

    steps = int(train.cardinality())  # negative: unknown, a progress bar without a total
    steps = steps if steps > 0 else None
    callback_list = keras.callbacks.CallbackList(
        list(callbacks),
        add_history=True,
        add_progbar=verbose != 0,
        model=network,
        verbose=verbose,
        epochs=epochs,
        steps=steps,
    )
    network.stop_training = False
    callback_list.on_train_begin()
    logs: dict[str, float] = {}
    for epoch in range(epochs):
        callback_list.on_epoch_begin(epoch)
        total, count = 0.0, 0.0
        for step, batch in enumerate(distributed_train):
            callback_list.on_train_batch_begin(step)
            batch_sum, batch_count = (float(v) for v in train_step(batch))
            total, count = total + batch_sum, count + batch_count
            callback_list.on_train_batch_end(step, {"loss": total / max(count, 1.0)})
        logs = {"loss": total / max(count, 1.0)}
        if distributed_validation is not None:
            total, count = 0.0, 0.0
            for batch in distributed_validation:
                batch_sum, batch_count = (float(v) for v in test_step(batch))
                total, count = total + batch_sum, count + batch_count
            logs["val_loss"] = total / max(count, 1.0)
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        callback_list.on_epoch_end(epoch, logs)
        if network.stop_training:
            break
    callback_list.on_train_end(logs)
    return {key: [float(v) for v in values] for key, values in network.history.history.items()}


def evaluate_distributed(network, dataset, strategy, *, loss: str | keras.losses.Loss) -> float:
    """The mean ``loss`` of ``network`` over every window of ``dataset``, computed on every
    replica of ``strategy`` and added across them (what ``network.evaluate`` gives on one
    device; the starting point :class:`forecast.nn.training.KeepBest` compares epochs with)."""
    element_loss = _element_loss(loss)
    test_step = _test_step(network, element_loss, strategy)
    total, count = 0.0, 0.0
    for batch in strategy.experimental_distribute_dataset(dataset):
        batch_sum, batch_count = (float(v) for v in test_step(batch))
        total, count = total + batch_sum, count + batch_count
    return total / max(count, 1.0)


def _element_loss(loss):
    """The loss per element: Keras's loss of that name, or ``loss`` itself."""
    import keras

    if not isinstance(loss, str):
        return loss
    if loss not in _ELEMENT_LOSSES:
        raise ValueError(f"loss must be one of {tuple(_ELEMENT_LOSSES)}, got {loss!r}")
    return getattr(keras.losses, _ELEMENT_LOSSES[loss])(reduction=None)


def _train_step(network, optimizer, element_loss, strategy):
    """One global step: per replica, the gradient of its loss sum over the global count."""
    import tensorflow as tf

    def replica_step(inputs, labels):
        context = tf.distribute.get_replica_context()
        with tf.GradientTape() as tape:
            forecasts = network(inputs, training=True)
            elements = element_loss(labels, forecasts)
            local_sum = tf.reduce_sum(elements)
        count = context.all_reduce("sum", tf.cast(tf.size(elements), tf.float32))
        variables = network.trainable_variables
        gradients = tape.gradient(local_sum, variables)
        gradients = [g / tf.maximum(count, 1.0) for g in gradients]
        optimizer.apply_gradients(zip(gradients, variables))  # all-reduces (sums) them
        return context.all_reduce("sum", local_sum), count

    return _across_replicas(strategy, replica_step)


def _test_step(network, element_loss, strategy):
    """The loss sum and count of one global validation batch, added across replicas."""
    import tensorflow as tf

    def replica_step(inputs, labels):
        context = tf.distribute.get_replica_context()
        elements = element_loss(labels, network(inputs, training=False))
        return (
            context.all_reduce("sum", tf.reduce_sum(elements)),
            context.all_reduce("sum", tf.cast(tf.size(elements), tf.float32)),
        )

    return _across_replicas(strategy, replica_step)


def _across_replicas(strategy, replica_step):
    """A compiled step running ``replica_step`` on every replica; its (all-reduced, hence
    equal) loss sum and count are read from the first."""
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def step(batch):
        total, count = strategy.run(replica_step, args=batch)
        return strategy.experimental_local_results(total)[0], strategy.experimental_local_results(
            count
        )[0]

    return step
