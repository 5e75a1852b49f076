"""Answers kept for questions asked again: their key, the record kept, and the in-process store."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import asdict, dataclass, is_dataclass
from typing import Any, Protocol

from cachetools import TTLCache


@dataclass(frozen=True)
class CachedAnswer:
    """One answer as every visitor asking the same question gets it: `answer` is the JSON of
    Answer.to_dict(), whose per-request fields (conversation, turn, timing) are replaced on
    each hit; `start` is where the quoted sentence starts, for the conversation's turn."""

    answer: dict[str, Any]
    start: int | None = None

    def to_json(self) -> str:
        return json.dumps({"answer": self.answer, "start": self.start}, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> CachedAnswer:
        data = json.loads(raw)
        return cls(answer=data["answer"], start=data.get("start"))


class AnswerCache(Protocol):
    """Where an engine keeps its answers: this process, or Redis shared by the replicas."""

    def get(self, key: str) -> CachedAnswer | None: ...

    def put(self, key: str, value: CachedAnswer) -> None: ...

    def clear(self) -> None: ...


class MemoryAnswers:
    """The answers of this process: at most `size`, each for at most `ttl_s` seconds."""

    def __init__(self, size: int = 1024, ttl_s: float = 3600.0) -> None:
        self._items: TTLCache[str, CachedAnswer] = TTLCache(maxsize=size, ttl=ttl_s)
        self._lock = threading.Lock()  # the answer thread writes while the loop may read

    def get(self, key: str) -> CachedAnswer | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: str, value: CachedAnswer) -> None:
        with self._lock:
            self._items[key] = value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


def fingerprint(*parts: Any) -> str:
    """A sha256 of what decides an answer besides the question: dataclasses by their fields."""
    plain = [asdict(p) if is_dataclass(p) and not isinstance(p, type) else p for p in parts]
    return hashlib.sha256(json.dumps(plain, sort_keys=True, default=str).encode()).hexdigest()


def answer_key(question: str, index_version: str, mode: str, model: str) -> str:
    """The cache key: the question as the engine reads it, the index version, the scoring
    mode and the fingerprint of the models and weights that answer it."""
    return fingerprint(question, index_version, mode, model)
