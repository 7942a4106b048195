"""Declarative parameter constraints: one table per forecaster, read by its checks and the YAML schema.

Every forecaster class declares ``_parameter_constraints``, a mapping from each constructor
argument to one :class:`Constraint` (as scikit-learn's estimators declare theirs). The same
table serves twice:

* :meth:`Constraint.check` raises a ``ValueError`` that names the parameter, when ``fit`` starts;
* :meth:`Constraint.annotation` is the pydantic type of the argument in a YAML model block, so
  a config with a wrong type for any parameter fails when it is loaded, naming the key.

Example:
    >>> Integer(minimum=1).check("epochs", 0)
    Traceback (most recent call last):
    ...
    ValueError: epochs must be an integer >= 1, got 0
    >>> Integer(minimum=1, none=True).describe()
    'an integer >= 1 or None'
    >>> Choice(("mae", "mse")).check("loss", "mae")
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

#: The largest seed NumPy and TensorFlow accept.
MAX_SEED = 2**32 - 1


class Constraint:
    """What values one parameter accepts."""

    #: whether ``None`` is accepted too
    none: bool = False

    def check(self, name: str, value: Any) -> None:
        """Raise a ``ValueError`` naming ``name`` when ``value`` is not accepted."""
        if value is None and self.none:
            return
        if not self.accepts(value):
            raise ValueError(f"{name} must be {self.describe()}, got {value!r}")

    def accepts(self, value: Any) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:
        """The accepted values in words, for error messages."""
        text = self._describe()
        return f"{text} or None" if self.none else text

    def _describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def annotation(self) -> Any:
        """The pydantic type of a YAML value for this parameter."""
        base = self._annotation()
        return base | None if self.none else base

    def _annotation(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


def _is_integer(value: Any) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Integer(Constraint):
    """An integer (not a bool, not a float such as ``1.5`` or a string such as ``"1"``) within
    ``[minimum, maximum]``."""

    minimum: int | None = None
    maximum: int | None = None
    none: bool = False

    def accepts(self, value: Any) -> bool:
        return (
            _is_integer(value)
            and (self.minimum is None or value >= self.minimum)
            and (self.maximum is None or value <= self.maximum)
        )

    def _describe(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"an integer in [{self.minimum}, {self.maximum}]"
        if self.minimum is not None:
            return f"an integer >= {self.minimum}"
        if self.maximum is not None:
            return f"an integer <= {self.maximum}"
        return "an integer"

    def _annotation(self) -> Any:
        return Annotated[int, Field(strict=True, ge=self.minimum, le=self.maximum)]


@dataclass(frozen=True)
class Real(Constraint):
    """A real number (an int is fine; a bool or a string is not) in an interval whose ends are
    included unless ``open_low`` / ``open_high`` say otherwise."""

    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    none: bool = False

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating)):
            return False
        value = float(value)
        if not np.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.open_low else value < self.low):
            return False
        return self.high is None or (value < self.high if self.open_high else value <= self.high)

    def _describe(self) -> str:
        low, high = (f"{v:g}" if v is not None else None for v in (self.low, self.high))
        if low is not None and high is not None:
            left, right = "(" if self.open_low else "[", ")" if self.open_high else "]"
            return f"a number in {left}{low}, {high}{right}"
        if low is not None:
            return f"a number {'>' if self.open_low else '>='} {low}"
        return "a number"

    def _annotation(self) -> Any:
        bounds = {
            ("gt" if self.open_low else "ge"): self.low,
            ("lt" if self.open_high else "le"): self.high,
        }
        return Annotated[float, Field(**{k: v for k, v in bounds.items() if v is not None})]


@dataclass(frozen=True)
class Boolean(Constraint):
    """``True`` or ``False`` (NumPy's bool too)."""

    none: bool = False

    def accepts(self, value: Any) -> bool:
        return isinstance(value, (bool, np.bool_))

    def _describe(self) -> str:
        return "True or False"

    def _annotation(self) -> Any:
        return Annotated[bool, Field(strict=True)]


@dataclass(frozen=True)
class Choice(Constraint):
    """One of a fixed set of values (``None`` among them when it is accepted)."""

    options: tuple
    none: bool = False

    def accepts(self, value: Any) -> bool:
        return any(value == option and type(value) is type(option) for option in self.options)

    def _describe(self) -> str:
        return f"one of {self.options!r}"

    def _annotation(self) -> Any:
        return Literal[self.options]  # type: ignore[valid-type]


@dataclass(frozen=True)
class Widths(Constraint):
    """Layer widths: a tuple (or list) of integers >= 1; empty when ``empty`` allows it. A
    single integer means one layer."""

    empty: bool = False
    none: bool = False

    def accepts(self, value: Any) -> bool:
        if _is_integer(value):
            return value >= 1
        if not isinstance(value, (tuple, list)) or (not value and not self.empty):
            return False
        return all(_is_integer(v) and v >= 1 for v in value)

    def _describe(self) -> str:
        what = "a tuple of integers >= 1"
        return f"{what} (empty for none)" if self.empty else what

    def _annotation(self) -> Any:
        width = Annotated[int, Field(strict=True, ge=1)]
        return width | list[width] | tuple[width, ...]


@dataclass(frozen=True)
class Columns(Constraint):
    """Column names: one string, or a tuple (list) of strings; at least one unless ``empty``."""

    empty: bool = True
    none: bool = False

    def accepts(self, value: Any) -> bool:
        if isinstance(value, str):
            return bool(value)
        if not isinstance(value, (tuple, list)) or (not value and not self.empty):
            return False
        return all(isinstance(v, str) and v for v in value)

    def _describe(self) -> str:
        return "a column name or a tuple of column names"

    def _annotation(self) -> Any:
        return str | list[str]


@dataclass(frozen=True)
class Calendar(Constraint):
    """``"auto"`` (features chosen from the frequency) or a tuple of calendar feature names."""

    none: bool = False

    def accepts(self, value: Any) -> bool:
        if isinstance(value, str):
            return bool(value)
        return isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value)

    def _describe(self) -> str:
        return "'auto' or a tuple of calendar feature names"

    def _annotation(self) -> Any:
        return Literal["auto"] | list[str]


