"""The health of one outside service (Redis, the database): warn once, show it, back off."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("chat_api")

RETRY_AFTER_S = 2.0  # while a service is down, calls skip it for this long between tries


class Dependency:
    """Tracks whether a service answers. A failure is logged once per outage, not once per
    request, and for `retry_after_s` afterwards callers skip the service instead of each
    waiting out its timeout."""

    def __init__(self, name: str, on_change: Callable[[bool], None] | None = None,
                 retry_after_s: float = RETRY_AFTER_S) -> None:
        self.name = name
        self.up = True
        self.retry_after_s = retry_after_s
        self._on_change = on_change
        self._next_try = 0.0
        self._lock = threading.Lock()
        if on_change is not None:
            on_change(True)

    @property
    def worth_trying(self) -> bool:
        return self.up or time.monotonic() >= self._next_try

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self._next_try = time.monotonic() + self.retry_after_s
            if not self.up:
                return
            self.up = False
        log.warning("%s is unreachable (%s: %s); going on without it until it is back",
                    self.name, type(exc).__name__, exc)
        if self._on_change is not None:
            self._on_change(False)

    def succeeded(self) -> None:
        if self.up:
            return
        with self._lock:
            self.up = True
        log.warning("%s is back", self.name)
        if self._on_change is not None:
            self._on_change(True)
