"""The mixer, the only module that uses pydub: clips and takes in, one audio and its timeline out.

Everything is brought to one format (44.1 kHz, mono, 16-bit). Takes are trimmed of their own
silence and joined once, as raw samples, with our pauses between them; intro, speech, outro and
an optional music bed are then laid on one canvas, so every position in the timeline is exact
to the sample. Parts are levelled against each other here; the final loudness is set when
mastering (encode.py).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from audio_edition.audio import loudness, toolchain as ffmpeg
from audio_edition.cache import DiskCache
from audio_edition.errors import AudioError, InputError
from audio_edition.models import Chapter, Script, Span, Take, Timeline

if TYPE_CHECKING:
    from pydub import AudioSegment

RATE = 44100
CHANNELS = 1
WIDTH = 2
FADE_MS = 8  # at every take's edges, so no join clicks
TRIM_THRESHOLD_DBFS = -50.0  # quieter than this at a take's edges is the engine's own silence
TRIM_KEEP_MS = 20  # of that silence kept, so soft consonants are not clipped
SPEECH_REFERENCE_LUFS = -26.0  # parts are levelled here (well below any target), mastering raises them
MUSIC_UNDER_SPEECH_LU = 3.0  # intro and outro sit this far under the voice
BED_DUCK_LU = 18.0  # a music bed this far under the voice while it speaks

# Clip files pydub can load without ffprobe: suffix -> (ffmpeg demuxer, ffmpeg decoder).
# Naming the decoder is what stops pydub from calling ffprobe (which no wheel ships).
CLIP_FORMATS: dict[str, tuple[str, str | None]] = {
    ".mp3": ("mp3", "mp3"),
    ".wav": ("wav", None),
    ".flac": ("flac", "flac"),
    ".ogg": ("ogg", "vorbis"),
    ".opus": ("ogg", "opus"),
    ".m4a": ("mov", "aac"),
}


@dataclass(frozen=True)
class Layout:
    """How the parts are placed, in milliseconds.

    ``crossfade_ms``: the intro's last part fades out under the start of the speech, and the
    outro fades in over the pause after it; 0 plays them one after the other.
    """

    gap_after_intro_ms: int = 500
    gap_before_outro_ms: int = 1000
    crossfade_ms: int = 800


def _pydub() -> type[AudioSegment]:
    with warnings.catch_warnings():
        # pydub warns at import when ffmpeg is not on PATH; we point it at ours right after.
        warnings.simplefilter("ignore")
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg.exe()
    return AudioSegment


def _conform(seg: AudioSegment) -> AudioSegment:
    return seg.set_sample_width(WIDTH).set_frame_rate(RATE).set_channels(CHANNELS)


def _ffmpeg_to_wav(path: Path, role: str) -> bytes:
    """Convert any audio file ffmpeg can read to 16-bit WAV in the mix format."""
    failed = AudioError(f"cannot decode {role} file {path}: not a playable {path.suffix} file",
                        hint=f"Check the file plays, or pass --no-{role}.")
    try:
        proc = ffmpeg.run(["-v", "error", "-i", str(path), "-vn", "-acodec", "pcm_s16le", "-ar", str(RATE),
                           "-ac", str(CHANNELS), "-f", "wav", "-"], f"decoding the {role}")
    except AudioError as exc:
        raise failed from exc
    if len(proc.stdout) <= 44:  # a header and no samples
        raise failed
    return proc.stdout


def load_clip(path: Path, role: str) -> AudioSegment:
    """Load an intro/outro/bed clip of any rate or channel count, converted to the mix format."""
    AudioSegment = _pydub()
    from pydub.exceptions import CouldntDecodeError

    if not path.is_file():
        raise InputError(f"{role} file not found: {path}", hint=f"Check the path, or pass --no-{role}.")
    fmt = CLIP_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{role} file {path} has an unsupported type '{path.suffix}'",
            hint=f"Use one of {', '.join(CLIP_FORMATS)}.",
        )
    demuxer, decoder = fmt
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydub's "no ffprobe" warning: we never need it
            seg = AudioSegment.from_file(str(path), format=demuxer, codec=decoder)
    except (CouldntDecodeError, OSError, IndexError, ValueError):
        # pydub reads only plain PCM WAV itself and asks ffprobe about the rest (float WAV,
        # WAV with odd headers); let ffmpeg convert such a file instead.
        seg = AudioSegment.from_wav(io.BytesIO(_ffmpeg_to_wav(path, role)))
    if len(seg) == 0:
        raise AudioError(f"{role} file {path} holds no audio", hint=f"Pass --no-{role} to leave it out.")
    return _conform(seg)


def _trim(seg: AudioSegment) -> AudioSegment:
    """Cut the engine's own leading and trailing silence, keeping a few milliseconds of it."""
    from pydub.silence import detect_leading_silence

    start = detect_leading_silence(seg, silence_threshold=TRIM_THRESHOLD_DBFS, chunk_size=5)
    end = len(seg) - detect_leading_silence(seg.reverse(), silence_threshold=TRIM_THRESHOLD_DBFS, chunk_size=5)
    if end <= start:  # all silence: keep it as it is
        return seg
    return seg[max(0, start - TRIM_KEEP_MS) : min(len(seg), end + TRIM_KEEP_MS)]


