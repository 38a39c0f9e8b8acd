"""A local preview server for a show: static files with HEAD and byte ranges (podcast apps need
both), and the feed rewritten to point at this server so a phone on the network can subscribe."""

from __future__ import annotations

import mimetypes
import os
import re
import socket
from dataclasses import replace
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from audio_edition.publish.show import Show

TYPES = {".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".opus": "audio/ogg", ".vtt": "text/vtt; charset=utf-8",
         ".srt": "application/x-subrip; charset=utf-8", ".json": "application/json",
         ".xml": "application/rss+xml; charset=utf-8", ".html": "text/html; charset=utf-8"}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def _handler(show: Show):  # type: ignore[no-untyped-def]
    root = str(show.root)

    class ShowHandler(SimpleHTTPRequestHandler):
        """Serves the show folder; answers Range requests with 206 and one byte range."""

        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=root, **kwargs)

        def log_message(self, format, *args):  # type: ignore[no-untyped-def]
            pass  # quiet: the command prints its own lines

        def guess_type(self, path):  # type: ignore[no-untyped-def]
            suffix = Path(str(path)).suffix.lower()
            return TYPES.get(suffix) or mimetypes.guess_type(str(path))[0] or "application/octet-stream"

        def _local_feed(self) -> bytes:
            from audio_edition.publish.catalog import Catalog
            from audio_edition.publish.feed import build_feed

            host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
            local = replace(show, base_url=f"http://{host}/")
            return build_feed(local, Catalog(show.root).episodes())

        def send_head(self):  # type: ignore[no-untyped-def]
            self._remaining = None
            if self.path.split("?")[0] == "/feed.xml":
                body = self._local_feed()
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", TYPES[".xml"])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                import io

                return io.BytesIO(body)
            path = self.translate_path(self.path)
            if any(part.startswith(".") for part in Path(self.path.split("?")[0]).parts):
                self.send_error(HTTPStatus.NOT_FOUND, "File not found")  # the catalog, locks, builds
                return None
            if os.path.isdir(path):
                return super().send_head()
            try:
                handle = open(path, "rb")
            except OSError:
                self.send_error(HTTPStatus.NOT_FOUND, "File not found")
                return None
            size = os.fstat(handle.fileno()).st_size
            wanted = self.headers.get("Range")
            match = _RANGE.match(wanted.strip()) if wanted else None
            if wanted and not match:
                wanted = None  # a multi-range or odd request: answer with the whole file
            if match:
                first, last = match.groups()
                if first == "":
                    start, end = max(0, size - int(last or 0)), size - 1
                else:
                    start, end = int(first), min(int(last), size - 1) if last else size - 1
                if start >= size or start > end:
                    handle.close()
                    self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                handle.seek(start)
                self.send_response(HTTPStatus.PARTIAL_CONTENT)
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
                length = end - start + 1
            else:
                self.send_response(HTTPStatus.OK)
                length = size
            self.send_header("Content-Type", self.guess_type(path))
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Last-Modified", self.date_time_string(int(os.fstat(handle.fileno()).st_mtime)))
            self.end_headers()
            self._remaining = length
            return handle

        def copyfile(self, source, outputfile):  # type: ignore[no-untyped-def]
            remaining = getattr(self, "_remaining", None)
            if remaining is None:
                return super().copyfile(source, outputfile)
            while remaining > 0:
                chunk = source.read(min(65536, remaining))
                if not chunk:
                    break
                outputfile.write(chunk)
                remaining -= len(chunk)

    return ShowHandler


def make_server(show: Show, host: str, port: int) -> ThreadingHTTPServer:
    """A server for the show (not yet serving); port 0 picks a free one."""
    server = ThreadingHTTPServer((host, port), _handler(show))
    server.daemon_threads = True
    return server


def lan_address() -> str | None:
    """This machine's address as others on the network would reach it, when it can tell."""
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        return None
    return None if address.startswith("127.") else address
