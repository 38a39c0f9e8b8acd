"""How a fetch failed, in the user's words: the FetchError for an HTTP error status, a deadline
passed, a page too large, and the innermost cause of a library's error (web.py raises them)."""

from __future__ import annotations

import re

from audio_edition.errors import FetchError


def status_error(url: str, status: int, reason: str, retries: int, what: str = "page") -> FetchError:
    """The FetchError for an HTTP error status (after ``retries`` retries) to a request for a
    ``what``: a "page" (an article's, a feed) or a "file" (a download)."""
    after = f", after {retries} retr{'y' if retries == 1 else 'ies'}" if retries else ""
    page = what == "page"
    if status == 404 or status == 410:
        return FetchError(f"{url}: the site has no such {what} ({status} {reason})",
                          hint="Check the address; the article may have moved or been taken down." if page
                          else "Check the address.")
    if status in (401, 403):
        return FetchError(f"{url}: the site refused to give the {what} ({status} {reason})",
                          hint="The page may be behind a login or paywall: save it from your browser and give the "
                               "file." if page else "Check the address; the site may not share this file.")
    if status == 429:
        return FetchError(f"{url}: the site asks us to slow down ({status} {reason}){after}",
                          hint="Try again later, or with fewer articles at once.")
    if status >= 500:
        return FetchError(f"{url}: the site failed to answer ({status} {reason}){after}",
                          hint="The site has a problem; try again later.")
    return FetchError(f"{url}: the site answered {status} {reason}", hint="Check the address.")


def too_large(url: str, max_bytes: int) -> FetchError:
    """A page past ``max_bytes``."""
    return FetchError(f"{url}: the page is larger than {max_bytes // (1024 * 1024)} MB, far past any article page",
                      hint="Check that the address is the article's page, not a download.")


def too_slow(url: str, timeout_s: float, what: str = "page") -> FetchError:
    """The fetch's deadline passed."""
    return FetchError(f"{url}: the {what} did not arrive within {timeout_s:g} s",
                      hint="The site is slow or stalled; try again later, or allow longer with --timeout SECONDS.")


def larger(url: str, size: int) -> FetchError:
    """A download past the ``size`` it should have."""
    return FetchError(f"{url}: the file is larger than the {size:,} bytes expected",
                      hint="The server sent another file than the one asked for; check the address.")


def broken(url: str, cut: str, got: int, size: int | None, then: str) -> FetchError:
    """A download whose transfer was ``cut`` ("the connection broke") after ``got`` bytes, ``then`` given up."""
    of = f"{got:,} of {size:,} bytes" if size is not None else f"{got:,} bytes"
    return FetchError(f"{url}: the transfer stopped after {of} ({cut}), {then}",
                      hint="Try again; if the connection keeps breaking, try later.")


def read_timed_out(exc: BaseException) -> bool:
    """Whether a library's error is a read that waited too long (urllib3 wraps it in several ways)."""
    cause = root_cause(exc)
    return "ReadTimeout" in type(exc).__name__ or "Read timed out" in cause or "ReadTimeout" in cause


def root_cause(exc: BaseException) -> str:
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
