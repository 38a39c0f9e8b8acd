"""A content-addressed disk cache: synthesized takes and their loudness profiles, decoded clips,
finished episodes keyed by their inputs, detected languages and what the ffmpeg binary offers.

Nothing read back is trusted. Every entry ends in a 16-byte trailer (a magic word, the length of
what precedes it and its CRC-32); an entry that is short, long or garbled is deleted and reported
missing, so the caller builds it again. Entries are written to ``.tmp/`` and renamed into place;
temporary files left by a killed process are swept on the next run. Each read touches the entry,
so ``prune`` can drop the least recently used ones first.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import struct
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from audio_edition.errors import OutputError, SettingError

CACHE_ENV = "AUDIO_EDITION_CACHE_DIR"
MAX_SIZE_ENV = "AUDIO_EDITION_CACHE_MAX_SIZE"
DEFAULT_MAX_SIZE = 5 * 10**9  # as ccache does: a bound that a year of daily episodes stays under
MAGIC = b"AEC1"
TRAILER = struct.Struct(">4sQI")  # magic, length of the data, CRC-32 of the data
TMP = ".tmp"
ABANDONED_S = 86400.0  # older than this, whoever wrote it (another machine sharing the folder)
AUTO_PRUNE_EVERY_S = 3600.0
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]  # names this machine's temporary files
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?\s*$", re.IGNORECASE)


def default_cache_dir() -> Path:
    """$AUDIO_EDITION_CACHE_DIR, else the user cache directory (~/.cache/audio-edition on Linux)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("audio-edition"))


def default_voices_dir() -> Path:
    """$AUDIO_EDITION_VOICES_DIR (or its older name $AUDIO_EDITION_VOICES), else the per-user data
    folder's voices (~/.local/share/audio-edition/voices)."""
    for name in ("AUDIO_EDITION_VOICES_DIR", "AUDIO_EDITION_VOICES"):
        if os.environ.get(name):
            return Path(os.environ[name]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("audio-edition")) / "voices"


