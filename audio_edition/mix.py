"""The mixer, the only module that uses pydub: clips and takes in, one audio and its timeline out.

Everything is brought to one format (44.1 kHz, mono, 16-bit) and joined once, as raw samples,
so every position in the timeline is exact to the sample.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from audio_edition.cache import DiskCache, digest
from audio_edition.errors import AudioError, InputError, OutputError
from audio_edition.models import Chapter, Script, Span, Take, Timeline

if TYPE_CHECKING:
    from pydub import AudioSegment

RATE = 44100
CHANNELS = 1
WIDTH = 2
FADE_MS = 8  # at every take's edges, so no join clicks

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


def ffmpeg_exe() -> str:
    """ffmpeg on PATH when there is one, otherwise the binary shipped in the imageio-ffmpeg wheel."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise AudioError("no ffmpeg found", hint="Install ffmpeg, or reinstall audio-edition (it ships one).") from exc


def _pydub() -> type[AudioSegment]:
    with warnings.catch_warnings():
        # pydub warns at import when ffmpeg is not on PATH; we point it at ours right after.
        warnings.simplefilter("ignore")
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg_exe()
    return AudioSegment


def _conform(seg: AudioSegment) -> AudioSegment:
    return seg.set_sample_width(WIDTH).set_frame_rate(RATE).set_channels(CHANNELS)


def load_clip(path: Path, role: str) -> AudioSegment:
    """Load an intro/outro clip of any rate or channel count, converted to the mix format."""
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


def _ffmpeg_to_wav(path: Path, role: str) -> bytes:
    """Convert any audio file ffmpeg can read to 16-bit WAV in the mix format."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-vn", "-acodec", "pcm_s16le",
         "-ar", str(RATE), "-ac", str(CHANNELS), "-f", "wav", "-"],
        capture_output=True,
    )
    if proc.returncode != 0 or len(proc.stdout) <= 44:
        raise AudioError(f"cannot decode {role} file {path}: not a playable {path.suffix} file",
                         hint=f"Check the file plays, or pass --no-{role}.")
    return proc.stdout


def load_take(take: Take) -> AudioSegment:
    """Decode one synthesized take and bring it to the mix format, with short edge fades."""
    AudioSegment = _pydub()
    from pydub.exceptions import CouldntDecodeError

    demuxer, decoder = CLIP_FORMATS[f".{take.format}"]
    try:
        seg = AudioSegment.from_file(io.BytesIO(take.audio), format=demuxer, codec=decoder)
    except (CouldntDecodeError, OSError, IndexError, ValueError) as exc:
        raise AudioError(f"the engine returned {take.format} audio that cannot be decoded") from exc
    seg = _conform(seg)
    return seg.fade_in(min(FADE_MS, len(seg) // 2)).fade_out(min(FADE_MS, len(seg) // 2))


@dataclass(frozen=True)
class Mix:
    """The finished audio and the timeline that says where everything is in it."""

    audio: AudioSegment
    timeline: Timeline


def _ms(samples: int) -> int:
    return round(samples * 1000 / RATE)


def mix(
    script: Script,
    takes: Sequence[Take],
    intro: AudioSegment | None,
    outro: AudioSegment | None,
    gap_after_intro_ms: int = 600,
    gap_before_outro_ms: int = 1000,
) -> Mix:
    """Join intro, takes with their pauses, and outro into one audio, recording the timeline."""
    AudioSegment = _pydub()
    pieces: list[bytes] = []
    spans: list[Span] = []
    position = 0  # in samples

    def place(data: bytes) -> tuple[int, int]:
        nonlocal position
        start = position
        pieces.append(data)
        position += len(data) // (WIDTH * CHANNELS)
        return start, position

    def silence(ms: int) -> None:
        if ms > 0:
            place(b"\x00" * (RATE * ms // 1000) * WIDTH * CHANNELS)

    if intro is not None:
        start, end = place(intro.raw_data)
        spans.append(Span("intro", _ms(start), _ms(end)))
        silence(gap_after_intro_ms)
    for index, (utterance, take) in enumerate(zip(script.utterances, takes, strict=True)):
        start, end = place(load_take(take).raw_data)
        spans.append(Span(utterance.kind, _ms(start), _ms(end), utterance=index, text=utterance.text))
        silence(utterance.pause_after_ms)
    if outro is not None:
        silence(gap_before_outro_ms)
        start, end = place(outro.raw_data)
        spans.append(Span("outro", _ms(start), _ms(end)))
    audio = AudioSegment(data=b"".join(pieces), sample_width=WIDTH, frame_rate=RATE, channels=CHANNELS)
    duration = _ms(position)
    return Mix(audio, Timeline(tuple(spans), _chapters(script, spans, duration), duration))


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


ENCODER_VERSION = "mp3-1"  # bump when the encoding parameters change


def encode_mp3(audio: AudioSegment, path: Path, bitrate_kbps: int, cache: DiskCache | None = None) -> None:
    """Encode to constant-bitrate MP3 (44.1 kHz mono) with no tags: the tagger writes those.

    Encoding dominates an unchanged rebuild, so encoded audio is cached under a digest of
    the exact samples and settings: the same samples always give the same MP3.
    """
    key = digest(ENCODER_VERSION, str(bitrate_kbps), audio.raw_data) if cache is not None else ""
    if cache is not None:
        found = cache.get("encoded", key, "mp3")
        if found:
            try:
                path.write_bytes(found)
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {exc.strerror}") from exc
            return
    try:
        handle = audio.export(
            str(path),
            format="mp3",
            codec="libmp3lame",
            bitrate=f"{bitrate_kbps}k",
            parameters=["-ar", str(RATE), "-ac", str(CHANNELS), "-id3v2_version", "0", "-write_id3v1", "0"],
        )
        handle.close()
    except (OSError, subprocess.SubprocessError) as exc:
        raise AudioError(f"encoding the MP3 failed: {exc}") from exc
    except Exception as exc:  # pydub raises CouldntEncodeError, a plain Exception subclass
        raise AudioError(f"encoding the MP3 failed: {str(exc).splitlines()[0]}") from exc
    if not path.exists() or os.path.getsize(path) == 0:
        raise AudioError("encoding the MP3 produced no audio")
    if cache is not None:
        cache.put("encoded", key, "mp3", path.read_bytes())
