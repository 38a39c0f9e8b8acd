"""The ffmpeg toolchain: which binary, what it can do (checked once per binary), and running it.

The ffmpeg used is ``$AUDIO_EDITION_FFMPEG`` when set, else the one inside the imageio-ffmpeg
wheel. A system ffmpeg on PATH is never picked up silently: distributions ship older builds
(Debian 12 has 5.1, Ubuntu 22.04 has 4.4), and a tool that works on one machine and fails on the
next because of what else is installed is broken. We use no ffmpeg feature newer than 5.1, so a
user can point ``$AUDIO_EDITION_FFMPEG`` at a distribution's ffmpeg; what a binary lacks is found
by asking it once (its answers are kept in the cache under its path, size and date).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from audio_edition.errors import (
    AudioEditionError,
    AudioError,
    OutputError,
    ToolchainError,
)
from audio_edition.storage.cache import DiskCache, default_cache_dir, digest

ENV = "AUDIO_EDITION_FFMPEG"
PROBE_VERSION = "1"  # bump when the probes or the features they report change

# What every build needs of ffmpeg, as "kind name" (a filter option as "option filter.option").
# A test pins this table; none of it is newer than ffmpeg 5.1.
NEEDS: tuple[str, ...] = (
    "filter aformat",  # floating-point samples for the loudness filters
    "filter biquad",  # the K-weighting filters of the loudness measurement (ITU-R BS.1770)
    "filter volume",  # the mastering gain when it is beyond the limiter's input range
    "filter aresample",  # oversampling around the limiter, so it catches true peaks
    "filter alimiter",  # the true-peak limiter
    "option alimiter.latency",  # its look-ahead compensated, so the timeline stays exact
    "option alimiter.level",  # no automatic make-up gain
    "option alimiter.level_in",  # the mastering gain, applied by the limiter
    "filter atrim",
    "filter apad",
    "option apad.whole_len",  # the mastered audio pinned to the mix's length
    "decoder mp3",  # the default intro and outro
    "encoder pcm_s16le",
)
# What each output format needs besides.
FORMAT_NEEDS: dict[str, tuple[str, ...]] = {
    ".mp3": ("encoder libmp3lame", "muxer mp3"),
    ".m4a": ("encoder aac", "muxer ipod", "demuxer ffmetadata"),
    ".opus": ("encoder libopus", "muxer ogg"),
}
_OPTION_FILTERS = sorted({need.split()[1].split(".")[0] for need in NEEDS if need.startswith("option ")})


@dataclass(frozen=True)
class Toolchain:
    """One ffmpeg binary and what it offers."""

    path: str
    source: str  # "$AUDIO_EDITION_FFMPEG" or "imageio-ffmpeg"
    version: str
    features: frozenset[str] = field(default_factory=frozenset)

    @property
    def identity(self) -> str:
        """What goes into cache keys: output made by another ffmpeg is another output."""
        return f"ffmpeg {self.version} at {self.path}"

    def missing(self, needs: Iterable[str]) -> list[str]:
        """The needs this binary does not meet, in the order given."""
        return [need for need in needs if need not in self.features]

    def require(self, suffix: str | None = None) -> Toolchain:
        """This toolchain, or a ToolchainError naming the binary, its version and what it lacks."""
        missing = self.missing(NEEDS + FORMAT_NEEDS.get(suffix or "", ()))
        if missing:
            raise ToolchainError(
                f"ffmpeg at {self.path} (version {self.version}) lacks what audio-edition needs: "
                + ", ".join(_describe(m) for m in missing),
                hint=_hint(self),
            )
        return self


def _describe(need: str) -> str:
    kind, name = need.split(" ", 1)
    if kind == "option":
        flt, option = name.split(".", 1)
        return f"the {flt} filter's '{option}' option"
    return f"the {name} {kind}"


def _hint(chain: Toolchain) -> str:
    if chain.source == "imageio-ffmpeg":
        return ("Reinstall audio-edition (pip install --force-reinstall imageio-ffmpeg), "
                "or set AUDIO_EDITION_FFMPEG to ffmpeg 5.1 or newer.")
    return (f"Point {ENV} at ffmpeg 5.1 or newer built with libmp3lame, "
            "or unset it to use the ffmpeg that comes with audio-edition.")


def locate() -> tuple[str, str]:
    """The binary to use and where that choice came from: ``$AUDIO_EDITION_FFMPEG``, else the wheel's."""
    named = os.environ.get(ENV, "").strip()
    if named:
        found = named if os.sep in named else shutil.which(named)
        if not found or not os.path.isfile(found) or not os.access(found, os.X_OK):
            raise ToolchainError(
                f"{ENV} names {named}, which is not an executable file",
                hint=f"Point {ENV} at an ffmpeg binary, or unset it to use the ffmpeg that comes with audio-edition.",
            )
        return os.path.abspath(found), f"${ENV}"
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ToolchainError("the imageio-ffmpeg package is not installed",
                             hint=f"Reinstall audio-edition, or set {ENV} to an ffmpeg binary.") from exc
    # Look in the wheel itself: imageio_ffmpeg.get_ffmpeg_exe() falls back to an ffmpeg on PATH.
    folder = Path(imageio_ffmpeg.__file__).resolve().parent / "binaries"
    binaries = sorted(p for p in folder.glob("ffmpeg*") if p.is_file() and os.access(p, os.X_OK))
    if not binaries:
        raise ToolchainError(f"the imageio-ffmpeg wheel has no ffmpeg binary for this platform (looked in {folder})",
                             hint=f"Set {ENV} to an ffmpeg 5.1 or newer built with libmp3lame.")
    return str(binaries[0]), "imageio-ffmpeg"


