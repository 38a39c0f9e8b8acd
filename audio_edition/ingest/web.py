"""Fetching article pages and feeds, and downloading files, over HTTP (requests, with urllib3's
retry policy).

One policy for every fetch: a total deadline over connecting, the headers and the body, enforced
while bytes arrive (a watchdog shuts the socket: a server that drips a byte a second cannot hold
a build); 429 and 5xx answers retried a few times with backoff, within the deadline (a
Retry-After longer than a few seconds, or than the time left, is an error, not a wait); at most
five redirects; a size limit; no credentials from ~/.netrc; and no private or local address
unless the user named the host (reach.py), checked on the connected socket, so on every
redirect and after every DNS answer. Conditional requests (ETag, Last-Modified) let a feed sync
ask "has this changed?" for the price of a 304. A download (a voice's model) keeps the same
policy with a deadline sized for the file, a limit on how long one read may stall, and resumes a
broken transfer with a Range request.
"""

from __future__ import annotations

import functools
import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urlsplit

from audio_edition import __version__, settings
from audio_edition.errors import FetchError
from audio_edition.ingest import failures as _failures
from audio_edition.ingest.document import Document, NotModified
from audio_edition.ingest.failures import root_cause as _root_cause
from audio_edition.ingest.failures import status_error as _status_error
from audio_edition.ingest.failures import too_large as _too_large
from audio_edition.ingest.failures import too_slow as _too_slow
from audio_edition.ingest.policy import CURRENT as _CURRENT
from audio_edition.ingest.policy import Fetch as _Fetch
from audio_edition.ingest.policy import OutOfTime as _OutOfTime
from audio_edition.ingest.policy import Reach

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    import requests
    from urllib3.connectionpool import ConnectionPool
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
DOWNLOAD_TIMEOUT_S = settings.DOWNLOAD_TIMEOUT_S  # a whole file, resumes and all
DOWNLOAD_STALL_S = settings.DOWNLOAD_STALL_S  # no byte for this long: the transfer is resumed, or given up
RESUMES = 3  # a download resumed this many times and broken again is given up

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def user_agent() -> str:
    return f"audio-edition/{__version__} (reads articles aloud; +https://example.invalid/audio-edition)"


def retry_policy(methods: tuple[str, ...] = ("GET", "HEAD"), backoff_s: float = BACKOFF_S) -> Retry:
    """The one retry policy of every request we make (pages, feeds, and gTTS's requests to Google):
    urllib3's Retry of RETRY_STATUSES, RETRIES times, with backoff doubling from ``backoff_s``.
    Within a fetch, a retry must fit its deadline, and a Retry-After longer than MAX_RETRY_AFTER_S
    or than the time left is an error; elsewhere (gTTS) a Retry-After is honoured up to
    MAX_RETRY_AFTER_S (redirects are requests')."""
    from urllib3.util.retry import Retry

    class CappedRetry(Retry):
        def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
            wait = super().get_retry_after(response)
            fetch = _CURRENT.get()
            if wait is not None and fetch is not None and wait > min(MAX_RETRY_AFTER_S, fetch.remaining()):
                raise _OutOfTime(wait)
            return None if wait is None else min(wait, MAX_RETRY_AFTER_S)

        def increment(self, method: str | None = None, url: str | None = None,
                      response: BaseHTTPResponse | None = None, error: Exception | None = None,
                      _pool: ConnectionPool | None = None, _stacktrace: TracebackType | None = None) -> CappedRetry:
            fetch = _CURRENT.get()
            if fetch is not None and fetch.remaining() <= 0:
                raise _OutOfTime()  # no retry past the deadline (a connect that failed slowly, say)
            return super().increment(method, url, response, error, _pool, _stacktrace)

        def get_backoff_time(self) -> float:
            backoff = float(super().get_backoff_time())
            fetch = _CURRENT.get()
            if fetch is not None and backoff >= fetch.remaining():
                raise _OutOfTime()
            return backoff

    return CappedRetry(total=RETRIES, connect=2, read=0, status=RETRIES, backoff_factor=backoff_s, backoff_max=4.0,
                       status_forcelist=RETRY_STATUSES, allowed_methods=methods,
                       respect_retry_after_header=True, raise_on_status=False)


