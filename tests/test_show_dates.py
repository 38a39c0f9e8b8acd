"""An episode is dated by its article, not by when it was published into the show: a feed's
backlog synced at once keeps the site's order, in the feed (read by feedparser) and on the home
page. The articles are our own writing."""

from __future__ import annotations

import calendar
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
from conftest import Cli

STORIES = [  # newest first, as the site's feed lists them
    ("Ferry timetable for the winter", "2026-12-01", "Mon, 01 Dec 2026 07:30:00 GMT",
     "The winter timetable starts on Monday, with the first crossing at half past six."),
    ("Library opens on Sundays", "2026-11-30", "Sun, 30 Nov 2026 18:00:00 GMT",
     "The library will open on Sunday afternoons from next month, after a vote by the council."),
    ("Saturday market returns", "2026-11-28", "Sat, 28 Nov 2026 08:15:00 GMT",
     "The Saturday market is back on the square, with twenty stalls and a new bakery."),
]


def _page(title: str, day: str, lead: str) -> bytes:
    body = " ".join([lead] * 3)
    return (f"<html lang='en'><head><title>{title}</title>"
            f"<meta property='article:published_time' content='{day}T06:00:00Z'></head><body><article>"
            f"<h1>{title}</h1><p>{body}</p><p>Residents can read more at the town hall, which is open on "
            f"weekdays from nine until five.</p></article></body></html>").encode()


@pytest.fixture
def site() -> Iterator[str]:
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml" if self.path == "/feed.xml" else "text/html")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    items = ""
    for n, (title, day, pub, lead) in enumerate(STORIES):
        pages[f"/news/{n}"] = _page(title, day, lead)
        items += f"<item><title>{title}</title><link>{base}/news/{n}</link><pubDate>{pub}</pubDate></item>"
    pages["/feed.xml"] = (f"<?xml version='1.0'?><rss version='2.0'><channel><title>Town</title><link>{base}/</link>"
                          f"<description>News</description>{items}</channel></rss>").encode()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield base + "/feed.xml"
    server.shutdown()


@pytest.mark.slow  # publishes three articles
def test_a_synced_backlog_is_dated_and_ordered_by_its_articles(cli: Cli, tmp_path: Path, site: str) -> None:
    show = tmp_path / "show"
    assert cli("show", "init", str(show), "--title", "Town", "--author", "Desk", "--email", "desk@town.example",
               "--base-url", "https://town.example/listen/").code == 0
    run = cli("publish", "--from-feed", site, "--show", str(show), "--engine", "fake")
    assert run.code == 0, run.stderr
    entries = feedparser.parse((show / "feed.xml").read_bytes()).entries
    assert [e.title for e in entries] == [title for title, *_ in STORIES]
    days = [f"{e.published_parsed.tm_year:04d}-{e.published_parsed.tm_mon:02d}-{e.published_parsed.tm_mday:02d}"
            for e in entries]
    assert days == [day for _, day, *_ in STORIES]
    stamps = [calendar.timegm(e.published_parsed) for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    home = (show / "index.html").read_text()
    assert [home.index(title) for title, *_ in STORIES] == sorted(home.index(title) for title, *_ in STORIES)
    again = cli("publish", "--from-feed", site, "--show", str(show), "--engine", "fake")  # nothing moves
    assert again.code == 0 and [e.published for e in feedparser.parse((show / "feed.xml").read_bytes()).entries] \
        == [e.published for e in entries]


def test_the_first_publication_date_rule() -> None:
    from audio_edition.publish.publisher import first_published

    now = "2026-12-05T08:00:00+00:00"
    entry = "2026-11-30T18:00:00+00:00"
    assert first_published("2026-11-30", entry, now) == entry  # the article's day, at its entry's time
    assert first_published("2026-11-29", entry, now) == "2026-11-29T00:00:00+00:00"  # the article's own day wins
    assert first_published(None, entry, now) == entry
    assert first_published(None, None, now) == now
    assert first_published("2027-01-01", None, now) == now  # never in the future: apps would hide it


@pytest.mark.slow  # four publishes through the CLI
def test_republishing_the_same_text_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    """The same article again is "Unchanged": no file of the show is rewritten (so a static host's
    sync uploads nothing); an edit is "Updated"."""
    assert cli("show", "init", "show", "--title", "T", "--author", "A", "--email", "a@b.example",
               "--base-url", "https://b.example/").code == 0
    (tmp_path / "a.txt").write_text("Ferry news\n\nThe ferry leaves at six on weekdays, and at eight on Sundays.\n")
    first = cli("publish", "a.txt", "--show", "show", "--engine", "fake")
    assert first.code == 0 and "Published 'Ferry news'" in first.stderr, first.stderr
    files = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (tmp_path / "show").rglob("*") if p.is_file()}
    again = cli("publish", "a.txt", "--show", "show", "--engine", "fake")
    assert again.code == 0 and "Unchanged 'Ferry news'" in again.stderr, again.stderr
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files} == files
    (tmp_path / "a.txt").write_text("Ferry news\n\nThe ferry leaves at seven on weekdays, and at eight on Sundays.\n")
    edited = cli("publish", "a.txt", "--show", "show", "--engine", "fake")
    assert edited.code == 0 and "Updated 'Ferry news'" in edited.stderr, edited.stderr
