"""Windows: the spec and split arithmetic, the origin rule, NumPy windows and the tf.data
pipeline, and the latest windows a forecast is made from.

Modules: :mod:`~forecast.windowing.spec` (WindowSpec, Split, length checks),
:mod:`~forecast.windowing.origins` (which windows are usable), :mod:`~forecast.windowing.windows`
(the windows of a frame as NumPy arrays), :mod:`~forecast.windowing.pipeline` (the same as a
``tf.data`` pipeline) and :mod:`~forecast.windowing.latest` (the inputs of the next forecast).
"""