@functools.cache
def _guarded_classes() -> tuple[type, dict[str, type]]:
    """A requests Session and urllib3 connection pools that keep the fetch policy: every socket
    is checked against the fetch's Reach once connected (before a byte is sent: every redirect
    and every DNS answer, rebinding included) and handed to its watchdog; every request, through
    a proxy, checked by resolving its host; and no credentials from ~/.netrc, on any request."""
    import requests
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    def guarded(base: Any) -> Any:
        class Guarded(base):
            def _new_conn(self) -> socket.socket:
                sock: socket.socket = super()._new_conn()
                fetch = _CURRENT.get()
                if fetch is not None:
                    if not getattr(self, "proxy", None):  # through a proxy, the socket shows the proxy
                        try:
                            fetch.reach.check(fetch.current, self.host, sock.getpeername()[0])
                        except FetchError:
                            sock.close()
                            raise
                    fetch.register(sock)
                return sock

            def connect(self) -> None:
                super().connect()
                fetch = _CURRENT.get()
                if fetch is not None and self.sock is not None:
                    fetch.register(self.sock)  # over TLS, the wrapped socket: the raw one is detached
        return Guarded

    class HTTPPool(HTTPConnectionPool):
        ConnectionCls = guarded(HTTPConnection)

    class HTTPSPool(HTTPSConnectionPool):
        ConnectionCls = guarded(HTTPSConnection)

    class _NoCredentials(requests.auth.AuthBase):
        def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
            return request  # set on the session, it keeps requests from reading ~/.netrc

    class GuardedSession(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            self.auth = _NoCredentials()

        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            fetch = _CURRENT.get()
            if fetch is not None:
                fetch.current = request.url or ""
                if any(kwargs.get("proxies") or {}):
                    fetch.reach.check_resolved(fetch.current)
            return super().send(request, **kwargs)

        def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
            """On a redirect to another host, drop the Authorization header (as requests does),
            and never add credentials from ~/.netrc (as requests would)."""
            if "Authorization" in prepared_request.headers and self.should_strip_auth(
                    response.request.url or "", prepared_request.url or ""):
                del prepared_request.headers["Authorization"]

    return GuardedSession, {"http": HTTPPool, "https": HTTPSPool}


def _adapter(pools: dict[str, type]) -> Any:
    """requests' adapter with the guarded pools, for direct connections and through proxies."""
    from requests.adapters import HTTPAdapter

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **proxy_kwargs)
            manager.pool_classes_by_scheme = pools  # so the deadline's watchdog sees these sockets too
            return manager

    return GuardedAdapter(max_retries=retry_policy())


def _session() -> requests.Session:
    session_class, pools = _guarded_classes()
    session: requests.Session = session_class()
    adapter = _adapter(pools)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.max_redirects = MAX_REDIRECTS
    session.headers.update({
        "User-Agent": user_agent(),
        "Accept": "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.8,*/*;q=0.5",
        "Accept-Encoding": "gzip, deflate",
    })
    return session


def _check_http(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url!r} is not an http(s) address", hint="Give a URL like https://example.com/article.")


