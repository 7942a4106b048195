"""The checks of the raw arrays a loaded model is given (``predict_arrays``): no ``inf``, and no
NaN the missing-value policy does not fill, named by column, window and step.

Example:
    >>> import numpy as np
    >>> check_finite("past", np.array([[[1.0], [np.inf]]]), "input", ["y"])
    Traceback (most recent call last):
    ...
    ValueError: past holds inf in input column 'y' (window 0, step 1); fill or drop those windows first
"""

from __future__ import annotations

import numpy as np

from forecast.data.missing import unobserved_columns


def check_finite(
    name: str, values: np.ndarray, role: str, columns: list, fills: bool = False
) -> None:
    """Raise a ValueError naming the first NaN or inf of a ``(batch, steps, columns)`` array
    (with ``fills``: the first inf, or a column that is NaN throughout a window): the signature
    would turn it into NaN forecasts without a word."""
    finite = np.isfinite(values)
    if finite.all():
        return
    if fills:
        empty = unobserved_columns(values)
        if empty.any():
            window, column = (int(i) for i in np.argwhere(empty)[0])
            raise ValueError(
                f"{name} holds only NaN in {role} column {columns[column]!r} of window {window}: "
                "nothing to fill it from; drop that window or give it an observed value"
            )
        finite |= np.isnan(values)
        if finite.all():
            return
    window, step, column = (int(i) for i in np.argwhere(~finite)[0])
    kind = "NaN" if np.isnan(values[window, step, column]) else "inf"
    raise ValueError(
        f"{name} holds {kind} in {role} column {columns[column]!r} (window {window}, step {step}); "
        "fill or drop those windows first"
    )
