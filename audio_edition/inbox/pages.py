"""What the inbox says, framework aside: the add page, a job's page and JSON, the web app manifest,
the bookmarklet, the private feed, and the site's pages as served under the private prefix.

``base`` is always the private prefix as the client reaches it (``https://host/p/TOKEN/``).
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, replace
from html import escape
from urllib.parse import quote, urlsplit

from audio_edition.errors import FetchError, InputError
from audio_edition.inbox.queue import BUILDING, DONE, FAILED, QUEUED, Job
from audio_edition.ingest.policy import host_of, inward, refused
from audio_edition.publish.catalog import Catalog, Episode
from audio_edition.publish.feed import build_feed
from audio_edition.publish.show import Show
from audio_edition.publish.site import render_page, subscribe_links

STATUS_WORDS = {QUEUED: "Waiting", BUILDING: "Being read aloud", DONE: "Ready", FAILED: "Failed"}
RECENT_JOBS = 20  # on the add page
URL_MAX_CHARS = 2048
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+")


def private_show(show: Show, base: str) -> Show:
    """The show as the inbox's pages show it: every address under the private prefix."""
    return replace(show, base_url=base)


def feed(show: Show, base: str) -> bytes:
    """The private feed: enclosures, transcripts and chapters under the private prefix."""
    return build_feed(show, Catalog(show.root).episodes(), served_at=base)


def site_page(show: Show, base: str, data: bytes) -> bytes:
    """A page of the static site with its absolute addresses (the feed, the embed snippet) moved
    under the private prefix; relative links already are."""
    served = private_show(show, base)
    for (_, public), (_, private) in zip(subscribe_links(show.feed_url), subscribe_links(served.feed_url)):
        data = data.replace(escape(public).encode(), escape(private).encode())  # the podcast apps' links
    return data.replace(show.base_url.encode(), base.encode())


def article_url(url: str, text: str = "", allow_private: bool = False) -> str:
    """The article address a form, a share sheet or a JSON body sent: ``url``, else the first
    address in ``text`` (Android shares put it there). InputError for anything that is not an
    http(s) address we may fetch."""
    value = url.strip() or next(iter(_URL_IN_TEXT.findall(text)), "")
    if not value:
        raise InputError("no article address was sent", hint="Send url=https://… (the article's address).")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > URL_MAX_CHARS:
        raise InputError(f"{value[:200]!r} is not an article address",
                         hint="Give the page's full http:// or https:// address.")
    host = host_of(value)
    if not allow_private and (host == "localhost" or host.endswith(".localhost") or _inward_literal(host)):
        error = refused(value, host, host)
        raise FetchError(error.message, hint="The inbox fetches only public pages unless it was started with "
                                             "--allow-private.")
    return parts._replace(fragment="").geturl()


def _inward_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False  # a name: the fetch policy checks every address it resolves to
    return inward(host.strip("[]"))


@dataclass(frozen=True)
class JobView:
    id: str
    url: str
    status: str
    status_text: str
    error: str | None
    title: str | None
    page: str | None
    audio: str | None


def job_view(job: Job, episode: Episode | None, base: str) -> JobView:
    page = audio = None
    if episode is not None:
        page, audio = (base + quote(f"episodes/{episode.slug}{suffix}", safe="/") for suffix in (".html", ".mp3"))
    return JobView(job.id, job.url, job.status, STATUS_WORDS.get(job.status, job.status), job.error,
                   episode.title if episode else None, page, audio)


def job_json(view: JobView, guid: str | None) -> dict[str, object]:
    """The contract's job: {"id", "url", "status", "error", "episode"}; the episode, once done, as
    {"guid", "title", "page", "audio"} (absolute, private addresses)."""
    episode = ({"guid": guid, "title": view.title, "page": view.page, "audio": view.audio}
               if guid and view.page else None)
    return {"id": view.id, "url": view.url, "status": view.status, "error": view.error, "episode": episode}


def bookmarklet(base: str) -> str:
    """A bookmark that opens the add page with the current tab's address, which sends itself."""
    target = json.dumps(f"{base}add?go=1&url=")
    return f"javascript:location.href={target}+encodeURIComponent(location.href)"


def add_page(show: Show, base: str, jobs: list[JobView], url: str = "", message: str = "", go: bool = False) -> str:
    served = private_show(show, base)
    return render_page("inbox-add.html", served, root="", jobs=jobs, url=url, message=message, go=go,
                       bookmarklet=bookmarklet(base), subscribe=subscribe_links(served.feed_url))


def job_page(show: Show, base: str, view: JobView) -> str:
    return render_page("inbox-job.html", private_show(show, base), root="../", job=view, words=STATUS_WORDS)


def manifest(show: Show) -> dict[str, object]:
    """The web app manifest: installable from the add page, and a share target on phones (a POST
    of the shared title, text and url to ``add``). Addresses are relative to the manifest's own."""
    return {
        "name": f"{show.title}: listen later", "short_name": show.title[:12] or "Listen later",
        "description": "Send an article; hear it as an episode in your podcast app.",
        "start_url": "add", "scope": "./", "display": "standalone", "lang": show.language,
        "background_color": "#fdfdfb", "theme_color": "#0b5cad",
        "icons": [{"src": "icon-192.png", "sizes": "192x192", "type": "image/png"},
                  {"src": "icon-512.png", "sizes": "512x512", "type": "image/png"},
                  {"src": "icon.svg", "sizes": "any", "type": "image/svg+xml"}],
        "share_target": {"action": "add", "method": "POST", "enctype": "application/x-www-form-urlencoded",
                         "params": {"title": "title", "text": "text", "url": "url"}},
    }