def fetch(url: str, timeout_s: float = DEFAULT_TIMEOUT_S, etag: str | None = None,
          last_modified: str | None = None, max_bytes: int = MAX_BYTES, reach: Reach | None = None
          ) -> Document | NotModified:
    """GET ``url``; with ``etag`` or ``last_modified``, conditionally (a 304 gives NotModified).
    ``reach`` says which private addresses it may lead to (by default: ``url``'s own host, which
    the user named).

    Raises FetchError with the real cause: no such host, refused, timed out, too large, too many
    redirects, a private address, or an HTTP error status."""
    import requests

    _check_http(url)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    host = urlsplit(url).hostname or ""
    connect_s = min(CONNECT_TIMEOUT_S, timeout_s)
    with _Fetch(timeout_s, reach if reach is not None else Reach.of(url)) as state:
        try:
            return _get(url, headers, (connect_s, timeout_s), max_bytes, state)
        except FetchError:
            raise
        except _OutOfTime as exc:
            if exc.wait is not None:
                raise FetchError(f"{url}: the site asks us to come back in {exc.wait:g} s",
                                 hint="The site is busy or limits how often it is asked; try again later.") from None
            raise _too_slow(url, timeout_s) from None
        except requests.exceptions.RequestException as exc:
            if state.expired:
                raise _too_slow(url, timeout_s) from None
            raise _request_error(url, host, exc, connect_s, timeout_s) from None


def _get(url: str, headers: dict[str, str], timeouts: tuple[float, float], max_bytes: int,
         state: _Fetch) -> Document | NotModified:
    with _session() as session, session.get(url, headers=headers, stream=True, allow_redirects=True,
                                            timeout=timeouts) as response:
        if state.expired:
            raise _too_slow(url, state.timeout_s)
        if response.status_code == 304:
            return NotModified(url, response.headers.get("ETag") or headers.get("If-None-Match"),
                               response.headers.get("Last-Modified") or headers.get("If-Modified-Since"))
        if response.status_code >= 400:
            retries = getattr(response.raw, "retries", None)
            reason = "".join(c for c in response.reason or "" if c.isprintable())[:80]  # a server's words
            raise _status_error(url, response.status_code, reason,
                                len(retries.history) if retries is not None else 0)
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
        if state.expired:  # the watchdog cut the body short: what came is not the page
            raise _too_slow(url, state.timeout_s)
        content_type = response.headers.get("Content-Type", "")
        charset = _CHARSET.search(content_type)
        return Document(url=url, final_url=urldefrag(response.url).url, data=bytes(body),  # "#frag": the same page
                        media_type=content_type.split(";")[0].strip().lower(),
                        charset=charset.group(1) if charset else None, etag=response.headers.get("ETag"),
                        last_modified=response.headers.get("Last-Modified"))


def download(url: str, dest: Path, size: int | None = None, timeout_s: float = DOWNLOAD_TIMEOUT_S,
             stall_s: float = DOWNLOAD_STALL_S, reach: Reach | None = None,
             progress: Callable[[int], None] | None = None) -> int:
    """Stream ``url`` into the file ``dest`` (written anew) and return its size, under the fetch
    policy: the guarded session, ``reach`` (by default ``url``'s own host, which the user named),
    one deadline of ``timeout_s`` over the whole file, and at most ``stall_s`` waiting for the next
    bytes. ``size``: the bytes expected; more is an error at once. A transfer that breaks or stalls
    is resumed where it stopped (a Range request), up to RESUMES times; a server that cannot resume
    makes it an error. ``progress`` is told each chunk's length.

    Raises FetchError naming ``url`` and the cause: the fetch's own (refused, no such file, too
    slow), or how far the transfer got before it broke."""
    import requests

    _check_http(url)
    timeouts = (min(CONNECT_TIMEOUT_S, timeout_s), stall_s)
    with _Fetch(timeout_s, reach if reach is not None else Reach.of(url)) as state, _session() as session, \
            dest.open("wb") as out:
        session.headers["Accept-Encoding"] = "identity"  # a Range counts the file's own bytes
        cut = ""
        try:
            for _ in range(RESUMES + 1):
                with session.get(url, headers={"Range": f"bytes={out.tell()}-"} if cut else {},
                                 stream=True, allow_redirects=True, timeout=timeouts) as response:
                    _check_download(url, response, out.tell(), size, cut)
                    try:
                        for chunk in response.iter_content(CHUNK):
                            out.write(chunk)
                            if size is not None and out.tell() > size:
                                raise _failures.larger(url, size)
                            if progress is not None:
                                progress(len(chunk))
                    except requests.exceptions.RequestException as exc:
                        if state.expired:
                            raise
                        stalled = _failures.read_timed_out(exc)
                        cut = f"no byte arrived for {stall_s:g} s" if stalled else "the connection broke"
                    else:
                        if state.expired:  # the watchdog cut the body short
                            raise _too_slow(url, timeout_s, "file")
                        if size is None or out.tell() >= size:
                            return out.tell()
                        cut = "the connection ended early"  # a short body an older urllib3 does not raise on
            raise _failures.broken(url, cut, out.tell(), size, f"and {RESUMES} times before")
        except (FetchError, _OutOfTime, requests.exceptions.RequestException) as exc:
            if state.expired or (isinstance(exc, _OutOfTime) and exc.wait is None):
                raise _too_slow(url, timeout_s, "file") from None
            if isinstance(exc, FetchError):
                raise
            if isinstance(exc, _OutOfTime):
                raise FetchError(f"{url}: the site asks us to come back in {exc.wait:g} s",
                                 hint="Try again later.") from None
            if _failures.read_timed_out(exc):
                raise FetchError(f"{url}: the site sent nothing for {stall_s:g} s",
                                 hint="The site is slow or stalled; try again later.") from None
            raise _request_error(url, urlsplit(url).hostname or "", exc, timeouts[0], timeout_s) from None


