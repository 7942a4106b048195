"""forecast: forecast time series with stacked LSTM/GRU Keras models, honestly evaluated.

The public API is re-exported here, each name imported on first use, and TensorFlow only where
it is needed, so ``import forecast`` and ``forecast --help`` are quick; Keras is pinned to its
TensorFlow backend before anything imports it.

Example:
    >>> import forecast
    >>> frame = forecast.load_dataset("electricity_hourly")
    >>> windows = forecast.make_windows(frame, forecast.WindowSpec(168, 24), target="y")
    >>> windows.n_windows("test") > 0
    True
"""

from forecast._backend import use_tensorflow_backend

use_tensorflow_backend()

from importlib import import_module  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

from forecast._version import __version__  # noqa: E402

#: public name -> the module that defines it; imported on first use (PEP 562), so
#: ``forecast --help`` does not pay for pandas, scikit-learn or TensorFlow.
_EXPORTS = {
    "Drift": "baselines", "LinearForecaster": "baselines", "Naive": "baselines",
    "SeasonalNaive": "baselines", "WindowAverage": "baselines",
    "calendar_features": "calendar", "future_index": "calendar",
    "MissingPolicy": "data", "SeriesLayout": "data", "describe_layout": "data",
    "list_datasets": "datasets", "load_dataset": "datasets",
    "DataValidationError": "errors",
    "GRUForecaster": "estimators", "LSTMForecaster": "estimators", "RNNForecaster": "estimators",
    "Comparison": "evaluation", "backtest": "evaluation", "compare": "evaluation",
    "ExportedForecaster": "export", "load": "export",
    "from_long": "io", "read_csv": "io", "read_frame": "io", "read_parquet": "io",
    "regularize": "io", "to_long": "io",
    "Split": "windowing", "WindowSpec": "windowing", "Windows": "windowing", "make_windows": "windowing",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'forecast' has no attribute {name!r}")
    value = getattr(import_module(f"forecast.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from forecast.baselines import Drift, LinearForecaster, Naive, SeasonalNaive, WindowAverage
    from forecast.calendar import calendar_features, future_index
    from forecast.data import MissingPolicy, SeriesLayout, describe_layout
    from forecast.datasets import list_datasets, load_dataset
    from forecast.errors import DataValidationError
    from forecast.estimators import GRUForecaster, LSTMForecaster, RNNForecaster
    from forecast.evaluation import Comparison, backtest, compare
    from forecast.export import ExportedForecaster, load
    from forecast.io import from_long, read_csv, read_frame, read_parquet, regularize, to_long
    from forecast.windowing import Split, WindowSpec, Windows, make_windows

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
