"""A page as fetched (web.py fetches it): its bytes, where it ended up, what the server said about
it, and what the bytes are; and the server's 304 for a conditional request."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

# What the first bytes say a file is, whatever its Content-Type claims.
_MAGIC = ((b"%PDF-", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
          (b"GIF8", "a GIF image"), (b"PK\x03\x04", "a ZIP archive (e.g. a Word or EPUB file)"),
          (b"ID3", "an MP3 file"), (b"OggS", "an Ogg file"))


@dataclass(frozen=True)
class Document:
    """A page as fetched: its bytes, where it ended up, and what the server said about it."""

    url: str  # the address asked for
    final_url: str  # after redirects, without a fragment (which names a place in the page, not another page)
    data: bytes
    media_type: str  # e.g. "text/html"; "" when the server sent none
    charset: str | None  # from the Content-Type header
    etag: str | None = None
    last_modified: str | None = None

    def kind(self) -> str:
        """What the bytes are, by their first bytes, then the server's type, then the URL."""
        for magic, what in _MAGIC:
            if self.data.startswith(magic):
                return what
        media = self.media_type
        if media in ("text/html", "application/xhtml+xml"):
            return "html"
        if media in ("text/markdown", "text/x-markdown"):
            return "markdown"
        if media in ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"):
            return "a feed" if "json" not in media or "feed" in media else "JSON data"
        if media in ("text/plain", "", "application/octet-stream"):
            path = urlsplit(self.final_url).path.lower()
            if path.endswith((".md", ".markdown")):
                return "markdown"
            head = self.data.lstrip()[:512].lower()
            if head.startswith((b"<!doctype html", b"<html")):
                return "html"
            if head.startswith(b"<?xml") and (b"<rss" in self.data[:2048] or b"<feed" in self.data[:2048]):
                return "a feed"
            return "text" if media == "text/plain" or self.data[:8192].count(b"\x00") == 0 else "a binary file"
        if media.startswith("image/"):
            return "an image"
        if media.startswith(("audio/", "video/")):
            return f"{media.split('/')[0]} ({media})"
        if media.endswith("xml"):
            return "html" if b"<html" in self.data[:4096].lower() else f"an XML document ({media})"
        return f"a {media} file"


@dataclass(frozen=True)
class NotModified:
    """The server's 304: what we have is still current."""

    url: str
    etag: str | None
    last_modified: str | None
