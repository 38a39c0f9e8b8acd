"""Synthesis of a script's utterances: an on-disk cache, and parallel workers for the misses."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import tempfile
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from audio_edition.engines import Engine
from audio_edition.errors import AudioEditionError, EngineError, OutputError
from audio_edition.models import Take

CACHE_ENV = "AUDIO_EDITION_CACHE_DIR"
Progress = Callable[[int, int], None]


def default_cache_dir() -> Path:
    """Where takes are cached: $AUDIO_EDITION_CACHE_DIR, else the user cache directory."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("audio-edition")) / "takes"


@dataclass(frozen=True)
class SynthResult:
    """One take per utterance, in script order, and how many came from the cache."""

    takes: tuple[Take, ...]
    synthesized: int
    cached: int


class TakeCache:
    """Takes stored on disk under a key of engine, engine version, voice, language and text."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def key(engine: Engine, voice: str, language: str, text: str) -> str:
        material = json.dumps([engine.name, engine.version(), voice, language, text], ensure_ascii=False)
        return hashlib.sha256(material.encode("utf-8")).hexdigest()

    def _path(self, key: str, fmt: str) -> Path:
        return self.root / key[:2] / f"{key}.{fmt}"

    def get(self, key: str) -> Take | None:
        for fmt in ("wav", "mp3"):
            path = self._path(key, fmt)
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if data:
                return Take(data, fmt, from_cache=True)
        return None

    def put(self, key: str, take: Take) -> None:
        """Store a take atomically; a cache that cannot be written only costs speed."""
        path = self._path(key, take.format)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(take.audio)
            os.replace(tmp, path)
        except OSError:
            pass


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


def check_cache_dir(root: Path) -> None:
    """Fail early, with a clear message, when the cache folder cannot be created."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the cache folder {root}: {exc.strerror}",
                          hint=f"Set {CACHE_ENV} to a writable folder.") from exc
