"""A local preview server for a show: static files with HEAD and byte ranges (podcast apps need
both), and the feed rewritten to point at this server so a phone on the network can subscribe.

Every request goes through one rule, `public_file`: the URL path is decoded once, any component
that is empty of meaning or hidden (`.`, `..`, `.catalog.sqlite`, `.build-*`) refuses it, the
show's private files (`show.toml`, each episode's `.report.json`, which holds the article's local
path) are refused, and the file it names must, once every symlink is resolved, be a regular file
inside the show folder whose own path has no hidden component either. Nothing else is ever opened,
and folders are never listed.

No client can starve the others: a request must arrive whole within REQUEST_DEADLINE_S and a kept-
alive connection is closed after IDLE_S (a watchdog shuts them, whatever trickles in); the server
holds at most as many connections as its open-file limit allows, and past that closes the one that
has waited longest for its request, so a real request is answered at once.
"""

from __future__ import annotations

import errno
import io
import mimetypes
import os
import re
import socket
import stat
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO, Literal
from urllib.parse import unquote, urlsplit

from audio_edition.errors import AudioEditionError
from audio_edition.ingest.policy import shut
from audio_edition.publish.catalog import Catalog
from audio_edition.publish.feed import build_feed
from audio_edition.publish.show import Show

TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".opus": "audio/ogg", ".vtt": "text/vtt; charset=utf-8",
         ".srt": "application/x-subrip; charset=utf-8", ".json": "application/json",
         ".xml": "application/rss+xml; charset=utf-8", ".html": "text/html; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")
_BIG = 10**18  # any byte position past this is past the end of every file we serve


PRIVATE_NAMES = ("show.toml",)  # besides hidden files: the show's settings
PRIVATE_SUFFIXES = (".report.json", ".part")  # a build's report (the article's local path), files being written


def content_type(path: Path) -> str:
    """The Content-Type a public file is served with."""
    return TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def valid_host(header: str | None) -> str | None:
    """A Host header we may put in the addresses we hand out (a name or address, and a port), else None."""
    return header if header and _HOST.match(header) else None


def is_private(name: str) -> bool:
    """Whether a file of the show folder is for its owner, not its listeners (and not to upload)."""
    return name.startswith(".") or name in PRIVATE_NAMES or name.endswith(PRIVATE_SUFFIXES)


def public_file(root: Path, target: str) -> Path | None:
    """The public file a request target names inside `root`, or None for anything else."""
    raw = urlsplit(target).path
    try:
        path = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return None
    if not path.startswith("/") or "\x00" in path or "\\" in path:
        return None
    parts = [part for part in path.split("/") if part]
    if any(part.startswith(".") for part in parts) or (parts and is_private(parts[-1])):
        return None  # dotfiles, dot folders, '.' and '..': the catalog, the lock, builds in progress
    if path.endswith("/"):
        parts.append("index.html")  # a folder is its index page, never a listing
    base = os.path.realpath(root)
    real = os.path.realpath(os.path.join(base, *parts))
    if os.path.commonpath([base, real]) != base:
        return None  # outside the show, e.g. through a symlink
    if any(part.startswith(".") for part in Path(os.path.relpath(real, base)).parts) or is_private(Path(real).name):
        return None  # a public name that links to a hidden or private one
    try:
        info = os.stat(real)
    except (OSError, ValueError):
        return None
    return Path(real) if stat.S_ISREG(info.st_mode) else None


def file_range(handle: BinaryIO, start: int, end: int) -> Iterator[bytes]:
    """Bytes ``start`` to ``end`` (inclusive) of an open file, in chunks; fewer if the file is shorter."""
    handle.seek(start)
    remaining = end - start + 1
    while remaining > 0:
        chunk = handle.read(min(65536, remaining))
        if not chunk:
            return
        remaining -= len(chunk)
        yield chunk


def _position(digits: str) -> int | None:
    """A byte position from its digits, capped so that 5,000 of them cost nothing to read."""
    if not digits:
        return None
    digits = digits.lstrip("0") or "0"
    return _BIG if len(digits) > 18 else int(digits)


def byte_range(header: str | None, size: int) -> tuple[int, int] | None | Literal[False]:
    """(start, end) for a satisfiable single range, None to send the whole file, False for 416."""
    match = _RANGE.match(header.strip()) if header else None
    if not match or match.groups() == ("", ""):
        return None  # absent, multi-range or odd: the whole file is a correct answer
    first, last = (_position(group) for group in match.groups())
    if first is None:
        start, end = max(0, size - (last or 0)), size - 1
        if last == 0:
            return False
    else:
        start, end = first, size - 1 if last is None else min(last, size - 1)
    if start >= size or start > end:
        return False
    return start, end


