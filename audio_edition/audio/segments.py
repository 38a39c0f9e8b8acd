"""Samples: the only module that uses pydub (and the audioop under it).

Everything is brought to one format, 44.1 kHz mono 16-bit PCM, and handled as raw bytes between
stages. pydub does the clip work: decoding clips (through our ffmpeg, never ffprobe), converting
rates and channels, trimming the engine's silence, fades and levels; audioop, which pydub is built
on, adds overlapping parts and measures bins.
"""

from __future__ import annotations

import io
import warnings
import wave
from pathlib import Path
from typing import TYPE_CHECKING

from audio_edition.audio import mp3, toolchain
from audio_edition.errors import AudioError, InputError

if TYPE_CHECKING:
    from types import ModuleType

    from pydub import AudioSegment

RATE = 44100
CHANNELS = 1
WIDTH = 2
FADE_MS = 8  # at every take's edges, so no join clicks
TRIM_THRESHOLD_DBFS = -50.0  # quieter than this at a take's edges is the engine's own silence
TRIM_KEEP_MS = 20  # of that silence kept, so soft consonants are not clipped

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


def _audioop() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # stdlib audioop until 3.13, audioop-lts after
        import audioop
    return audioop


def _pydub() -> type[AudioSegment]:
    with warnings.catch_warnings():
        # pydub warns at import when ffmpeg is not on PATH; we point it at ours when it needs one.
        warnings.simplefilter("ignore")
        from pydub import AudioSegment
    return AudioSegment


def _segment(pcm: bytes) -> AudioSegment:
    return _pydub()(data=pcm, sample_width=WIDTH, frame_rate=RATE, channels=CHANNELS)


def _conform(seg: AudioSegment) -> bytes:
    return seg.set_sample_width(WIDTH).set_frame_rate(RATE).set_channels(CHANNELS).raw_data


def _ffmpeg_to_wav(path: Path, role: str) -> bytes:
    """Convert any audio file ffmpeg can read to 16-bit WAV in the mix format."""
    failed = AudioError(f"cannot decode {role} file {path}: not a playable {path.suffix} file",
                        hint=f"Check the file plays, or pass --no-{role}.")
    try:
        proc = toolchain.run(["-v", "error", "-i", str(path), "-vn", "-acodec", "pcm_s16le", "-ar", str(RATE),
                              "-ac", str(CHANNELS), "-f", "wav", "-"], f"decoding the {role}")
    except AudioError as exc:
        raise failed from exc
    if len(proc.stdout) <= 44:  # a header and no samples
        raise failed
    return proc.stdout


def decode_clip(path: Path, role: str) -> bytes:
    """An intro/outro/bed clip of any rate or channel count, as mix-format PCM."""
    AudioSegment = _pydub()
    from pydub.exceptions import CouldntDecodeError

    if not path.is_file():
        raise InputError(f"{role} file not found: {path}", hint=f"Check the path, or pass --no-{role}.")
    fmt = CLIP_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{role} file {path} has an unsupported type '{path.suffix}'",
                         hint=f"Use one of {', '.join(CLIP_FORMATS)}.")
    demuxer, decoder = fmt
    AudioSegment.converter = toolchain.current().path
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


def take_pcm(audio: bytes, fmt: str) -> bytes:
    """A synthesized take (WAV or MP3 bytes) as mix-format PCM, decoded in this process."""
    AudioSegment = _pydub()
    try:
        if fmt == "mp3":

            pcm, rate, channels = mp3.decode(audio)
            seg = AudioSegment(data=pcm, sample_width=2, frame_rate=rate, channels=channels)
        elif fmt == "wav":  # read here: pydub's reader swallows every exception (Ctrl-C too) and retries with ffprobe
            with wave.open(io.BytesIO(audio)) as wav:
                seg = AudioSegment(data=wav.readframes(wav.getnframes()), sample_width=wav.getsampwidth(),
                                   frame_rate=wav.getframerate(), channels=wav.getnchannels())
        else:
            raise AudioError(f"the engine returned audio of an unknown kind '{fmt}'", hint="Use a WAV or MP3 engine.")
    except AudioError:
        raise
    except Exception as exc:  # pydub's CouldntDecodeError, wave.Error, EOFError on a cut-off file
        raise AudioError(f"the engine returned {fmt} audio that cannot be decoded ({exc})",
                         hint="Try the build again; if it repeats, the engine's output is broken.") from exc
    return _conform(seg)


