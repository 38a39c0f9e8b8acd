#!/usr/bin/env python3
"""Measure what each codec does to mastered speech: the loudness it takes off, and the highest
limiter ceiling that keeps the decoded file's true peak under -1 dBTP. These are the numbers
behind encode.CODEC_TABLE.

    python scripts/codec_table.py [ARTICLE] [--ffmpeg PATH ...] [--format .mp3 ...]

The article (default: the project's sample) is built with espeak-ng, and its mix is taken as it
is (with the intro and outro, full band) and without the jingles low-passed at 8 kHz (as a 16 kHz
voice is). For every format and bitrate, each is mastered at -16 LUFS under ceilings from -2 dBTP
down, encoded, decoded as a player would, and measured. The ceiling reported is the highest at
which every measured true peak stays at or under -1 dBTP less the margin.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audio_edition.audio import encode, loudness, segments  # noqa: E402

BITRATES = {".mp3": (32, 48, 64, 96, 128, 160, 192, 224, 256, 320), ".m4a": (64, 96, 128, 192, 256),
            ".opus": (16, 24, 32, 48, 64, 96, 128)}
CEILINGS = (-2.0, -2.5, -3.0, -3.5, -4.0, -4.5, -5.0, -6.0)


def run(ffmpeg: str, args: list[str], data: bytes | None = None) -> bytes:
    return subprocess.run([ffmpeg, "-v", "error", *args], input=data, capture_output=True, check=True).stdout


RAW = ["-f", "s16le", "-ar", "44100", "-ac", "1"]


def lufs(ffmpeg: str, pcm: bytes) -> float:
    out = run(ffmpeg, [*RAW, "-i", "-", "-af", loudness._k_filters(44100), "-f", "s32le", "-"], pcm)
    return loudness.integrated(segments.bin_sum_squares(out, 4, loudness.BIN, loudness.K_SCALE * 2**31))


def true_peak(ffmpeg: str, path: Path) -> float:
    err = subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-i", str(path), "-af", "ebur128=peak=true:dualmono=true",
                          "-f", "null", "-"], capture_output=True, text=True).stderr
    return float(re.findall(r"Peak:\s+(-?[\d.]+|-inf) dBFS", err)[-1])


def decode(ffmpeg: str, path: Path) -> bytes:
    return run(ffmpeg, ["-i", str(path), *RAW, "-"])


def mix_of(article: Path, work: Path, *flags: str) -> bytes:
    """The article's mix before mastering (built quiet, so the limiter has nothing to do)."""
    out_mp3 = work / "mix.mp3"
    subprocess.run([sys.executable, "-m", "audio_edition", "build", str(article), "-o", str(out_mp3), "-q",
                    "--loudness", "-30", "--bitrate", "320", *flags], check=True, cwd=work)
    return decode(FFMPEG, out_mp3)


def main() -> int:
    global FFMPEG
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("article", nargs="?", type=Path, default=ROOT / "media" / "sample-article.md")
    parser.add_argument("--ffmpeg", action="append", help="ffmpeg binaries to measure (default: the build's)")
    parser.add_argument("--format", action="append", choices=sorted(BITRATES), help="formats to measure (default: all)")
    args = parser.parse_args()
    from audio_edition.audio import toolchain

    binaries = args.ffmpeg or [toolchain.current().path]
    FFMPEG = binaries[0]
    wanted_peak = encode.TRUE_PEAK_MAX_DBTP - encode.TRUE_PEAK_MARGIN_DB
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        article = args.article.resolve()
        bare = mix_of(article, work, "--no-intro", "--no-outro")
        contents = {"with jingles": mix_of(article, work),
                    "low-passed 8k": run(FFMPEG, [*RAW, "-i", "-", "-af", "lowpass=f=8000,lowpass=f=8000", *RAW, "-"],
                                         bare)}
        for suffix, rates in BITRATES.items():
            if args.format and suffix not in args.format:
                continue
            for kbps in rates:
                losses, chosen, peaks = [], CEILINGS[-1], []
                for ceiling in CEILINGS:
                    ok, losses, peaks = True, [], []
                    for ffmpeg in binaries:
                        for pcm in contents.values():
                            limit = 10 ** (ceiling / 20)
                            gain = -16 - lufs(ffmpeg, pcm)
                            mastered = run(ffmpeg, [*RAW, "-i", "-", "-af",
                                                    f"volume={gain:.2f}dB,aresample={encode.OVERSAMPLED},alimiter=limit={limit:.5f}:"
                                                    f"attack=5:release=60:level=false:latency=true,aresample=44100",
                                                    *RAW, "-"], pcm)
                            out = work / f"x{suffix}"
                            run(ffmpeg, [*RAW, "-i", "-", *encode.FORMATS[suffix].codec, "-b:a", f"{kbps}k", "-y",
                                         str(out)], mastered)
                            losses.append(lufs(ffmpeg, mastered) - lufs(ffmpeg, decode(ffmpeg, out)))
                            peaks.append(true_peak(ffmpeg, out))
                            ok = ok and peaks[-1] <= wanted_peak
                    if ok:
                        chosen = ceiling
                        break
                mean_loss = sum(losses) / len(losses)
                print(f"{suffix:5} {kbps:3d} kbps: loss {mean_loss:+.2f} LU "
                      f"(from {min(losses):+.2f} to {max(losses):+.2f}), "
                      f"ceiling {chosen:+.1f} dBTP (true peaks {', '.join(f'{p:+.1f}' for p in peaks)})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
