#!/usr/bin/env python3
"""Generate the tiny audio fixtures the tests use, with the ffmpeg binary from imageio-ffmpeg.

Nothing is downloaded: every fixture is synthesized from ffmpeg's lavfi sources. The tests call
these functions into a temporary folder; ``python scripts/make_fixtures.py DIR`` writes them
all for a look by hand.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def ffmpeg() -> str:
    from imageio_ffmpeg import get_ffmpeg_exe

    return get_ffmpeg_exe()


def _lavfi(source: str, out: Path, *codec: str) -> Path:
    subprocess.run([ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", source, *codec, str(out)], check=True)
    return out


def loud_stereo_clip(out: Path, seconds: float = 2.0) -> Path:
    """A loud 48 kHz stereo chord: an intro of another rate and channel count than ours."""
    src = (f"sine=frequency=440:sample_rate=48000:duration={seconds},"
           f"volume=7,aformat=channel_layouts=stereo")  # sine is 1/8 scale: near full scale
    codec = ("-codec:a", "libmp3lame", "-b:a", "192k") if out.suffix == ".mp3" else ()
    return _lavfi(src, out, *codec)


def float_wav(out: Path, seconds: float = 1.0) -> Path:
    """A 32-bit float WAV, which pydub cannot read without ffprobe."""
    return _lavfi(f"sine=frequency=500:sample_rate=48000:duration={seconds}", out, "-codec:a", "pcm_f32le")


def speech_like_mp3(out: Path, seconds: float = 1.0) -> Path:
    """A short 24 kHz mono MP3, shaped like what Google's TTS endpoint returns."""
    return _lavfi(f"sine=frequency=300:sample_rate=24000:duration={seconds}", out,
                  "-codec:a", "libmp3lame", "-b:a", "32k", "-ac", "1")


def main(argv: list[str]) -> int:
    folder = Path(argv[1] if len(argv) > 1 else "fixtures")
    folder.mkdir(parents=True, exist_ok=True)
    for made in (loud_stereo_clip(folder / "loud-48k-stereo.mp3"), loud_stereo_clip(folder / "loud-48k-stereo.wav"),
                 float_wav(folder / "float.wav"),
                 speech_like_mp3(folder / "speech-24k.mp3")):
        print(made)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
