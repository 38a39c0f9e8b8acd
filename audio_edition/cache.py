"""A content-addressed disk cache: synthesized takes and their loudness profiles, decoded clips,
finished episodes keyed by their inputs, detected languages and what the ffmpeg binary offers."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from audio_edition.errors import OutputError

CACHE_ENV = "AUDIO_EDITION_CACHE_DIR"


def default_cache_dir() -> Path:
    """$AUDIO_EDITION_CACHE_DIR, else the user cache directory (~/.cache/audio-edition on Linux)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("audio-edition"))


def digest(*parts: bytes | str) -> str:
    """A hex SHA-256 of the parts, each length-prefixed so no two lists collide."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


class DiskCache:
    """Files under ``root/namespace/ab/key.suffix``, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def ensure(self) -> None:
        """Fail early, with a clear message, when the cache folder cannot be created."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the cache folder {self.root}: {exc.strerror}",
                              hint=f"Set {CACHE_ENV} or --cache-dir to a writable folder.") from exc

    def path(self, namespace: str, key: str, suffix: str) -> Path:
        return self.root / namespace / key[:2] / f"{key}.{suffix}"

    def get(self, namespace: str, key: str, suffix: str) -> bytes | None:
        try:
            data = self.path(namespace, key, suffix).read_bytes()
        except OSError:
            return None
        return data or None

    def has(self, namespace: str, key: str, suffix: str) -> bool:
        try:
            return self.path(namespace, key, suffix).stat().st_size > 0
        except OSError:
            return False

    def put(self, namespace: str, key: str, suffix: str, data: bytes) -> None:
        """Store ``data``; a cache that cannot be written only costs speed, so errors pass."""
        self._store(namespace, key, suffix, lambda fh: fh.write(data))

    def put_file(self, namespace: str, key: str, suffix: str, source: Path) -> None:
        """Store a copy of the file at ``source`` (without reading it into memory)."""

        def copy(fh) -> None:  # type: ignore[no-untyped-def]
            with open(source, "rb") as src:
                shutil.copyfileobj(src, fh, 1 << 20)

        self._store(namespace, key, suffix, copy)

    def copy_to(self, namespace: str, key: str, suffix: str, target: Path) -> bool:
        """Copy a stored entry to ``target``; False when there is none."""
        path = self.path(namespace, key, suffix)
        try:
            if path.stat().st_size == 0:
                return False
            shutil.copyfile(path, target)
        except FileNotFoundError:
            return False
        except OSError as exc:
            if not path.exists():
                return False
            raise OutputError(f"cannot write {target}: {exc.strerror}") from exc
        return True

    def _store(self, namespace: str, key: str, suffix: str, write) -> None:  # type: ignore[no-untyped-def]
        path = self.path(namespace, key, suffix)
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                write(fh)
            os.replace(tmp, path)
        except OSError:
            if tmp:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
