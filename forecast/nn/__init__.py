"""Keras building blocks: in-graph scaling, network builders, the training loop and
tf.distribute strategies. Importing a module of this layer imports TensorFlow."""