def _ask(path: str, *args: str) -> str:
    try:
        proc = subprocess.run([path, "-hide_banner", *args], capture_output=True, timeout=60, start_new_session=True)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"cannot run ffmpeg at {path}: {exc}",
                             hint="Run 'audio-edition doctor' to see the toolchain.") from exc
    return proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace")


def probe(path: str) -> tuple[str, frozenset[str]]:
    """Ask a binary its version and the filters, codecs, formats and filter options it has."""
    questions: dict[str, tuple[str, ...]] = {
        "version": ("-version",), "filters": ("-filters",), "encoders": ("-encoders",),
        "decoders": ("-decoders",), "muxers": ("-muxers",), "demuxers": ("-demuxers",)}
    questions.update({f"option {name}": ("-h", f"filter={name}") for name in _OPTION_FILTERS})
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        answers = dict(zip(questions, pool.map(lambda q: _ask(path, *q), questions.values())))
    match = re.search(r"^ffmpeg version (\S+)", answers["version"], re.MULTILINE)
    if not match:
        raise ToolchainError(f"{path} does not answer like ffmpeg", hint=f"Point {ENV} at an ffmpeg binary.")
    features: set[str] = set()
    # Filters: " TSC alimiter   A->A  Audio lookahead limiter." (5.1) or " .. alimiter  A->A ..." (7+);
    # codecs: " A....D libmp3lame  ..."; formats: " DE mp3  MP3 ..." (5.1) or " DE  mp3 ..." (7+).
    features |= {f"filter {m}" for m in re.findall(r"^ [A-Z.]{2,4} (\S+)\s+\S*->", answers["filters"], re.MULTILINE)}
    for kind in ("encoder", "decoder"):
        features |= {f"{kind} {m}"
                     for m in re.findall(r"^ [VAS][F.][S.][X.][B.][D.] (\S+)", answers[f"{kind}s"], re.MULTILINE)}
    for kind in ("muxer", "demuxer"):
        for names in re.findall(r"^ [DE. d]{2,3} (\S+)", answers[f"{kind}s"], re.MULTILINE):
            features |= {f"{kind} {name}" for name in names.split(",") if name != "="}
    for name in _OPTION_FILTERS:
        features |= {f"option {name}.{o}"
                     for o in re.findall(r"^\s+(\w+)\s+<", answers[f"option {name}"], re.MULTILINE)}
    return match.group(1), frozenset(features)


_memo: dict[tuple[str, str], Toolchain] = {}
_memo_lock = threading.Lock()


def current(cache_root: Path | None = None) -> Toolchain:
    """The toolchain a build uses now, probed once per binary (remembered in the cache folder)."""
    path, source = locate()
    with _memo_lock:
        if (path, source) in _memo:
            return _memo[(path, source)]
        stat = os.stat(path)
        record = _probe_record(cache_root, path, stat.st_size, stat.st_mtime_ns)
        chain = Toolchain(path, source, record["version"], frozenset(record["features"]))
        _memo[(path, source)] = chain
        return chain


