"""Run an iterator a few items ahead in a thread, and time an iterator's items: how
``forecast batch`` prepares the next batch of series while the network runs.

Example:
    >>> with Background(iter(range(3))) as items:
    ...     list(items)
    [0, 1, 2]
    >>> seconds = {"read": 0.0}
    >>> list(timed(range(2), seconds)), seconds["read"] >= 0
    ([0, 1], True)
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Iterator


class Background:
    """Run an iterator in a thread, a few items ahead; exceptions re-raised in the caller."""

    _DONE = object()

    def __init__(self, iterator: Iterator, depth: int = 2) -> None:
        self._iterator = iterator
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="forecast-batch-prepare", daemon=True
        )

    def _run(self) -> None:
        try:
            for item in self._iterator:
                if not self._put(("item", item)):
                    return
            self._put(("done", None))
        except BaseException as exc:  # handed to the consumer
            self._put(("error", exc))

    def _put(self, message: tuple) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(message, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __enter__(self) -> Iterator:
        self._thread.start()
        return self._items()

    def _items(self) -> Iterator:
        while True:
            kind, value = self._queue.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def timed(iterator: Iterable, seconds: dict, key: str = "read") -> Iterator:
    """Re-yield ``iterator``, adding the time spent producing each item to ``seconds[key]``."""
    iterator = iter(iterator)
    while True:
        start = time.perf_counter()
        try:
            item = next(iterator)
        except StopIteration:
            return
        finally:
            seconds[key] += time.perf_counter() - start
        yield item
