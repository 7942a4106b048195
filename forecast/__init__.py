"""forecast: forecast time series with stacked LSTM/GRU Keras models, honestly evaluated.

The public API is re-exported here, each name imported on first use, and TensorFlow only where
it is needed, so ``import forecast`` and ``forecast --help`` are quick; Keras is pinned to its
TensorFlow backend before anything imports it, and TensorFlow's start-up lines (absl's
pre-initialisation banner, "Could not find cuda drivers", ...) are kept off stderr (see
:mod:`forecast._tf_logs`; ``TF_CPP_MIN_LOG_LEVEL=0`` shows them).

The package is built in layers, one folder each; a module imports only from its own layer and
the layers before it (``tests/test_architecture.py`` enforces this order):

0. the foundation modules beside this file: :mod:`forecast.errors` and the private helpers
   (atomic files, memory, the Keras backend, the version);
1. ``data``: the data model (layout and grid, columns, missing values, readers, datasets);
2. ``features``: calendar and holiday features, covariate encoding, the float32 input array;
3. ``windowing``: window spec and split, the origin rule, windows, the latest windows;
4. ``nn``: Keras layers and networks, in-graph scaling, the training loop, tf.distribute;
5. ``serving``: export and load, the series stream, the batch engine, batch files, Spark;
6. ``models``: the estimator contract and the forecasters (baselines, recurrent networks);
7. ``evaluation``: metrics, backtests and comparisons, plots, reports;
8. ``app``: configs, runs and the ``forecast`` command.

Example:
    >>> import forecast
    >>> frame = forecast.load_dataset("electricity_hourly")
    >>> windows = forecast.make_windows(frame, forecast.WindowSpec(168, 24), target="y")
    >>> windows.n_windows("test") > 0
    True
    >>> forecast.metrics.mae([1.0, 2.0], [1.5, 2.5])  # module paths of the README still work
    0.5
"""

from forecast._backend import use_tensorflow_backend
from forecast._tf_logs import quiet_tensorflow_startup

use_tensorflow_backend()
quiet_tensorflow_startup()  # before anything imports TensorFlow: its start-up lines filtered

import sys  # noqa: E402
from importlib import abc as _abc  # noqa: E402
from importlib import import_module  # noqa: E402
from importlib import util as _util  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

from forecast._version import __version__  # noqa: E402

#: public name -> the module that defines it; imported on first use (PEP 562), so
#: ``forecast --help`` does not pay for pandas, scikit-learn or TensorFlow.
_EXPORTS = {
    "AutoETS": "models.classical",
    "AutoTheta": "models.classical",
    "ConformalForecaster": "models.conformal",
    "Drift": "models.baselines",
    "LinearForecaster": "models.baselines",
    "Naive": "models.baselines",
    "SeasonalNaive": "models.baselines",
    "WindowAverage": "models.baselines",
    "calendar_features": "features.calendar_features",
    "future_index": "features.calendar_features",
    "MissingPolicy": "data.missing",
    "SeriesLayout": "data.layout",
    "describe_layout": "data.layout",
    "list_datasets": "data.datasets",
    "load_dataset": "data.datasets",
    "DataValidationError": "errors",
    "GRUForecaster": "models.recurrent",
    "LSTMForecaster": "models.recurrent",
    "RNNForecaster": "models.recurrent",
    "Comparison": "evaluation.comparison",
    "backtest": "evaluation.comparison",
    "compare": "evaluation.comparison",
    "ExportedForecaster": "serving.export",
    "load": "serving.export",
    "from_long": "data.readers",
    "read_csv": "data.readers",
    "read_frame": "data.readers",
    "read_parquet": "data.readers",
    "regularize": "data.readers",
    "to_long": "data.readers",
    "Split": "windowing.spec",
    "WindowSpec": "windowing.spec",
    "Windows": "windowing.windows",
    "make_windows": "windowing.windows",
}


#: module paths of earlier versions (and the README) -> where the module lives now: ``import
#: forecast.metrics`` and ``forecast.metrics`` after ``import forecast`` give the very module.
_MODULE_ALIASES = {
    "metrics": "evaluation.metrics",
    "plots": "evaluation.plots",
    "batch": "serving.batch_files",
    "spark": "serving.spark",
    "distribution": "nn.distribution",
    "training_loop": "nn.training_loop",
    "datasets": "data.datasets",
    "networks": "nn.networks",
}
#: the layers, bottom up; a module imports only from its own layer or those before it.
LAYERS = ("data", "features", "windowing", "nn", "serving", "models", "evaluation", "app")


class _AliasImporter(_abc.MetaPathFinder, _abc.Loader):
    """Resolves ``forecast.<alias>`` to the module it names (no copy, no second import)."""

    def find_spec(self, fullname: str, path=None, target=None):
        prefix, _, alias = fullname.partition(".")
        if prefix == "forecast" and alias in _MODULE_ALIASES:
            return _util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        module = import_module(f"forecast.{_MODULE_ALIASES[spec.name.partition('.')[2]]}")
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module) -> None:
        module.__spec__ = module.__spec__.loader_state  # keep the real module's own spec


if not any(isinstance(finder, _AliasImporter) for finder in sys.meta_path):
    sys.meta_path.append(_AliasImporter())


def __getattr__(name: str) -> Any:
    if name in _MODULE_ALIASES or name in LAYERS:
        return import_module(f"forecast.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'forecast' has no attribute {name!r}")
    value = getattr(import_module(f"forecast.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS, *_MODULE_ALIASES, *LAYERS])


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from forecast.data.datasets import list_datasets, load_dataset
    from forecast.data.layout import SeriesLayout, describe_layout
    from forecast.data.missing import MissingPolicy
    from forecast.data.readers import (
        from_long,
        read_csv,
        read_frame,
        read_parquet,
        regularize,
        to_long,
    )
    from forecast.errors import DataValidationError
    from forecast.evaluation.comparison import Comparison, backtest, compare
    from forecast.features.calendar_features import calendar_features, future_index
    from forecast.models.baselines import (
        Drift,
        LinearForecaster,
        Naive,
        SeasonalNaive,
        WindowAverage,
    )
    from forecast.models.classical import AutoETS, AutoTheta
    from forecast.models.conformal import ConformalForecaster
    from forecast.models.recurrent import GRUForecaster, LSTMForecaster, RNNForecaster
    from forecast.serving.export import ExportedForecaster, load
    from forecast.windowing.spec import Split, WindowSpec
    from forecast.windowing.windows import Windows, make_windows

__all__ = [
    "AutoETS",
    "AutoTheta",
    "Comparison",
    "ConformalForecaster",
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
