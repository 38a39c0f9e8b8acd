"""The podcast feed: RSS 2.0 by feedgen and its podcast (iTunes) extension, with the Podcasting 2.0
``podcast:`` tags added through feedgen's extension mechanism."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from audio_edition.publish.catalog import Episode
from audio_edition.publish.show import Show, check_category
from audio_edition.text import escapes

if TYPE_CHECKING:
    from lxml.etree import _Element

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# Sidecars linked from each item: suffix -> (element, MIME type).
LINKED_SIDECARS = {
    ".vtt": ("transcript", "text/vtt"),
    ".srt": ("transcript", "application/x-subrip"),
    ".chapters.json": ("chapters", "application/json+chapters"),
}


def _sub(parent: _Element, tag: str, text: str | None = None, **attrs: str) -> _Element:
    from lxml import etree

    element = etree.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


class PodcastIndexExtension:
    """Channel tags feedgen does not write: podcast:guid, podcast:locked, and itunes:explicit
    as Apple now wants it ("true"/"false"; feedgen only knows "yes"/"no"/"clean")."""

    def __init__(self) -> None:
        self.guid: str | None = None
        self.locked: tuple[bool, str] | None = None
        self.explicit: bool = False

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS, "itunes": ITUNES_NS}

    def extend_rss(self, rss: _Element) -> _Element:
        channel = rss[0]
        _sub(channel, f"{{{ITUNES_NS}}}explicit", "true" if self.explicit else "false")
        if self.guid:
            _sub(channel, f"{{{PODCAST_NS}}}guid", self.guid)
        if self.locked:
            locked, owner = self.locked
            _sub(channel, f"{{{PODCAST_NS}}}locked", "yes" if locked else "no", owner=owner)
        return rss

    def extend_atom(self, feed: _Element) -> _Element:
        return feed


class PodcastIndexEntryExtension:
    """Item tags: podcast:transcript (one per format) and podcast:chapters."""

    def __init__(self) -> None:
        self.links: list[tuple[str, str, str]] = []  # (element, url, type)

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, item: _Element) -> _Element:
        for element, url, kind in self.links:
            attrs = {"url": url, "type": kind}
            if element == "transcript" and kind == "text/vtt":
                attrs["rel"] = "captions"
            _sub(item, f"{{{PODCAST_NS}}}{element}", **attrs)
        return item

    def extend_atom(self, entry: _Element) -> _Element:
        return entry


def _rfc3339(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def build_feed(show: Show, episodes: list[Episode], served_at: str | None = None) -> bytes:
    """feed.xml for ``show``: newest episode first, every value from an article escaped by lxml.
    ``served_at``: the base URL it is served from when not the show's own (the inbox's private
    prefix); every address uses it, while the podcast's identity (podcast:guid) stays the show's."""
    from dataclasses import replace

    from feedgen.feed import FeedGenerator

    identity, show = show, replace(show, base_url=served_at) if served_at else show

    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension)
    fg.title(show.title)
    fg.link(href=show.base_url, rel="alternate")
    fg.description(escapes.rss_description(show.description or show.title))
    fg.language(show.language)
    fg.generator("audio-edition")
    fg.lastBuildDate(max((_rfc3339(e.updated) for e in episodes), default=dt.datetime.now(dt.UTC)))
    top, sub = check_category(show.category)
    fg.podcast.itunes_category(top, sub) if sub else fg.podcast.itunes_category(top)
    if show.cover:
        fg.podcast.itunes_image(show.url(show.cover))
        fg.image(url=show.url(show.cover), title=show.title, link=show.base_url)
    fg.podcast.itunes_author(show.author)
    fg.podcast.itunes_owner(name=show.author, email=show.email)
    fg.podcast.itunes_type("episodic")
    fg.podcastindex.guid = identity.podcast_guid
    fg.podcastindex.locked = (show.locked, show.email)
    fg.podcastindex.explicit = show.explicit
    # feedgen writes entries in reverse order of adding: add oldest first for newest first.
    for episode in sorted(episodes, key=lambda e: (e.published, e.guid)):
        fe = fg.add_entry()
        fe.id(episode.guid)
        fe.guid(episode.guid, permalink=False)
        fe.title(episode.title)
        fe.link(href=show.url(f"episodes/{episode.slug}.html"))
        fe.description(escapes.rss_description(episode.description or episode.title))
        fe.published(_rfc3339(episode.published))
        fe.enclosure(show.url(f"episodes/{episode.slug}.mp3"), str(episode.audio_bytes), "audio/mpeg")
        fe.podcast.itunes_duration(round(episode.duration_ms / 1000))
        fe.podcast.itunes_author(episode.author or show.author)
        if episode.image:
            fe.podcast.itunes_image(show.url(episode.image))
        fe.podcastindex.links = [(element, show.url(f"episodes/{episode.slug}{suffix}"), kind)
                                 for suffix, (element, kind) in LINKED_SIDECARS.items()]
    return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
