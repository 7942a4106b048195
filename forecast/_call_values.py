"""Values one call on an object hands down to the code it runs, without putting them on the
object: a ``predict(frame, static=...)`` whose ``static`` the window code deep below reads,
the recalibrated scores of a conformal ``predict_quantiles``.

Set on the object itself (``self._static = static`` ... ``del self._static``), such a value is
shared by every thread using the object: two concurrent calls read each other's, and the
first to finish deletes the other's. A :class:`CallValue` lives in a context variable instead:
each thread (and each asyncio task) sees only what its own running call gave, and only for
the object it gave it for (a nested call on another object hides it until it returns).

Example:
    >>> scores = CallValue("scores")
    >>> model, other = object(), object()
    >>> with scores.given(model, [1.0, 2.0]):
    ...     scores.get(model), scores.get(other)
    ([1.0, 2.0], None)
    >>> scores.get(model) is None
    True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any


class CallValue:
    """One kind of value a call hands down (see the module docstring)."""

    def __init__(self, name: str) -> None:
        self._var: ContextVar[tuple[Any, Any] | None] = ContextVar(f"forecast_{name}", default=None)

    @contextlib.contextmanager
    def given(self, owner: Any, value: Any) -> Iterator[None]:
        """While the block runs, :meth:`get` of ``owner`` is ``value`` (in this thread or
        task only)."""
        token = self._var.set((owner, value))
        try:
            yield
        finally:
            self._var.reset(token)

    def get(self, owner: Any, default: Any = None) -> Any:
        """The value ``owner``'s running call gave (``default`` outside one)."""
        current = self._var.get()
        return current[1] if current is not None and current[0] is owner else default
