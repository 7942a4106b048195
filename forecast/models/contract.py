"""What a forecaster class declares about itself: its tags and its parameter constraints.

:class:`DeclaredContract` reads them from the ``_tags`` and ``_parameter_constraints`` class
attributes of every class in the hierarchy (a subclass's values over those it inherits), as
sktime's tags and scikit-learn's ``_parameter_constraints`` do;
:class:`forecast.models.base.BaseForecaster` inherits it. Tags are read from a class or from
an instance: a wrapper (:class:`~forecast.models.conformal.ConformalForecaster`) says what its
inner model is through :meth:`DeclaredContract._instance_tags`, as sktime's dynamic tags do.
"""

from __future__ import annotations

from types import MethodType
from typing import Any

from forecast.models.constraints import Constraint


class class_or_instance_method(classmethod):
    """A method bound to the instance when called on one, to the class otherwise (a
    ``classmethod`` subclass, so doctest still finds its docstring)."""

    def __get__(self, instance, owner=None):
        return MethodType(self.__func__, owner if instance is None else instance)


class DeclaredContract:
    """Tags and parameter constraints gathered over the class hierarchy."""

    _tags: dict[str, Any] = {}
    _parameter_constraints: dict[str, Constraint] = {}

    @class_or_instance_method
    def get_tags(self_or_cls) -> dict[str, Any]:
        """Every tag of this class, its own values over those it inherits (and, read from an
        instance, over those the instance says of itself: :meth:`_instance_tags`).

        Example:
            >>> import forecast
            >>> forecast.SeasonalNaive.get_tags()["baseline"], forecast.LSTMForecaster.get_tag("neural")
            (True, True)
        """
        cls = self_or_cls if isinstance(self_or_cls, type) else type(self_or_cls)
        tags: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            tags.update(vars(klass).get("_tags", {}))
        if not isinstance(self_or_cls, type):
            tags.update(self_or_cls._instance_tags())
        return tags

    @class_or_instance_method
    def get_tag(self_or_cls, name: str) -> Any:
        """One tag's value (a ``KeyError`` for a name no class declares)."""
        tags = self_or_cls.get_tags()
        if name not in tags:
            raise KeyError(f"unknown tag {name!r}; the tags are {sorted(tags)}")
        return tags[name]

    def _instance_tags(self) -> dict[str, Any]:
        """Tags this instance overrides (the default: none; a wrapper passes on its inner
        model's)."""
        return {}

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


def store_params(forecaster, arguments: dict) -> None:
    """Store every ``__init__`` argument unchanged, under its own name (sklearn's convention);
    ``arguments`` is the constructor's ``locals()``."""
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(forecaster, name, value)
