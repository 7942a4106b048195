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
#: what a residual network corrects (``None``: nothing; ``"auto"``: the candidate anchor that
#: forecasts the validation windows best, see :mod:`forecast.nn.anchor_selection`)
RESIDUALS = (None, "last", "seasonal", "linear", "auto")
#: the anchors a network can be built on (``"auto"`` resolves to one of them)
ANCHORS = (None, "last", "seasonal", "linear")
#: input scaling modes (``None``: none)
SCALING_MODES = ("standard", "robust", "window", None)
#: the forecasters' scaling argument: a mode, or ``"auto"`` (chosen from the training data,
#: see :func:`forecast.nn.scaling.choose_scaling`)
SCALING_CHOICES = ("auto", *SCALING_MODES)
#: tf.distribute strategies
DISTRIBUTIONS = ("default", "mirrored", "multi_worker")
#: training losses (on scaled values)
LOSSES = ("mse", "mae", "huber")
#: training progress (:mod:`forecast.nn.progress`): "auto" and 1 suit where output goes (a
#: live bar on a terminal or notebook, lines in a log), 2 is one line per epoch, 0 nothing
VERBOSE = ("auto", 0, 1, 2)
