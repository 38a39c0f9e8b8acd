"""Mastering and encoding in one pass: gain, a true-peak limiter and the encoder, as two ffmpeg
processes in a pipe (so they use two cores even where ffmpeg runs its filters and encoder on one).

The gain is known before the first sample is written: the mix's loudness comes from its plan
(loudness.py), the limiter's small loss from the same bins, and the codec's loss and the ceiling
that keeps its true peaks under -1 dBTP from a table per format and bitrate (measured on speech).
So there is no second round.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audio_edition.audio import loudness, mp3frames, toolchain
from audio_edition.audio.loudness import Canvas
from audio_edition.errors import AudioError, OutputError
from audio_edition.models import Chapter
from audio_edition.storage import scratch

RATE = 44100
# The limiter runs at twice our rate, so it sees the peaks between samples (true peaks). On our speech
# the limited audio's true peak is the same at 2x as at 4x (-2.0 dBTP under a -2.0 ceiling, with both
# ffmpegs), at half the cost.
OVERSAMPLED = RATE * 2
LIMIT_DBTP = -2.0  # the limiter's highest ceiling: under -1 dBTP, with room for the encoder's overshoot
ATTACK_MS, RELEASE_MS = 5, 60
VERSION = "master-5"  # bump when mastering or encoding parameters change


@dataclass(frozen=True)
class Format:
    """An output format: ffmpeg's codec arguments and the bitrates it takes."""

    name: str
    codec: tuple[str, ...]
    bitrates: tuple[int, ...] | int  # the standard rates, or the lowest (up to 320)
    chapters_by_ffmpeg: bool  # MP4 chapters are a track only ffmpeg writes; ID3 and Vorbis chapters are tags


# Output formats by file extension. A test pins this table.
FORMATS: dict[str, Format] = {
    ".mp3": Format("MP3", ("-c:a", "libmp3lame", "-id3v2_version", "0", "-write_id3v1", "0", "-f", "mp3"),
                   (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320), False),
    ".m4a": Format("AAC", ("-c:a", "aac", "-movflags", "+faststart", "-f", "ipod"), 96, True),
    ".opus": Format("Opus", ("-c:a", "libopus", "-application", "voip", "-f", "ogg"), 16, False),
}

@dataclass(frozen=True)
class CodecEffect:
    """What a codec does to mastered speech at a bitrate, as a player decodes it."""

    loss_lu: float  # integrated loudness taken off (negative: added)
    ceiling_dbtp: float  # the limiter ceiling that keeps the decoded true peak under -1 dBTP


# By format, rows of (lowest kbps, effect): the last row at or under the bitrate applies. Measured
# by scripts/codec_table.py on our sample episode (espeak-ng speech, with and without the jingles,
# full band and low-passed at 8 kHz as a 16 kHz voice is), with ffmpeg 5.1 (Debian 12) and 9.0 (the
# wheel): the mean loss, and the highest ceiling at which every decoded true peak stayed 0.3 dB
# under -1 dBTP (AAC at 96 and 128 kbps a step lower: one test episode in twenty came within it).
# Opus overshoots by about a decibel, hence its lower ceilings. ffmpeg's AAC encoder overshoots by
# 3 to 4 dB under 96 kbps, which only limiting 10 dB deep would hide: AAC starts at 96 kbps (Opus
# is the better choice for small files anyway).
# test_master checks episodes at bitrates across the table.
CODEC_TABLE: dict[str, tuple[tuple[int, CodecEffect], ...]] = {
    ".mp3": ((0, CodecEffect(0.44, -2.0)), (192, CodecEffect(0.26, -2.0)), (224, CodecEffect(0.18, -2.0)),
             (256, CodecEffect(0.0, -2.0))),
    ".m4a": ((96, CodecEffect(0.06, -2.5)), (128, CodecEffect(0.04, -2.5)), (192, CodecEffect(0.01, -2.0)),
             (256, CodecEffect(0.01, -4.0))),
    ".opus": ((0, CodecEffect(0.38, -3.0)), (24, CodecEffect(0.26, -3.0)), (32, CodecEffect(0.20, -3.0)),
              (48, CodecEffect(0.13, -2.5)), (64, CodecEffect(0.0, -2.5))),
}
TRUE_PEAK_MAX_DBTP = -1.0  # what players and directories expect of the decoded file
TRUE_PEAK_MARGIN_DB = 0.3  # kept under it when the table is measured