def _check_download(url: str, response: requests.Response, offset: int, size: int | None, cut: str) -> None:
    """Check a download's answer: its status and size, and, resuming after a ``cut``, that it
    resumes at ``offset``."""
    if response.status_code >= 400:
        retries = getattr(response.raw, "retries", None)
        reason = "".join(c for c in response.reason or "" if c.isprintable())[:80]  # a server's words
        raise _status_error(url, response.status_code, reason, len(retries.history) if retries else 0, "file")
    if 300 <= response.status_code < 400:
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects, or a redirect with no address",
                         hint="Check the address.")
    start = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    if cut and (response.status_code != 206 or start is None or int(start.group(1)) != offset):
        raise _failures.broken(url, cut, offset, size, "and the server cannot resume (it takes no ranges)")
    declared = response.headers.get("Content-Length", "")
    if size is not None and declared.isdigit() and offset + int(declared) > size:
        raise _failures.larger(url, size)


def _request_error(url: str, host: str, exc: Exception, connect_s: float, timeout_s: float) -> FetchError:
    """The FetchError for what requests raised, naming the real cause."""
    import requests

    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return FetchError(f"{url}: more than {MAX_REDIRECTS} redirects",
                          hint="The address may redirect in a loop; open it in a browser and give the final one.")
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return FetchError(f"{url}: could not connect to {host} within {connect_s:g} s",
                          hint="Check the address and the network.")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return _too_slow(url, timeout_s)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return FetchError(f"{url}: the connection broke while reading the page", hint="Try again later.")
    if isinstance(exc, requests.exceptions.SSLError):
        return FetchError(f"{url}: the secure connection to {host} failed ({_root_cause(exc)})",
                          hint="The site's certificate is not valid here; check the address.")
    if isinstance(exc, requests.exceptions.ConnectionError):
        if _failures.read_timed_out(exc):
            return _too_slow(url, timeout_s)  # urllib3 gives up on a read timeout as a retry error
        cause = _root_cause(exc)
        if ("Name or service not known" in cause or "nodename nor servname" in cause
                or "Temporary failure in name" in cause):
            return FetchError(f"{url}: no such host {host!r} (or no network to look it up)",
                              hint="Check the address and the network.")
        if "Connection refused" in cause:
            return FetchError(f"{url}: {host} refused the connection", hint="Check the address and port.")
        return FetchError(f"{url}: could not reach {host} ({cause})", hint="Check the address and the network.")
    return FetchError(f"{url}: the request failed ({_root_cause(exc)})", hint="Check the address.")
