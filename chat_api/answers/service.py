"""The one way every channel asks: on the answer thread, then logged and counted."""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from chat_api.answers.engines import EngineSlot
from chat_api.metrics import Metrics

if TYPE_CHECKING:
    from collections.abc import Callable

    from chat_api.store.feedback import FeedbackStore
    from retriever.engine import Engine
    from retriever.records import Answer, Hit

log = logging.getLogger("chat_api")

T = TypeVar("T")

class AnswerService:
    """Asks the served engine on this worker's single answer thread, then logs the question
    and counts the outcome. The engine's work is CPU-bound (ONNX Runtime already uses the
    worker's cores), so running several answers at once would only add memory, and running
    one on the event loop would hold every other request up."""

    def __init__(self, slot: EngineSlot, store: FeedbackStore, metrics: Metrics) -> None:
        self.slot = slot
        self.store = store
        self.metrics = metrics
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="govqa-answer")
        # Kept answers are looked up on a thread of their own (the lookup may wait on Redis):
        # a question asked again is not queued behind another visitor's reader call.
        self.lookups = ThreadPoolExecutor(max_workers=1, thread_name_prefix="govqa-lookup")

    async def _run(self, work: Callable[[], T], executor: ThreadPoolExecutor | None = None) -> T:
        return await asyncio.get_running_loop().run_in_executor(executor or self.executor, work)

    async def ask(self, question: str, conversation_id: str | None = None,
                  channel: str = "api") -> Answer:
        """The answer, or the engine's error (NotReady, InvalidQuestion …) as raised."""
        engine = self.slot.get()  # NotReady (503) before any work is queued
        answer = None
        if engine.answers is not None:
            answer = await self._run(functools.partial(
                engine.recall, question, conversation_id=conversation_id), self.lookups)
        if answer is None:
            answer = await self._run(functools.partial(
                engine.ask, question, conversation_id=conversation_id, recall=False))
        try:
            # Only queued: the log's own thread writes it, so no database holds the answer up.
            self.store.log_question(answer, channel)
        except Exception:  # the answer matters more than the statistics
            log.exception("could not log a %s question", channel)
        self.metrics.count_answer(answer.answered, channel)
        return answer

    async def search(self, query: str, k: int) -> tuple[Engine, list[Hit]]:
        """The k best sections for a query, with the engine that ranked them."""
        engine = self.slot.get()
        return engine, await self._run(functools.partial(engine.search, query, k))

    def close(self) -> None:
        for pool in (self.lookups, self.executor):
            pool.shutdown(wait=False, cancel_futures=True)
