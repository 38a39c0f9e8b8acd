"""Mastering and encoding: loudness, then MP3, AAC (.m4a) or Opus (.opus) by the output's extension.

Mastering and encoding are cached under a digest of the exact mixed samples and the settings,
since together they are most of an unchanged rebuild.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from audio_edition.audio import loudness, toolchain as ffmpeg
from audio_edition.cache import DiskCache, digest
from audio_edition.errors import AudioError, OutputError
from audio_edition.models import Chapter

RATE = 44100
VERSION = "master-4"  # bump when mastering or encoding parameters change


@dataclass(frozen=True)
class Format:
    """An output format: ffmpeg's codec arguments and the bitrates it takes."""

    name: str
    codec: tuple[str, ...]
    bitrates: tuple[int, ...] | None  # None: any from 16 to 320
    chapters_by_ffmpeg: bool  # MP4 chapters are a track only ffmpeg writes; ID3 and Vorbis chapters are tags


# Output formats by file extension. A test pins this table.
FORMATS: dict[str, Format] = {
    ".mp3": Format("MP3", ("-c:a", "libmp3lame", "-id3v2_version", "0", "-write_id3v1", "0", "-f", "mp3"),
                   (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320), False),
    ".m4a": Format("AAC", ("-c:a", "aac", "-movflags", "+faststart", "-f", "ipod"), None, True),
    ".opus": Format("Opus", ("-c:a", "libopus", "-application", "voip", "-f", "ogg"), None, False),
}


def format_for(path: Path) -> Format:
    """The format for an output path, or an error naming the ones we write."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise OutputError(f"output {path} must end in {', '.join(FORMATS)}",
                          hint="Name the episode file .mp3 (or .m4a or .opus).")
    return found


def check_bitrate(fmt: Format, kbps: int) -> None:
    allowed = fmt.bitrates
    if (allowed and kbps not in allowed) or not 16 <= kbps <= 320:
        choices = ", ".join(map(str, allowed)) if allowed else "16 to 320"
        raise AudioError(f"--bitrate {kbps} is not an {fmt.name} bitrate", hint=f"Use one of {choices} kbps.")


def _ffmetadata_chapters(chapters: tuple[Chapter, ...]) -> str:
    def escape(text: str) -> str:
        return "".join("\\" + c if c in "=;#\\\n" else c for c in text)

    lines = [";FFMETADATA1"]
    for chapter in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={chapter.start_ms}", f"END={chapter.end_ms}",
                  f"title={escape(chapter.title)}"]
    return "\n".join(lines) + "\n"


def _encode(pcm: bytes, path: Path, fmt: Format, bitrate_kbps: int, chapters: tuple[Chapter, ...]) -> None:
    args = ["-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "-"]
    meta_path = None
    try:
        if fmt.chapters_by_ffmpeg and chapters:
            fd, meta_path = tempfile.mkstemp(suffix=".ffmeta")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(_ffmetadata_chapters(chapters))
            # Chapter titles travel as chapter metadata: map it from the same file.
            args += ["-f", "ffmetadata", "-i", meta_path, "-map", "0:a", "-map_chapters", "1", "-map_metadata", "1"]
        else:
            args += ["-map_metadata", "-1"]
        args += [*fmt.codec, "-b:a", f"{bitrate_kbps}k", "-ac", "1", "-y", str(path)]
        ffmpeg.run(args, f"encoding the {fmt.name} file", pcm)
    finally:
        if meta_path:
            os.unlink(meta_path)
    if not path.exists() or path.stat().st_size == 0:
        raise AudioError(f"encoding the {fmt.name} file produced no audio")


def master(
    pcm: bytes,
    path: Path,
    suffix: str,
    bitrate_kbps: int,
    loudness_lufs: float,
    chapters: tuple[Chapter, ...] = (),
    cache: DiskCache | None = None,
) -> None:
    """Normalize 16-bit mono 44.1 kHz PCM to ``loudness_lufs`` and encode it to ``path`` in the
    format of ``suffix`` (the final file's extension: ``path`` may be a temporary name)."""
    fmt = FORMATS[suffix]
    key = digest(VERSION, suffix, str(bitrate_kbps), str(loudness_lufs),
                 _ffmetadata_chapters(chapters) if fmt.chapters_by_ffmpeg else "", pcm)
    if cache is not None:
        found = cache.get("encoded", key, suffix.lstrip("."))
        if found:
            try:
                path.write_bytes(found)
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {exc.strerror}") from exc
            return
    # Lossy encoding takes a little loudness off (about half a LU for MP3 at 96 kbps): the file is
    # measured as a player decodes it and corrected once. The loss seen last time for this
    # format and bitrate is asked for up front, so the correction is rarely needed.
    offset_key = digest("codec-loudness-loss", suffix, str(bitrate_kbps))
    learned = cache.get("loudness", offset_key, "json") if cache is not None else None
    target = loudness_lufs + (float(learned) if learned else 0.0)
    for _ in range(2):
        _encode(loudness.master(pcm, target, cache), path, fmt, bitrate_kbps, chapters)
        heard = loudness.integrated_file(str(path))
        if heard <= loudness.SILENCE_LUFS:
            break
        if cache is not None and abs(target - heard) < 3:
            cache.put("loudness", offset_key, "json", str(round(target - heard, 2)).encode())
        if abs(heard - loudness_lufs) <= loudness.TOLERANCE_LU:
            break
        target += loudness_lufs - heard
    if cache is not None:
        cache.put("encoded", key, suffix.lstrip("."), path.read_bytes())
