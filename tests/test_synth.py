"""Synthesis: the on-disk cache, parallel workers, and failures."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from audio_edition.cache import DiskCache
from audio_edition.engines.espeak import EspeakEngine
from audio_edition.engines.fake import FakeEngine
from audio_edition.errors import EngineError
from audio_edition.synth import TakeCache, synthesize


class CountingEngine(FakeEngine):
    """The fake engine, counting what it is asked to say (thread workers share it)."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.lock = threading.Lock()

    def synthesize(self, text, voice, language):  # type: ignore[no-untyped-def]
        with self.lock:
            self.said.append(text)
        return super().synthesize(text, voice, language)


def test_second_run_synthesizes_nothing_and_returns_the_same_audio(tmp_path: Path) -> None:
    cache = TakeCache(DiskCache(tmp_path))
    texts = ["One paragraph.", "Two paragraph.", "Three paragraph."]
    engine = CountingEngine()
    first = synthesize(engine, texts, "tone", "en", 2, cache)
    assert (first.synthesized, first.cached) == (3, 0)
    again = CountingEngine()
    second = synthesize(again, texts, "tone", "en", 2, cache)
    assert (second.synthesized, second.cached) == (0, 3) and again.said == []
    assert [t.audio for t in second.takes] == [t.audio for t in first.takes]
    assert all(t.from_cache for t in second.takes)


def test_an_edited_paragraph_resynthesizes_only_itself(tmp_path: Path) -> None:
    cache = TakeCache(DiskCache(tmp_path))
    synthesize(CountingEngine(), ["Alpha.", "Beta.", "Gamma."], "tone", "en", 2, cache)
    engine = CountingEngine()
    result = synthesize(engine, ["Alpha.", "Beta, edited.", "Gamma."], "tone", "en", 2, cache)
    assert engine.said == ["Beta, edited."]
    assert (result.synthesized, result.cached) == (1, 2)


def test_key_covers_engine_version_voice_language_and_exact_text() -> None:
    fake = FakeEngine()
    base = TakeCache.key(fake, "tone", "en", "Text.")
    assert base == TakeCache.key(FakeEngine(), "tone", "en", "Text.")
    assert len({base, TakeCache.key(fake, "other", "en", "Text."), TakeCache.key(fake, "tone", "de", "Text."),
                TakeCache.key(fake, "tone", "en", "Text!"), TakeCache.key(EspeakEngine(150), "tone", "en", "Text."),
                TakeCache.key(EspeakEngine(180), "tone", "en", "Text.")}) == 6


def test_identical_texts_are_synthesized_once_and_order_is_kept() -> None:
    engine = CountingEngine()
    texts = ["Same.", "Other.", "Same."]
    result = synthesize(engine, texts, "tone", "en", 2, None)
    assert sorted(engine.said) == ["Other.", "Same."]
    assert result.takes[0].audio == result.takes[2].audio != result.takes[1].audio


def test_progress_is_reported_up_to_the_total() -> None:
    seen: list[tuple[int, int]] = []
    synthesize(FakeEngine(), ["a.", "b.", "c."], "tone", "en", 2, None, lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)


def _seconds(wav: bytes) -> float:
    import io
    import wave

    with wave.open(io.BytesIO(wav)) as w:
        return w.getnframes() / w.getframerate()


def test_parallel_espeak_in_processes_keeps_each_take_with_its_text() -> None:
    # espeak-ng's output varies by a few milliseconds from run to run, so compare lengths:
    # texts of growing length must give takes of growing length, as they do one by one.
    texts = [" ".join(["word"] * n) + "." for n in (2, 6, 12, 20, 30, 42)]
    engine = EspeakEngine()
    voice = engine.resolve_voice(None, "en")
    parallel = [_seconds(t.audio) for t in synthesize(engine, texts, voice, "en", 2, None).takes]
    sequential = [_seconds(t.audio) for t in synthesize(engine, texts, voice, "en", 1, None).takes]
    assert parallel == sorted(parallel) and len(set(parallel)) == len(texts)
    assert all(abs(p - s) < 0.1 for p, s in zip(parallel, sequential))


def test_a_failure_is_raised_as_ours_and_nothing_bad_is_cached(tmp_path: Path) -> None:
    cache = TakeCache(DiskCache(tmp_path))
    with pytest.raises(EngineError, match="asked to fail"):
        synthesize(FakeEngine(), ["fine.", "FAIL", "also fine."], "tone", "en", 2, cache)
    assert not any(p.name.startswith(".tmp") for p in tmp_path.rglob("*"))


def test_foreign_exceptions_become_engine_errors() -> None:
    class Broken(FakeEngine):
        def synthesize(self, text, voice, language):  # type: ignore[no-untyped-def]
            raise RuntimeError("native crash")

    with pytest.raises(EngineError, match="RuntimeError: native crash"):
        synthesize(Broken(), ["x."], "tone", "en", 1, None)
