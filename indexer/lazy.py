"""A dependency made on first use: components name what they need without paying for it early.

The model takes seconds to load and the label indexes may not exist yet (lexical-only start), so
the wiring hands components ``Lazy`` handles instead of loaded objects:

>>> calls = []
>>> enc = Lazy(lambda: calls.append(1) or "encoder")
>>> enc.loaded, enc.get(), enc.get(), len(calls)
(False, 'encoder', 'encoder', 1)
>>> Lazy.of(42).get()
42
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """Calls ``make`` once, on the first :meth:`get` (thread-safe); an exception is not cached."""

    def __init__(self, make: Callable[[], T]):
        self._make = make
        self._value: T | None = None
        self._done = False
        self._lock = threading.Lock()

    @classmethod
    def of(cls, value: T) -> "Lazy[T]":
        """A handle on a value that already exists (tests, scripts)."""
        handle = cls(lambda: value)
        handle.get()
        return handle

    @property
    def loaded(self) -> bool:
        return self._done

    def get(self) -> T:
        if not self._done:
            with self._lock:
                if not self._done:
                    self._value = self._make()
                    self._done = True
        return self._value  # type: ignore[return-value]
