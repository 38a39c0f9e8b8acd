"""A content-addressed disk cache: synthesized takes, and encoded episodes keyed by their samples."""

from __future__ import annotations

import hashlib
import os
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

    def put(self, namespace: str, key: str, suffix: str, data: bytes) -> None:
        """Store ``data``; a cache that cannot be written only costs speed, so errors pass."""
        path = self.path(namespace, key, suffix)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError:
            pass
