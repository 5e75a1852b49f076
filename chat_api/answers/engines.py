"""The engine being served: loaded in the background, swapped atomically on a new index."""

from __future__ import annotations

import asyncio
import ctypes
import fcntl
import gc
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from govqa.errors import GovqaError
from retriever.reader import READER_DIR

if TYPE_CHECKING:
    from retriever.answer_cache import AnswerCache
    from retriever.conversation import Conversations
    from retriever.engine import Engine

log = logging.getLogger(__name__)

# (index_dir, model, conversations, answers) -> Engine; the conversations outlive every
# reload, and the answer cache is emptied by each.
EngineLoader = Callable[[Path, "str | None", "Conversations", "AnswerCache | None"], "Engine"]


# With nothing to serve, a failed load is retried this often even if the index looks unchanged.
RETRY_SECONDS = 5.0


class NotReady(GovqaError):
    """The model and index are still loading, or could not be loaded."""

    status_code = 503


def load_engine(index_dir: Path, model: str | None, conversations: Conversations,
                answers: AnswerCache | None = None, threads: int = 1, query_cache: int = 2048,
                reader: Path | None = READER_DIR) -> Engine:
    from retriever.engine import Engine

    # The same store across reloads: visitors' follow-ups survive an index swap.
    return Engine.load(index_dir, model, threads=threads, conversations=conversations,
                       cache_size=query_cache, reader=reader, answers=answers)


def ensure_index(index_dir: Path, model: str | None, base_url: str) -> bool:
    """Build an index from the bundled sample page when there is none; True if it built one.

    A file lock keeps several workers starting at once from building it twice.
    """
    from retriever.index import index_exists

    index_dir = Path(index_dir)
    if index_exists(index_dir):
        return False
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = index_dir.parent / f".{index_dir.name}.build.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if index_exists(index_dir):  # another worker built it while we waited
            return False
        from ingest.pipeline import ingest_sources
        from retriever.index import write_index

        log.warning("no index in %s: building one from the bundled sample page", index_dir)
        result = ingest_sources(None, base_url=base_url)
        write_index(index_dir, result.pages, result.chunks, model=model)
        return True


def index_version_on_disk(index_dir: Path) -> str | None:
    """The live version id on disk, read cheaply (one readlink); None when unreadable."""
    from retriever.index import current_version

    try:
        return current_version(index_dir)
    except (GovqaError, OSError):
        return None


class EngineSlot:
    """Holds the served Engine; readers take the reference, reloads replace it whole.

    A reload builds the new Engine completely before the swap, so a request that already
    holds the old one finishes on it and no request ever sees a half-loaded index.
    """

    def __init__(
        self,
        index_dir: Path,
        model: str | None = None,
        base_url: str = "https://www.tech.gov.sg",
        loader: EngineLoader | None = None,
        conversations: Conversations | None = None,
        answers: AnswerCache | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.model = model
        self.base_url = base_url
        self._loader = loader or load_engine
        from retriever.conversation import ConversationStore

        # Shared by every Engine this slot loads, so a reload keeps visitors' follow-ups.
        self.conversations: Conversations = conversations or ConversationStore()
        # Shared too, and emptied by every reload: no answer outlives the engine that made it.
        self.answers = answers
        self._engine: Engine | None = None
        self.error: str | None = None
        self.loading = False
        self.loaded_at: float | None = None
        self.load_seconds: float | None = None
        # The on-disk version last attempted, so a broken index is not retried in a loop.
        self.attempted_version: str | None = None
        self._attempted_at = 0.0
        self._reload_lock = threading.Lock()

    @property
    def engine(self) -> Engine | None:
        return self._engine

    @property
    def ready(self) -> bool:
        return self._engine is not None

    def get(self) -> Engine:
        """The current Engine, or NotReady (503) while it is loading or failed to load."""
        engine = self._engine
        if engine is None:
            if self.error:
                raise NotReady(f"the index could not be loaded: {self.error}")
            raise NotReady("the model and index are still loading; try again in a moment")
        return engine

    def start(self, build_missing: bool = True) -> None:
        """First load at start-up (run in a background thread); errors are kept, not raised."""
        try:
            if build_missing:
                ensure_index(self.index_dir, self.model, self.base_url)
            self.reload()
        except GovqaError:
            pass  # already recorded in self.error by reload()
        except Exception as exc:  # a failed start-up must show in /readyz, not kill the server
            log.exception("loading the index failed")
            self.error = str(exc) or type(exc).__name__

    def reload(self) -> tuple[str | None, str]:
        """Load the index on disk fully, then swap it in; returns (old, new) versions.

        On failure the previous Engine keeps serving and the error is raised.
        """
        with self._reload_lock:
            self.loading = True
            self.attempted_version = index_version_on_disk(self.index_dir)
            self._attempted_at = time.monotonic()
            started = time.perf_counter()
            try:
                new = self._loader(self.index_dir, self.model, self.conversations, self.answers)
            except Exception as exc:
                self.error = str(exc) or type(exc).__name__
                log.error("could not load the index in %s: %s", self.index_dir, self.error)
                raise
            finally:
                self.loading = False
            old = self._engine
            self._engine = new  # one reference assignment: atomic for every reader
            if self.answers is not None:
                # An answer the old engine is still working out lands under its own
                # index version's key, which the new engine never asks for unless the
                # version (and so the answer) is the same.
                self.answers.clear()
            self.error = None
            self.loaded_at = time.time()
            self.load_seconds = time.perf_counter() - started
            old_version = old.index_version if old is not None else None
            new_version = new.index_version
            if old_version != new_version:
                log.warning("serving index version %s (was %s)", new_version, old_version)
            del old, new  # this frame's references, so the old engine can be freed now
            release_freed_memory()
            return old_version, new_version

    def changed_on_disk(self) -> bool:
        """Whether a version other than the one last attempted is live on disk now (or,
        while nothing is being served, whether it is time to retry a failed load)."""
        if self._reload_lock.locked():
            return False
        if self._engine is None and time.monotonic() - self._attempted_at > RETRY_SECONDS:
            return True
        on_disk = index_version_on_disk(self.index_dir)
        return on_disk is not None and on_disk != self.attempted_version

    def reload_if_changed(self) -> bool:
        if not self.changed_on_disk():
            return False
        try:
            self.reload()
        except Exception:
            return False  # logged in reload(); the old engine keeps serving
        return True


def release_freed_memory() -> None:
    """Give the memory of an engine no longer referenced back to the system.

    Nothing keeps an old engine alive after a swap (requests still on it finish and drop
    it), but glibc keeps the freed arenas of its ONNX sessions and arrays, and RSS climbs
    for the first reloads (tests/api/test_reload_memory.py; `python -m loadtest.reloads`).
    """
    gc.collect()
    try:
        trim = ctypes.CDLL(None).malloc_trim  # glibc only; musl and macOS have none
    except (OSError, AttributeError):
        return
    trim(0)


async def watch_index(
    slot: EngineSlot, interval: float, on_reload: Callable[[bool], None] | None = None
) -> None:
    """Background task: swap in a new index as soon as `govqa ingest` makes it live.

    A readlink per interval is cheap enough to poll, and needs no inotify.
    """
    while True:
        await asyncio.sleep(interval)
        if slot.changed_on_disk():
            swapped = await asyncio.to_thread(slot.reload_if_changed)
            if on_reload is not None:
                on_reload(swapped)
