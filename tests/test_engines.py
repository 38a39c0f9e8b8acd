"""Engines: the registry, the offline espeak-ng engine, and the fake."""

from __future__ import annotations

import io
import wave

import pytest

from audio_edition.errors import EngineError
from audio_edition.speech import Availability, Engine
from audio_edition.speech import registry as engines
from audio_edition.speech.engines.espeak import EspeakEngine
from audio_edition.speech.engines.fake import FakeEngine


def wav_info(data: bytes) -> tuple[int, int, float, int]:
    """(channels, rate, seconds, peak) of WAV bytes."""
    with wave.open(io.BytesIO(data)) as w:
        frames = w.readframes(w.getnframes())
        samples = [int.from_bytes(frames[i:i + 2], "little", signed=True) for i in range(0, len(frames), 2)]
        return w.getnchannels(), w.getframerate(), w.getnframes() / w.getframerate(), max(map(abs, samples))


def test_builtin_engines_come_from_entry_points() -> None:
    assert {"espeak", "gtts", "fake", "piper"} <= set(engines.names())
    assert engines.DEFAULT_ENGINE == "auto" and engines.AUTO_ORDER == ("piper", "espeak")
    for name in ("espeak", "gtts", "fake"):
        engine = engines.get(name)
        assert isinstance(engine, Engine)
        assert engine.name == name


def test_unknown_engine_names_the_known_ones() -> None:
    with pytest.raises(EngineError, match="unknown engine 'nope'") as info:
        engines.get("nope")
    assert "espeak" in info.value.hint


def test_registered_engine_is_listed_and_created() -> None:
    engines.register("tone2", FakeEngine)
    try:
        assert "tone2" in engines.names()
        assert isinstance(engines.get("tone2"), FakeEngine)
    finally:
        engines.unregister("tone2")
    assert "tone2" not in engines.names()


def test_espeak_speaks_offline_from_the_wheel() -> None:
    engine = EspeakEngine()
    assert engine.availability() == Availability(True)
    assert engine.offline and engine.concurrency == "process"
    voice = engine.resolve_voice(None, "en")
    take = engine.synthesize("The harbour opened again on Monday morning.", voice, "en")
    channels, rate, seconds, peak = wav_info(take.audio)
    assert take.format == "wav" and channels == 1 and rate == 22050
    assert 1.5 < seconds < 6  # eight words at about 165 words a minute
    assert peak > 3000  # speech, not silence
    longer = engine.synthesize("The harbour opened again on Monday morning, and boats came home.", voice, "en")
    assert wav_info(longer.audio)[2] > seconds


def test_espeak_voices_follow_language_and_reject_unknown() -> None:
    engine = EspeakEngine()
    assert engine.resolve_voice(None, "en").lower() == "en-us"
    assert engine.resolve_voice(None, "de") == "de"
    assert engine.resolve_voice(None, "pt-BR") == "pt-BR"
    assert engine.resolve_voice("en-gb", "en") == "en"  # espeak-ng's British English voice is "en"
    assert engine.resolve_voice("en-GB-scotland+f3", "en") == "en-GB-scotland+f3"
    with pytest.raises(EngineError, match="no voice 'klingon'"):
        engine.resolve_voice("klingon", "en")
    with pytest.raises(EngineError, match="no voice for language 'xx'"):
        engine.resolve_voice(None, "xx")


def test_espeak_german_differs_from_english() -> None:
    engine = EspeakEngine()
    text = "Guten Morgen, wie geht es Ihnen heute?"
    assert engine.synthesize(text, "de", "de").audio != engine.synthesize(text, "en-US", "en").audio


def test_espeak_version_changes_with_settings() -> None:
    assert EspeakEngine(rate_wpm=150).version() != EspeakEngine(rate_wpm=180).version()


def test_fake_is_deterministic_and_can_fail() -> None:
    fake = FakeEngine()
    a = fake.synthesize("one two three", "tone", "en")
    assert a == fake.synthesize("one two three", "tone", "en")
    assert a != fake.synthesize("one two four", "tone", "en")
    assert wav_info(a.audio)[2] == pytest.approx(0.24, abs=0.001)
    with pytest.raises(EngineError):
        fake.synthesize("please FAIL now", "tone", "en")
