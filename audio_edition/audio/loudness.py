"""Loudness as ITU-R BS.1770-4 defines it, computed from profiles of the parts of a mix.

Each part (a spoken sentence, an intro, an outro, a music bed) is measured once, when it is
made, into a *profile*: its K-weighted energy and its highest sample in every 10 ms bin. The
profiles are kept in the cache. A mix's integrated loudness is then computed from where its
parts are placed and at what gain, without another pass over the audio: 400 ms blocks every
100 ms, an absolute gate at -70 LUFS and a relative gate 10 LU below. This is what lets a build
measure the mix once, before a single sample of it is written, and master and encode it in one
pass. The K-weighting filters run in ffmpeg (``biquad``, the BS.1770 pre-filter and RLB
high-pass at our sample rate, as libebur128 derives them); a test checks that the result agrees
with ffmpeg's own ``ebur128`` filter.

A mono file is played on both speakers, so it is measured as dual mono (+3 LU over a plain mono
measurement), as podcast apps and Apple's guidelines expect.
"""

from __future__ import annotations

import math
import queue
import subprocess
import threading
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from audio_edition.audio import segments, toolchain

RATE = segments.RATE
BIN = RATE // 100  # 10 ms
BINS_PER_STEP = 10  # blocks start every 100 ms ...
STEPS_PER_BLOCK = 4  # ... and last 400 ms
DUAL_MONO = 2.0
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
SILENCE_LUFS = -70.0
LIMITER_BIN_SHARE = 0.7  # see Canvas.limited
LIMITER_SHARE_PER_DB = 0.02
K_SCALE = 0.25  # headroom for the K-weighting's +4 dB shelf in the 32-bit samples we read back
VERSION = "bs1770-bins-1"  # bump when profiles change meaning