def trim_bounds(pcm: bytes) -> tuple[int, int]:
    """Where the engine's own leading and trailing silence ends and starts, in samples, keeping a
    few milliseconds of it; the whole take when it is all silence."""
    from pydub.silence import detect_leading_silence

    seg = _segment(pcm)
    start = detect_leading_silence(seg, silence_threshold=TRIM_THRESHOLD_DBFS, chunk_size=5)
    end = len(seg) - detect_leading_silence(seg.reverse(), silence_threshold=TRIM_THRESHOLD_DBFS, chunk_size=5)
    total = len(pcm) // WIDTH
    if end <= start:
        return 0, total
    return max(0, (start - TRIM_KEEP_MS) * RATE // 1000), min(total, (end + TRIM_KEEP_MS) * RATE // 1000)


def finish_take(pcm: bytes, bounds: tuple[int, int]) -> bytes:
    """The take cut to ``bounds`` (samples), with short fades at both edges."""
    seg = _segment(pcm[bounds[0] * WIDTH : bounds[1] * WIDTH])
    fade = min(FADE_MS, len(seg) // 2)
    return seg.fade_in(fade).fade_out(fade).raw_data


def level(pcm: bytes, gain_db: float, fade_in_ms: int = 0, fade_out_ms: int = 0) -> bytes:
    """``pcm`` with a gain and linear fades (in amplitude) at its start and end."""
    seg = _segment(pcm)
    if abs(gain_db) > 0.005:
        seg = seg.apply_gain(gain_db)
    if fade_in_ms:
        seg = seg.fade_in(min(fade_in_ms, len(seg)))
    if fade_out_ms:
        seg = seg.fade_out(min(fade_out_ms, len(seg)))
    return seg.raw_data


def loop(pcm: bytes, samples: int) -> bytes:
    """``pcm`` repeated and cut to ``samples`` samples."""
    repeats = samples * WIDTH // max(WIDTH, len(pcm)) + 1
    return (pcm * repeats)[: samples * WIDTH]


def add_into(buffer: bytearray, offset: int, pcm: bytes) -> None:
    """Mix ``pcm`` into ``buffer`` at byte ``offset`` (saturating, as pydub's overlay does)."""
    end = offset + len(pcm)
    buffer[offset:end] = _audioop().add(bytes(buffer[offset:end]), pcm, WIDTH)


def peak_dbfs(pcm: bytes) -> float:
    """The highest sample, in dB below full scale (-inf for silence)."""
    return _segment(pcm).max_dBFS


def bin_peaks(pcm: bytes, bin_samples: int) -> list[float]:
    """The highest sample of each bin of ``bin_samples``, as a fraction of full scale."""
    audioop, step = _audioop(), bin_samples * WIDTH
    return [audioop.max(pcm[i : i + step], WIDTH) / 32768 for i in range(0, len(pcm), step)]


def bin_sum_squares(data: bytes, width: int, bin_samples: int, full_scale: float) -> list[float]:
    """The sum of squared samples of each bin of ``bin_samples`` samples of ``width`` bytes, with
    ``full_scale`` as 1.0."""
    audioop, step, scale = _audioop(), bin_samples * width, full_scale * full_scale
    out = []
    for i in range(0, len(data), step):
        chunk = data[i : i + step]
        rms = audioop.rms(chunk, width)
        out.append(rms * rms * (len(chunk) // width) / scale)
    return out
