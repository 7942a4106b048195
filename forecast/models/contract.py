"""What a forecaster class declares about itself: its tags and its parameter constraints.

:class:`DeclaredContract` reads them from the ``_tags`` and ``_parameter_constraints`` class
attributes of every class in the hierarchy (a subclass's values over those it inherits), as
sktime's tags and scikit-learn's ``_parameter_constraints`` do;
:class:`forecast.models.base.BaseForecaster` inherits it.
"""

from __future__ import annotations

from typing import Any

from forecast.models.constraints import Constraint


class DeclaredContract:
    """Tags and parameter constraints gathered over the class hierarchy."""

    _tags: dict[str, Any] = {}
    _parameter_constraints: dict[str, Constraint] = {}

    @classmethod
    def get_tags(cls) -> dict[str, Any]:
        """Every tag of this class, its own values over those it inherits.

        Example:
            >>> import forecast
            >>> forecast.SeasonalNaive.get_tags()["baseline"], forecast.LSTMForecaster.get_tag("neural")
            (True, True)
        """
        tags: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            tags.update(vars(klass).get("_tags", {}))
        return tags

    @classmethod
    def get_tag(cls, name: str) -> Any:
        """One tag's value (a ``KeyError`` for a name no class declares)."""
        tags = cls.get_tags()
        if name not in tags:
            raise KeyError(f"unknown tag {name!r}; the tags are {sorted(tags)}")
        return tags[name]

    @classmethod
    def parameter_constraints(cls) -> dict[str, Constraint]:
        """The constraint of every constructor argument, in signature order.

        Raises:
            TypeError: an argument of the signature has no constraint (a programming error).
        """
        merged: dict[str, Constraint] = {}
        for klass in reversed(cls.__mro__):
            merged.update(vars(klass).get("_parameter_constraints", {}))
        names = cls._get_param_names()
        unconstrained = [n for n in names if n not in merged]
        if unconstrained:
            raise TypeError(f"{cls.__name__} declares no constraint for {unconstrained}")
        return {name: merged[name] for name in names}
