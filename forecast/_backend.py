"""Pin Keras to the TensorFlow backend before Keras is imported anywhere."""

from __future__ import annotations

import os
import sys
import warnings


def use_tensorflow_backend() -> None:
    """Set ``KERAS_BACKEND=tensorflow`` for this process.

    The toolkit builds TensorFlow graphs and SavedModels, so another backend cannot work.
    If Keras was already imported with another backend, it is too late to switch: warn.
    """
    previous = os.environ.get("KERAS_BACKEND")
    os.environ["KERAS_BACKEND"] = "tensorflow"
    keras = sys.modules.get("keras")
    if keras is not None:
        backend = getattr(getattr(keras, "backend", None), "backend", lambda: None)()
        if backend not in (None, "tensorflow"):
            warnings.warn(
                f"keras was imported with the {backend!r} backend before forecast; forecast "
                "needs TensorFlow: set KERAS_BACKEND=tensorflow before importing keras",
                RuntimeWarning,
                stacklevel=3,
            )
    elif previous not in (None, "tensorflow"):
        warnings.warn(
            f"KERAS_BACKEND={previous!r} was overridden with 'tensorflow' (forecast needs it)",
            RuntimeWarning,
            stacklevel=3,
        )
