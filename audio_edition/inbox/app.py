"""The inbox as an ASGI application (Starlette): one route that checks the token, then answers.

Everything private is under ``/p/TOKEN/``. Any other path, and any wrong token, is the same 404,
decided by one constant-time comparison. Under the prefix: ``add`` (the form; POST queues an
article), ``jobs/ID`` and ``jobs/ID.json``, ``manifest.webmanifest``, ``feed.xml`` (made for the
address the client used), and the show's static site by the preview server's path rules (no
hidden or private file, no folder listing, nothing outside the show), with byte ranges.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from email.utils import formatdate
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from audio_edition.errors import AudioEditionError, InputError
from audio_edition.inbox import pages
from audio_edition.inbox.queue import Job
from audio_edition.publish.server import TYPES, byte_range, content_type, file_range, public_file, valid_host

if TYPE_CHECKING:
    from audio_edition.inbox.state import Inbox

BODY_MAX_BYTES = 16 * 1024  # a form or JSON body with one address
_JOB = re.compile(r"jobs/([A-Za-z0-9_-]{1,32})(\.json)?")
HEADERS = {"Referrer-Policy": "no-referrer",  # the token is in every address: never hand it to another site
           "X-Content-Type-Options": "nosniff", "X-Robots-Tag": "noindex, nofollow"}
PRIVATE = {"Cache-Control": "no-store"}


def make_app(inbox: Inbox) -> ASGIApp:
    """The application: every method and path to ``_answer``; every answer, whoever makes it
    (Starlette's own 404 for a target that is not a path, a 500), with HEADERS."""

    async def answer(request: Request) -> Response:
        try:
            return await _answer(inbox, request)
        except AudioEditionError as exc:  # the catalog or the token file: say so here, and briefly there
            inbox.say(f"inbox: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
            return PlainTextResponse(f"503 Service Unavailable: {exc.message}\n", status_code=503)

    async def not_found(request: Request, exc: Exception) -> Response:
        return _not_found()

    async def every_method(scope: Scope, receive: Receive, send: Send) -> None:
        response = await answer(Request(scope, receive))
        await response(scope, receive, send)

    # An ASGI endpoint (a class instance, not a function) takes every method: the token decides first.
    app = Starlette(routes=[Route("/{path:path}", _Endpoint(every_method))], exception_handlers={404: not_found})

    async def with_headers(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []),
                                      *((k.lower().encode(), v.encode()) for k, v in HEADERS.items())]
            await send(message)

        await app(scope, receive, send_with_headers)

    return with_headers


class _Endpoint:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def _not_found() -> Response:
    return PlainTextResponse("404 Not Found\n", status_code=404)


async def _answer(inbox: Inbox, request: Request) -> Response:
    raw = (request.scope.get("raw_path") or request.scope["path"].encode()).decode("latin-1")
    parts = raw.split("/", 3)  # "", "p", TOKEN, the rest
    guess = parts[2] if len(parts) > 2 and parts[1] == "p" else ""
    right = await run_in_threadpool(inbox.matches, guess)  # the same work for every guess
    if not right or parts[1] != "p":
        return _not_found()
    if request.method not in ("GET", "HEAD", "POST"):
        return PlainTextResponse("405 Method Not Allowed\n", status_code=405, headers={"Allow": "GET, HEAD, POST"})
    base = inbox.base(valid_host(request.headers.get("host")), request.url.scheme, guess)
    if len(parts) == 3:
        return RedirectResponse(base, status_code=308)
    rest = parts[3]
    if rest == "add":
        if request.method == "POST":
            return await _add(inbox, request, base)
        return await run_in_threadpool(_add_page, inbox, base, request.query_params.get("url", ""),
                                       request.query_params.get("go") == "1")
    if request.method == "POST":
        return PlainTextResponse("405 Method Not Allowed\n", status_code=405, headers={"Allow": "GET, HEAD"})
    job = _JOB.fullmatch(rest)
    if job:
        return await run_in_threadpool(_job, inbox, base, job.group(1), bool(job.group(2)))
    if rest == "manifest.webmanifest":
        return Response(json.dumps(pages.manifest(inbox.show), ensure_ascii=False, indent=1),
                        media_type="application/manifest+json")
    if rest in inbox.icons:
        return Response(inbox.icons[rest], media_type="image/png")
    if rest == "feed.xml":
        try:
            data = await run_in_threadpool(pages.feed, inbox.show, base)
        except AudioEditionError as exc:
            inbox.say(f"inbox: cannot make the feed: {exc.message}")
            return PlainTextResponse("500 Internal Server Error\n", status_code=500)
        return _ranged(request, data, TYPES[".xml"], None, PRIVATE)
    return await run_in_threadpool(_static, inbox, request, base, "/" + rest)


def _add_page(inbox: Inbox, base: str, url: str = "", go: bool = False, message: str = "",
              status: int = 200) -> Response:
    episodes = {episode.guid: episode for episode in inbox.catalog.episodes()}
    views = [pages.job_view(job, episodes.get(job.episode) if job.episode else None, base)
             for job in inbox.jobs.recent(pages.RECENT_JOBS)]
    html = pages.add_page(inbox.show, base, views, url=url, message=message, go=go and bool(url) and not message)
    return HTMLResponse(html, status_code=status, headers=PRIVATE)


def _view(inbox: Inbox, job: Job, base: str) -> pages.JobView:
    episode = inbox.catalog.episode(job.episode) if job.episode else None
    return pages.job_view(job, episode, base)


def _job(inbox: Inbox, base: str, job_id: str, as_json: bool) -> Response:
    job = inbox.jobs.get(job_id)
    if job is None:
        return _not_found()
    view = _view(inbox, job, base)
    if as_json:
        return JSONResponse(pages.job_json(view, job.episode), headers=PRIVATE)
    return HTMLResponse(pages.job_page(inbox.show, base, view), headers=PRIVATE)


async def _form(request: Request) -> dict[str, str]:
    """The fields of a urlencoded form or a JSON object, from a body of at most BODY_MAX_BYTES."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > BODY_MAX_BYTES:
            raise InputError("the request is too large", hint="Send one article address.")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(body or b"{}")
        except (ValueError, RecursionError):
            raise InputError("the JSON body cannot be read", hint='Send {"url": "https://…"}.') from None
        if not isinstance(data, dict):
            raise InputError("the JSON body is not an object", hint='Send {"url": "https://…"}.')
        return {key: value for key, value in data.items() if isinstance(value, str)}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items()}


async def _add(inbox: Inbox, request: Request, base: str) -> Response:
    wants_json = "application/json" in request.headers.get("accept", "")

    def refuse(status: int, message: str, url: str = "", headers: dict[str, str] | None = None) -> Response:
        if wants_json:
            return JSONResponse({"error": message}, status_code=status, headers={**PRIVATE, **(headers or {})})
        response = _add_page(inbox, base, url=url, message=message, status=status)
        response.headers.update(headers or {})
        return response

    fields: dict[str, str] = {}
    try:
        fields = await _form(request)
        url = pages.article_url(fields.get("url", ""), fields.get("text", ""), inbox.allow_private)
    except AudioEditionError as exc:
        status = 413 if "too large" in exc.message else 400
        return refuse(status, f"{exc.message}. {exc.hint}" if exc.hint else exc.message, fields.get("url", ""))
    wait = inbox.limits.take()
    if wait:
        return refuse(429, f"more than {inbox.limits.per_minute} articles were added in the last minute; "
                           "try again in a moment.", url, {"Retry-After": str(max(1, round(wait)))})
    try:
        added = await run_in_threadpool(inbox.jobs.add, url, inbox.limits.waiting)
    except AudioEditionError as exc:
        inbox.say(f"inbox: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""))
        return refuse(503, f"the article could not be queued: {exc.message}", url)
    if added is None:
        return refuse(429, f"{inbox.limits.waiting} articles are already waiting; add this one when they are done.",
                      url, {"Retry-After": "60"})
    job = added
    inbox.worker.wake()
    if wants_json:
        return JSONResponse({"id": job.id, "status": job.status}, status_code=202, headers=PRIVATE)
    return RedirectResponse(f"{base}jobs/{job.id}", status_code=303)


def _static(inbox: Inbox, request: Request, base: str, path: str) -> Response:
    """A file of the show's site, by ``serve``'s rules; HTML with its addresses under the prefix."""
    found = public_file(inbox.show.root, path)
    if found is None:
        return _not_found()
    try:
        handle = open(os.open(found, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW), "rb")  # noqa: SIM115
    except OSError:
        return _not_found()
    info = os.fstat(handle.fileno())
    if not stat.S_ISREG(info.st_mode):
        handle.close()
        return _not_found()
    kind = content_type(found)
    if found.suffix.lower() == ".html":
        with handle:
            data = pages.site_page(inbox.show, base, handle.read())
        return _ranged(request, data, kind, info.st_mtime)
    return _ranged(request, handle, kind, info.st_mtime, size=info.st_size)


def _ranged(request: Request, body: bytes | BinaryIO, kind: str, mtime: float | None,
            headers: dict[str, str] | None = None, size: int | None = None) -> Response:
    """The body (bytes, or an open file of ``size`` bytes) whole, or the one range asked for (206)."""
    length = len(body) if isinstance(body, bytes) else int(size or 0)
    wanted = byte_range(request.headers.get("range"), length)
    extra = {"Accept-Ranges": "bytes", **(headers or {})}
    if mtime is not None:
        extra["Last-Modified"] = formatdate(mtime, usegmt=True)
    if wanted is False:
        _close(body)
        return PlainTextResponse("416 Range Not Satisfiable\n", status_code=416,
                                 headers={"Content-Range": f"bytes */{length}"})
    start, end = wanted if wanted else (0, length - 1)
    if wanted:
        extra["Content-Range"] = f"bytes {start}-{end}/{length}"
    status = 206 if wanted else 200
    if isinstance(body, bytes):
        return Response(body[start:end + 1] if request.method != "HEAD" else b"", status_code=status,
                        media_type=kind, headers={**extra, "Content-Length": str(end - start + 1)})
    extra["Content-Length"] = str(max(0, end - start + 1))
    if request.method == "HEAD":
        _close(body)
        return Response(b"", status_code=status, media_type=kind, headers=extra)
    return StreamingResponse(_chunks(body, start, end), status_code=status, media_type=kind, headers=extra)


def _close(body: bytes | BinaryIO) -> None:
    if not isinstance(body, bytes):
        body.close()


def _chunks(handle: BinaryIO, start: int, end: int) -> Iterator[bytes]:
    with handle:
        yield from file_range(handle, start, end)