def digest(*parts: bytes | str) -> str:
    """A hex SHA-256 of the parts, each length-prefixed so no two lists collide."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def parse_size(text: str) -> int:
    """Bytes from '2GB', '500 MB', '1.5GiB', '0' (decimal units; 'i' for binary ones)."""
    match = _SIZE.match(text)
    if not match:
        raise SettingError(f"'{text}' is not a size", hint="Write it like 2GB, 500MB or 1.5GiB.")
    number, unit, binary = match.groups()
    power = "kmgt".find(unit.lower()) + 1 if unit else 0
    return int(float(number) * (1024 if binary else 1000) ** power)


def _trailer(data_length: int, crc: int) -> bytes:
    return TRAILER.pack(MAGIC, data_length, crc & 0xFFFFFFFF)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by someone else
    return True


@dataclass
class Usage:
    """What the cache holds: bytes and entries, in all and per namespace."""

    size: int = 0
    entries: int = 0
    namespaces: dict[str, list[int]] = field(default_factory=dict)  # name: [entries, bytes]
    leftovers: int = 0  # temporary files being written, or left by a killed process


class DiskCache:
    """Files under ``root/namespace/ab/key.suffix``, written atomically and checked on every read."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def ensure(self) -> None:
        """Fail early, with a clear message, when the cache folder cannot be created; sweep the
        leftovers of killed runs, and keep the cache under its size limit (checked hourly)."""
        try:
            (self.root / TMP).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the cache folder {self.root}: {exc.strerror}",
                              hint=f"Set {CACHE_ENV} or --cache-dir to a writable folder.") from exc
        self.sweep()
        self._auto_prune()

    def path(self, namespace: str, key: str, suffix: str) -> Path:
        return self.root / namespace / key[:2] / f"{key}.{suffix}"

    # --- reading, with every entry checked -------------------------------------------------------

    def get(self, namespace: str, key: str, suffix: str) -> bytes | None:
        """The entry's data, or None when it is missing or damaged (a damaged one is deleted)."""
        path = self.path(namespace, key, suffix)
        try:
            stored = path.read_bytes()
        except OSError:
            return None
        data, tail = stored[: -TRAILER.size], stored[-TRAILER.size :]
        if len(stored) <= TRAILER.size or tail != _trailer(len(data), zlib.crc32(data)):
            self._drop(path)
            return None
        self._touch(path)
        return data

    def has(self, namespace: str, key: str, suffix: str) -> bool:
        """Whether a whole entry is there: its size agrees with its trailer (cheap: no data read).
        ``get`` still checks the data; a take garbled in place is spoken again then."""
        path = self.path(namespace, key, suffix)
        try:
            with open(path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size <= TRAILER.size:
                    raise ValueError
                fh.seek(size - TRAILER.size)
                magic, length, _ = TRAILER.unpack(fh.read(TRAILER.size))
            if magic != MAGIC or length != size - TRAILER.size:
                raise ValueError
        except FileNotFoundError:
            return False
        except (OSError, ValueError, struct.error):
            self._drop(path)
            return False
        return True

    def copy_to(self, namespace: str, key: str, suffix: str, target: Path) -> bool:
        """Copy a stored entry to ``target``, checking it on the way; False (and no ``target``)
        when there is none or it is damaged."""
        path = self.path(namespace, key, suffix)
        try:  # opened before the with: an entry that will not open is no entry
            source = open(path, "rb")  # noqa: SIM115
        except OSError:
            return False
        with source:
            size = os.fstat(source.fileno()).st_size - TRAILER.size
            crc, left = 0, size
            try:
                with open(target, "wb") as out:
                    while left > 0:
                        chunk = source.read(min(1 << 20, left))
                        if not chunk:
                            break
                        crc = zlib.crc32(chunk, crc)
                        out.write(chunk)
                        left -= len(chunk)
            except OSError:
                target.unlink(missing_ok=True)
                raise  # the caller knows which file the user asked for
            if size <= 0 or left or source.read() != _trailer(size, crc):
                target.unlink(missing_ok=True)
                self._drop(path)
                return False
        self._touch(path)
        return True

    # --- writing ---------------------------------------------------------------------------------

    def put(self, namespace: str, key: str, suffix: str, data: bytes) -> None:
        """Store ``data``; a cache that cannot be written only costs speed, so errors pass."""

        def write(fh: BinaryIO) -> None:
            fh.write(data)
            fh.write(_trailer(len(data), zlib.crc32(data)))

        self._store(namespace, key, suffix, write)

    def put_file(self, namespace: str, key: str, suffix: str, source: Path) -> None:
        """Store a copy of the file at ``source`` (without reading it into memory)."""

        def copy(fh: BinaryIO) -> None:
            crc = length = 0
            with open(source, "rb") as src:
                while chunk := src.read(1 << 20):
                    crc, length = zlib.crc32(chunk, crc), length + len(chunk)
                    fh.write(chunk)
            fh.write(_trailer(length, crc))

        self._store(namespace, key, suffix, copy)

    def _store(self, namespace: str, key: str, suffix: str, write: Callable[[BinaryIO], None]) -> None:
        path = self.path(namespace, key, suffix)
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            (self.root / TMP).mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root / TMP, prefix=f"{_HOST}-{os.getpid()}-")
            with os.fdopen(fd, "wb") as fh:
                write(fh)
            os.replace(tmp, path)
            tmp = None
        except OSError:
            pass  # a full disk or a read-only cache: the build goes on without this entry
        finally:
            if tmp:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    # --- housekeeping ----------------------------------------------------------------------------

    def _drop(self, path: Path) -> None:
        try:
            path.unlink()
        except OSError:
            pass

    @staticmethod
    def _touch(path: Path) -> None:
        try:
            os.utime(path)
        except OSError:
            pass

    def sweep(self) -> int:
        """Delete the temporary files of writers that are gone; return how many. A writer on this
        machine is gone when its process is; one on another machine sharing the folder, after a day."""
        removed, now = 0, time.time()
        try:
            entries = list(os.scandir(self.root / TMP))
        except OSError:
            return 0
        for entry in entries:
            try:
                host, pid, _ = entry.name.split("-", 2)
                age = now - entry.stat(follow_symlinks=False).st_mtime
                gone = (host == _HOST and not _pid_alive(int(pid))) or age > ABANDONED_S
            except (OSError, ValueError):
                continue
            if gone:
                try:
                    os.unlink(entry.path)
                    removed += 1
                except OSError:
                    pass
        return removed

    def _files(self) -> list[tuple[float, int, str, str]]:
        """(last used, size, namespace, path) of every entry."""
        found = []
        try:
            namespaces = [e for e in os.scandir(self.root) if e.is_dir(follow_symlinks=False) and e.name != TMP]
        except OSError:
            return []
        for namespace in namespaces:
            for folder, _, names in os.walk(namespace.path):
                for name in names:
                    path = os.path.join(folder, name)
                    try:
                        info = os.stat(path, follow_symlinks=False)
                    except OSError:
                        continue
                    found.append((info.st_mtime, info.st_size, namespace.name, path))
        return found

    def usage(self) -> Usage:
        usage = Usage()
        for _, size, namespace, _ in self._files():
            usage.size += size
            usage.entries += 1
            counts = usage.namespaces.setdefault(namespace, [0, 0])
            counts[0] += 1
            counts[1] += size
        try:
            usage.leftovers = sum(1 for _ in os.scandir(self.root / TMP))
        except OSError:
            pass
        return usage

    def prune(self, max_size: int) -> tuple[int, int]:
        """Delete the least recently used entries until the cache is at most ``max_size`` bytes;
        return (entries, bytes) removed."""
        self.sweep()
        files = sorted(self._files())
        total = sum(size for _, size, _, _ in files)
        removed = freed = 0
        for _, size, _, path in files:
            if total <= max_size:
                break
            try:
                os.unlink(path)
            except OSError:
                continue
            total, removed, freed = total - size, removed + 1, freed + size
        return removed, freed

    def clear(self) -> tuple[int, int]:
        """Delete every entry; return (entries, bytes) removed."""
        return self.prune(-1)

    def _auto_prune(self) -> None:
        """Once an hour, prune to $AUDIO_EDITION_CACHE_MAX_SIZE (default 5 GB; 0 turns it off)."""
        raw = os.environ.get(MAX_SIZE_ENV)
        limit = parse_size(raw) if raw else DEFAULT_MAX_SIZE
        if limit <= 0:
            return
        marker = self.root / ".last-prune"
        try:
            if time.time() - marker.stat().st_mtime < AUTO_PRUNE_EVERY_S:
                return
        except OSError:
            pass
        try:
            marker.touch()
        except OSError:
            return
        self.prune(limit)