def forget() -> None:
    """Forget the binaries probed in this process (after $AUDIO_EDITION_FFMPEG changes)."""
    with _memo_lock:
        _memo.clear()


def _probe_record(cache_root: Path | None, path: str, size: int, mtime_ns: int) -> dict:

    cache = DiskCache(cache_root or default_cache_dir())
    key = digest("ffmpeg-probe", PROBE_VERSION, path, str(size), str(mtime_ns))
    stored = cache.get("toolchain", key, "json")
    if stored:
        try:
            record = json.loads(stored)
            if isinstance(record.get("version"), str) and isinstance(record.get("features"), list):
                return record
        except ValueError:
            pass  # a damaged entry: probe again
    version, features = probe(path)
    record = {"version": version, "features": sorted(features)}
    cache.put("toolchain", key, "json", json.dumps(record).encode())
    return record


class DiskFull(OutputError):
    """ffmpeg could not write ``path``: its disk is full. The caller names the file the user knows."""

    def __init__(self, path: str | None, what: str) -> None:
        folder = os.path.dirname(path) if path else "the output's folder"
        super().__init__(f"cannot write {path or 'the output'}: the disk is full (ffmpeg was {what})",
                         hint=f"Free some space on the disk that holds {folder}.")
        self.path = path


def _failure(chain: Toolchain, what: str, stderr: bytes | str, args: list[str] | None = None) -> AudioEditionError:
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
    if "No space left on device" in text or "Disk quota exceeded" in text:
        output = args[-1] if args and not args[-1].startswith("pipe:") else None
        return DiskFull(output, what)
    last = (text.strip().splitlines() or ["no output"])[-1]
    return AudioError(f"ffmpeg failed while {what}: {last}",
                      hint=f"This is ffmpeg {chain.version} at {chain.path}; 'audio-edition doctor' checks it.")


def finish_pipeline(processes: list[Process]) -> None:
    """Wait for ffmpeg processes piped one into the next; when several failed, the last one's error
    is the cause (a full disk under the encoder breaks the pipe of the process feeding it)."""
    errors = []
    for process in processes:
        try:
            process.finish()
        except AudioEditionError as exc:
            errors.append(exc)
    if errors:
        raise errors[-1]


def run(args: list[str], what: str, data: bytes | None = None,
        chain: Toolchain | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with ``args``; raise AudioError naming ``what`` failed, with ffmpeg's last words."""
    chain = chain or current()
    try:
        proc = subprocess.run([chain.path, "-hide_banner", "-nostdin", *args], input=data, capture_output=True,
                              start_new_session=True)  # Ctrl-C is ours to handle, not ffmpeg's (see Process)
    except OSError as exc:
        raise ToolchainError(f"cannot run ffmpeg at {chain.path} ({exc.strerror})", hint=_hint(chain)) from exc
    if proc.returncode != 0:
        raise _failure(chain, what, proc.stderr, args)
    return proc


class Process:
    """A running ffmpeg whose failure becomes an AudioError with its last words."""

    def __init__(self, chain: Toolchain, what: str, args: list[str], stdin: int | IO[bytes] | None,
                 stdout: int | IO[bytes] | None) -> None:
        import tempfile

        self.chain, self.what, self.args = chain, what, args
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - ffmpeg's stderr, closed by finish() or kill()
        try:
            self.popen = subprocess.Popen([chain.path, "-hide_banner", "-nostdin", "-v", "error", *args],
                                          stdin=stdin, stdout=stdout, stderr=self._stderr,
                                          # In its own session: Ctrl-C at the terminal reaches only us, so a
                                          # user's interrupt is reported as one, not as "ffmpeg failed"; we
                                          # stop ffmpeg ourselves (kill, or EOF on its input if we die).
                                          start_new_session=True)
        except OSError as exc:
            self._stderr.close()
            raise ToolchainError(f"cannot run ffmpeg at {chain.path} ({exc.strerror})", hint=_hint(chain)) from exc

    def finish(self) -> None:
        """Wait for it; raise AudioError when it failed."""
        code = self.popen.wait()
        self._stderr.seek(0)
        stderr = self._stderr.read()
        self._stderr.close()
        if code != 0:
            raise _failure(self.chain, self.what, stderr or f"exit status {code}".encode(), self.args)

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait()
        if not self._stderr.closed:
            self._stderr.close()