def _k_filters(rate: int) -> str:
    """The BS.1770 K-weighting at ``rate``: a high shelf (+4 dB above ~1.7 kHz) and the RLB high-pass,
    from the analogue prototypes, as libebur128 computes them for any sample rate."""
    f0, gain, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    # K_SCALE is folded into the shelf's numerator: ffmpeg's volume filter would convert the samples
    # to float and back around itself, which doubled the cost of this pass.
    shelf = (K_SCALE * (vh + vb * k / q + k * k) / a0, K_SCALE * 2 * (k * k - vh) / a0,
             K_SCALE * (vh - vb * k / q + k * k) / a0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    highpass = (1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)

    def biquad(c: tuple[float, ...]) -> str:
        return "biquad=b0={:.17g}:b1={:.17g}:b2={:.17g}:a0={:.17g}:a1={:.17g}:a2={:.17g}".format(*c)

    return f"aformat=sample_fmts=dbl,{biquad(shelf)},{biquad(highpass)}"


@dataclass(frozen=True)
class Profile:
    """A part's K-weighted energy (sum of squares, full scale 1.0) and highest sample per 10 ms bin,
    at unity gain. ``bounds`` is where a take was trimmed, in samples of its decoded audio."""

    samples: int
    energy: array
    peak: array
    bounds: tuple[int, int] = (0, 0)

    def to_bytes(self) -> bytes:
        head = f"{VERSION} {self.samples} {self.bounds[0]} {self.bounds[1]} {len(self.energy)}\n".encode()
        return head + array("f", self.energy).tobytes() + array("f", self.peak).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Profile | None:
        """The profile stored in ``data``, or None when it is damaged or of another version."""
        head, _, body = data.partition(b"\n")
        fields = head.decode(errors="replace").split()
        if len(fields) != 5 or fields[0] != VERSION or not all(f.isdigit() for f in fields[1:]):
            return None
        samples, start, end, bins = map(int, fields[1:])
        if bins != -(-samples // BIN) or len(body) != bins * 8:
            return None
        energy, peak = array("f"), array("f")
        energy.frombytes(body[: bins * 4])
        peak.frombytes(body[bins * 4 :])
        return cls(samples, array("d", energy), array("d", peak), (start, end))

    @property
    def lufs(self) -> float:
        """The part's own integrated loudness."""
        return integrated(self.energy)

    @property
    def peak_dbfs(self) -> float:
        top = max(self.peak, default=0.0)
        return 20 * math.log10(top) if top > 0 else -math.inf


def integrated(energy: Sequence[float]) -> float:
    """Integrated loudness (LUFS, dual mono) of audio whose per-bin K-weighted energy is ``energy``."""
    steps = [math.fsum(energy[i : i + BINS_PER_STEP]) for i in range(0, len(energy) - BINS_PER_STEP + 1, BINS_PER_STEP)]
    block_samples = BIN * BINS_PER_STEP * STEPS_PER_BLOCK
    blocks = [sum(steps[j : j + STEPS_PER_BLOCK]) * DUAL_MONO / block_samples
              for j in range(len(steps) - STEPS_PER_BLOCK + 1)]

    def lufs(z: float) -> float:
        return -0.691 + 10 * math.log10(z) if z > 0 else -math.inf

    loud = [z for z in blocks if lufs(z) > ABSOLUTE_GATE_LUFS]
    if not loud:
        return SILENCE_LUFS
    gate = lufs(math.fsum(loud) / len(loud)) + RELATIVE_GATE_LU
    gated = [z for z in loud if lufs(z) > gate]
    return max(lufs(math.fsum(gated) / len(gated)), SILENCE_LUFS)


def speech_lufs(part: Profile) -> float:
    """A spoken part's loudness: its integrated loudness, or for a part too short for BS.1770's
    400 ms blocks (a two-word sentence), as one block would measure it: the mean over the span
    from its first bin above the absolute gate to its last (its own short gaps count, as in a block)."""
    whole = part.lufs
    if whole > SILENCE_LUFS:
        return whole
    floor = 10 ** ((ABSOLUTE_GATE_LUFS + 0.691) / 10) * BIN / DUAL_MONO
    voiced = [i for i, e in enumerate(part.energy) if e > floor]
    if not voiced:
        return SILENCE_LUFS
    span = part.energy[voiced[0] : voiced[-1] + 1]
    return max(SILENCE_LUFS, -0.691 + 10 * math.log10(math.fsum(span) * DUAL_MONO / (len(span) * BIN)))


def inner_pauses(part: Profile, quiet_lu: float = 30.0, shortest_ms: int = 150) -> list[int]:
    """The silences inside a spoken part (ms), speech on both sides: a voice's own pauses at
    commas and clause ends. A bin is silent when it is ``quiet_lu`` under the part's loudness;
    a run shorter than ``shortest_ms`` is a stop consonant's closure, not a pause."""
    level = speech_lufs(part)
    if level <= SILENCE_LUFS:
        return []
    floor = 10 ** ((level - quiet_lu + 0.691) / 10) * BIN / DUAL_MONO
    voiced = [e > floor for e in part.energy]
    if True not in voiced:
        return []
    first, last = voiced.index(True), len(voiced) - 1 - voiced[::-1].index(True)
    pauses, run = [], 0
    for loud in voiced[first : last + 1]:
        if loud:
            if run * 10 >= shortest_ms:
                pauses.append(run * 10)
            run = 0
        else:
            run += 1
    return pauses


class KWeighting:
    """One ffmpeg process that K-weights every part given to it, in order, and bins the energy.

    Parts are handed over as they are made (from the synthesis callbacks): a writer thread feeds
    them to ffmpeg and a reader thread turns its output into bins, so measuring overlaps speaking
    and the caller never waits on the pipe (unless it is PENDING parts ahead).
    """

    GAP = RATE // 10  # silence between parts, for the filters to ring down
    PENDING = 32

    def __init__(self, chain: toolchain.Toolchain) -> None:
        args = ["-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0", "-af", _k_filters(RATE),
                "-f", "s32le", "pipe:1"]
        self._process = toolchain.Process(chain, "measuring loudness", args, subprocess.PIPE, subprocess.PIPE)
        self._sizes: queue.Queue[tuple[str, int] | None] = queue.Queue()
        self._parts: queue.Queue[bytes | None] = queue.Queue(self.PENDING)
        self.energy: dict[str, array] = {}
        self._threads = [threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=self._write, daemon=True)]
        for thread in self._threads:
            thread.start()

    def add(self, key: str, pcm: bytes) -> None:
        """Measure ``pcm`` (mix format); its bins appear under ``key`` once closed."""
        self._sizes.put((key, len(pcm) // segments.WIDTH))
        self._parts.put(pcm)

    def _write(self) -> None:
        stdin = self._process.popen.stdin
        assert stdin is not None
        gap = b"\x00" * (self.GAP * segments.WIDTH)
        try:
            while (pcm := self._parts.get()) is not None:
                stdin.write(pcm)
                stdin.write(gap)
            stdin.close()
        except (BrokenPipeError, ValueError):  # ffmpeg ended early, or was killed: close() says why
            while self._parts.get() is not None:  # let add() go on
                pass

    def _read(self) -> None:
        stdout = self._process.popen.stdout
        assert stdout is not None
        chunk = BIN * 4 * 256
        while (item := self._sizes.get()) is not None:
            key, samples = item
            bins = array("d")
            left = samples * 4
            while left > 0:
                data = stdout.read(min(chunk, left))
                if not data:
                    return  # ffmpeg ended early; close() reports why
                left -= len(data)
                bins.extend(segments.bin_sum_squares(data, 4, BIN, K_SCALE * 2**31))
            stdout.read(self.GAP * 4)
            self.energy[key] = bins

    def close(self) -> dict[str, array]:
        """Wait for every part's bins; raise AudioError if ffmpeg failed."""
        self._parts.put(None)
        self._sizes.put(None)
        for thread in self._threads:
            thread.join()
        self._process.finish()
        return self.energy

    def kill(self) -> None:
        self._process.kill()
        self._sizes.put(None)
        try:
            self._parts.put_nowait(None)
        except queue.Full:
            pass


@dataclass
class Canvas:
    """The bins of a whole mix, onto which parts' profiles are placed."""

    energy: array
    peak: array

    @classmethod
    def empty(cls, samples: int) -> Canvas:
        bins = -(-samples // BIN)
        return cls(array("d", bytes(8 * bins)), array("d", bytes(8 * bins)))

    def place(self, part: Profile, start: int, gain_db: float = 0.0, length: int | None = None,
              fade_in: int = 0, fade_out: int = 0) -> None:
        """Add ``part`` at sample ``start``: gained, looped to ``length`` samples when longer than the
        part, with linear (amplitude) fades of ``fade_in`` and ``fade_out`` samples at its ends.
        A bin of the part that straddles two bins of the mix is shared between them by overlap."""
        length = part.samples if length is None else length
        if length <= 0 or not part.samples:
            return
        power = 10 ** (gain_db / 10)
        count = -(-length // BIN)
        if length <= part.samples and not fade_in and not fade_out:  # a take: its bins as they are
            energy = [e * power for e in part.energy[:count]]
            peak = [p * 10 ** (gain_db / 20) for p in part.peak[:count]]
        else:
            energy, peak = [], []
            amp0 = 10 ** (gain_db / 20)
            for offset in range(0, length, BIN):
                source = (offset % part.samples) // BIN
                middle = offset + min(BIN, length - offset) / 2
                amp = amp0
                if fade_in and middle < fade_in:
                    amp *= middle / fade_in
                if fade_out and middle > length - fade_out:
                    amp *= max(0.0, (length - middle) / fade_out)
                energy.append(part.energy[source] * amp * amp)
                peak.append(part.peak[source] * amp)
        first, split = divmod(start, BIN)
        into_e, into_p, bins = self.energy, self.peak, len(self.energy)
        if split == 0:
            for i, (e, p) in enumerate(zip(energy, peak), first):
                if i >= bins:
                    break
                into_e[i] += e
                if p > into_p[i]:
                    into_p[i] = p
            return
        # Each bin of the part straddles two of the mix: share its energy by overlap.
        head = (BIN - split) / BIN
        for i, (e, p) in enumerate(zip(energy, peak), first):
            if i < bins:
                into_e[i] += e * head
                if p > into_p[i]:
                    into_p[i] = p
            if i + 1 < bins:
                into_e[i + 1] += e * (1.0 - head)
                if p > into_p[i + 1]:
                    into_p[i + 1] = p

    def scaled(self, gain_db: float) -> Canvas:
        """A copy with every bin at ``gain_db``."""
        power, amp = 10 ** (gain_db / 10), 10 ** (gain_db / 20)
        return Canvas(array("d", (e * power for e in self.energy)), array("d", (p * amp for p in self.peak)))

    def limited(self, gain_db: float, ceiling_dbfs: float, release_ms: float = 60.0) -> array:
        """The energy per bin after ``gain_db`` and a limiter that holds every peak to ``ceiling_dbfs``:
        each loud bin is turned down by part of its excess, and the gain recovers over ``release_ms``.
        A limiter turns down the neighbourhood of a peak, not a whole 10 ms bin, and more of it the
        deeper it works: the share (LIMITER_BIN_SHARE, growing by LIMITER_SHARE_PER_DB) was fitted
        to ffmpeg's alimiter on our speech and jingles, where it lands within 0.08 LU for peaks
        4 to 12 dB over the ceiling. Where parts overlap, a bin's peak is the larger."""
        power = 10 ** (gain_db / 10)
        threshold = 10 ** ((ceiling_dbfs - gain_db) / 20)  # peaks above this are limited
        recovery = math.exp(-10.0 / release_ms)  # per bin, in the dB domain
        offset = gain_db - ceiling_dbfs
        out = array("d", (e * power for e in self.energy))
        held = 0.0  # dB of reduction being released
        for i, top in enumerate(self.peak):
            if top > threshold:
                excess = 20 * math.log10(top) + offset
                need = excess * min(1.0, LIMITER_BIN_SHARE + LIMITER_SHARE_PER_DB * excess)
                held = need if need > held else held * recovery
            elif held:
                held = held * recovery if held > 0.001 else 0.0
            else:
                continue
            out[i] *= 10 ** (-held / 10)
        return out


def gain_to(measured_lufs: float, target_lufs: float, peak_dbfs: float) -> float:
    """The gain in dB that brings a part to ``target_lufs`` without clipping it: raising is
    capped by the part's own sample-peak headroom (0.5 dB kept)."""
    if measured_lufs <= SILENCE_LUFS:
        return 0.0
    wanted = target_lufs - measured_lufs
    return min(wanted, -peak_dbfs - 0.5) if wanted > 0 else wanted


def profiles(parts: Iterable[tuple[str, bytes]], chain: toolchain.Toolchain) -> dict[str, Profile]:
    """Profiles of (key, mix-format PCM) parts, measured in one ffmpeg run."""
    weighting = KWeighting(chain)
    peaks, samples = {}, {}
    try:
        for key, pcm in parts:
            peaks[key], samples[key] = segments.bin_peaks(pcm, BIN), len(pcm) // segments.WIDTH
            weighting.add(key, pcm)
    except BaseException:
        weighting.kill()
        raise
    energy = weighting.close()
    return {key: Profile(samples[key], energy[key], array("d", peaks[key])) for key in peaks}
