"""Every channel asks through one service: the engine's work never runs on the event loop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import ANSWERABLE
from tests.engines import WrappedEngine


class WatchedEngine(WrappedEngine):
    """The real engine, noting which thread each call ran on."""

    def __init__(self, engine: Any, seen: list[tuple[str, str]]) -> None:
        super().__init__(engine)
        self._seen = seen

    def _note(self, call: str) -> None:
        self._seen.append((call, threading.current_thread().name))

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        self._note("ask")
        return self._engine.ask(*args, **kwargs)

    def recall(self, *args: Any, **kwargs: Any) -> Any:
        self._note("recall")
        return self._engine.recall(*args, **kwargs)

    def search(self, *args: Any, **kwargs: Any) -> Any:
        self._note("search")
        return self._engine.search(*args, **kwargs)


def test_chat_and_search_run_on_the_workers_threads_not_the_loop(
        make_client: Callable[..., TestClient]) -> None:
    from chat_api.answers.engines import load_engine

    seen: list[tuple[str, str]] = []
    client = make_client(engine_loader=lambda *a: WatchedEngine(load_engine(*a), seen))
    assert client.post("/api/chat", json={"question": ANSWERABLE}).json()["answered"]
    assert client.post("/api/chat", json={"question": ANSWERABLE}).json()["answered"]
    assert client.get("/api/search", params={"q": "DGX", "k": 2}).status_code == 200
    # The first ask misses the cache and is answered on the answer thread; the second is
    # found on the lookup thread and never queues there; search shares the answer thread.
    assert [(call, name.rsplit("_", 1)[0]) for call, name in seen] == [
        ("recall", "govqa-lookup"), ("ask", "govqa-answer"),
        ("recall", "govqa-lookup"),
        ("search", "govqa-answer"),
    ]
