"""The ffmpeg binary: the one on PATH, else the one in the imageio-ffmpeg wheel; and running it."""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache

from audio_edition.errors import AudioError


@lru_cache(maxsize=1)
def exe() -> str:
    """ffmpeg on PATH when there is one, otherwise the binary shipped in the imageio-ffmpeg wheel."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise AudioError("no ffmpeg found", hint="Install ffmpeg, or reinstall audio-edition (it ships one).") from exc


def run(args: list[str], what: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with ``args``; raise AudioError naming ``what`` failed, with ffmpeg's last words."""
    try:
        proc = subprocess.run([exe(), "-hide_banner", "-nostdin", *args], input=data, capture_output=True)
    except OSError as exc:
        raise AudioError(f"{what} failed: cannot run ffmpeg ({exc.strerror})") from exc
    if proc.returncode != 0:
        last = (proc.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
        raise AudioError(f"{what} failed: {last}")
    return proc
