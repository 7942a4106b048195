"""Keras building blocks: in-graph scaling, network builders, the training loop and
tf.distribute strategies.

Most modules of this layer import TensorFlow; two do not, so the baselines and the configs can
use them without it: :mod:`~forecast.nn.anchors` (the baseline forecasts written once for NumPy
and ``keras.ops``) and :mod:`~forecast.nn.options` (the option names the networks understand).
"""
