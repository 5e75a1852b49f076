"""The question log's writer: rows wait in a bounded queue and one thread writes them, so an
answer never waits on the database, a stalled database counts as down, and a row the
database refuses is dropped alone instead of jamming every batch behind it."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError, StatementError

from chat_api.service_health import Dependency
from chat_api.store.db.schema import questions

log = logging.getLogger("chat_api")

BUFFER_ROWS = 10_000  # questions held while the database is down: a few MB at most
BATCH_ROWS = 500  # rows per INSERT
WRITE_EVERY_S = 0.5  # how often the writer looks for rows, when nothing wakes it sooner
STALL_S = 5.0  # a write waiting this long means the database is stalled: it counts as down

# Why a row was dropped rather than written: the reasons the drop counter is labelled with.
BUFFER_FULL = "buffer_full"
UNSTORABLE = "unstorable"
SHUTDOWN = "shutdown"

_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(value: Any) -> Any:
    """Text every database stores alike: NUL removed (PostgreSQL refuses it in text) and a
    lone surrogate (which no UTF-8 database can hold) replaced by U+FFFD; other values as
    they are."""
    if not isinstance(value, str):
        return value
    return _SURROGATE.sub("\ufffd", value.replace("\x00", ""))


def _refused(exc: SQLAlchemyError) -> bool:
    """Whether the database refused these rows' data (a poison row), rather than failing
    to answer at all (an outage, after which the same rows are tried again)."""
    if isinstance(exc, DataError | IntegrityError):
        return True
    # Raised before the statement reached the server: the driver could not encode a value.
    return isinstance(exc, StatementError) and isinstance(exc.orig, ValueError)


class QuestionLog:
    """A bounded in-memory queue of question rows and the thread that writes them."""

    def __init__(self, engine: Engine, health: Dependency, *, buffer_rows: int = BUFFER_ROWS,
                 stall_s: float = STALL_S,
                 on_buffer: Callable[[int], None] | None = None,
                 on_drop: Callable[[str, int], None] | None = None,
                 on_written: Callable[[int], None] | None = None) -> None:
        """`on_buffer(rows waiting)`, `on_drop(reason, rows)` and `on_written(rows)` report
        to metrics; every row put is, in the end, written or dropped with a reason."""
        self.engine = engine
        self.health = health
        self.buffer_rows = buffer_rows
        self.stall_s = stall_s
        self._on_buffer = on_buffer or (lambda n: None)
        self._on_drop = on_drop or (lambda reason, n: None)
        self._on_written = on_written or (lambda n: None)
        self._pending: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()  # the queue, held only for deque operations
        self._writing = threading.Lock()  # one write at a time, in order
        self._writing_since: float | None = None
        self._in_flight = 0  # rows taken from the queue by the write under way
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.written = 0
        self.dropped: Counter[str] = Counter()
        self._thread = threading.Thread(target=self._run, name="govqa-question-log",
                                        daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """Rows not yet written: queued, or in the write under way."""
        return len(self._pending) + self._in_flight

    def put(self, row: dict[str, Any]) -> None:
        """Queue one row; never blocks on the database and never raises."""
        with self._lock:
            self._pending.append({k: storable(v) for k, v in row.items()})
            overflow = len(self._pending) - self.buffer_rows
            for _ in range(max(0, overflow)):
                self._pending.popleft()
        if overflow > 0:
            self._drop(BUFFER_FULL, overflow)
        self._check_stall()
        self._on_buffer(self.pending)
        self._wake.set()

    def stalled(self) -> bool:
        since = self._writing_since
        return since is not None and time.monotonic() - since > self.stall_s

    def _check_stall(self) -> None:
        if self.stalled():
            self.health.failed(TimeoutError(
                f"a write of the question log has waited over {self.stall_s:.0f} s"))

    def _drop(self, reason: str, rows: int) -> None:
        self.dropped[reason] += rows
        self._on_drop(reason, rows)
        if reason == BUFFER_FULL:
            log.error("the question log buffer is full: %d oldest rows dropped (%d in all)",
                      rows, self.dropped[reason])

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(WRITE_EVERY_S)
            self._wake.clear()
            self._check_stall()
            if self._pending and self.health.worth_trying:
                self.write()

    def write(self, timeout: float | None = None) -> int | None:
        """Write every queued row, in batches; returns how many were written, or None when
        another write held on for `timeout` seconds (a stalled database)."""
        if not self._writing.acquire(timeout=-1 if timeout is None else timeout):
            self._check_stall()
            return None
        try:
            return self._write_all()
        finally:
            self._writing.release()

    def _write_all(self) -> int:
        total = 0
        while True:
            with self._lock:
                batch = [self._pending.popleft()
                         for _ in range(min(BATCH_ROWS, len(self._pending)))]
                self._in_flight = len(batch)
            if not batch:
                break
            self._writing_since = time.monotonic()
            try:
                written, left = self._insert(batch)
            finally:
                self._writing_since = None
            total += written
            if left:  # the database stopped answering: the rest waits for it
                self._requeue(left)
                break
            self._in_flight = 0
        if total:
            self.written += total
            self._on_written(total)
            if total > 1:
                log.info("wrote %d logged questions to the database", total)
        self._on_buffer(self.pending)
        return total

    def _insert(self, batch: list[dict[str, Any]]) -> tuple[int, list[dict[str, Any]]]:
        """Write a batch: (rows written, rows an outage left unwritten). A batch the
        database refuses is written row by row, and each refused row dropped alone."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(questions), batch)
        except SQLAlchemyError as exc:
            if not _refused(exc):
                self.health.failed(exc)
                return 0, batch
        else:
            self.health.succeeded()
            return len(batch), []
        written = 0
        for i, row in enumerate(batch):
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(questions), [row])
            except SQLAlchemyError as exc:
                if not _refused(exc):
                    self.health.failed(exc)
                    return written, batch[i:]
                self._drop(UNSTORABLE, 1)
                log.error("a logged question from conversation %s, turn %s, could not be "
                          "stored and was dropped alone (%s); the rows around it were written",
                          row.get("conversation_id"), row.get("turn"), type(exc).__name__)
            else:
                written += 1
        self.health.succeeded()
        return written, []

    def _requeue(self, rows: list[dict[str, Any]]) -> None:
        with self._lock:
            self._pending.extendleft(reversed(rows))
            self._in_flight = 0
            overflow = len(self._pending) - self.buffer_rows
            for _ in range(max(0, overflow)):
                self._pending.popleft()
        if overflow > 0:
            self._drop(BUFFER_FULL, overflow)

    def close(self, timeout: float) -> None:
        """Stop the writer and write what is left, waiting at most `timeout` seconds."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        if self._pending and self.health.worth_trying:
            self.write(timeout=timeout)
        if self.pending:
            left = self.pending
            self._drop(SHUTDOWN, left)
            log.error("%d logged questions could not be written before shutdown", left)
