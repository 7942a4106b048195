"""Small real datasets bundled with the package, loaded offline into the data model.

All four come from the UCI Machine Learning Repository under CC BY 4.0 (see ``README.md`` in
this folder for the full attribution):

* ``electricity_hourly``: electricity load of 321 Portuguese clients, hourly, 2012-2014
  (A. Trindade);
* ``beijing_pm25``: PM2.5 at the US embassy in Beijing with weather, hourly, 2010-2014
  (Liang et al., 2015);
* ``appliances_energy``: a house's appliance energy with room and outdoor weather, every
  10 minutes, 2016 (Candanedo et al., 2017);
* ``parking_birmingham``: occupancy of 30 Birmingham car parks, every 30 minutes in opening
  hours, Oct-Dec 2016 (Stolfi et al., 2017): a panel with gaps.

Example:
    >>> import forecast
    >>> forecast.list_datasets()
    ('appliances_energy', 'beijing_pm25', 'electricity_hourly', 'parking_birmingham')
    >>> frame = forecast.load_dataset("electricity_hourly")
    >>> frame.shape, str(frame.index[0])
    ((26304, 1), '2012-01-01 00:00:00')
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import numpy as np
import pandas as pd

from forecast.data.layout import SERIES_LEVEL, TIME_LEVEL
from forecast.data.readers import regularize


def _path(filename: str):
    return resources.files(__name__).joinpath(filename)


def _electricity_hourly() -> pd.DataFrame:
    with _path("electricity_hourly.csv.gz").open("rb") as handle:
        frame = pd.read_csv(handle, compression="gzip", parse_dates=["ts"])
    frame = frame.set_index(pd.DatetimeIndex(frame.pop("ts"), name=TIME_LEVEL))
    return frame.astype({"y": np.float64})


def _beijing_pm25() -> pd.DataFrame:
    with _path("beijing_pm25.csv.gz").open("rb") as handle:
        frame = pd.read_csv(handle, compression="gzip", na_values=["NA"])
    stamps = pd.to_datetime(frame[["year", "month", "day", "hour"]])
    frame = frame.drop(columns=["No", "year", "month", "day", "hour"])
    frame.index = pd.DatetimeIndex(stamps, name=TIME_LEVEL)
    frame["cbwd"] = frame["cbwd"].astype("category")
    numeric = [c for c in frame.columns if c != "cbwd"]
    return frame.astype(dict.fromkeys(numeric, np.float64))


def _appliances_energy() -> pd.DataFrame:
    with _path("appliances_energy.csv.gz").open("rb") as handle:
        frame = pd.read_csv(handle, compression="gzip", dtype=str, skipinitialspace=True)
    stamps = pd.to_datetime(frame.pop("date"))
    frame = frame.apply(lambda column: pd.to_numeric(column.str.strip())).astype(np.float64)
    frame.index = pd.DatetimeIndex(stamps, name=TIME_LEVEL)
    return frame


def _parking_birmingham() -> pd.DataFrame:
    with _path("parking_birmingham.csv.gz").open("rb") as handle:
        raw = pd.read_csv(handle, compression="gzip", parse_dates=["LastUpdated"])
    raw = raw.rename(
        columns={"SystemCodeNumber": SERIES_LEVEL, "Occupancy": "occupancy", "Capacity": "capacity"}
    )
    index = pd.MultiIndex.from_arrays(
        [raw.pop(SERIES_LEVEL).to_numpy(), pd.DatetimeIndex(raw.pop("LastUpdated"))],
        names=[SERIES_LEVEL, TIME_LEVEL],
    )
    frame = raw.astype(np.float64).set_axis(index)
    frame = regularize(frame, "30min", how="nearest", agg="mean")
    frame["occupancy_rate"] = frame["occupancy"] / frame["capacity"]
    return frame[["occupancy", "capacity", "occupancy_rate"]]


_LOADERS: dict[str, Callable[[], pd.DataFrame]] = {
    "appliances_energy": _appliances_energy,
    "beijing_pm25": _beijing_pm25,
    "electricity_hourly": _electricity_hourly,
    "parking_birmingham": _parking_birmingham,
}


def list_datasets() -> tuple[str, ...]:
    """Names of the bundled datasets, for :func:`load_dataset`."""
    return tuple(sorted(_LOADERS))


def load_dataset(name: str) -> pd.DataFrame:
    """Load a bundled dataset into the data model, cleaned (no network needed).

    Data: UCI Machine Learning Repository, CC BY 4.0; see the package's
    ``forecast/data/datasets/README.md`` for authors, citations and what each loader cleans.

    Args:
        name: one of :func:`list_datasets`.

    Returns:
        A fresh frame (one series with a ``DatetimeIndex``, or for ``parking_birmingham`` a
        panel with a ``(series_id, timestamp)`` ``MultiIndex``).

    Raises:
        ValueError: an unknown name.

    Example:
        >>> import forecast
        >>> pm = forecast.load_dataset("beijing_pm25")
        >>> int(pm["pm2.5"].isna().sum()), str(pm["cbwd"].dtype)
        (2067, 'category')
    """
    try:
        loader = _LOADERS[name]
    except KeyError:
        raise ValueError(
            f"unknown dataset {name!r}; the bundled datasets are {list(list_datasets())}"
        ) from None
    return loader()
