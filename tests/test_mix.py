"""The mix: clips of any format converted, the timeline exact, the MP3 valid without system ffmpeg."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio_edition import mix
from audio_edition.engines.fake import FakeEngine, tone_wav
from audio_edition.errors import AudioError, InputError
from audio_edition.models import Article, Section, Take
from audio_edition.speech import build_script
from readers import decode_errors, probe_duration, probe_stream, walk_mp3

FRAME_S = 1152 / 44100


def script_and_takes():  # type: ignore[no-untyped-def]
    article = Article("Title", (Section(None, ("First para.", "Second para.")), Section("Next", ("Third para here.",))))
    script = build_script(article, "en", 400)
    engine = FakeEngine()
    takes = [engine.synthesize(u.text, "tone", "en") for u in script.utterances]
    return script, takes


@pytest.mark.parametrize("name, ms", [("loud_mp3", 2000), ("loud_wav", 2000), ("float_wav", 1000)])
def test_clips_of_other_rates_and_channels_are_converted(clips: dict[str, Path], name: str, ms: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no ffprobe: pydub must not need it
    seg = mix.load_clip(clips[name], "intro")
    assert (seg.frame_rate, seg.channels, seg.sample_width) == (44100, 1, 2)
    assert abs(len(seg) - ms) < 60
    assert seg.max > 3000  # real signal survived the conversion


def test_clip_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        mix.load_clip(tmp_path / "missing.mp3", "intro")
    (tmp_path / "clip.xyz").write_bytes(b"abc")
    with pytest.raises(InputError, match="unsupported type"):
        mix.load_clip(tmp_path / "clip.xyz", "intro")
    (tmp_path / "broken.mp3").write_bytes(b"this is not audio at all" * 10)
    with pytest.raises(AudioError, match="cannot decode intro"):
        mix.load_clip(tmp_path / "broken.mp3", "intro")


def test_duration_is_intro_plus_takes_plus_pauses_plus_outro(clips: dict[str, Path]) -> None:
    script, takes = script_and_takes()
    intro = mix.load_clip(clips["loud_mp3"], "intro")
    outro = mix.load_clip(clips["loud_wav"], "outro")
    result = mix.mix(script, takes, intro, outro, gap_after_intro_ms=500, gap_before_outro_ms=700)
    take_ms = sum(len(mix.load_take(t)) for t in takes)
    pauses = sum(u.pause_after_ms for u in script.utterances) + 500 + 700
    expected = len(intro) + take_ms + pauses + len(outro)
    assert abs(result.timeline.duration_ms - expected) <= 2
    assert abs(len(result.audio) - expected) <= 2


def test_timeline_spans_are_ordered_and_chapters_contiguous(clips: dict[str, Path]) -> None:
    script, takes = script_and_takes()
    result = mix.mix(script, takes, mix.load_clip(clips["loud_mp3"], "intro"), mix.load_clip(clips["loud_mp3"], "outro"))
    spans = result.timeline.spans
    assert [s.kind for s in spans] == ["intro", "title", "paragraph", "paragraph", "heading", "paragraph", "outro"]
    assert all(a.end_ms <= b.start_ms for a, b in zip(spans, spans[1:]))
    chapters = result.timeline.chapters
    assert [c.title for c in chapters] == ["Intro", "Title", "Next", "Outro"]
    assert chapters[0].start_ms == 0 and chapters[-1].end_ms == result.timeline.duration_ms
    assert all(a.end_ms == b.start_ms for a, b in zip(chapters, chapters[1:]))
    assert chapters[2].start_ms == spans[4].start_ms  # the "Next" chapter starts with its heading


def test_without_intro_the_title_chapter_starts_at_zero() -> None:
    script, takes = script_and_takes()
    result = mix.mix(script, takes, None, None)
    assert [c.title for c in result.timeline.chapters] == ["Title", "Next"]
    assert result.timeline.chapters[0].start_ms == 0 and result.timeline.spans[0].start_ms == 0


def test_mp3_takes_decode_without_ffprobe(clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no ffmpeg or ffprobe: only the wheel's ffmpeg
    seg = mix.load_take(Take(clips["speech_mp3"].read_bytes(), "mp3"))
    assert seg.frame_rate == 44100 and abs(len(seg) - 1000) < 80


def test_encoded_mp3_is_cbr_44k_mono_and_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    script, takes = script_and_takes()
    result = mix.mix(script, takes, None, None)
    out = tmp_path / "x.mp3"
    mix.encode_mp3(result.audio, out, 64)
    frames = walk_mp3(out)
    assert frames.bitrates == {64} and frames.sample_rates == {44100} and frames.mono
    assert frames.info_frames == frames.frames
    assert decode_errors(out) == ""
    assert probe_stream(out) == {"codec": "mp3", "sample_rate": "44100", "layout": "mono"}
    assert abs(probe_duration(out) - result.timeline.duration_ms / 1000) < 2 * FRAME_S


def test_encoding_is_cached_by_samples(tmp_path: Path) -> None:
    from audio_edition.cache import DiskCache

    cache = DiskCache(tmp_path / "cache")
    audio = mix._pydub()(data=tone_wav(500, 440)[44:], sample_width=2, frame_rate=22050, channels=1)
    audio = audio.set_frame_rate(44100)
    mix.encode_mp3(audio, tmp_path / "a.mp3", 96, cache)
    stored = list((tmp_path / "cache" / "encoded").rglob("*.mp3"))
    assert len(stored) == 1
    assert stored[0].read_bytes() == (tmp_path / "a.mp3").read_bytes()
    stored[0].write_bytes(b"marker")  # a hit copies the entry instead of encoding again
    mix.encode_mp3(audio, tmp_path / "b.mp3", 96, cache)
    assert (tmp_path / "b.mp3").read_bytes() == b"marker"
    mix.encode_mp3(audio, tmp_path / "c.mp3", 128, cache)  # another bitrate is another entry
    assert len(list((tmp_path / "cache" / "encoded").rglob("*.mp3"))) == 2
