"""forecast: forecast time series with stacked LSTM/GRU Keras models, honestly evaluated.

The public API is re-exported here. TensorFlow is imported only where it is needed, so
``import forecast`` and ``forecast --help`` are quick; Keras is pinned to its TensorFlow
backend before anything imports it.

Example:
    >>> import forecast
    >>> frame = forecast.load_dataset("electricity_hourly")
    >>> windows = forecast.make_windows(frame, forecast.WindowSpec(168, 24), target="y")
    >>> windows.n_windows("test") > 0
    True
"""

from forecast._backend import use_tensorflow_backend

use_tensorflow_backend()

from forecast._version import __version__  # noqa: E402
from forecast.baselines import Drift, LinearForecaster, Naive, SeasonalNaive, WindowAverage  # noqa: E402
from forecast.calendar import calendar_features, future_index  # noqa: E402
from forecast.data import MissingPolicy, SeriesLayout, describe_layout  # noqa: E402
from forecast.datasets import list_datasets, load_dataset  # noqa: E402
from forecast.errors import DataValidationError  # noqa: E402
from forecast.estimators import GRUForecaster, LSTMForecaster, RNNForecaster  # noqa: E402
from forecast.evaluation import Comparison, backtest, compare  # noqa: E402
from forecast.export import ExportedForecaster, load  # noqa: E402
from forecast.io import from_long, read_csv, read_frame, read_parquet, regularize, to_long  # noqa: E402
from forecast.windowing import Split, WindowSpec, Windows, make_windows  # noqa: E402

__all__ = [
    "Comparison",
    "DataValidationError",
    "Drift",
    "ExportedForecaster",
    "GRUForecaster",
    "LSTMForecaster",
    "LinearForecaster",
    "Naive",
    "RNNForecaster",
    "SeasonalNaive",
    "WindowAverage",
    "MissingPolicy",
    "SeriesLayout",
    "Split",
    "WindowSpec",
    "Windows",
    "__version__",
    "backtest",
    "calendar_features",
    "compare",
    "describe_layout",
    "from_long",
    "future_index",
    "list_datasets",
    "load",
    "load_dataset",
    "make_windows",
    "read_csv",
    "read_frame",
    "read_parquet",
    "regularize",
    "to_long",
]
