"""Engines: the registry, the offline espeak-ng engine, and the fake."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest

from audio_edition.errors import EngineError
from audio_edition.models import Take
from audio_edition.speech import Availability, Engine, Voice
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


class EngineOf010:
    """An engine as the README taught before 0.2.0: no EngineBase, none of the members added since
    (voice_version, phonemes, pool_min_chars), and a set_rate that returns nothing."""

    name = "old-style"
    offline = True
    max_chars = 400
    concurrency = "thread"
    max_jobs = None

    def __init__(self) -> None:
        self.rate = 1.0
        self.tone = FakeEngine()

    def version(self) -> str:
        return f"old-style 1 rate={self.rate}"

    def availability(self) -> Availability:
        return Availability(True)

    def resolve_voice(self, voice: str | None, language: str) -> str:
        return voice or "tone"

    def voices(self) -> list[Voice]:
        return [Voice("tone", ("en",), None)]

    def set_rate(self, rate: float) -> None:
        self.rate = rate

    def synthesize(self, text: str, voice: str, language: str) -> Take:
        return self.tone.synthesize(text, voice, language)


@pytest.mark.slow  # a whole build
def test_an_engine_written_for_010_still_builds(tmp_path: Path) -> None:
    from audio_edition import pipeline
    from audio_edition.settings import Settings

    engines.register("old-style", EngineOf010)
    try:
        engine = engines.get("old-style")
        assert (engine.voice_version("tone"), engine.phonemes, engine.pool_min_chars) == ("", False, 6000)
        (tmp_path / "a.txt").write_text("An Old Engine\n\nIt speaks at a quicker rate than before.\n")
        settings = Settings(engine="old-style", rate=1.5, intro=None, outro=None, cover=None)
        result = pipeline.build(str(tmp_path / "a.txt"), tmp_path / "a.mp3", settings)
        assert result.engine == "old-style" and result.synthesized > 0 and (tmp_path / "a.mp3").is_file()
        assert not any("cannot change its speed" in note for note in result.article.notes)  # set_rate took it
    finally:
        engines.unregister("old-style")


def test_something_that_is_no_engine_is_one_clear_error() -> None:
    engines.register("not-an-engine", lambda: object())  # type: ignore[arg-type,return-value]  # on purpose
    try:
        with pytest.raises(EngineError, match="'not-an-engine' is not a speech engine: it has no name") as info:
            engines.get("not-an-engine")
        assert "EngineBase" in info.value.hint
    finally:
        engines.unregister("not-an-engine")


def test_piper_matches_norwegian_pages_and_suggests_a_voice_of_the_region_asked_for(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Pages declare Norwegian as nb (Bokmål) or nn; Piper's voices call it no. A region asked for
    with --voice (en-au) is that region's voice or none: the suggestion may not be another's."""
    from audio_edition.speech.engines import piper

    voices = [piper.PiperVoiceFile("no_NO-test-medium", tmp_path / "no.onnx", "no-NO", "medium", "test"),
              piper.PiperVoiceFile("en_US-test-medium", tmp_path / "en.onnx", "en-US", "medium", "test")]
    monkeypatch.setattr(piper, "find_voices", lambda: voices)
    engine = piper.PiperEngine()
    assert engine.resolve_voice(None, "nb") == engine.resolve_voice(None, "nn-NO") == "no_NO-test-medium"
    assert engine.resolve_voice(None, "en-AU") == "en_US-test-medium"  # an article: its language will do
    with pytest.raises(EngineError) as asked:
        engine.resolve_voice("en-au", "en")  # the user asked for Australian English
    assert "audio-edition voices list --available" in asked.value.message
    assert "en_US" not in asked.value.message
    with pytest.raises(EngineError) as british:
        engine.resolve_voice("en-gb", "en")
    assert "audio-edition voices install en_GB-alan-medium" in british.value.message
