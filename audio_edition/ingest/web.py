"""Fetching article pages and feeds over HTTP (requests, with urllib3's retry policy).

Every fetch has a connect timeout and a total deadline (a server that trickles bytes cannot hold
a build for ever), retries 429 and 5xx answers a few times with backoff (a Retry-After of more
than a few seconds is not waited for), follows at most five redirects, stops reading past a size
limit, and names itself. Conditional requests (ETag, Last-Modified) let a feed sync ask "has this
changed?" for the price of a 304.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from audio_edition import __version__, settings
from audio_edition.errors import FetchError

if TYPE_CHECKING:
    import requests
    from urllib3.response import BaseHTTPResponse
    from urllib3.util.retry import Retry

MAX_BYTES = 10 * 1024 * 1024  # the largest news pages seen are ~3 MB
MAX_REDIRECTS = 5
CONNECT_TIMEOUT_S = 10.0
DEFAULT_TIMEOUT_S = settings.DEFAULT_TIMEOUT_S  # the whole fetch: connecting, waiting, reading every byte
RETRIES = 3
RETRY_STATUSES = (429, 500, 502, 503, 504)  # too many requests, and a server's passing trouble
BACKOFF_S = 0.5  # urllib3 retries at once, then after 1 s, then 2 s
MAX_RETRY_AFTER_S = 10.0  # a server asking for a longer wait gets this much, not what it asked
CHUNK = 64 * 1024

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# What the first bytes say a file is, whatever its Content-Type claims.
_MAGIC = ((b"%PDF-", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
          (b"GIF8", "a GIF image"), (b"PK\x03\x04", "a ZIP archive (e.g. a Word or EPUB file)"),
          (b"ID3", "an MP3 file"), (b"OggS", "an Ogg file"))


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def user_agent() -> str:
    return f"audio-edition/{__version__} (reads articles aloud; +https://example.invalid/audio-edition)"


@dataclass(frozen=True)
class Document:
    """A page as fetched: its bytes, where it ended up, and what the server said about it."""

    url: str  # the address asked for
    final_url: str  # after redirects
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


def retry_policy(methods: tuple[str, ...] = ("GET", "HEAD"), backoff_s: float = BACKOFF_S) -> Retry:
    """The one retry policy of every request we make (pages, feeds, and gTTS's requests to Google):
    urllib3's Retry of RETRY_STATUSES, RETRIES times, with backoff doubling from ``backoff_s``
    and a Retry-After honoured up to MAX_RETRY_AFTER_S (redirects are requests')."""
    from urllib3.util.retry import Retry

    class CappedRetry(Retry):
        def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
            wait = super().get_retry_after(response)
            return None if wait is None else min(wait, MAX_RETRY_AFTER_S)

    return CappedRetry(total=RETRIES, connect=2, read=0, status=RETRIES, backoff_factor=backoff_s, backoff_max=4.0,
                       status_forcelist=RETRY_STATUSES, allowed_methods=methods,
                       respect_retry_after_header=True, raise_on_status=False)


def _session() -> requests.Session:
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry_policy())
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.max_redirects = MAX_REDIRECTS
    session.headers.update({
        "User-Agent": user_agent(),
        "Accept": "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.8,*/*;q=0.5",
        "Accept-Encoding": "gzip, deflate",
    })
    return session


def _status_error(url: str, status: int, reason: str) -> FetchError:
    if status == 404 or status == 410:
        return FetchError(f"{url}: the site has no such page ({status} {reason})",
                          hint="Check the address; the article may have moved or been taken down.")
    if status in (401, 403):
        return FetchError(f"{url}: the site refused to give the page ({status} {reason})",
                          hint="The page may be behind a login or paywall: "
                               "save it from your browser and give the file.")
    if status == 429:
        return FetchError(f"{url}: the site asks us to slow down ({status} {reason}), after {RETRIES} retries",
                          hint="Try again later, or with fewer articles at once.")
    if status >= 500:
        return FetchError(f"{url}: the site failed to answer ({status} {reason}), after {RETRIES} retries",
                          hint="The site has a problem; try again later.")
    return FetchError(f"{url}: the site answered {status} {reason}", hint="Check the address.")


def fetch(url: str, timeout_s: float = DEFAULT_TIMEOUT_S, etag: str | None = None,
          last_modified: str | None = None, max_bytes: int = MAX_BYTES) -> Document | NotModified:
    """GET ``url``; with ``etag`` or ``last_modified``, conditionally (a 304 gives NotModified).

    Raises FetchError with the real cause: no such host, refused, timed out, too large, too many
    redirects, or an HTTP error status."""
    import requests

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url!r} is not an http(s) address", hint="Give a URL like https://example.com/article.")
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + timeout_s
    host = parts.hostname
    try:
        with _session() as session, session.get(url, headers=headers, stream=True, allow_redirects=True,
                         timeout=(min(CONNECT_TIMEOUT_S, timeout_s), timeout_s)) as response:
            if response.status_code == 304:
                return NotModified(url, response.headers.get("ETag") or etag,
                                   response.headers.get("Last-Modified") or last_modified)
            if response.status_code >= 400:
                raise _status_error(url, response.status_code, response.reason or "")
            if 300 <= response.status_code < 400:
                raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects, or a redirect with no address",
                                 hint="Open the address in a browser to see where it leads, and give the final one.")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(url, max_bytes)
            body = bytearray()
            for chunk in response.iter_content(CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    raise _too_large(url, max_bytes)
                if time.monotonic() > deadline:
                    raise _too_slow(url, timeout_s)
            content_type = response.headers.get("Content-Type", "")
            charset = _CHARSET.search(content_type)
            return Document(url=url, final_url=response.url, data=bytes(body),
                            media_type=content_type.split(";")[0].strip().lower(),
                            charset=charset.group(1) if charset else None, etag=response.headers.get("ETag"),
                            last_modified=response.headers.get("Last-Modified"))
    except FetchError:
        raise
    except requests.exceptions.TooManyRedirects:
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects",
                         hint="The address may redirect in a loop; "
                              "open it in a browser and give the final one.") from None
    except requests.exceptions.ConnectTimeout as exc:
        raise FetchError(f"{url}: could not connect to {host} within {min(CONNECT_TIMEOUT_S, timeout_s):g} s",
                         hint="Check the address and the network.") from exc
    except requests.exceptions.ReadTimeout:
        raise _too_slow(url, timeout_s) from None
    except requests.exceptions.ChunkedEncodingError:
        raise FetchError(f"{url}: the connection broke while reading the page", hint="Try again later.") from None
    except requests.exceptions.SSLError as exc:
        raise FetchError(f"{url}: the secure connection to {host} failed ({_root_cause(exc)})",
                         hint="The site's certificate is not valid here; check the address.") from None
    except requests.exceptions.ConnectionError as exc:
        cause = _root_cause(exc)
        if "Read timed out" in cause or "ReadTimeout" in type(exc).__name__ + cause:
            raise _too_slow(url, timeout_s) from None  # urllib3 gives up on a read timeout as a retry error
        if ("Name or service not known" in cause or "nodename nor servname" in cause
                or "Temporary failure in name" in cause):
            raise FetchError(f"{url}: no such host {host!r} (or no network to look it up)",
                             hint="Check the address and the network.") from None
        if "Connection refused" in cause:
            raise FetchError(f"{url}: {host} refused the connection", hint="Check the address and port.") from None
        raise FetchError(f"{url}: could not reach {host} ({cause})",
                         hint="Check the address and the network.") from None
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"{url}: the request failed ({_root_cause(exc)})", hint="Check the address.") from None


def _too_large(url: str, max_bytes: int) -> FetchError:
    return FetchError(f"{url}: the page is larger than {max_bytes // (1024 * 1024)} MB, far past any article page",
                      hint="Check that the address is the article's page, not a download.")


def _too_slow(url: str, timeout_s: float) -> FetchError:
    return FetchError(f"{url}: the page did not arrive within {timeout_s:g} s",
                      hint="The site is slow or stalled; try again later, or allow longer with --timeout SECONDS.")


def _root_cause(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error, in a few words."""
    seen: BaseException = exc
    for _ in range(8):  # requests wraps urllib3's errors, which wrap the socket's
        reason = getattr(seen, "reason", None)
        inner = next((a for a in seen.args if isinstance(a, BaseException)), None)
        if inner is None and isinstance(reason, BaseException):
            inner = reason
        if inner is None:
            break
        seen = inner
    text = str(seen)
    return re.sub(r"<[^>]+>:?\s*", "", text)[:160].strip() or type(seen).__name__
