"""What the inbox's application and its worker share: the show, its catalog, secret, jobs and limits."""

from __future__ import annotations

import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from audio_edition.episode.cover import app_icons
from audio_edition.errors import AudioEditionError, SettingError
from audio_edition.inbox.queue import Jobs
from audio_edition.inbox.secret import Secret
from audio_edition.inbox.worker import Worker
from audio_edition.publish.catalog import Catalog
from audio_edition.publish.show import load_show
from audio_edition.runners.base import Runner

Say = Callable[[str], None]


class Limits:
    """At most ``per_minute`` adds in any minute, and at most ``waiting`` jobs queued or building."""

    def __init__(self, per_minute: int, waiting: int) -> None:
        self.per_minute, self.waiting = per_minute, waiting
        self._adds: deque[float] = deque()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0 when an add may go ahead (and counts it), else the seconds until one may."""
        now = time.monotonic()
        with self._lock:
            while self._adds and now - self._adds[0] >= 60:
                self._adds.popleft()
            if len(self._adds) >= self.per_minute:
                return 60 - (now - self._adds[0])
            self._adds.append(now)
            return 0.0


def stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def check_public_url(url: str) -> str:
    """--public-url: an absolute http(s) address, ending in '/' (the prefix goes after it)."""
    parts = urlsplit(url.strip())
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment
            or not re.fullmatch(r"[A-Za-z0-9._~%/-]*", parts.path)
            or not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", parts.netloc)):
        raise SettingError(f"--public-url {url!r} is not an absolute http(s) address",
                           hint="Give the address your phone reaches the inbox at, e.g. https://listen.example.org/.")
    return parts.geturl() if parts.path.endswith("/") else parts.geturl() + "/"


class Inbox:
    """What the application and the worker share: the show, its catalog, secret, jobs and limits."""

    def __init__(self, show_dir: Path, limits: Limits, allow_private: bool = False, public_url: str | None = None,
                 runner: Runner | None = None, say: Say = stderr) -> None:
        self.show = load_show(show_dir)
        self.catalog = Catalog(self.show.root)
        self.jobs = Jobs(self.catalog)
        self.limits = limits
        self.allow_private = allow_private or self.show.allow_private
        self.public_url = check_public_url(public_url) if public_url else None
        self.say = say
        self.secret = Secret(self.show.root, on_new=self._rotated)
        self.worker = Worker(show_dir, self.jobs, {"allow_private": True} if allow_private else {}, runner, say)
        cover = self.show.root / self.show.cover if self.show.cover else None
        self.icons = app_icons(cover.read_bytes() if cover and cover.is_file() else None)
        self.here = "127.0.0.1"  # host:port of the socket, for clients that send no usable Host
        self._secret_trouble: str | None = None

    def base(self, host: str | None, scheme: str, token: str) -> str:
        """The private prefix as this client reaches it."""
        if self.public_url:
            return f"{self.public_url}p/{token}/"
        return f"{scheme}://{host or self.here}/p/{token}/"

    def matches(self, guess: str) -> bool:
        """Whether ``guess`` is the token. A token file that cannot be read closes the inbox (every
        address is a 404) and is said once, not at every request."""
        try:
            right = self.secret.matches(guess)
        except AudioEditionError as exc:
            if exc.message != self._secret_trouble:
                self._secret_trouble = exc.message
                self.say(f"inbox: {exc.message}. {exc.hint or ''}".rstrip())
            return False
        self._secret_trouble = None
        return right

    def _rotated(self, token: str) -> None:
        self.say(f"{self.secret.path} was deleted: the inbox now answers only at "
                 f"{self.base(None, 'http', token)}add")
