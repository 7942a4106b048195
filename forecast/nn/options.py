"""The options the networks understand, by name, without importing TensorFlow.

The forecasters' parameter constraints and the YAML schema read these tuples; the modules
that implement each option (:mod:`forecast.nn.networks`, :mod:`forecast.nn.scaling`,
:mod:`forecast.nn.distribution`, :mod:`forecast.nn.training_loop`) import them from here, so a
name is declared once.
"""

#: recurrent cells: Keras ``LSTM``, ``GRU`` and ``SimpleRNN``
CELL_NAMES = ("lstm", "gru", "rnn")
#: multi-step strategies
STRATEGIES = ("direct", "seq2seq", "autoregressive")
#: what a residual network corrects (``None``: nothing)
RESIDUALS = (None, "last", "seasonal")
#: input scaling modes (``None``: none)
SCALING_MODES = ("standard", "robust", "window", None)
#: tf.distribute strategies
DISTRIBUTIONS = ("default", "mirrored", "multi_worker")
#: training losses (on scaled values)
LOSSES = ("mse", "mae", "huber")
