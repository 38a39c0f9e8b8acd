"""The mix: clips of any format converted, takes trimmed, one exact timeline, crossfades and a bed,
levels from loudness profiles that agree with ffmpeg's own meter, and a render that streams."""

from __future__ import annotations

import re
import subprocess
import tracemalloc
from pathlib import Path

import pytest
from readers import FFMPEG

from audio_edition.audio import loudness, mix, segments, toolchain
from audio_edition.errors import AudioError, InputError
from audio_edition.models import Article, Script, Section, Take
from audio_edition.pipeline.production import _clip_digest
from audio_edition.speech.engines.fake import FakeEngine, tone_wav
from audio_edition.text.script import build_script


def script_and_takes(paragraphs: tuple[str, ...] = ("First para. It has two sentences.", "Second para.")
                     ) -> tuple[Script, list[Take]]:
    article = Article("Title", (Section(None, paragraphs), Section("Next", ("Third para here.",))))
    script = build_script(article, "en", 400)
    engine = FakeEngine()
    takes = [engine.synthesize(u.text, "tone", "en") for u in script.utterances]
    return script, takes


def finished(take: Take) -> tuple[bytes, tuple[int, int]]:
    pcm = segments.take_pcm(take.audio, take.format)
    bounds = segments.trim_bounds(pcm)
    return segments.finish_take(pcm, bounds), bounds


class Mixable:
    """Takes and clips made ready the way a build does: finished PCM and measured profiles."""

    def __init__(self, script: Script, takes: list[Take], clips: dict[str, bytes] | None = None) -> None:
        self.script = script
        self.pcm = {f"t{i}": finished(t)[0] for i, t in enumerate(takes)}
        self.pcm.update(clips or {})
        self.profiles = loudness.profiles(self.pcm.items(), toolchain.current())
        self.keys = [f"t{i}" for i in range(len(takes))]
        self.clips = {role: self.profiles[role] for role in (clips or {})}

    def plan(self, layout: mix.Layout = mix.Layout()) -> mix.Plan:
        return mix.plan(self.script, [(k, self.profiles[k]) for k in self.keys], self.clips, layout)

    def load(self, part: mix.Part) -> bytes:
        pcm = self.pcm[part.key]
        if part.key == "bed":
            pcm = segments.loop(pcm, part.length)
        return segments.level(pcm, part.gain_db, part.fade_in_ms, part.fade_out_ms)

    def render(self, plan: mix.Plan) -> bytes:
        out = bytearray()
        mix.render(plan, self.load, out.extend)
        return bytes(out)


def seg_max(pcm: bytes, start_ms: float, end_ms: float) -> int:
    chunk = pcm[int(start_ms * 44.1) * 2 : int(end_ms * 44.1) * 2]
    return max((abs(int.from_bytes(chunk[i : i + 2], "little", signed=True)) for i in range(0, len(chunk), 2)),
               default=0)


def ffmpeg_lufs(pcm: bytes) -> float:
    """ffmpeg's own ebur128 meter on raw mix PCM, to three decimals (its last running value)."""
    proc = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-f", "s16le", "-ar", "44100", "-ac", "1", "-i", "-",
                           "-af", "ebur128=dualmono=true:metadata=1,ametadata=print:key=lavfi.r128.I:file=-",
                           "-f", "null", "-"], input=pcm, capture_output=True, check=True)
    return float(re.findall(rb"lavfi.r128.I=(-?[\d.]+)", proc.stdout)[-1])