@dataclass(frozen=True)
class Seed(Constraint):
    """A seed: an integer in ``[0, 2**32 - 1]`` (or ``None``: not reproducible).

    A ``numpy.random.RandomState`` is refused: the networks seed Keras and TensorFlow, which take
    an integer, so a fit is reproducible only from one.
    """

    none: bool = True

    def accepts(self, value: Any) -> bool:
        return _is_integer(value) and 0 <= value <= MAX_SEED

    def check(self, name: str, value: Any) -> None:
        if isinstance(value, np.random.RandomState):
            raise ValueError(
                f"{name} must be an integer in [0, {MAX_SEED}] or None, got a "
                "numpy.random.RandomState: the networks seed Keras with an integer; pass one"
            )
        super().check(name, value)

    def _describe(self) -> str:
        return f"an integer in [0, {MAX_SEED}]"

    def _annotation(self) -> Any:
        return Annotated[int, Field(strict=True, ge=0, le=MAX_SEED)]


@dataclass(frozen=True)
class MissingValues(Constraint):
    """The NaN input policy: a :class:`~forecast.data.missing.MissingPolicy`, a dict of its
    fields (``inputs``, ``limit``), or ``None`` for the default. The fields are checked by the
    policy itself."""

    none: bool = True

    def accepts(self, value: Any) -> bool:
        from forecast.data.missing import MissingPolicy

        return isinstance(value, (MissingPolicy, dict))

    def _describe(self) -> str:
        return "a MissingPolicy or a dict with the keys 'inputs' and 'limit'"

    def _annotation(self) -> Any:
        return dict


@dataclass(frozen=True)
class Levels(Constraint):
    """Probability levels: a number in ``(0, 1)`` or a non-empty tuple (list) of them."""

    none: bool = False

    def accepts(self, value: Any) -> bool:
        values = value if isinstance(value, (tuple, list)) else [value]
        return bool(values) and all(
            not isinstance(v, bool)
            and isinstance(v, (numbers.Real, np.floating))
            and 0.0 < float(v) < 1.0
            for v in values
        )

    def _describe(self) -> str:
        return "a number in (0, 1) or a tuple of them"

    def _annotation(self) -> Any:
        level = Annotated[float, Field(gt=0.0, lt=1.0)]
        return level | list[level]


@dataclass(frozen=True)
class Forecaster(Constraint):
    """A forecaster of this package (the model a wrapper wraps)."""

    none: bool = False

    def accepts(self, value: Any) -> bool:
        from forecast.models.base import BaseForecaster

        return isinstance(value, BaseForecaster)

    def _describe(self) -> str:
        return "a forecaster of this package (e.g. forecast.SeasonalNaive(...))"

    def _annotation(self) -> Any:
        return dict


def check_parameters(constraints: dict[str, Constraint], params: dict[str, Any]) -> None:
    """Check every parameter that has a constraint; the first one at fault raises."""
    for name, value in params.items():
        constraint = constraints.get(name)
        if constraint is not None:
            constraint.check(name, value)
