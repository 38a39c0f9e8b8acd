"""Synthesis of a script's utterances: an on-disk cache, and parallel workers for the misses."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Callable

from audio_edition.cache import DiskCache, digest
from audio_edition.engines import Engine
from audio_edition.errors import AudioEditionError, EngineError
from audio_edition.models import Take

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SynthResult:
    """One take per utterance, in script order, and how many came from the cache."""

    takes: tuple[Take, ...]
    synthesized: int
    cached: int


class TakeCache:
    """Takes stored under a key of engine, engine version, voice, language and exact text."""

    NAMESPACE = "takes"

    def __init__(self, cache: DiskCache) -> None:
        self.cache = cache

    @staticmethod
    def key(engine: Engine, voice: str, language: str, text: str) -> str:
        return digest(engine.name, engine.version(), voice, language, text)

    def get(self, key: str) -> Take | None:
        for fmt in ("wav", "mp3"):
            data = self.cache.get(self.NAMESPACE, key, fmt)
            if data:
                return Take(data, fmt, from_cache=True)
        return None

    def put(self, key: str, take: Take) -> None:
        self.cache.put(self.NAMESPACE, key, take.format, take.audio)


def _run(engine: Engine, text: str, voice: str, language: str) -> Take:
    """Synthesize one utterance, turning any foreign exception into ours (runs in workers)."""
    try:
        return engine.synthesize(text, voice, language)
    except AudioEditionError:
        raise
    except Exception as exc:
        raise EngineError(f"engine '{engine.name}' failed: {type(exc).__name__}: {exc}") from None


def _executor(engine: Engine, jobs: int) -> Executor:
    if engine.concurrency == "process":
        # spawn, not fork: the parent may hold threads (the progress bar) and native state.
        return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
    return ThreadPoolExecutor(max_workers=jobs)


def synthesize(
    engine: Engine,
    texts: list[str],
    voice: str,
    language: str,
    jobs: int,
    cache: TakeCache | None,
    on_progress: Progress | None = None,
) -> SynthResult:
    """Return a take for each text, from the cache where possible, synthesizing the rest in parallel.

    Identical texts are synthesized once. The first failure cancels the work not yet started
    and is raised.
    """
    keys = [TakeCache.key(engine, voice, language, t) for t in texts]
    found: dict[str, Take] = {}
    if cache is not None:
        for key in dict.fromkeys(keys):
            take = cache.get(key)
            if take is not None:
                found[key] = take
    todo = {key: text for key, text in zip(keys, texts) if key not in found}
    total = len(dict.fromkeys(keys))
    done = len(found)
    if on_progress:
        on_progress(done, total)

    def finished(key: str, take: Take) -> None:
        nonlocal done
        found[key] = take
        if cache is not None:
            cache.put(key, take)
        done += 1
        if on_progress:
            on_progress(done, total)

    limit = min(jobs, engine.max_jobs or jobs, len(todo))
    if limit <= 1:
        for key, text in todo.items():
            finished(key, _run(engine, text, voice, language))
    else:
        executor = _executor(engine, limit)
        try:
            futures: dict[Future[Take], str] = {
                executor.submit(_run, engine, text, voice, language): key for key, text in todo.items()
            }
            for future in as_completed(futures):
                finished(futures[future], future.result())
        except BaseException:
            executor.shutdown(wait=True, cancel_futures=True)
            raise
        executor.shutdown(wait=True)
    takes = tuple(found[k] for k in keys)
    return SynthResult(takes, synthesized=len(todo), cached=total - len(todo))