@pytest.mark.parametrize("name, ms", [("loud_mp3", 2000), ("loud_wav", 2000), ("float_wav", 1000)])
def test_clips_of_other_rates_and_channels_are_converted(clips: dict[str, Path], name: str, ms: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no ffprobe: pydub must not need it
    pcm = segments.decode_clip(clips[name], "intro")
    assert abs(len(pcm) / 2 / 44.1 - ms) < 60
    assert seg_max(pcm, 0, ms) > 3000  # real signal survived the conversion


def test_clip_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        _clip_digest(tmp_path / "missing.mp3", "intro")
    with pytest.raises(InputError, match="is a folder"):
        _clip_digest(tmp_path, "intro")
    (tmp_path / "clip.xyz").write_bytes(b"abc")
    with pytest.raises(InputError, match="unsupported type"):
        _clip_digest(tmp_path / "clip.xyz", "intro")
    (tmp_path / "broken.mp3").write_bytes(b"this is not audio at all" * 10)
    with pytest.raises(AudioError, match="cannot decode intro"):
        segments.decode_clip(tmp_path / "broken.mp3", "intro")


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


def test_takes_are_trimmed_of_the_engines_silence() -> None:
    pcm, _ = finished(padded_take(400, 600, 700))
    assert abs(len(pcm) / 2 / 44.1 - (600 + 2 * segments.TRIM_KEEP_MS)) <= 12
    assert seg_max(pcm, 0, 0.1) < 50 and seg_max(pcm, len(pcm) / 88.2 - 0.1, len(pcm) / 88.2) < 50  # no click


def test_mp3_takes_decode_in_this_process(clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    # Network engines send MP3s, many per article: they are decoded here, not by an ffmpeg each.
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("AUDIO_EDITION_FFMPEG", "/nonexistent/ffmpeg")
    toolchain.forget()
    try:
        pcm = segments.take_pcm(clips["speech_mp3"].read_bytes(), "mp3")
    finally:
        toolchain.forget()
    assert abs(len(pcm) / 2 / 44.1 - 1000) < 80 and seg_max(pcm, 100, 900) > 3000


def test_a_broken_take_is_a_clear_error() -> None:
    with pytest.raises(AudioError, match="cannot be decoded"):
        segments.take_pcm(b"RIFF\x00\x00\x00\x00WAVEjunk", "wav")
    with pytest.raises(AudioError, match="cannot be decoded|no audio"):
        segments.take_pcm(b"\xff\xfb" + b"junk" * 100, "mp3")


@pytest.mark.parametrize("crossfade", [0, 800])
def test_duration_is_intro_plus_takes_plus_pauses_plus_outro_minus_overlaps(clips: dict[str, Path],
                                                                            crossfade: int) -> None:
    script, takes = script_and_takes()
    intro, outro = segments.decode_clip(clips["loud_mp3"], "intro"), segments.decode_clip(clips["loud_wav"], "outro")
    ready = Mixable(script, takes, {"intro": intro, "outro": outro})
    plan = ready.plan(mix.Layout(gap_after_intro_ms=500, gap_before_outro_ms=1000, crossfade_ms=crossfade))
    take_ms = sum(len(ready.pcm[k]) / 88.2 for k in ready.keys)
    pauses = sum(u.pause_after_ms for u in script.utterances)
    expected = (len(intro) + len(outro)) / 88.2 + 500 + take_ms + pauses + 1000 - 2 * crossfade
    assert abs(plan.timeline.duration_ms - expected) <= 3
    assert abs(len(ready.render(plan)) / 88.2 - expected) <= 3


def test_timeline_spans_are_ordered_and_chapters_contiguous(clips: dict[str, Path]) -> None:
    script, takes = script_and_takes()
    clip = segments.decode_clip(clips["loud_mp3"], "intro")
    plan = Mixable(script, takes, {"intro": clip, "outro": clip}).plan()
    spans = plan.timeline.spans
    assert [s.kind for s in spans] == ["intro", "title", "paragraph", "paragraph", "paragraph", "heading",
                                       "paragraph", "outro"]
    speech = spans[1:-1]
    assert all(a.end_ms <= b.start_ms for a, b in zip(speech, speech[1:]))
    assert speech[0].start_ms < spans[0].end_ms  # the title starts under the intro's fading tail
    assert [s.text for s in speech[1:3]] == ["First para.", "It has two sentences."]
    chapters = plan.timeline.chapters
    assert [c.title for c in chapters] == ["Intro", "Title", "Next", "Outro"]
    assert chapters[0].start_ms == 0 and chapters[-1].end_ms == plan.timeline.duration_ms
    assert all(a.end_ms == b.start_ms for a, b in zip(chapters, chapters[1:]))
    assert chapters[2].start_ms == spans[5].start_ms  # the "Next" chapter starts with its heading


def test_each_span_is_where_its_sound_is() -> None:
    script, takes = script_and_takes()
    ready = Mixable(script, takes)
    plan = ready.plan(mix.Layout(crossfade_ms=0))
    audio = ready.render(plan)
    for span in plan.timeline.spans:
        assert seg_max(audio, span.start_ms + 5, span.start_ms + 40) > 1000  # sound starts at the span
        if span.start_ms > 60:
            assert seg_max(audio, span.start_ms - 60, span.start_ms - 25) < 100  # after a pause


def test_without_intro_the_title_chapter_starts_at_zero() -> None:
    script, takes = script_and_takes()
    plan = Mixable(script, takes).plan()
    assert [c.title for c in plan.timeline.chapters] == ["Title", "Next"]
    assert plan.timeline.chapters[0].start_ms == 0 and plan.timeline.spans[0].start_ms == 0


def test_the_plans_loudness_is_what_ffmpegs_meter_reads_of_the_rendered_mix(clips: dict[str, Path]) -> None:
    """The mix is measured from its parts' profiles, before it exists; ffmpeg measures the real thing."""
    script, takes = script_and_takes(tuple(f"Paragraph {n} says something. It goes on for a while." for n in range(6)))
    ready = Mixable(script, takes, {"intro": segments.decode_clip(clips["loud_mp3"], "intro"),
                                    "outro": segments.decode_clip(clips["loud_wav"], "outro"),
                                    "bed": segments.decode_clip(clips["loud_wav"], "bed")})
    plan = ready.plan()
    assert abs(plan.lufs - ffmpeg_lufs(ready.render(plan))) < 0.05


def test_parts_are_levelled_whatever_their_level(clips: dict[str, Path]) -> None:
    script, takes = script_and_takes()
    loud = segments.decode_clip(clips["loud_mp3"], "intro")
    quiet = segments.level(loud, -25)
    for intro in (loud, quiet):
        ready = Mixable(script, takes, {"intro": intro})
        plan = ready.plan(mix.Layout(crossfade_ms=0))
        placed = ready.render(plan)[: len(intro)]
        speech = loudness.integrated(plan.canvas.energy[plan.positions.utterances[0][0] // loudness.BIN :])
        assert abs(ffmpeg_lufs(placed) - (speech - mix.MUSIC_UNDER_SPEECH_LU)) < 1.0


def test_music_bed_plays_under_the_title_ducked(clips: dict[str, Path]) -> None:
    script, takes = script_and_takes()
    bed = segments.decode_clip(clips["loud_wav"], "bed")
    plain_ready, bed_ready = Mixable(script, takes), Mixable(script, takes, {"bed": bed})
    layout = mix.Layout(crossfade_ms=0)
    plain, with_bed = plain_ready.render(plain_ready.plan(layout)), bed_ready.render(bed_ready.plan(layout))
    title = bed_ready.plan(layout).timeline.spans[0]
    assert seg_max(plain, title.end_ms + 100, title.end_ms + 300) == 0
    assert seg_max(with_bed, title.end_ms + 100, title.end_ms + 300) > 0  # the bed is heard in the pause
    assert (seg_max(with_bed, title.end_ms + 100, title.end_ms + 300)
            < seg_max(with_bed, title.start_ms, title.end_ms) / 4)
    last = bed_ready.plan(layout).timeline.spans[-1]
    a, b = int(last.start_ms * 44.1) * 2, int(last.end_ms * 44.1) * 2
    assert with_bed[a:b] == plain[a:b]  # the bed is gone by the end


@pytest.mark.slow  # a property run of many examples, or a long mix
def test_rendering_streams_memory_stays_flat_however_long_the_mix() -> None:
    """Twenty minutes of mix go out a window at a time: Python never holds more than a few parts."""
    script, takes = script_and_takes(tuple("Word " * 40 + "end." for _ in range(300)))
    ready = Mixable(script, takes[1:2])  # one paragraph measured; every utterance reuses it
    profile = ready.profiles["t0"]
    plan = mix.plan(script, [("t0", profile)] * len(script.utterances), {}, mix.Layout())
    assert plan.positions.total > 44100 * 60 * 15  # over a quarter of an hour
    written = 0

    def write(data: bytes) -> None:
        nonlocal written
        written += len(data)

    pcm = ready.pcm["t0"]
    tracemalloc.start()
    try:
        mix.render(plan, lambda part: segments.level(pcm, part.gain_db), write)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert written == plan.positions.total * 2 > 80_000_000
    assert peak < 5_000_000  # a few windows and parts, not the episode


def test_an_mp3_may_be_cut_only_in_silence_and_the_timeline_follows_a_shift() -> None:
    script, takes = script_and_takes(tuple(f"Paragraph {n} has words in it. And a second sentence." for n in range(12)))
    ready = Mixable(script, takes)
    plan = ready.plan()
    audio = ready.render(plan)
    points = plan.quiet_points(3)
    assert len(points) == 3 and points == sorted(points)
    for at in points:  # 150 ms of silence on each side
        assert segments.peak_dbfs(audio[(at - 6615) * 2 : (at + 6615) * 2]) == float("-inf")
    moved = plan.with_silence([(points[1], 1152)])
    before = [s.start_ms for s in plan.timeline.spans]
    after = [s.start_ms for s in moved.timeline.spans]
    for a, b in zip(before, after):  # 1152 samples are 26.1 ms
        assert b - a == 0 if a < points[1] / 44.1 else b - a in (26, 27)
    assert moved.positions.total == plan.positions.total + 1152
