"""Synthesis: the on-disk cache, parallel workers, and failures."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from audio_edition.errors import EngineError
from audio_edition.models import Take
from audio_edition.speech import synthesis as synth
from audio_edition.speech.engine import Engine
from audio_edition.speech.engines.espeak import EspeakEngine
from audio_edition.speech.engines.fake import FakeEngine
from audio_edition.speech.synthesis import SynthResult, TakeCache, synthesize
from audio_edition.storage.cache import DiskCache


class CountingEngine(FakeEngine):
    """The fake engine, counting what it is asked to say (thread workers share it)."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.lock = threading.Lock()

    def synthesize(self, text: str, voice: str, language: str) -> Take:
        with self.lock:
            self.said.append(text)
        return super().synthesize(text, voice, language)


def collect(engine: Engine, texts: list[str], cache: TakeCache, jobs: int | None = 2,
            **kw: Any) -> tuple[SynthResult, dict[str, Take]]:
    """Synthesize, returning the result and the new takes by key, as they were handed on."""
    got: dict[str, Take] = {}
    result = synthesize(engine, texts, "tone", "en", jobs, cache, on_take=lambda k, t: got.setdefault(k, t), **kw)
    return result, got


def test_second_run_synthesizes_nothing_and_the_cache_holds_each_take(tmp_path: Path) -> None:
    cache = TakeCache(DiskCache(tmp_path))
    texts = ["One paragraph.", "Two paragraph.", "Three paragraph."]
    engine = CountingEngine()
    first, got = collect(engine, texts, cache)
    assert (first.synthesized, first.cached) == (3, 0) and len(got) == 3
    again = CountingEngine()
    second, got_again = collect(again, texts, cache)
    assert (second.synthesized, second.cached) == (0, 3) and again.said == [] and got_again == {}
    for key, take in got.items():
        stored = cache.get(key)
        assert stored is not None and stored.audio == take.audio and stored.from_cache


def test_an_edited_paragraph_resynthesizes_only_itself(tmp_path: Path) -> None:
    cache = TakeCache(DiskCache(tmp_path))
    collect(CountingEngine(), ["Alpha.", "Beta.", "Gamma."], cache)
    engine = CountingEngine()
    result, got = collect(engine, ["Alpha.", "Beta, edited.", "Gamma."], cache)
    assert engine.said == ["Beta, edited."] and len(got) == 1
    assert (result.synthesized, result.cached) == (1, 2)


def test_key_covers_engine_version_voice_language_and_exact_text() -> None:
    fake = FakeEngine()
    base = TakeCache.key(fake, "tone", "en", "Text.")
    assert base == TakeCache.key(FakeEngine(), "tone", "en", "Text.")
    assert len({base, TakeCache.key(fake, "other", "en", "Text."), TakeCache.key(fake, "tone", "de", "Text."),
                TakeCache.key(fake, "tone", "en", "Text!"), TakeCache.key(EspeakEngine(150), "tone", "en", "Text."),
                TakeCache.key(EspeakEngine(180), "tone", "en", "Text.")}) == 6


def test_identical_texts_are_synthesized_once(tmp_path: Path) -> None:
    engine = CountingEngine()
    result, got = collect(engine, ["Same.", "Other.", "Same."], TakeCache(DiskCache(tmp_path)))
    assert sorted(engine.said) == ["Other.", "Same."] and len(got) == 2
    assert (result.synthesized, result.cached) == (2, 0)


def test_progress_is_reported_up_to_the_total(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    collect(FakeEngine(), ["a.", "b.", "c."], TakeCache(DiskCache(tmp_path)),
            on_progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)


def _seconds(wav: bytes) -> float:
    import io
    import wave

    with wave.open(io.BytesIO(wav)) as w:
        return w.getnframes() / w.getframerate()


def test_parallel_espeak_in_processes_keeps_each_take_with_its_text(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # espeak-ng's output varies by a few milliseconds from run to run, so compare lengths:
    # texts of growing length must give takes of growing length, as they do one by one.
    texts = [" ".join(["word"] * n) + "." for n in (2, 6, 12, 20, 30, 42)]
    engine = EspeakEngine()
    engine.pool_min_chars = 0  # these few words would otherwise be spoken in this process
    voice = engine.resolve_voice(None, "en")
    keys = [TakeCache.key(engine, voice, "en", t) for t in texts]

    def lengths(jobs: int, folder: str) -> list[float]:
        got: dict[str, Take] = {}
        synthesize(engine, texts, voice, "en", jobs, TakeCache(DiskCache(tmp_path / folder)), on_take=got.__setitem__)
        return [_seconds(got[k].audio) for k in keys]

    parallel, sequential = lengths(2, "p"), lengths(1, "s")
    assert parallel == sorted(parallel) and len(set(parallel)) == len(texts)
    assert all(abs(p - s) < 0.1 for p, s in zip(parallel, sequential))


def test_a_failure_is_raised_as_ours_and_nothing_bad_is_cached(tmp_path: Path) -> None:
    cache = TakeCache(DiskCache(tmp_path))
    with pytest.raises(EngineError, match="asked to fail"):
        synthesize(FakeEngine(), ["fine.", "FAIL", "also fine."], "tone", "en", 2, cache)
    assert not list((tmp_path / ".tmp").glob("*"))  # no temporary file left behind


def test_foreign_exceptions_become_engine_errors(tmp_path: Path) -> None:
    class Broken(FakeEngine):
        def synthesize(self, text: str, voice: str, language: str) -> Take:
            raise RuntimeError("native crash")

    with pytest.raises(EngineError, match="RuntimeError: native crash"):
        synthesize(Broken(), ["x."], "tone", "en", 1, TakeCache(DiskCache(tmp_path)))


class SlowNetworkEngine(FakeEngine):
    """Waits like a network engine and records how many requests it had in flight at once. The
    first requests wait (up to a second) until ``crowd`` of them are in flight together, so the
    peak is what the synthesizer allows, not what the scheduler happened to overlap."""

    concurrency = "thread"
    offline = False
    max_jobs = 8

    def __init__(self, crowd: int = 1) -> None:
        self.active = self.peak = 0
        self.crowd = crowd
        self.changed = threading.Condition()

    def synthesize(self, text: str, voice: str, language: str) -> Take:
        with self.changed:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.changed.notify_all()
            self.changed.wait_for(lambda: self.peak >= self.crowd, timeout=1.0)
        take = super().synthesize(text, voice, language)
        with self.changed:
            self.active -= 1
        return take


@pytest.mark.parametrize("jobs, expected", [(None, 8), (3, 3), (1, 1)])
def test_a_network_engine_runs_at_its_own_concurrency_capped_by_jobs(tmp_path: Path, jobs: int | None,
                                                                     expected: int) -> None:
    engine = SlowNetworkEngine(crowd=expected)
    collect(engine, [f"Sentence number {n}." for n in range(24)], TakeCache(DiskCache(tmp_path)), jobs=jobs)
    assert engine.peak == expected  # not the core count: a service's limit has nothing to do with our cores


def test_a_local_engine_starts_no_workers_for_a_handful_of_sentences() -> None:
    espeak = EspeakEngine()
    few = ["A short sentence.", "Another one."]
    many = ["A sentence long enough to be worth a worker process, more or less, in this test."] * 200
    assert synth.workers(espeak, few, None) == 1
    assert synth.workers(espeak, many, None) == (os.cpu_count() or 1)
    assert synth.workers(espeak, many, 1) == 1
    assert synth.workers(SlowNetworkEngine(), few, None) == 2  # one request per text, at most
