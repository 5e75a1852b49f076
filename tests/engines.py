"""A stand-in around the real engine, for tests that hold, break or watch one of its calls."""

from __future__ import annotations

from typing import Any


class WrappedEngine:
    """Every attribute is the real engine's, except the methods a subclass overrides."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)
