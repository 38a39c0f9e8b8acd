"""MP3 frames, and joining MP3 streams encoded side by side into one gapless file.

LAME encodes on one core. A long episode is cut at silent pauses into parts that encode at the
same time, one per core, and the parts' frames are joined here. Each part starts afresh (its bit
reservoir empty), so its frames follow the previous part's as they are; a decoder then hears the
parts back to back, each starting on a whole frame. Each part after the first starts in a silent
pause and is trimmed of as much silence as that rounding adds, so the joined file is exactly as
long as the mix; where each part lands is returned, so the timeline can follow if it differs. The
first part's Info frame (Xing header and LAME tag, as ffmpeg writes them) is rewritten for the
whole file: frame and byte counts, the seek table, the end padding for gapless playback, the
length and CRC of the music, and the tag's CRC.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audio_edition.errors import AudioError

SAMPLES_PER_FRAME = 1152  # MPEG-1 Layer III
CODEC_DELAY = 576 + 529  # LAME's encoder delay and the decoder's: what a part's frames carry before its first sample
_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_RATES = (44100, 48000, 32000)
_LAME_SIZE = 36
_TAG_CRC_BYTES = 190  # as LAME and ffmpeg compute the tag's CRC


def frame_length(header: bytes | bytearray) -> int:
    """The length in bytes of the MPEG-1 Layer III frame whose 4-byte header this is (0 if it is not one)."""
    if len(header) < 4 or header[0] != 0xFF or (header[1] & 0xFE) != 0xFA:
        return 0
    bitrate, rate = _BITRATES[header[2] >> 4] if header[2] >> 4 < 15 else 0, (header[2] >> 2) & 3
    if not bitrate or rate == 3:
        return 0
    return 144 * bitrate * 1000 // _RATES[rate] + ((header[2] >> 1) & 1)


def frames_for(samples: int) -> int:
    """How many frames LAME writes for ``samples`` samples (measured: it covers both delays)."""
    return -(-(samples + CODEC_DELAY) // SAMPLES_PER_FRAME)


def frame_offsets(data: bytes | bytearray) -> list[int]:
    """Where each frame of ``data`` (frames from its first byte on) starts."""
    offsets, at = [], 0
    while at + 4 <= len(data):
        size = frame_length(data[at : at + 4])
        if not size:
            raise AudioError(f"the encoder wrote a damaged MP3 (no frame at byte {at})")
        offsets.append(at)
        at += size
    return offsets


def _crc16(data: bytes | bytearray, crc: int = 0) -> int:
    """CRC-16/ARC (reflected 0x8005, as LAME's tag and ffmpeg's AV_CRC_16_ANSI_LE)."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def _gf2_times(matrix: list[int], vector: int) -> int:
    out, column = 0, 0
    while vector:
        if vector & 1:
            out ^= matrix[column]
        vector >>= 1
        column += 1
    return out


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, column) for column in matrix]


def crc16_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-16/ARC of A followed by B, from A's CRC, B's CRC and B's length (as zlib's crc32_combine)."""
    if length2 <= 0:
        return crc1
    odd = [0xA001] + [1 << n for n in range(15)]  # one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four
    while True:
        even = _gf2_square(odd)  # eight: one zero byte, then two, four...
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


@dataclass(frozen=True)
class _Info:
    """Where the fields of an Info frame (Xing header and LAME tag) are."""

    size: int  # bytes of the Info frame
    frames_at: int
    bytes_at: int
    toc_at: int
    lame_at: int


def _info(data: bytes | bytearray) -> _Info:
    size = frame_length(data[:4])
    side = 17 if (data[3] >> 6) == 3 else 32  # mono or not
    tag = 4 + side
    if not size or data[tag : tag + 4] not in (b"Info", b"Xing"):
        raise AudioError("the encoder wrote no Info header to its MP3")
    flags = int.from_bytes(data[tag + 4 : tag + 8], "big")
    if flags & 7 != 7:
        raise AudioError("the encoder's Info header lacks frame count, byte count or seek table")
    lame = tag + 16 + 100 + (4 if flags & 8 else 0)  # "Info", flags, frames, bytes, seek table, quality
    if lame + _LAME_SIZE > size:
        raise AudioError("the encoder's Info header has no LAME tag")
    return _Info(size, tag + 8, tag + 12, tag + 16, lame)


@dataclass(frozen=True)
class Part:
    """One encoded part: its frames of audio (after its Info frame), and what its LAME tag says."""

    path: Path
    audio_start: int
    audio_bytes: int
    frames: int
    padding: int  # samples of encoder padding at its end
    music_crc: int


def read_part(path: Path) -> Part:
    """The facts of a part written by ffmpeg's MP3 muxer with its Info frame."""
    with open(path, "rb") as fh:
        head = fh.read(2048)
        fh.seek(0, 2)
        total = fh.tell()
    info = _info(head)
    lame = head[info.lame_at : info.lame_at + _LAME_SIZE]
    return Part(path, info.size, total - info.size, int.from_bytes(head[info.frames_at : info.frames_at + 4], "big"),
                int.from_bytes(lame[21:24], "big") & 0xFFF, int.from_bytes(lame[32:34], "big"))


def join(paths: list[Path], out: Path) -> list[int]:
    """Write the parts' frames to ``out`` as one MP3 with a correct Info frame; return where each
    part's first sample lands when the file is decoded (the first at 0)."""
    parts = [read_part(p) for p in paths]
    first = bytearray(paths[0].read_bytes()[: parts[0].audio_start])
    info = _info(first)
    offsets: list[int] = []  # of every audio frame, from the start of the file
    starts, frames_before = [], 0
    total_bytes = info.size
    music_crc = 0
    with open(out, "wb") as dst:
        dst.write(first)
        for part in parts:
            with open(part.path, "rb") as src:
                src.seek(part.audio_start)
                audio = src.read()
            found = frame_offsets(audio)
            if len(found) != part.frames:
                raise AudioError(f"an encoded part has {len(found)} frames where its header says {part.frames}")
            offsets += [total_bytes + at for at in found]
            starts.append(frames_before * SAMPLES_PER_FRAME)
            frames_before += part.frames
            music_crc = crc16_combine(music_crc, part.music_crc, part.audio_bytes)
            total_bytes += len(audio)
            dst.write(audio)
        frames = len(offsets)
        toc = bytes(min(255, 256 * offsets[i * frames // 100] // total_bytes) if i else 0 for i in range(100))
        first[info.frames_at : info.frames_at + 4] = frames.to_bytes(4, "big")
        first[info.bytes_at : info.bytes_at + 4] = total_bytes.to_bytes(4, "big")
        first[info.toc_at : info.toc_at + 100] = toc
        lame = info.lame_at
        delay = int.from_bytes(first[lame + 21 : lame + 24], "big") >> 12
        first[lame + 21 : lame + 24] = ((delay << 12) | parts[-1].padding).to_bytes(3, "big")
        first[lame + 28 : lame + 32] = total_bytes.to_bytes(4, "big")
        first[lame + 32 : lame + 34] = music_crc.to_bytes(2, "big")
        first[lame + 34 : lame + 36] = b"\x00\x00"
        first[lame + 34 : lame + 36] = _crc16(first[:_TAG_CRC_BYTES]).to_bytes(2, "big")
        dst.seek(0)
        dst.write(first)
    return starts
