"""A deterministic engine for tests: a tone whose length follows the text, no speech."""

from __future__ import annotations

import hashlib
import io
import math
import struct
import wave

from audio_edition.errors import EngineError
from audio_edition.models import Take
from audio_edition.speech.engine import Availability, EngineBase, Voice

RATE = 22050


def tone_wav(duration_ms: int, freq: float, rate: int = RATE, amplitude: float = 0.3) -> bytes:
    """A mono 16-bit WAV of a sine tone, with 5 ms fades so it starts and ends at zero."""
    n = rate * duration_ms // 1000
    fade = max(1, rate * 5 // 1000)
    frames = bytearray()
    for i in range(n):
        env = min(1.0, i / fade, (n - 1 - i) / fade) if n > 1 else 0.0
        sample = amplitude * env * math.sin(2 * math.pi * freq * i / rate)
        frames += struct.pack("<h", int(sample * 32767))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return buf.getvalue()


class FakeEngine(EngineBase):
    """Speaks each word as 80 ms of tone; the pitch comes from the text, so takes differ.

    The text ``FAIL`` makes it raise, so tests can exercise the failure path through the
    real synthesizer.
    """

    name = "fake"
    offline = True
    max_chars = 400
    concurrency = "thread"
    max_jobs = None
    MS_PER_WORD = 80

    def version(self) -> str:
        return "1"

    def availability(self) -> Availability:
        return Availability(True)

    def resolve_voice(self, voice: str | None, language: str) -> str:
        return voice or "tone"

    def voices(self) -> list[Voice]:
        return [Voice("tone", ("*",), "test tones")]

    def synthesize(self, text: str, voice: str, language: str) -> Take:
        if "FAIL" in text.split():
            raise EngineError("the fake engine was asked to fail")
        digest = hashlib.sha256(f"{voice}|{text}".encode()).digest()
        freq = 220 + digest[0] * 2
        duration = max(1, len(text.split())) * self.MS_PER_WORD
        return Take(tone_wav(duration, freq), "wav")