def load_take(take: Take) -> AudioSegment:
    """Decode one synthesized take, trim its silence, bring it to the mix format, fade its edges."""
    AudioSegment = _pydub()
    from pydub.exceptions import CouldntDecodeError

    demuxer, decoder = CLIP_FORMATS[f".{take.format}"]
    try:
        seg = AudioSegment.from_file(io.BytesIO(take.audio), format=demuxer, codec=decoder)
    except (CouldntDecodeError, OSError, IndexError, ValueError) as exc:
        raise AudioError(f"the engine returned {take.format} audio that cannot be decoded") from exc
    seg = _trim(_conform(seg))
    fade = min(FADE_MS, len(seg) // 2)
    return seg.fade_in(fade).fade_out(fade)


@dataclass(frozen=True)
class Mix:
    """The finished audio and the timeline that says where everything is in it."""

    audio: AudioSegment
    timeline: Timeline


def _ms(samples: int) -> int:
    return round(samples * 1000 / RATE)


def _samples(ms: int) -> int:
    return RATE * ms // 1000


def _level(seg: AudioSegment, target_lufs: float, cache: DiskCache | None) -> AudioSegment:
    """``seg`` with the gain that brings it to ``target_lufs`` (never clipping it)."""
    gain = loudness.gain_to(loudness.integrated(seg.raw_data, cache), target_lufs, seg.max_dBFS)
    return seg.apply_gain(gain) if abs(gain) > 0.05 else seg


def _canvas(length: int) -> AudioSegment:
    return _pydub()(data=b"\x00" * length * WIDTH * CHANNELS, sample_width=WIDTH, frame_rate=RATE, channels=CHANNELS)


def _at(canvas: AudioSegment, seg: AudioSegment, start: int) -> AudioSegment:
    """Lay ``seg`` on ``canvas`` at sample ``start``, mixing with what is there."""
    # pydub converts the position in ms back to samples, truncating: aim at the middle of the sample.
    return canvas.overlay(seg, position=(start + 0.5) * 1000 / RATE)


def mix(
    script: Script,
    takes: Sequence[Take],
    intro: AudioSegment | None,
    outro: AudioSegment | None,
    layout: Layout = Layout(),
    bed: AudioSegment | None = None,
    cache: DiskCache | None = None,
) -> Mix:
    """Join intro, takes with their pauses, and outro into one audio, recording the timeline."""
    AudioSegment = _pydub()
    # 1. The speech: takes and pauses joined once, as raw samples.
    pieces: list[bytes] = []
    body_spans: list[tuple[int, int]] = []
    position = 0
    for utterance, take in zip(script.utterances, takes, strict=True):
        data = load_take(take).raw_data
        pieces.append(data)
        body_spans.append((position, position + len(data) // WIDTH))
        position += len(data) // WIDTH
        silence = _samples(utterance.pause_after_ms)
        pieces.append(b"\x00" * silence * WIDTH)
        position += silence
    body = AudioSegment(data=b"".join(pieces), sample_width=WIDTH, frame_rate=RATE, channels=CHANNELS)
    body = _level(body, SPEECH_REFERENCE_LUFS, cache)
    music_level = SPEECH_REFERENCE_LUFS - MUSIC_UNDER_SPEECH_LU

    # 2. Where the parts go, in samples.
    xf = _samples(layout.crossfade_ms)
    intro_len = len(intro.raw_data) // WIDTH if intro is not None else 0
    body_start = max(0, intro_len + _samples(layout.gap_after_intro_ms) - min(xf, intro_len)) if intro is not None else 0
    body_end = body_start + len(body.raw_data) // WIDTH
    outro_start = body_end + max(0, _samples(layout.gap_before_outro_ms) - xf) if outro is not None else body_end
    outro_len = len(outro.raw_data) // WIDTH if outro is not None else 0
    total = max(body_end, outro_start + outro_len)

    # 3. One canvas.
    canvas = _canvas(total)
    spans: list[Span] = []
    if intro is not None:
        intro = _level(intro, music_level, cache)
        if xf:
            intro = intro.fade_out(min(layout.crossfade_ms, len(intro)))
        canvas = _at(canvas, intro, 0)
        spans.append(Span("intro", 0, _ms(intro_len)))
    canvas = _at(canvas, body, body_start)
    for index, (utterance, (start, end)) in enumerate(zip(script.utterances, body_spans)):
        spans.append(Span(utterance.kind, _ms(body_start + start), _ms(body_start + end), utterance=index,
                          text=utterance.written or utterance.text, sentence=utterance.sentence))
    if bed is not None:
        canvas = _at(canvas, *_bed(bed, script, body_spans, body_start, music_level, cache))
    if outro is not None:
        outro = _level(outro, music_level, cache)
        if xf:
            outro = outro.fade_in(min(layout.crossfade_ms, len(outro)))
        canvas = _at(canvas, outro, outro_start)
        spans.append(Span("outro", _ms(outro_start), _ms(outro_start + outro_len)))
    duration = _ms(total)
    return Mix(canvas, Timeline(tuple(spans), _chapters(script, spans, duration), duration))


def _bed(bed: AudioSegment, script: Script, body_spans: list[tuple[int, int]], body_start: int,
         music_level: float, cache: DiskCache | None) -> tuple[AudioSegment, int]:
    """The music bed under the opening (title and author): looped to length, ducked under the voice."""
    opening = [i for i, u in enumerate(script.utterances) if u.kind in ("title", "text") and u.section is None]
    last = opening[-1] if opening else 0
    lead, tail = _samples(1500), _samples(1200)
    start = max(0, body_start - lead)
    end = body_start + body_spans[last][1] + tail
    length_ms = _ms(end - start)
    bed = _level(bed, music_level - BED_DUCK_LU, cache)
    looped = bed * (length_ms // max(1, len(bed)) + 1)
    return looped[:length_ms].fade_in(min(500, length_ms // 3)).fade_out(min(1200, length_ms // 2)), start


def _chapters(script: Script, spans: list[Span], duration_ms: int) -> tuple[Chapter, ...]:
    """Contiguous chapters from 0 to the end: intro, the script's chapters, outro."""
    starts: list[tuple[str, int]] = []
    by_utterance = {s.utterance: s for s in spans if s.utterance is not None}
    if spans and spans[0].kind == "intro":
        starts.append(("Intro", 0))
    for mark in script.chapters:
        span = by_utterance.get(mark.first_utterance)
        if span is not None:
            starts.append((mark.title, 0 if not starts else span.start_ms))
    if spans and spans[-1].kind == "outro":
        starts.append(("Outro", spans[-1].start_ms))
    chapters = []
    for i, (title, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else duration_ms
        if end > start:
            chapters.append(Chapter(title, start, end))
    return tuple(chapters)
