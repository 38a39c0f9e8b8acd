"""Loudness: ITU-R BS.1770 measurement (ffmpeg's ebur128) and mastering with a true-peak limiter.

A mono file is played on both speakers, so it is measured as dual mono (+3 LU over a plain
mono measurement), as podcast apps and Apple's guidelines expect. Mastering is a gain to the
target followed by a limiter running at four times the sample rate, so that it catches the
peaks between samples (true peaks), not only the samples themselves.
"""

from __future__ import annotations

import json
import re

from audio_edition.audio import toolchain as ffmpeg
from audio_edition.cache import DiskCache, digest
from audio_edition.errors import AudioError

RATE = 44100
OVERSAMPLED = RATE * 4
LIMIT_DBTP = -2.0  # under the -1 dBTP ceiling, with room for MP3 encoding overshoot
TOLERANCE_LU = 0.2  # mastering corrects its gain while the limiter leaves it further than this off
MAX_CORRECTIONS = 3
SILENCE_LUFS = -70.0


def _input() -> list[str]:
    return ["-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "-"]


def _integrated_from(args: list[str], data: bytes | None) -> float:
    proc = ffmpeg.run([*args, "-af", "ebur128=framelog=quiet:dualmono=true", "-f", "null", "-"],
                      "loudness measurement", data)
    found = re.findall(r"I:\s+(-?[\d.]+|-inf) LUFS", proc.stderr.decode(errors="replace"))
    if not found:
        raise AudioError("loudness measurement failed: ffmpeg printed no ebur128 summary")
    return SILENCE_LUFS if found[-1] == "-inf" else max(float(found[-1]), SILENCE_LUFS)


def integrated_file(path: str) -> float:
    """Integrated loudness (LUFS, dual mono for mono) of an encoded file, as a player decodes it."""
    return _integrated_from(["-i", path], None)


def integrated(pcm: bytes, cache: DiskCache | None = None) -> float:
    """Integrated loudness (LUFS, dual mono) of 16-bit mono PCM at 44.1 kHz; -70 or less is silence."""
    key = digest("ebur128-dualmono-1", pcm) if cache is not None else ""
    if cache is not None:
        stored = cache.get("loudness", key, "json")
        if stored:
            return float(json.loads(stored))
    value = _integrated_from(_input(), pcm)
    if cache is not None:
        cache.put("loudness", key, "json", json.dumps(value).encode())
    return value


def _gain_and_limit(pcm: bytes, gain_db: float) -> bytes:
    limit = 10 ** (LIMIT_DBTP / 20)
    chain = (f"volume={gain_db:.3f}dB,aresample={OVERSAMPLED},"
             f"alimiter=limit={limit:.5f}:attack=5:release=60:level=false:latency=true,aresample={RATE}")
    out = ffmpeg.run([*_input(), "-af", chain, "-f", "s16le", "-ac", "1", "-"], "mastering", pcm).stdout
    # The limiter's lookahead is compensated (latency=true); pin the length to the sample anyway.
    return out[: len(pcm)] if len(out) >= len(pcm) else out + b"\x00" * (len(pcm) - len(out))


def master(pcm: bytes, target_lufs: float, cache: DiskCache | None = None) -> bytes:
    """The same samples at ``target_lufs`` integrated, true peak under the limiter's ceiling."""
    measured = integrated(pcm, cache)
    if measured <= SILENCE_LUFS:
        return pcm
    gain = target_lufs - measured
    out = _gain_and_limit(pcm, gain)
    for _ in range(MAX_CORRECTIONS):
        reached = integrated(out)
        if abs(reached - target_lufs) <= TOLERANCE_LU or reached <= SILENCE_LUFS:
            break
        # The limiter took some loudness off the peaks; ask for that much more.
        gain += target_lufs - reached
        out = _gain_and_limit(pcm, gain)
    return out


def gain_to(measured_lufs: float, target_lufs: float, peak_dbfs: float) -> float:
    """The gain in dB that brings a part to ``target_lufs`` without clipping it: raising is
    capped by the part's own sample-peak headroom (0.5 dB kept)."""
    if measured_lufs <= SILENCE_LUFS:
        return 0.0
    wanted = target_lufs - measured_lufs
    return min(wanted, -peak_dbfs - 0.5) if wanted > 0 else wanted
