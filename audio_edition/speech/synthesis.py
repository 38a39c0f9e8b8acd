"""Synthesis of a script's utterances: an on-disk cache, and parallel workers for the misses.

Takes are handed on as they arrive and stored, never all held in memory. How many workers speak
at once fits the engine: a network engine runs at its own polite concurrency (the core count has
nothing to do with how many requests a service accepts); a local engine uses the cores, but only
when there is enough to say to pay for starting worker processes.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass

from audio_edition.errors import AudioEditionError, EngineError
from audio_edition.models import Progress, Take
from audio_edition.speech.engine import Engine
from audio_edition.speech.workers import children_deaf_to_ctrl_c, process_pool
from audio_edition.storage.cache import DiskCache, digest

TakeHandler = Callable[[str, Take], None]


@dataclass(frozen=True)
class SynthResult:
    """How many distinct takes were spoken now and how many came from the cache."""

    synthesized: int
    cached: int


def _identity(engine: Engine, voice: str) -> str:
    """The engine's version, and for engines whose voices are files (Piper), the voice file's
    digest: a new model under the same name is a new sound."""
    voice_version = engine.voice_version(voice)
    return engine.version() + (f" voice={voice_version}" if voice_version else "")


class TakeCache:
    """Takes stored under a key of engine, engine version, voice, language and exact text."""

    NAMESPACE = "takes"
    FORMATS = ("wav", "mp3")

    def __init__(self, cache: DiskCache) -> None:
        self.cache = cache

    @staticmethod
    def key(engine: Engine, voice: str, language: str, text: str) -> str:
        return digest(engine.name, _identity(engine, voice), voice, language, text)

    def has(self, key: str) -> bool:
        return any(self.cache.has(self.NAMESPACE, key, fmt) for fmt in self.FORMATS)

    def get(self, key: str) -> Take | None:
        for fmt in self.FORMATS:
            data = self.cache.get(self.NAMESPACE, key, fmt)
            if data:
                return Take(data, fmt, from_cache=True)
        return None

    def put(self, key: str, take: Take) -> None:
        self.cache.put(self.NAMESPACE, key, take.format, take.audio)


def speak(engine: Engine, text: str, voice: str, language: str) -> Take:
    """Synthesize one utterance, turning any foreign exception into ours (runs in workers)."""
    try:
        return engine.synthesize(text, voice, language)
    except AudioEditionError:
        raise
    except Exception as exc:
        raise EngineError(f"engine '{engine.name}' failed: {type(exc).__name__}: {exc}") from None


def workers(engine: Engine, texts: list[str], jobs: int | None) -> int:
    """How many requests to have in flight for ``texts``: 1 means in this process, one at a time.

    ``jobs`` (the user's --jobs) caps it; None leaves it to the engine: a network engine's own limit,
    else the core count when the text is long enough to pay for worker processes.
    """
    if not texts:
        return 1
    cores = os.cpu_count() or 1
    if engine.concurrency == "thread":
        limit = engine.max_jobs or cores
    else:
        limit = min(cores, engine.max_jobs or cores)
        if sum(len(t) for t in texts) < engine.pool_min_chars:
            limit = 1
    if jobs is not None:
        limit = min(limit, jobs)
    return max(1, min(limit, len(texts)))


def _executor(engine: Engine, count: int) -> Executor:
    if engine.concurrency == "process":
        return process_pool(count)
    return ThreadPoolExecutor(max_workers=count)


def synthesize(
    engine: Engine,
    texts: list[str],
    voice: str,
    language: str,
    jobs: int | None,
    cache: TakeCache,
    on_take: TakeHandler | None = None,
    on_progress: Progress | None = None,
) -> SynthResult:
    """Make sure every text has a take in ``cache``, speaking the missing ones in parallel.

    Each new take is stored and then given to ``on_take(key, take)`` as it arrives (in the order
    they finish). Identical texts are spoken once. The first failure cancels the work not yet
    started and is raised.
    """
    keys = [TakeCache.key(engine, voice, language, t) for t in texts]
    unique = dict.fromkeys(keys)
    todo = {key: text for key, text in zip(keys, texts) if not cache.has(key)}
    total, done = len(unique), len(unique) - len(todo)
    if on_progress:
        on_progress(done, total)

    def finished(key: str, take: Take) -> None:
        nonlocal done
        cache.put(key, take)
        if on_take:
            on_take(key, take)
        done += 1
        if on_progress:
            on_progress(done, total)

    count = workers(engine, list(todo.values()), jobs)
    if count <= 1:
        for key, text in todo.items():
            finished(key, speak(engine, text, voice, language))
    else:
        # A few requests queued per worker, no more: a finished take is handed on and let go, so
        # memory does not grow with the article.
        executor = _executor(engine, count)
        waiting = iter(todo.items())
        running: dict[Future[Take], str] = {}
        try:
            while True:
                with children_deaf_to_ctrl_c():  # the first submits start the worker processes
                    for key, text in itertools.islice(waiting, 2 * count - len(running)):
                        running[executor.submit(speak, engine, text, voice, language)] = key
                if not running:
                    break
                done_now, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done_now:
                    finished(running.pop(future), future.result())
        except BaseException:
            executor.shutdown(wait=True, cancel_futures=True)
            raise
        executor.shutdown(wait=True)
    if todo:
        engine.release()  # what speaking held is not needed while the episode is mixed and encoded
    return SynthResult(synthesized=len(todo), cached=total - len(todo))
