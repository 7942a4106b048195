"""Windows: the spec and split arithmetic, the origin rule, NumPy windows and the tf.data
pipeline, and the latest windows a forecast is made from."""
