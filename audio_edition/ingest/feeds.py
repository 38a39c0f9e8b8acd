"""A site's RSS or Atom feed, read with feedparser: the articles it links to, newest first."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from urllib.parse import urldefrag

from audio_edition.errors import InputError


@dataclass(frozen=True)
class Entry:
    """One article a feed links to."""

    id: str  # the entry's guid or id, else its link
    link: str  # absolute http(s) address of the article page, without a fragment
    title: str
    timestamp: float | None  # published (else updated), seconds since the epoch, UTC


def entries(data: bytes, url: str) -> list[Entry]:
    """The feed's entries with an http(s) link, newest first (entries without a date keep the
    feed's own order, after the dated ones). Relative links are resolved against ``url``."""
    import feedparser

    parsed = feedparser.parse(data, response_headers={"content-location": url, "content-type": "application/xml"})
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise InputError(f"{url} is not an RSS or Atom feed" + (f" ({str(problem)[:120]})" if problem else ""),
                         hint="Give the address of the site's feed, often /feed, /rss.xml or /atom.xml.")
    found: list[tuple[int, Entry]] = []
    seen: set[str] = set()
    for index, item in enumerate(parsed.entries):
        link = urldefrag((item.get("link") or "").strip()).url  # "/a" and "/a#comments" are one article
        if not link.lower().startswith(("http://", "https://")) or link in seen:
            continue
        seen.add(link)
        when = item.get("published_parsed") or item.get("updated_parsed")
        found.append((index, Entry(id=str(item.get("id") or link), link=link, title=str(item.get("title") or link),
                                   timestamp=float(calendar.timegm(when)) if when else None)))
    found.sort(key=lambda pair: (pair[1].timestamp is None, -(pair[1].timestamp or 0), pair[0]))
    return [entry for _, entry in found]