def format_for(path: Path) -> Format:
    """The format for an output path, or an error naming the ones we write."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise OutputError(f"output {path} must end in {', '.join(FORMATS)}",
                          hint="Name the episode file .mp3 (or .m4a or .opus).")
    return found


def check_bitrate(fmt: Format, kbps: int) -> None:
    allowed = fmt.bitrates
    if isinstance(allowed, tuple):
        if kbps not in allowed:
            raise AudioError(f"--bitrate {kbps} is not an {fmt.name} bitrate",
                             hint=f"Use one of {', '.join(map(str, allowed))} kbps.")
    elif not allowed <= kbps <= 320:
        better = " (Opus goes lower, from 16 kbps, and sounds better there)" if fmt.name == "AAC" else ""
        raise AudioError(f"--bitrate {kbps} is not an {fmt.name} bitrate we write",
                         hint=f"Use {allowed} to 320 kbps{better}.")


def codec_effect(suffix: str, kbps: int) -> CodecEffect:
    """What the codec does at this bitrate, from the table."""
    return [effect for lowest, effect in CODEC_TABLE[suffix] if lowest <= kbps][-1]


def ceiling(suffix: str, kbps: int) -> float:
    """The limiter's ceiling (dBTP) that keeps the decoded file's true peak under -1 dBTP."""
    return min(LIMIT_DBTP, codec_effect(suffix, kbps).ceiling_dbtp)


def mastering_gain(canvas: Canvas, target_lufs: float, suffix: str, kbps: int) -> tuple[float, float]:
    """The gain (dB) that brings the mix to ``target_lufs`` as heard after limiting and encoding,
    and the mix's own loudness. The limiter's loss depends a little on the gain, so it is solved for."""
    mix_lufs = loudness.integrated(canvas.energy)
    if mix_lufs <= loudness.SILENCE_LUFS:
        return 0.0, mix_lufs
    wanted = target_lufs + codec_effect(suffix, kbps).loss_lu
    gain = wanted - mix_lufs
    for _ in range(3):
        after = loudness.integrated(canvas.limited(gain, ceiling(suffix, kbps), RELEASE_MS))
        if abs(after - wanted) < 0.01:
            break
        gain += wanted - after
    return gain, mix_lufs


def _ffmetadata_chapters(chapters: tuple[Chapter, ...]) -> str:
    def escape(text: str) -> str:
        return "".join("\\" + c if c in "=;#\\\n" else c for c in text)

    lines = [";FFMETADATA1"]
    for chapter in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={chapter.start_ms}", f"END={chapter.end_ms}",
                  f"title={escape(chapter.title)}"]
    return "\n".join(lines) + "\n"


# Writes the mix's samples from start to end: (write, start, end) -> None.
Render = Callable[[Callable[[bytes], object], int, int], None]


def _master_filter(gain_db: float, suffix: str, bitrate_kbps: int, samples: int) -> str:
    limit = 10 ** (ceiling(suffix, bitrate_kbps) / 20)
    # The gain is the limiter's input level (from 1/64 to 64, +-36 dB): ffmpeg's volume filter would
    # convert the samples to float and back around itself. The limiter's look-ahead is compensated
    # (latency); the length is pinned to the sample anyway.
    level = 10 ** (gain_db / 20)
    volume = "" if 1 / 64 <= level <= 64 else f"volume={gain_db:.3f}dB,"
    level = min(64.0, max(1 / 64, level)) if not volume else 1.0
    return (f"{volume}aformat=sample_fmts=dbl,aresample={OVERSAMPLED},"
            f"alimiter=level_in={level:.6f}:limit={limit:.5f}:attack={ATTACK_MS}:release={RELEASE_MS}:level=false:latency=true,"
            f"aresample={RATE},atrim=end_sample={samples},apad=whole_len={samples}")


PARTS_PREFIX = "audio-edition-parts-"
_RAW = ["-f", "s16le", "-ar", str(RATE), "-ac", "1"]


def encode(render: Render, samples: int, path: Path, suffix: str, bitrate_kbps: int, gain_db: float,
           chapters: tuple[Chapter, ...], chain: toolchain.Toolchain,
           splits: list[int] | None = None) -> list[tuple[int, int]]:
    """Master and encode the mix that ``render`` writes (``samples`` samples of 16-bit mono PCM) to
    ``path``, in the format of ``suffix`` (the final file's extension: ``path`` may be a temporary name).

    An MP3 with ``splits`` (samples in silent pauses) is encoded in parts side by side and joined;
    what joining added, (where, how many samples of silence), is returned (else nothing is)."""
    if splits and suffix == ".mp3":
        return _encode_mp3_parts(render, samples, path, bitrate_kbps, gain_db, chain, splits)
    _encode_whole(render, samples, path, suffix, bitrate_kbps, gain_db, chapters, chain)
    return []


def _encode_whole(render: Render, samples: int, path: Path, suffix: str, bitrate_kbps: int, gain_db: float,
                  chapters: tuple[Chapter, ...], chain: toolchain.Toolchain) -> None:
    """Limiter and encoder as two processes in a pipe, so they use two cores even where ffmpeg runs
    its filters and its encoder on one thread (5.1)."""
    fmt = FORMATS[suffix]
    meta_path = None
    limiter = encoder = None
    try:
        args = [*_RAW, "-i", "pipe:0"]
        if fmt.chapters_by_ffmpeg and chapters:
            fd, meta_path = tempfile.mkstemp(suffix=".ffmeta")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(_ffmetadata_chapters(chapters))
            # Chapter titles travel as chapter metadata: map it from the same file.
            args += ["-f", "ffmetadata", "-i", meta_path, "-map", "0:a", "-map_chapters", "1", "-map_metadata", "1"]
        else:
            args += ["-map_metadata", "-1"]
        args += [*fmt.codec, "-b:a", f"{bitrate_kbps}k", "-ac", "1", "-y", str(path)]
        master = _master_filter(gain_db, suffix, bitrate_kbps, samples)
        limiter = toolchain.Process(chain, "mastering", [*_RAW, "-i", "pipe:0", "-af", master, *_RAW, "pipe:1"],
                                    subprocess.PIPE, subprocess.PIPE)
        encoder = toolchain.Process(chain, f"encoding the {fmt.name} file", args, limiter.popen.stdout,
                                    subprocess.DEVNULL)
        assert limiter.popen.stdout is not None
        limiter.popen.stdout.close()  # the encoder holds it now
        _feed(limiter, render, 0, samples)
        toolchain.finish_pipeline([limiter, encoder])
    except BaseException:
        for process in (limiter, encoder):
            if process is not None:
                process.kill()
        raise
    finally:
        if meta_path:
            os.unlink(meta_path)
    if not path.exists() or path.stat().st_size == 0:
        raise AudioError(f"encoding the {fmt.name} file produced no audio")


def _feed(process: toolchain.Process, render: Render, start: int, end: int) -> None:
    stdin = process.popen.stdin
    assert stdin is not None
    try:
        render(stdin.write, start, end)
        stdin.close()
    except BrokenPipeError:
        pass  # ffmpeg stopped reading: its own error says why when it is finished


def _encode_mp3_parts(render: Render, samples: int, path: Path, bitrate_kbps: int, gain_db: float,
                      chain: toolchain.Toolchain, splits: list[int]) -> list[tuple[int, int]]:
    """LAME uses one core: the mix is cut at silent pauses, each part mastered and encoded by its own
    ffmpeg (fed by its own thread), and the parts' frames joined (mp3frames.py)."""
    import threading


    # Part n renders from a[n] to the next split: a part after the first drops the silence that its
    # predecessor's last frame and its own codec delay will take up, so that it decodes where the
    # mix had it (and the file is as long as the mix).
    ends = [*splits, samples]
    starts_planned = [0]
    for n in range(1, len(ends)):
        previous = ends[n - 1] - starts_planned[-1]
        starts_planned.append(starts_planned[-1] + mp3frames.frames_for(previous) * mp3frames.SAMPLES_PER_FRAME)
    if any(a >= b for a, b in zip(starts_planned, ends)):
        _encode_whole(render, samples, path, ".mp3", bitrate_kbps, gain_db, (), chain)
        return []
    ranges = list(zip(starts_planned, ends))
    fmt = FORMATS[".mp3"]
    outputs: list[Path] = []
    processes: list[toolchain.Process] = []
    failures: list[BaseException] = []
    # The parts go to the system's temporary folder, not beside the output: a build killed
    # half-way leaves nothing in the user's folder.
    scratch.sweep(None, PARTS_PREFIX)  # parts of builds that were killed
    parts = scratch.ScratchFolder(None, PARTS_PREFIX)
    folder = parts.path
    try:
        for n, (a, b) in enumerate(ranges, 1):
            name = str(folder / f"part{n}.mp3")
            outputs.append(Path(name))
            args = [*_RAW, "-i", "pipe:0", "-af", _master_filter(gain_db, ".mp3", bitrate_kbps, b - a),
                    "-map_metadata", "-1", *fmt.codec, "-b:a", f"{bitrate_kbps}k", "-ac", "1", "-write_xing", "1",
                    "-y", name]
            processes.append(toolchain.Process(chain, f"encoding part {n} of {len(ranges)} of the MP3 file", args,
                                               subprocess.PIPE, subprocess.DEVNULL))

        def feed(process: toolchain.Process, a: int, b: int) -> None:
            try:
                _feed(process, render, a, b)
            except BaseException as exc:  # reported from the calling thread
                failures.append(exc)
                for other in processes:
                    other.kill()

        threads = [threading.Thread(target=feed, args=(p, a, b), daemon=True) for p, (a, b) in zip(processes, ranges)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]
        for process in processes:
            process.finish()
        starts = mp3frames.join(outputs, path)
    except BaseException:
        for process in processes:
            process.kill()
        raise
    finally:
        parts.close()
    # Where each part really landed (as predicted, unless LAME rounds otherwise): move the timeline.
    shifts = [landed - planned for landed, planned in zip(starts, starts_planned)]
    return [(splits[i - 1], shifts[i] - shifts[i - 1]) for i in range(1, len(ranges)) if shifts[i] != shifts[i - 1]]
