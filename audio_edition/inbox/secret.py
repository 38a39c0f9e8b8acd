"""The inbox's one secret: a random token in ``DIR/.inbox-token`` (mode 600), the path prefix that
every private address starts with. Deleting the file rotates it: the next request (or start) makes
a new one, and every old address stops working at once.

A guess is compared with the token in constant time: both are hashed first, so neither the
length nor the first differing character of a wrong guess changes how long the answer takes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import threading
from collections.abc import Callable
from pathlib import Path

from audio_edition.errors import OutputError

TOKEN_FILE = ".inbox-token"  # hidden: never served
TOKEN_BYTES = 24  # 192 bits, 32 URL-safe characters


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).digest()


class Secret:
    """The token of one show's inbox, read again whenever its file changes or goes."""

    def __init__(self, root: Path, on_new: Callable[[str], None] | None = None) -> None:
        self.path = root / TOKEN_FILE
        self.on_new = on_new  # told of a token made because the file was deleted while serving
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None  # (inode, mtime) of the file last read
        self._token = ""

    def current(self) -> str:
        """The token, creating the file (mode 600) when there is none."""
        with self._lock:
            try:
                info = os.lstat(self.path)
            except FileNotFoundError:
                self._token = self._create()
                if self._seen is not None and self.on_new is not None:
                    self.on_new(self._token)
                info = os.lstat(self.path)
            else:
                if (info.st_ino, info.st_mtime_ns) != self._seen:
                    self._token = self._read(info)
            self._seen = (info.st_ino, info.st_mtime_ns)
            return self._token

    def matches(self, guess: str) -> bool:
        return hmac.compare_digest(_digest(guess), _digest(self.current()))

    def _create(self) -> str:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:  # made a moment ago by another start: use it
            return self._read(os.stat(self.path))
        except OSError as exc:
            raise OutputError(f"cannot create {self.path}: {exc.strerror}",
                              hint="The inbox keeps its secret in the show folder; it must be writable.") from exc
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(token + "\n")
        return token

    def _read(self, info: os.stat_result) -> str:
        if not stat.S_ISREG(info.st_mode):  # a link could lead anywhere: only a file of its own will do
            raise OutputError(f"{self.path} is not a regular file",
                              hint="Delete it: the inbox makes a new token file when it starts.")
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as exc:
            raise OutputError(f"cannot read {self.path}: {exc.strerror}",
                              hint="Delete it: the inbox makes a new one when it starts.") from exc
        with os.fdopen(fd, "rb") as handle:
            if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                os.fchmod(handle.fileno(), 0o600)  # readable by others: it is a password, for its owner alone
            token = handle.read(4096).decode("ascii", "replace").strip()
        if len(token) < 16 or not token.replace("-", "").replace("_", "").isalnum():
            raise OutputError(f"{self.path} does not hold an inbox token",
                              hint="Delete it: the inbox makes a new one when it starts.")
        return token