def _handler(show: Show) -> type[BaseHTTPRequestHandler]:
    class ShowHandler(BaseHTTPRequestHandler):
        """Serves the show's public files; answers Range requests with 206 and one byte range."""

        server_version = "audio-edition"
        server: PreviewServer  # as make_server makes it

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: the command prints its own lines

        def handle_one_request(self) -> None:
            self.server.waiting(self.connection)  # for the next request (the first, or a kept-alive one)
            super().handle_one_request()

        def parse_request(self) -> bool:
            parsed = super().parse_request()  # reads the headers too
            self.server.received(self.connection)  # the request line and headers are in (or refused)
            return parsed

        def do_GET(self) -> None:
            self._answer(body=True)

        def do_HEAD(self) -> None:
            self._answer(body=False)

        def _status(self, status: HTTPStatus, headers: dict[str, str] | None = None) -> None:
            text = f"{status.value} {status.phrase}\n".encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(text)

        def _local_feed(self) -> bytes:

            host = valid_host(self.headers.get("Host")) or "{}:{}".format(*self.server.server_address[:2])
            return build_feed(replace(show, base_url=f"http://{host}/"), Catalog(show.root).episodes())

        def _answer(self, body: bool) -> None:
            if unquote(urlsplit(self.path).path) == "/feed.xml":
                try:
                    data = self._local_feed()
                except AudioEditionError as exc:  # a damaged catalog: say so, to the client and here
                    print(f"serve: cannot make the feed: {exc.message}", file=sys.stderr)
                    self._status(HTTPStatus.INTERNAL_SERVER_ERROR)
                    return
                self._send(io.BytesIO(data), len(data), TYPES[".xml"], None, body)
                return
            path = public_file(show.root, self.path)
            if path is None:
                self._status(HTTPStatus.NOT_FOUND)
                return
            try:  # opened before the with: a file that will not open is a 404
                handle = open(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW), "rb")  # noqa: SIM115
            except OSError:
                self._status(HTTPStatus.NOT_FOUND)
                return
            with handle:
                info = os.fstat(handle.fileno())
                if not stat.S_ISREG(info.st_mode):
                    self._status(HTTPStatus.NOT_FOUND)
                    return
                self._send(handle, info.st_size, content_type(path), info.st_mtime, body)

        def _send(self, handle: BinaryIO, size: int, kind: str, mtime: float | None, body: bool) -> None:
            wanted = byte_range(self.headers.get("Range"), size)
            if wanted is False:
                self._status(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, {"Content-Range": f"bytes */{size}"})
                return
            start, end = wanted if wanted else (0, size - 1)
            self.send_response(HTTPStatus.PARTIAL_CONTENT if wanted else HTTPStatus.OK)
            if wanted:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(end - start + 1))
            self.send_header("Accept-Ranges", "bytes")
            if mtime is not None:
                self.send_header("Last-Modified", formatdate(mtime, usegmt=True))
            self.end_headers()
            if not body:
                return
            for chunk in file_range(handle, start, end):
                self.wfile.write(chunk)

    return ShowHandler


REQUEST_DEADLINE_S = 20.0  # for a request line and headers to arrive whole
IDLE_S = 30.0  # a kept-alive connection with no new request
SPARE_FILES = 48  # open files kept for the files being served, the catalog and the logs


def connection_cap() -> int:
    """How many connections a server may hold: its open-file limit, less what it needs besides."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return 512
    return max(8, min(1024, (soft if soft > 0 else 1024) - SPARE_FILES))


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[socket.socket, tuple[float, float]] = {}  # connection -> (since, deadline)
        self._open: set[socket.socket] = set()
        self._answered: set[socket.socket] = set()  # connections that have sent a request
        self.cap = connection_cap()
        super().__init__(*args, **kwargs)
        self.failures: list[str] = []  # requests we failed to answer, for the command's line and for tests
        self._stop = threading.Event()
        threading.Thread(target=self._watch, name="serve-watchdog", daemon=True).start()

    def waiting(self, sock: socket.socket) -> None:
        """``sock`` waits for a request: its first (timed from when it was accepted) or a next one."""
        now = time.monotonic()
        with self._lock:
            if sock in self._answered:
                self._waiting[sock] = (now, now + IDLE_S)

    def received(self, sock: socket.socket) -> None:
        with self._lock:
            self._waiting.pop(sock, None)
            self._answered.add(sock)

    def get_request(self) -> tuple[socket.socket, Any]:
        try:
            sock, address = super().get_request()
        except OSError as exc:
            if exc.errno in (errno.EMFILE, errno.ENFILE) and not self._evict():
                time.sleep(0.05)  # nothing to close: do not spin on a listener that stays readable
            raise
        with self._lock:
            self._open.add(sock)
            now = time.monotonic()
            self._waiting[sock] = (now, now + REQUEST_DEADLINE_S)
            crowded = len(self._open) > self.cap
        if crowded:
            self._evict()
        return sock, address

    def _evict(self) -> bool:
        """Close the connection that has waited longest for its request; False if none waits."""
        with self._lock:
            candidates = sorted(self._waiting.items(), key=lambda item: item[1][0])
            if not candidates:
                return False
            sock = candidates[0][0]
            self._waiting.pop(sock, None)
        shut(sock)
        return True

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
            self._answered.discard(request)
            self._waiting.pop(request, None)
        super().shutdown_request(request)

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            now = time.monotonic()
            with self._lock:
                late = [sock for sock, (_, deadline) in self._waiting.items() if deadline < now]
                for sock in late:
                    self._waiting.pop(sock, None)
            for sock in late:
                shut(sock)

    def server_close(self) -> None:
        self._stop.set()
        super().server_close()

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket],
                     client_address: tuple[str, int]) -> None:
        """A client that goes away mid-answer (players do, all the time) is not worth a line; anything
        else is one line on stderr, never a traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        self.failures.append(repr(error))
        print(f"serve: a request from {client_address[0]} failed: {error!r}", file=sys.stderr)


def make_server(show: Show, host: str, port: int) -> ThreadingHTTPServer:
    """A server for the show (not yet serving); port 0 picks a free one."""
    return PreviewServer((host, port), _handler(show))


def lan_address() -> str | None:
    """This machine's address on its network, as a phone on the same network would reach it.

    Connecting a UDP socket sends nothing; it only asks the kernel which local address it would
    route from. The destination is in TEST-NET-1, so no real host is ever named."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith(("127.", "0.")) else address
