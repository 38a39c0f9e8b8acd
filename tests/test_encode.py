"""Encoding in parts on several cores: the joined MP3 is the whole one, frame for frame as long, with
an Info header that validators and decoders accept, silent where the parts meet."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
from conftest import require_tool
from readers import decoded_pcm, walk_mp3

from audio_edition.audio import encode, mp3frames, segments, toolchain
from audio_edition.speech.engines.espeak import EspeakEngine

# builds, masters and encodes with both ffmpegs
pytestmark = [pytest.mark.usefixtures("ffmpeg_choice"), pytest.mark.slow]


def arc16(data: bytes) -> int:
    """CRC-16/ARC written out bit by bit, independently of the module under test."""
    crc = 0
    for byte in data:
        for bit in range(8):
            mix = (crc ^ (byte >> bit)) & 1
            crc >>= 1
            if mix:
                crc ^= 0xA001
    return crc


def test_crc16_of_two_pieces_combines_into_the_crc_of_both() -> None:
    rng = random.Random(7)
    for length in (0, 1, 2, 3, 7, 100, 1152, 4099):
        a, b = rng.randbytes(rng.randint(0, 500)), rng.randbytes(length)
        assert mp3frames.crc16_combine(arc16(a), arc16(b), len(b)) == arc16(a + b)


@pytest.fixture(scope="module")
def speech(ffmpeg_choice: str | None) -> bytes:
    """Forty seconds of speech with silent pauses, as the mix gives it to the encoder."""
    engine = EspeakEngine()
    voice = engine.resolve_voice(None, "en")
    pause = bytes(2 * 44100 * 6 // 10)
    pcm = b""
    for n in range(8):
        take = engine.synthesize(f"This is sentence number {n + 1} of a test that needs a pause after each sentence.",
                                 voice, "en")
        pcm += segments.take_pcm(take.audio, take.format) + pause
    return pcm


def silences(pcm: bytes, at_least: int = 44100 // 4) -> list[int]:
    """The middle of each run of digital silence of ``at_least`` samples."""
    out, run = [], 0
    for i in range(0, len(pcm), 2):
        if pcm[i] == 0 and pcm[i + 1] == 0:
            run += 1
        else:
            if run >= at_least:
                out.append(i // 2 - run // 2)
            run = 0
    return out


def encode_file(pcm: bytes, out: Path, splits: list[int]) -> list[tuple[int, int]]:
    return encode.encode(lambda write, a, b: write(pcm[a * 2 : b * 2]), len(pcm) // 2, out, ".mp3", 96, 6.0, (),
                         toolchain.current(), splits)


def test_parts_join_into_the_whole(speech: bytes, tmp_path: Path) -> None:
    quiet = silences(speech)
    splits = [quiet[2], quiet[5]]
    assert encode_file(speech, tmp_path / "whole.mp3", []) == []
    assert encode_file(speech, tmp_path / "parts.mp3", splits) == []  # nothing moved: each part lands where planned
    whole, parts = decoded_pcm(tmp_path / "whole.mp3"), decoded_pcm(tmp_path / "parts.mp3")
    assert len(parts) == len(whole) == len(speech)  # to the sample: gapless info is right for the whole file
    frames = walk_mp3(tmp_path / "parts.mp3")
    assert frames.info_frames == frames.frames  # the Info header counts every frame
    for at in splits:  # where the parts meet it is as silent as in the whole file
        a, b = (at - 2205) * 2, (at + 2205) * 2
        assert segments.peak_dbfs(parts[a:b]) < -60


@pytest.mark.system  # mp3val
def test_the_joined_info_header_is_valid(speech: bytes, tmp_path: Path) -> None:
    out = tmp_path / "parts.mp3"
    encode_file(speech, out, silences(speech)[1::3])
    data = out.read_bytes()
    tag = 4 + 17
    assert data[tag : tag + 4] == b"Info"
    frames = int.from_bytes(data[tag + 8 : tag + 12], "big")
    assert int.from_bytes(data[tag + 12 : tag + 16], "big") == len(data)
    toc = data[tag + 16 : tag + 116]
    assert list(toc) == sorted(toc) and toc[0] == 0
    lame = tag + 120
    size = mp3frames.frame_length(data[:4])
    assert int.from_bytes(data[lame + 28 : lame + 32], "big") == len(data)
    assert int.from_bytes(data[lame + 32 : lame + 34], "big") == arc16(data[size:])  # the music's CRC
    header = bytearray(data[:190])
    header[lame + 34 : lame + 36] = b"\x00\x00"
    assert int.from_bytes(data[lame + 34 : lame + 36], "big") == arc16(bytes(header))  # the tag's CRC
    delay, padding = divmod(int.from_bytes(data[lame + 21 : lame + 24], "big"), 4096)
    assert frames * 1152 - delay - padding == len(speech) // 2
    mp3val = require_tool("mp3val", "mp3val")
    report = subprocess.run([mp3val, str(out)], capture_output=True, text=True).stdout
    problems = [line for line in report.splitlines() if line.startswith(("WARNING", "ERROR"))
                and "No supported tags" not in line]  # tags come later, from mutagen
    assert problems == [] and f"{frames + 1} MPEG frames" in report, report


def test_a_part_that_lands_elsewhere_moves_the_timeline(speech: bytes, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Should LAME round differently from what we predict, the shift is reported, not lost."""
    real = mp3frames.frames_for
    monkeypatch.setattr(mp3frames, "frames_for", lambda samples: real(samples) + 1)  # a frame too many
    quiet = silences(speech)
    inserted = encode_file(speech, tmp_path / "parts.mp3", [quiet[3]])
    assert inserted == [(quiet[3], -1152)]  # the second part starts a frame earlier than planned
    assert len(decoded_pcm(tmp_path / "parts.mp3")) // 2 == len(speech) // 2 - 1152


