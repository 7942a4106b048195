"""The data model: a frame's layout and grid, its columns and missing values, readers, datasets.

Modules: :mod:`~forecast.data.layout` (series, timestamps, gaps), :mod:`~forecast.data.frequency`
(the time grid), :mod:`~forecast.data.columns` (column roles and types),
:mod:`~forecast.data.validated` (a frame validated once, with its layout and columns),
:mod:`~forecast.data.missing` (the NaN policy), :mod:`~forecast.data.readers` (CSV, Parquet,
long <-> panel), :mod:`~forecast.data.long_format` (long frames in and out of the models) and
:mod:`~forecast.data.datasets` (bundled real data).
"""
