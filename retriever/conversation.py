"""Conversation memory: bounded in size and time, so follow-ups can lean on earlier turns."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Protocol

from retriever.terms import STOPWORDS, words

# Words that point back at something said before ("when was it held?").
ANAPHORA = frozenset(
    "it its they them their theirs this that these those there he she him his her one".split())
CONTINUATIONS = ("and ", "what about", "how about", "also ", "then ")


@dataclass
class Turn:
    question: str
    resolved: str
    answered: bool
    topic: str = ""  # what the conversation is about: the question that opened the thread
    section: str | None = None
    answer: str | None = None
    chunk_id: str | None = None
    start: int | None = None


@dataclass
class Conversation:
    id: str
    turns: list[Turn] = field(default_factory=list)
    count: int = 0  # turns ever asked: the turn number feedback refers to
    touched: float = field(default_factory=time.monotonic)


def looks_like_follow_up(question: str) -> bool:
    tokens = words(question)
    content = [w for w in tokens if w not in STOPWORDS and w not in ANAPHORA]
    lowered = question.lower().lstrip()
    return (bool(ANAPHORA.intersection(tokens)) or len(content) <= 1
            or lowered.startswith(CONTINUATIONS))


def resolve_follow_up(question: str, history: list[Turn]) -> str | None:
    """Rewrite a short follow-up with the topic of the last answered turn, or None."""
    if not history or not looks_like_follow_up(question):
        return None
    last = _last_answered(history)
    topic = last.topic or last.question
    if last.section and last.section not in topic:
        topic = f"{last.section}; {topic}"
    return f"{question} ({topic})"


def topic_of(question: str, history: list[Turn], follow_up: bool) -> str:
    """A follow-up inherits the thread's topic; a fresh question starts its own."""
    if follow_up and history:
        last = _last_answered(history)
        return last.topic or last.question
    return question


def _last_answered(history: list[Turn]) -> Turn:
    """The turn a follow-up leans on: the last one answered, else simply the last."""
    return next((t for t in reversed(history) if t.answered), history[-1])


CONVERSATION_TTL_S = 1800.0  # a conversation idle this long is forgotten


class Conversations(Protocol):
    """Where conversations live between turns: this process's memory, or Redis when several
    replicas serve one site. Called from the answer thread, so its methods block."""

    def get(self, conversation_id: str | None) -> Conversation:
        """The conversation with this id (its last turns), or a new one."""
        ...

    def add_turn(self, conv: Conversation, turn: Turn) -> int:
        """Append a turn; returns its number in the conversation, which feedback cites."""
        ...


class ConversationStore:
    """The embedded Conversations: a thread-safe LRU in this process; idle conversations
    expire, and each keeps its last turns."""

    def __init__(self, max_conversations: int = 10_000, ttl_seconds: float = CONVERSATION_TTL_S,
                 max_turns: int = 8) -> None:
        self.max_conversations = max_conversations
        self.ttl = ttl_seconds
        self.max_turns = max_turns
        self._items: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conversation_id: str | None) -> Conversation:
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            if conversation_id and conversation_id in self._items:
                conv = self._items.pop(conversation_id)
            else:
                conv = Conversation(id=valid_id(conversation_id) or uuid.uuid4().hex)
            conv.touched = now
            self._items[conv.id] = conv
            while len(self._items) > self.max_conversations:
                self._items.popitem(last=False)
            return conv

    def add_turn(self, conv: Conversation, turn: Turn) -> int:
        with self._lock:
            conv.count += 1
            conv.turns.append(turn)
            del conv.turns[:-self.max_turns]
            return conv.count

    def _expire(self, now: float) -> None:
        while self._items:
            oldest = next(iter(self._items.values()))
            if now - oldest.touched <= self.ttl:
                break
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def valid_id(value: str | None) -> str | None:
    # Ids come from clients (widget, Slack threads): keep them short and printable.
    if value and re.fullmatch(r"[\w:.\-]{1,128}", value):
        return value
    return None
