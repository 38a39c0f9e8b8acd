"""Keeping a show in step with a site's feeds: publish what is new, rebuild what changed, and
leave the rest alone, asking the server with conditional requests (ETag, Last-Modified).

For each entry the catalog remembers the page's validators and a digest of its text as read. A
304 costs nothing; a 200 whose text reads the same (a page whose ETag changes on every request)
is not rebuilt either. A page that failed is tried again on the first run an hour or more later,
so a broken link in a feed does not cost every run of a frequent cron job its timeout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from audio_edition import ingest
from audio_edition.errors import AudioEditionError
from audio_edition.ingest import feeds, web
from audio_edition.ingest.policy import Reach
from audio_edition.publish.catalog import Fetched
from audio_edition.publish.publisher import Failure, Published, Publisher
from audio_edition.settings import DEFAULT_FEED_LIMIT

if TYPE_CHECKING:
    from audio_edition.models import Article

RETRY_FAILED_AFTER = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Unchanged:
    """An entry whose page the server or its text says has not changed."""

    url: str


@dataclass(frozen=True)
class Waiting:
    """An entry that failed less than RETRY_FAILED_AFTER ago: not asked again yet."""

    url: str
    error: str
    since: str


Outcome = Published | Unchanged | Failure | Waiting
Step = Callable[[int, int, str | None, Outcome | None], None]  # done, total, current url, outcome
_Kind = TypeVar("_Kind")


@dataclass
class SyncReport:
    """What a run did, entry by entry (and feeds that could not be read)."""

    outcomes: list[tuple[str, Outcome]] = field(default_factory=list)
    feed_failures: list[Failure] = field(default_factory=list)
    beyond_limit: list[tuple[str, int]] = field(default_factory=list)  # feeds with more entries, and how many

    def of(self, kind: type[_Kind]) -> list[_Kind]:
        return [outcome for _, outcome in self.outcomes if isinstance(outcome, kind)]

    @property
    def failed(self) -> bool:
        return bool(self.feed_failures or self.of(Failure))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def text_digest(article: Article) -> str:
    """SHA-256 of what an article says (title, author, date, sections), as read from its page."""
    body = {"title": article.title, "author": article.author, "date": article.date,
            "sections": [[s.title, list(s.paragraphs)] for s in article.sections]}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _feed_entries(publisher: Publisher, url: str) -> list[feeds.Entry]:
    """The feed's entries: fetched conditionally, and read from the catalog's copy on a 304."""
    catalog = publisher.catalog
    etag, last_modified, body = catalog.feed(url)
    got = web.fetch(url, publisher.settings.timeout_s, etag if body else None, last_modified if body else None,
                    reach=Reach.of(url, allow_private=publisher.settings.allow_private))
    if isinstance(got, web.NotModified):
        return feeds.entries(body or b"", url)
    found = feeds.entries(got.data, got.final_url)
    catalog.remember_feed(url, got.etag, got.last_modified, got.data, _now().isoformat())
    return found


def sync(show_dir: Path, feed_urls: list[str], changes: dict[str, object], limit: int = DEFAULT_FEED_LIMIT,
         on_step: Step | None = None, publisher: Publisher | None = None) -> SyncReport:
    """Bring the show up to date with ``feed_urls``: the newest ``limit`` entries of each (a feed
    of thousands would otherwise cost thousands of requests a run; the rest are reported).

    First every entry is checked (a conditional request, then the text's digest); then what is
    new or changed is published, here or, with the publisher's cluster, on its workers."""
    publisher = publisher or Publisher(show_dir, changes)
    report = SyncReport()
    work: list[tuple[str, feeds.Entry]] = []
    seen: set[str] = set()
    for url in feed_urls:
        try:
            found = _feed_entries(publisher, url)
        except AudioEditionError as exc:
            report.feed_failures.append(Failure(url, exc))
            continue
        if len(found) > limit:
            report.beyond_limit.append((url, len(found) - limit))
        for entry in found[:limit]:
            if entry.link not in seen:  # the same article in two feeds is published once
                seen.add(entry.link)
                work.append((url, entry))
    step = on_step or (lambda done, total, current, outcome: None)
    total, finished = len(work), 0
    outcomes: dict[str, Outcome] = {}

    def settle(link: str, outcome: Outcome) -> None:
        nonlocal finished
        outcomes[link] = outcome
        finished += 1
        step(finished, total, link, outcome)

    step(0, total, None, None)
    to_publish: list[tuple[str, feeds.Entry, web.Document, str, Fetched]] = []
    for feed_url, entry in work:
        step(finished, total, entry.link, None)
        checked = _check_entry(publisher, feed_url, entry)
        if isinstance(checked, tuple):
            to_publish.append((feed_url, entry, *checked))
        else:
            settle(entry.link, checked)
    by_link = {entry.link: (feed_url, entry, got, digest, base) for feed_url, entry, got, digest, base in to_publish}

    def published(link: str, outcome: Published | Failure) -> None:
        feed_url, entry, got, digest, base = by_link[link]
        remember_outcome(publisher, link, got, digest, replace(base, feed=feed_url, entry_id=entry.id), outcome)
        settle(link, outcome)

    publisher.entry_dates = {entry.link: dt.datetime.fromtimestamp(entry.timestamp, dt.UTC).isoformat()
                             for _, entry, _, _, _ in to_publish if entry.timestamp is not None}
    publisher.publish_many([(entry.link, got) for _, entry, got, _, _ in to_publish], published)
    report.outcomes = [(entry.link, outcomes[entry.link]) for _, entry in work]
    return report


def _reason(exc: AudioEditionError, link: str) -> str:
    return exc.message.removeprefix(f"{link}: ").removeprefix(f"{link} ")


def _check_entry(publisher: Publisher, feed_url: str, entry: feeds.Entry
                 ) -> Outcome | tuple[web.Document, str, Fetched]:
    """Unchanged, Waiting or Failure for an entry that needs no build; else (the page, its text
    digest, its record) for one that does."""
    return check_page(publisher, entry.link, Reach.of(feed_url, allow_private=publisher.settings.allow_private),
                      feed_url, entry.id)


def check_page(publisher: Publisher, url: str, reach: Reach, feed_url: str | None = None,
               entry_id: str | None = None, retry_wait: bool = True) -> Outcome | tuple[web.Document, str, Fetched]:
    """Whether the article page at ``url`` needs building: Unchanged (a 304, or the same text as
    its episode's), Waiting (it failed within the hour, with ``retry_wait``), Failure; else (the
    page, its text digest, the catalog's record to update once it is published)."""
    catalog = publisher.catalog
    record = catalog.fetched(url)
    now = _now()
    if retry_wait and record is not None and record.error:
        since = dt.datetime.fromisoformat(record.checked)
        if now - since < RETRY_FAILED_AFTER:
            return Waiting(url, record.error, record.checked)
    known = (record is not None and not record.error and record.source is not None
             and catalog.has_source(record.source))
    base = record or Fetched(url, feed_url, entry_id, None, None, None, None, now.isoformat())
    try:
        got = web.fetch(url, publisher.settings.timeout_s,
                        base.etag if known else None, base.last_modified if known else None, reach=reach)
        if isinstance(got, web.NotModified):
            catalog.remember_fetch(replace(base, etag=got.etag, last_modified=got.last_modified,
                                           checked=now.isoformat()))
            return Unchanged(url)
        digest = text_digest(ingest.read_document(got))
        if known and digest == base.digest:
            catalog.remember_fetch(replace(base, etag=got.etag, last_modified=got.last_modified,
                                           checked=now.isoformat()))
            return Unchanged(url)
    except AudioEditionError as exc:
        catalog.remember_fetch(replace(base, checked=now.isoformat(), error=_reason(exc, url)))
        return Failure(url, exc)
    return got, digest, base


def remember_outcome(publisher: Publisher, url: str, got: web.Document, digest: str, base: Fetched,
                     outcome: Published | Failure) -> None:
    """Record what publishing a checked page came to, for the next check of ``url``."""
    now = _now().isoformat()
    if isinstance(outcome, Failure):
        publisher.catalog.remember_fetch(replace(base, checked=now, error=_reason(outcome.error, url)))
    else:
        publisher.catalog.remember_fetch(Fetched(url, base.feed, base.entry_id, outcome.episode.source, got.etag,
                                                 got.last_modified, digest, now, None))
