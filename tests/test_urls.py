"""Article URLs as input, and a show kept in step with a site's feeds.

Everything runs against a small site served on 127.0.0.1 (tests/localsite.py) that counts the
requests it answers. The episodes are read back with ffprobe, feedparser and the catalog."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from conftest import Cli, bare_path_env
from localsite import ARTICLES, LocalSite
from readers import probe_duration

from audio_edition.ingest import feeds, web
from audio_edition.ingest.html import canonical_address

pytestmark = pytest.mark.slow  # a news site on loopback, and the CLI


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    with LocalSite() as served:
        yield served


# --- URLs as input -------------------------------------------------------------------------------

def test_build_url_makes_the_episode_named_after_the_address(cli: Cli, tmp_path: Path, site: LocalSite) -> None:
    run = cli("build", site.url("/news/river-path"), "--no-intro", "--no-outro")
    assert run.code == 0, run.stderr
    episode = tmp_path / "river-path.mp3"
    assert run.stdout.strip() == str(episode)
    assert probe_duration(episode) > 10
    report = json.loads((tmp_path / "river-path.report.json").read_text())
    assert report["source"] == site.url("/news/river-path") and report["title"] == ARTICLES["river-path"][0]
    reasons = {r["reason"] for r in report["removed"]}
    assert reasons  # the page's navigation and footer are reported as left out, not silently dropped
    vtt = (tmp_path / "river-path.vtt").read_text()
    assert "The vote was close, eleven to nine" in vtt and "All rights reserved" not in vtt


def test_prepare_follows_redirects_and_reports_the_canonical_address(cli: Cli, site: LocalSite) -> None:
    run = cli("prepare", site.url("/moved/market-hall"), "--json")
    assert run.code == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["source"] == site.url("/news/market-hall")  # where it ended up, as the page names itself
    assert out["title"] == "Market hall roof repaired ahead of schedule"


def test_a_page_in_windows_1252_is_decoded_as_its_server_says(cli: Cli, site: LocalSite) -> None:
    out = json.loads(cli("prepare", site.url("/news/baeckerei"), "--json").stdout)
    assert out["title"] == "Bäckerei öffnet am Marktplatz" and out["language"] == "de"
    assert "Brötchen, Brezeln und süße Teilchen" in out["sections"][0]["paragraphs"][0]


def test_busy_answers_are_retried(cli: Cli, site: LocalSite) -> None:
    site.site.reset()
    run = cli("prepare", site.url("/news/flaky"), "--json")
    assert run.code == 0, run.stderr
    assert [h.status for h in site.site.requests("/news/flaky")] == [503, 429, 200]


@pytest.mark.parametrize("path, message", [
    ("/news/gone", "the site has no such page (404 Not Found)"),
    ("/news/report.pdf", "is a PDF document, not an article page"),
    ("/news/huge", "the page is larger than 10 MB"),
    ("/news/slow", "the page did not arrive within 1 s"),
    ("/feed.xml", "is a feed, not an article page"),
    ("/loop", "more than 5 redirects"),
])
def test_pages_that_are_not_articles_fail_clearly_and_leave_nothing(cli: Cli, tmp_path: Path, site: LocalSite,
                                                                    path: str, message: str) -> None:
    (tmp_path / "out").mkdir()
    run = cli("build", site.url(path), "--out-dir", "out", "--timeout", "1")
    lines = run.stderr.strip().splitlines()
    assert (run.code == 1 and len(lines) == 1 and lines[0].startswith("Error: ")
            and message in lines[0]), run.stderr
    assert "Hint: " in lines[0]
    assert list((tmp_path / "out").iterdir()) == []


def test_unreachable_hosts_fail_clearly(cli: Cli) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = cli("prepare", f"http://127.0.0.1:{port}/article")
    assert run.code == 1 and "refused the connection" in run.stderr
    run = cli("prepare", "ftp://127.0.0.1/article.html")  # not a scheme we fetch, and not "Check the path"
    assert run.code == 1 and run.stderr.startswith(
        "Error: ftp://127.0.0.1/article.html: only http and https addresses are fetched"), run.stderr


def test_a_page_may_not_claim_another_sites_address() -> None:
    page = '<html><head><link rel="canonical" href="https://other.example/story"></head><body></body></html>'
    assert canonical_address(page, "https://news.example/a") == "https://news.example/a"
    own = '<html><head><link rel="canonical" href="https://www.news.example/a#top"></head></html>'
    assert canonical_address(own, "https://news.example/a?utm=x") == "https://www.news.example/a"


def test_what_a_fetched_document_is() -> None:
    def kind(data: bytes, media: str, url: str = "https://x.example/a") -> str:
        return web.Document(url, url, data, media, None).kind()

    assert kind(b"%PDF-1.7 ...", "text/html") == "a PDF document"  # the bytes, whatever the header says
    assert kind(b"<!doctype html><p>x", "") == "html"
    assert kind(b"# Title\n\nText", "text/plain", "https://x.example/post.md") == "markdown"
    assert kind(b"\x89PNG....", "image/png") == "a PNG image"
    assert kind(b"<rss></rss>", "application/rss+xml") == "a feed"


# --- Feeds ---------------------------------------------------------------------------------------

def test_feed_entries_are_newest_first_with_links_resolved(site: LocalSite) -> None:
    atom = web.fetch(site.url("/atom.xml"))
    entries = feeds.entries(atom.data, atom.final_url)
    assert [e.link for e in entries] == [site.url("/moved/market-hall"), site.url("/news/old-mill"),
                                         site.url("/news/river-path")]
    assert entries[0].id == "urn:town:2"
    with pytest.raises(Exception, match="not an RSS or Atom feed"):
        feeds.entries(b"<html><body>no feed</body></html>", "https://x.example/")


def init_show(cli: Cli, name: str = "show") -> None:
    run = cli("show", "init", name, "--title", "Town Crier Listens", "--author", "Town Crier",
              "--email", "audio@crier.example", "--base-url", "https://crier.example/listen/")
    assert run.code == 0, run.stderr


def feed_entries(show: Path) -> dict[str, tuple[str, str]]:
    parsed = feedparser.parse((show / "feed.xml").read_bytes())
    assert not parsed.bozo
    return {e.title: (e.id, e.enclosures[0].href) for e in parsed.entries}


def test_publish_from_feed_then_again_then_after_an_edit(cli: Cli, tmp_path: Path) -> None:
    init_show(cli)
    show = tmp_path / "show"
    with LocalSite() as served:  # its own site: this test edits a page
        site = served.site
        args = ("publish", "--from-feed", served.url("/feed.xml"), "--show", "show", "--timeout", "1")

        first = cli(*args)
        assert first.code == 1  # something failed, and the exit status says so
        errors = [line for line in first.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 4, first.stderr
        for path, words in [("/news/gone", "404"), ("/news/report.pdf", "PDF"), ("/news/huge", "larger than 10 MB"),
                            ("/news/slow", "did not arrive within 1 s")]:
            assert any(served.url(path) in e and words in e for e in errors), (path, errors)
        episodes = feed_entries(show)
        assert set(episodes) == {ARTICLES["river-path"][0], ARTICLES["old-mill"][0], ARTICLES["market-hall"][0],
                                 "Bäckerei öffnet am Marktplatz"}
        assert len(list((show / "episodes").glob("*.mp3"))) == 4
        with sqlite3.connect(show / ".catalog.sqlite") as db:
            sources = {row[0] for row in db.execute("SELECT source FROM episodes")}
            records = db.execute("SELECT url, entry_id, etag, last_modified, digest FROM fetched "
                                 "WHERE error IS NULL").fetchall()
        assert served.url("/news/market-hall") in sources  # the canonical address, not the redirect
        assert len(records) == 4 and all(r[1].startswith("town-crier-") and r[2] and r[3] and len(r[4]) == 64
                                          for r in records)
        mtimes = {p.name: p.stat().st_mtime_ns for p in (show / "episodes").iterdir()}

        site.reset()
        second = cli(*args)
        assert second.code == 0, second.stderr
        assert "0 new, 0 updated, 4 unchanged" in second.stderr
        assert site.hits and all(h.conditional for h in site.hits), site.hits  # only "has it changed?"
        assert {h.path for h in site.hits} >= {"/feed.xml", "/news/river-path", "/news/old-mill", "/news/baeckerei"}
        assert {p.name: p.stat().st_mtime_ns for p in (show / "episodes").iterdir()} == mtimes
        assert feed_entries(show) == episodes

        site.edit("old-mill", ARTICLES["old-mill"][1][:2] + ["The open day moves to the first Saturday in April."])
        site.reset()
        third = cli(*args)
        assert third.code == 0, third.stderr
        assert "0 new, 1 updated, 3 unchanged" in third.stderr
        assert f"Updated '{ARTICLES['old-mill'][0]}'" in third.stderr
        assert feed_entries(show) == episodes  # same GUID and enclosure URL
        changed = {name for name, ns in mtimes.items() if (show / "episodes" / name).stat().st_mtime_ns != ns
                   and not name.endswith(".html")}  # (the pages are the site's: all rewritten)
        assert changed and all(name.startswith("old-mill-becomes") for name in changed)
        assert "first Saturday in April" in (show / "episodes" / "old-mill-becomes-a-makers-workshop.vtt").read_text()


def test_show_sources_bring_the_show_up_to_date(cli: Cli, tmp_path: Path, site: LocalSite) -> None:
    init_show(cli)
    toml = tmp_path / "show" / "show.toml"
    toml.write_text(toml.read_text() + f'\n[sources]\nfeeds = ["{site.url("/atom.xml")}"]\nlimit = 2\n')
    run = cli("publish", "--show", "show")
    assert run.code == 0, run.stderr
    assert set(feed_entries(tmp_path / "show")) == {ARTICLES["market-hall"][0], ARTICLES["old-mill"][0]}
    toml.write_text(toml.read_text().replace("limit = 2", "limit = 0"))
    run = cli("publish", "--show", "show")
    assert run.code == 1 and "[sources] limit must be a whole number" in run.stderr


def test_publish_with_nothing_to_publish_is_a_usage_error(cli: Cli) -> None:
    init_show(cli)
    run = cli("publish", "--show", "show")
    assert run.code == 2 and "--from-feed" in run.stderr


def test_publishing_a_url_twice_updates_one_episode(cli: Cli, tmp_path: Path, site: LocalSite) -> None:
    init_show(cli)
    assert cli("publish", site.url("/moved/market-hall"), "--show", "show").code == 0
    run = cli("publish", site.url("/news/market-hall"), "--show", "show")
    assert run.code == 0 and "Unchanged 'Market hall roof" in run.stderr, run.stderr  # the same article, same text
    assert len(feed_entries(tmp_path / "show")) == 1


def test_publish_goes_on_past_a_failed_article(cli: Cli, tmp_path: Path, site: LocalSite) -> None:
    init_show(cli)
    run = cli("publish", site.url("/news/gone"), site.url("/news/river-path"), "--show", "show")
    assert run.code == 1 and "no such page" in run.stderr
    assert set(feed_entries(tmp_path / "show")) == {ARTICLES["river-path"][0]}


def test_a_feed_run_killed_mid_way_is_finished_by_the_next(tmp_path: Path, site: LocalSite) -> None:
    """SIGKILL once the first article is recorded and the second is building: the show stays
    whole, and the next run publishes the rest, each article once."""
    from test_faults import (
        kill_when,
        no_process_left,
        second_build_started,
        show_agrees_with_itself,
    )

    env = {"AUDIO_EDITION_CACHE_DIR": str(tmp_path / "cache"), "TMPDIR": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "audio_edition", "show", "init", "show", "--title", "T", "--author", "A",
                    "--email", "a@b.example", "--base-url", "https://example.org/ferry/"], cwd=tmp_path,
                   env=bare_path_env(env), check=True, capture_output=True)
    show = tmp_path / "show"
    args = [sys.executable, "-m", "audio_edition", "publish", "--from-feed", site.url("/atom.xml"), "--show", "show"]
    proc = subprocess.Popen(args, cwd=tmp_path, env=bare_path_env(env), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    assert kill_when(proc, second_build_started(show)), "the run finished before the second article"
    no_process_left(tmp_path)
    assert len(feed_entries(show)) == 1
    rerun = subprocess.run(args, cwd=tmp_path, env=bare_path_env(env), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "2 new, 0 updated, 1 unchanged" in rerun.stderr
    show_agrees_with_itself(show)
    assert len(feed_entries(show)) == 3
