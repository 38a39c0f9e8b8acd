#!/usr/bin/env python3
"""Generate the project's own media: intro and outro jingles (MP3) and the default cover (JPEG).

Run from the repo root: ``python scripts/make_media.py`` (needs ``pip install -e '.[dev]'`` for
Pillow). The outputs are committed in media/, so users never run this.
"""

from __future__ import annotations

import io
import math
import struct
import subprocess
import sys
import wave
from pathlib import Path

RATE = 44100
MEDIA = Path(__file__).resolve().parent.parent / "media"


def bell(freq: float, start: float, length: float, total: float, gain: float) -> list[float]:
    """A soft bell: a sine with a quiet octave partial, quick attack, exponential decay."""
    out = [0.0] * int(total * RATE)
    first = int(start * RATE)
    for i in range(int(length * RATE)):
        n = first + i
        if n >= len(out):
            break
        t = i / RATE
        env = min(1.0, t / 0.01) * math.exp(-3.2 * t / length)
        out[n] = gain * env * (math.sin(2 * math.pi * freq * t) + 0.25 * math.sin(4 * math.pi * freq * t))
    return out


def render(notes: list[tuple[float, float, float]], total: float) -> bytes:
    """Mix (frequency, start, length) notes into 16-bit stereo WAV bytes, with a slight spread."""
    left = [0.0] * int(total * RATE)
    right = [0.0] * int(total * RATE)
    for k, (freq, start, length) in enumerate(notes):
        voice = bell(freq, start, length, total, 0.22)
        pan = 0.35 + 0.3 * (k % 2)
        for i, s in enumerate(voice):
            left[i] += s * (1 - pan)
            right[i] += s * pan
    fade = int(0.3 * RATE)
    frames = bytearray()
    for i in range(len(left)):
        tail = min(1.0, (len(left) - i) / fade)
        frames += struct.pack("<hh", int(max(-1, min(1, left[i] * tail)) * 32767),
                              int(max(-1, min(1, right[i] * tail)) * 32767))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return buf.getvalue()


def encode_mp3(wav: bytes, out: Path) -> None:
    from imageio_ffmpeg import get_ffmpeg_exe

    subprocess.run(
        [get_ffmpeg_exe(), "-v", "error", "-y", "-f", "wav", "-i", "-", "-codec:a", "libmp3lame",
         "-b:a", "128k", "-map_metadata", "-1", str(out)],
        input=wav, check=True,
    )


def cover(out: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    size = 1400
    img = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(img)
    for y in range(size):  # a deep blue to teal gradient
        f = y / size
        draw.line([(0, y), (size, y)], fill=(int(20 + 10 * f), int(40 + 90 * f), int(90 + 60 * f)))
    for r in (420, 320, 220):  # sound rings
        draw.ellipse([size / 2 - r, 540 - r, size / 2 + r, 540 + r],
                     outline=(240, 200, 120), width=10)
    font = ImageFont.load_default(size=150)
    small = ImageFont.load_default(size=64)
    draw.text((size / 2, 1030), "audio edition", font=font, fill=(250, 246, 235), anchor="mm")
    draw.text((size / 2, 1180), "articles, read aloud", font=small, fill=(240, 200, 120), anchor="mm")
    img.save(out, "JPEG", quality=88)


def main() -> int:
    MEDIA.mkdir(exist_ok=True)
    c, e, g, c2, e2 = 261.63, 329.63, 392.0, 523.25, 659.25
    intro = [(c, 0.0, 1.6), (e, 0.18, 1.6), (g, 0.36, 1.8), (c2, 0.54, 2.2), (e2, 0.9, 2.0)]
    outro = [(c2, 0.0, 1.6), (g, 0.22, 1.8), (e, 0.44, 2.0), (c, 0.66, 2.6), (g / 2, 0.66, 2.6)]
    encode_mp3(render(intro, 3.2), MEDIA / "intro.mp3")
    encode_mp3(render(outro, 3.6), MEDIA / "outro.mp3")
    cover(MEDIA / "cover.jpg")
    print(f"wrote {MEDIA}/intro.mp3, outro.mp3, cover.jpg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
