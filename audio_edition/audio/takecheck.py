"""Checks on one take, against its text: silence, clipping, and a length that cannot fit the words
(a voice that drops or repeats words makes a take far too short or too long for its text)."""

from __future__ import annotations

import io
import math
import wave
from array import array
from dataclasses import dataclass

# Speech runs at about 12-16 characters a second at rate 1.0; a take outside these bounds of what
# its text predicts has lost or repeated words.
CHARS_PER_SECOND = 14.0
TOO_SHORT = 0.35  # of the predicted length
TOO_LONG = 2.8  # of the predicted length, plus a second
SILENT_DBFS = -50.0
CLIPPED_SHARE = 0.001  # of samples at full scale


@dataclass(frozen=True)
class TakeReport:
    seconds: float
    sample_rate: int
    rms_dbfs: float
    clipped_share: float
    expected_seconds: float
    problems: tuple[str, ...]


def check_wav(audio: bytes, text: str, rate: float = 1.0) -> TakeReport:
    """What is wrong with a WAV take of ``text`` spoken at ``rate``, if anything."""
    with wave.open(io.BytesIO(audio)) as wav:
        sample_rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
        frames = wav.readframes(wav.getnframes())
    if width != 2:
        raise ValueError(f"takes are 16-bit; this one is {8 * width}-bit")
    samples = array("h", frames)
    count = max(1, len(samples))
    seconds = len(samples) / channels / sample_rate
    rms = math.sqrt(sum(s * s for s in samples) / count) / 32768
    rms_dbfs = 20 * math.log10(rms) if rms > 0 else -120.0
    clipped = sum(1 for s in samples if s >= 32767 or s <= -32768) / count
    expected = len(" ".join(text.split())) / CHARS_PER_SECOND / rate
    problems = []
    if rms_dbfs < SILENT_DBFS:
        problems.append(f"silent ({rms_dbfs:.0f} dBFS)")
    if clipped > CLIPPED_SHARE:
        problems.append(f"clipped ({100 * clipped:.2f}% of samples at full scale)")
    if seconds < expected * TOO_SHORT:
        problems.append(f"too short for its text ({seconds:.1f} s for about {expected:.1f} s of words)")
    if seconds > expected * TOO_LONG + 1.0:
        problems.append(f"too long for its text ({seconds:.1f} s for about {expected:.1f} s of words)")
    return TakeReport(seconds, sample_rate, rms_dbfs, clipped, expected, tuple(problems))
