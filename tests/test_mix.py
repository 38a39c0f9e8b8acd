"""The mix: clips of any format converted, takes trimmed, one exact timeline, crossfades and a bed."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio_edition.audio import mix
from audio_edition.engines.fake import FakeEngine, tone_wav
from audio_edition.errors import AudioError, InputError
from audio_edition.models import Article, Section, Take
from audio_edition.text.speech import build_script


def script_and_takes():  # type: ignore[no-untyped-def]
    article = Article("Title", (Section(None, ("First para. It has two sentences.", "Second para.")),
                                Section("Next", ("Third para here.",))))
    script = build_script(article, "en", 400)
    engine = FakeEngine()
    takes = [engine.synthesize(u.text, "tone", "en") for u in script.utterances]
    return script, takes


def padded_take(ms_before: int, ms_tone: int, ms_after: int) -> Take:
    """A take with the kind of silence engines leave around speech."""
    import io
    import wave

    body = tone_wav(ms_tone, 330)
    with wave.open(io.BytesIO(body)) as w:
        frames = w.readframes(w.getnframes())
    silence = lambda ms: b"\x00\x00" * (22050 * ms // 1000)  # noqa: E731
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(silence(ms_before) + frames + silence(ms_after))
    return Take(buf.getvalue(), "wav")


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


def test_takes_are_trimmed_of_the_engines_silence() -> None:
    seg = mix.load_take(padded_take(400, 600, 700))
    assert abs(len(seg) - (600 + 2 * mix.TRIM_KEEP_MS)) <= 12
    assert seg[:3].max < 50 and seg[-3:].max < 50  # faded edges: no click


def test_mp3_takes_decode_without_ffprobe(clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no ffmpeg or ffprobe: only the wheel's ffmpeg
    seg = mix.load_take(Take(clips["speech_mp3"].read_bytes(), "mp3"))
    assert seg.frame_rate == 44100 and abs(len(seg) - 1000) < 80


@pytest.mark.parametrize("crossfade", [0, 800])
def test_duration_is_intro_plus_takes_plus_pauses_plus_outro_minus_overlaps(clips: dict[str, Path], crossfade: int) -> None:
    script, takes = script_and_takes()
    intro = mix.load_clip(clips["loud_mp3"], "intro")
    outro = mix.load_clip(clips["loud_wav"], "outro")
    layout = mix.Layout(gap_after_intro_ms=500, gap_before_outro_ms=1000, crossfade_ms=crossfade)
    result = mix.mix(script, takes, intro, outro, layout)
    take_ms = sum(len(mix.load_take(t)) for t in takes)
    pauses = sum(u.pause_after_ms for u in script.utterances)
    expected = len(intro) + 500 + take_ms + pauses + 1000 + len(outro) - 2 * crossfade
    assert abs(result.timeline.duration_ms - expected) <= 3
    assert abs(len(result.audio) - expected) <= 3


def test_timeline_spans_are_ordered_and_chapters_contiguous(clips: dict[str, Path]) -> None:
    script, takes = script_and_takes()
    result = mix.mix(script, takes, mix.load_clip(clips["loud_mp3"], "intro"), mix.load_clip(clips["loud_mp3"], "outro"))
    spans = result.timeline.spans
    assert [s.kind for s in spans] == ["intro", "title", "paragraph", "paragraph", "paragraph", "heading",
                                       "paragraph", "outro"]
    speech = spans[1:-1]
    assert all(a.end_ms <= b.start_ms for a, b in zip(speech, speech[1:]))
    assert speech[0].start_ms < spans[0].end_ms  # the title starts under the intro's fading tail
    assert [s.text for s in speech[1:3]] == ["First para.", "It has two sentences."]
    chapters = result.timeline.chapters
    assert [c.title for c in chapters] == ["Intro", "Title", "Next", "Outro"]
    assert chapters[0].start_ms == 0 and chapters[-1].end_ms == result.timeline.duration_ms
    assert all(a.end_ms == b.start_ms for a, b in zip(chapters, chapters[1:]))
    assert chapters[2].start_ms == spans[5].start_ms  # the "Next" chapter starts with its heading


def test_each_span_is_where_its_sound_is(clips: dict[str, Path]) -> None:
    script, takes = script_and_takes()
    result = mix.mix(script, takes, None, None, mix.Layout(crossfade_ms=0))
    audio = result.audio
    for span in result.timeline.spans:
        assert audio[span.start_ms + 5 : span.start_ms + 40].max > 1000  # sound starts at the span
        if span.start_ms > 60:
            assert audio[span.start_ms - 60 : span.start_ms - 25].max < 100  # after a pause


def test_without_intro_the_title_chapter_starts_at_zero() -> None:
    script, takes = script_and_takes()
    result = mix.mix(script, takes, None, None)
    assert [c.title for c in result.timeline.chapters] == ["Title", "Next"]
    assert result.timeline.chapters[0].start_ms == 0 and result.timeline.spans[0].start_ms == 0


def test_parts_are_levelled_whatever_their_level(clips: dict[str, Path]) -> None:
    from audio_edition.audio import loudness

    script, takes = script_and_takes()
    loud = mix.load_clip(clips["loud_mp3"], "intro")
    quiet = loud.apply_gain(-25)
    for intro in (loud, quiet):
        result = mix.mix(script, takes, intro, None, mix.Layout(crossfade_ms=0))
        placed = result.audio[: len(intro)].raw_data
        lufs = loudness.integrated(placed)
        assert abs(lufs - (mix.SPEECH_REFERENCE_LUFS - mix.MUSIC_UNDER_SPEECH_LU)) < 1.0


def test_music_bed_plays_under_the_title_ducked(clips: dict[str, Path]) -> None:
    script, takes = script_and_takes()
    bed = mix.load_clip(clips["loud_wav"], "bed")
    plain = mix.mix(script, takes, None, None, mix.Layout(crossfade_ms=0))
    with_bed = mix.mix(script, takes, None, None, mix.Layout(crossfade_ms=0), bed=bed)
    title = with_bed.timeline.spans[0]
    pause = with_bed.audio[title.end_ms + 100 : title.end_ms + 300]  # the pause after the title
    assert plain.audio[title.end_ms + 100 : title.end_ms + 300].max == 0
    assert pause.rms > 0  # the bed is heard there
    assert pause.dBFS < with_bed.audio[title.start_ms : title.end_ms].dBFS - 12  # well under the voice
    last = with_bed.timeline.spans[-1]
    assert with_bed.audio[last.start_ms : last.end_ms].raw_data == plain.audio[last.start_ms : last.end_ms].raw_data