@pytest.mark.parametrize("suffix, kbps", [(".mp3", 96), (".mp3", 320), (".m4a", 128), (".opus", 32), (".opus", 96)])
def test_the_codec_table_says_what_the_codec_does(speech: bytes, tmp_path: Path, suffix: str, kbps: int) -> None:
    """Each row of encode.CODEC_TABLE, checked against the codec: the loudness it takes off speech."""
    import re

    from readers import FFMPEG

    def lufs(args: list[str], data: bytes | None = None) -> float:
        proc = subprocess.run([FFMPEG, "-hide_banner", "-nostats", *args, "-af",
                               "ebur128=dualmono=true:metadata=1,ametadata=print:key=lavfi.r128.I:file=-",
                               "-f", "null", "-"],
                              input=data, capture_output=True, check=True)
        return float(re.findall(rb"lavfi.r128.I=(-?[\d.]+)", proc.stdout)[-1])

    raw = ["-f", "s16le", "-ar", "44100", "-ac", "1"]
    gain = -16 - lufs([*raw, "-i", "-"], speech)  # mastered at -16 LUFS, as the table was measured
    out = tmp_path / f"x{suffix}"
    encode.encode(lambda write, a, b: write(speech[a * 2 : b * 2]), len(speech) // 2, out, suffix, kbps, gain, (),
                  toolchain.current())
    mastered = subprocess.run([FFMPEG, "-v", "error", "-f", "s16le", "-ar", "44100", "-ac", "1", "-i", "-", "-af",
                               f"volume={gain:.2f}dB,aresample=88200,"
                               f"alimiter=limit={10 ** (encode.ceiling(suffix, kbps) / 20):.5f}"
                               ":attack=5:release=60:level=false:latency=true,aresample=44100", "-f", "s16le", "-"],
                              input=speech, capture_output=True, check=True).stdout
    before = lufs([*raw, "-i", "-"], mastered)
    assert abs((before - lufs(["-i", str(out)])) - encode.codec_effect(suffix, kbps).loss_lu) < 0.15
