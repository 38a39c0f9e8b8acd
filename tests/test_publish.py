"""Shows and publishing: show.toml, the catalog, the feed (read by feedparser and podcastparser),
re-publishing in place, escaping, and two publishers at once."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path
from typing import TypedDict

import feedparser
import podcastparser
import pytest
from conftest import ROOT, SAMPLE, SEED, Cli, Run, bare_path_env
from mutagen.mp3 import MP3

from audio_edition.episode.naming import slug

pytestmark = pytest.mark.slow  # builds shows

CORPUS = ROOT / "tests" / "corpus" / "tuning"
TRICKY = 'Q3 <script>alert(1)</script> & "Guidance" ]]>'
SAID = 'Q3 & "Guidance"'  # the title as published: its markup dropped at the door (and reported)


def init(cli: Cli, folder: str = "show", *extra: str) -> Run:
    run = cli("show", "init", folder, "--title", "Town & Country <Listens>", "--author", "Eastbrook Library",
              "--email", "audio@eastbrook.example", "--base-url", "https://eastbrook.example/listen", *extra)
    assert run.code == 0, run.stderr
    return run


def test_show_init_writes_show_toml(cli: Cli, tmp_path: Path) -> None:
    init(cli, "show", "--category", "News/Daily News", "--language", "de", "--description", "Our articles, read.")
    data = tomllib.loads((tmp_path / "show" / "show.toml").read_text())
    assert {k: data[k] for k in ("title", "author", "email", "base_url", "language", "category", "description",
                                 "explicit", "cover")} == {
        "title": "Town & Country <Listens>", "author": "Eastbrook Library", "email": "audio@eastbrook.example",
        "base_url": "https://eastbrook.example/listen/", "language": "de", "category": "News/Daily News",
        "description": "Our articles, read.", "explicit": False, "cover": "cover.jpg"}
    assert data["build"] == {"loudness": -16.0, "bitrate": 96}  # the engine: the default (auto) unless set
    assert (tmp_path / "show" / "cover.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
    parsed = feedparser.parse((tmp_path / "show" / "feed.xml").read_bytes())  # an empty feed and site, ready
    assert (not parsed.bozo and parsed.entries == []
            and "No episodes yet" in (tmp_path / "show" / "index.html").read_text())


@pytest.mark.parametrize("args, message", [
    (["--base-url", "eastbrook.example"], "not an absolute http(s) URL"),
    (["--email", "nobody"], "not an e-mail address"),
    (["--category", "Cooking"], "not an Apple Podcasts category"),
    (["--category", "News/Cooking"], "not a subcategory of News"),
    (["--cover", "missing.jpg"], "cover image not found"),
])
def test_show_init_errors(cli: Cli, tmp_path: Path, args: list[str], message: str) -> None:
    base = {"--title": "T", "--author": "A", "--email": "a@b.example", "--base-url": "https://b.example/"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    run = cli("show", "init", "show", *[x for kv in base.items() for x in kv])
    assert run.code == 1 and message in run.stderr, run.stderr
    assert not (tmp_path / "show" / "show.toml").exists()


def test_show_init_refuses_to_overwrite(cli: Cli, tmp_path: Path) -> None:
    init(cli)
    before = (tmp_path / "show" / "show.toml").read_text()
    run = cli("show", "init", "show", "--title", "Other", "--author", "B", "--email", "b@c.example",
              "--base-url", "https://c.example/")
    assert run.code == 1 and "already exists" in run.stderr
    assert (tmp_path / "show" / "show.toml").read_text() == before


class Published(TypedDict):
    """What ``published`` made: its folder and show, the first and the second run, the feed
    before the second, and the seed's title and slug."""

    folder: Path
    show: Path
    first: subprocess.CompletedProcess[str]
    again: subprocess.CompletedProcess[str]
    feed_before: bytes
    seed_title: str
    seed_slug: str


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    """The seed and two other articles published into a fresh show, then the seed again.

    Without the shared seed beside the checkout, an article of ours stands in for it, so the
    publishing checks still run (the seed's own checks are in test_prepare and test_master)."""
    folder = tmp_path_factory.mktemp("pub")
    env = bare_path_env({"AUDIO_EDITION_CACHE_DIR": str(folder / "cache")})

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([sys.executable, "-m", "audio_edition", *args], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        return proc

    run("show", "init", "show", "--title", "Town & Country <Listens>", "--author", "Eastbrook Library",
        "--email", "audio@eastbrook.example", "--base-url", "https://eastbrook.example/listen",
        "--category", "Society & Culture")
    tricky = folder / "tricky.md"
    tricky.write_text(f"---\ntitle: '{TRICKY.replace(chr(39), chr(39) * 2)}'\nauthor: Dana Okoro\n---\n\n"
                      "Quarterly guidance rose, with <em>care</em> & caution.\n")
    if SEED.is_file():
        seed, title = SEED, "Putin’s opportunity to address peace concerns before Trump encounter"
    else:
        seed, title = CORPUS / "10-rail.txt", "Rail line to reopen after landslip"
    first = run("publish", str(seed), str(SAMPLE), str(CORPUS / "09-library.txt"), "--show", "show", "--engine", "fake")
    feed_before = (folder / "show" / "feed.xml").read_bytes()
    again = run("publish", str(seed), "--show", "show", "--engine", "fake", "--loudness", "-18")
    run("publish", str(tricky), "--show", "show", "--engine", "fake")
    return {"folder": folder, "show": folder / "show", "first": first, "again": again, "feed_before": feed_before,
            "seed_title": title, "seed_slug": slug(title)}


def test_feed_reads_as_three_episodes_with_exact_sizes_and_durations(published: Published) -> None:
    show = published["show"]
    feed = published["feed_before"]
    parsed = feedparser.parse(feed)
    assert parsed.bozo is False or parsed.bozo == 0
    assert parsed.feed.title == "Town & Country <Listens>"
    podcast = podcastparser.parse("https://eastbrook.example/listen/feed.xml", __import__("io").BytesIO(feed))
    assert len(podcast["episodes"]) == 3
    for episode in podcast["episodes"]:
        (enclosure,) = episode["enclosures"]
        name = enclosure["url"].rsplit("/", 1)[-1]
        assert enclosure["url"] == f"https://eastbrook.example/listen/episodes/{name}" and name.endswith(".mp3")
        assert enclosure["mime_type"] == "audio/mpeg"
        # The seed was re-published since this feed was written: compare the two others exactly.
        if not name.startswith(published["seed_slug"]):
            mp3 = show / "episodes" / name
            assert enclosure["file_size"] == mp3.stat().st_size
            assert episode["total_time"] == round(MP3(str(mp3)).info.length)


def test_republishing_updates_in_place(published: Published) -> None:
    before = feedparser.parse(published["feed_before"])
    after = feedparser.parse((published["show"] / "feed.xml").read_bytes())
    ids = lambda feed: {e.title: (e.id, e.enclosures[0].href, e.published) for e in feed.entries}  # noqa: E731
    old, new = ids(before), ids(after)
    assert len(new) == 4 and set(old) <= set(new)  # three, and the tricky one added after
    assert all(new[title] == old[title] for title in old)  # same GUID, URL and first publication date
    assert f"Updated '{published['seed_title']}'" in published["again"].stderr
    seed_mp3 = next((published["show"] / "episodes").glob(f"{published['seed_slug']}*.mp3"))
    entry = next(e for e in after.entries if e.title == published["seed_title"])
    assert int(entry.enclosures[0].length) == seed_mp3.stat().st_size  # the new file's exact size
    rows = sqlite3.connect(published["show"] / ".catalog.sqlite").execute("SELECT count(*) FROM episodes").fetchone()
    assert rows == (4,)


def test_feed_follows_the_podcast_standards(published: Published) -> None:
    xml = (published["show"] / "feed.xml").read_text(encoding="utf-8")
    assert xml.startswith("<?xml version='1.0' encoding='UTF-8'?>")
    assert 'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"' in xml
    assert 'xmlns:podcast="https://podcastindex.org/namespace/1.0"' in xml
    parsed = feedparser.parse(xml)
    feed = parsed.feed
    assert feed.itunes_explicit is False or "<itunes:explicit>false</itunes:explicit>" in xml
    assert "<itunes:type>episodic</itunes:type>" in xml
    assert feed.image.href == "https://eastbrook.example/listen/cover.jpg"
    assert feed.author_detail.name == "Eastbrook Library" or feed.publisher_detail.email == "audio@eastbrook.example"
    assert '<itunes:category text="Society &amp; Culture"/>' in xml
    expected_guid = uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), "eastbrook.example/listen/feed.xml")
    assert f"<podcast:guid>{expected_guid}</podcast:guid>" in xml
    assert re.search(r'<podcast:locked owner="audio@eastbrook.example">yes</podcast:locked>', xml)
    published_dates = [e.published_parsed for e in parsed.entries]
    assert published_dates == sorted(published_dates, reverse=True)  # newest first
    for entry in parsed.entries:
        assert entry.guidislink is False and re.fullmatch(r"[0-9a-f-]{36}", entry.id)
        slug = entry.enclosures[0].href.rsplit("/", 1)[-1][: -len(".mp3")]
        for suffix, kind in ((".vtt", "text/vtt"), (".srt", "application/x-subrip"),
                             (".chapters.json", "application/json+chapters")):
            url = f"https://eastbrook.example/listen/episodes/{slug}{suffix}"
            assert f'url="{url}" type="{kind}"' in xml
            assert (published["show"] / "episodes" / f"{slug}{suffix}").is_file()


def test_titles_from_articles_are_escaped_everywhere(published: Published) -> None:
    parsed = feedparser.parse((published["show"] / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert SAID in [e.title for e in parsed.entries]
    page = next((published["show"] / "episodes").glob("q3-guidance*.html")).read_text()
    assert "<script>" not in page and "alert" not in page and "Q3 &amp; &#34;Guidance&#34;" in page
    index = (published["show"] / "index.html").read_text()
    assert "<script>" not in index and "Town &amp; Country &lt;Listens&gt;" in index


def test_site_pages(published: Published) -> None:
    show = published["show"]
    index = (show / "index.html").read_text()
    assert index.count('<li>\n        <h3><a href="episodes/') == 4
    page = (show / "episodes" / "why-a-town-library-started-lending-sound.html").read_text()
    assert '<html lang="en">' in page
    assert '<audio controls preload="metadata" aria-label="Listen to Why a Town Library Started Lending Sound"' in page
    assert '<track kind="captions" src="why-a-town-library-started-lending-sound.vtt" srclang="en"' in page
    assert "<h3>What the listeners said</h3>" in page and "By Mara Quinlan" in page
    assert 'href="../feed.xml"' in page and 'href="why-a-town-library-started-lending-sound.mp3"' in page


def test_feed_command_regenerates_the_same_site(cli: Cli, published: Published) -> None:
    show = published["show"]
    before = {p: p.read_bytes() for p in [show / "index.html", *sorted((show / "episodes").glob("*.html"))]}
    (show / "index.html").unlink()
    run = cli("feed", "--show", str(show))
    assert run.code == 0
    assert {p: p.read_bytes() for p in before} == before
    assert not feedparser.parse((show / "feed.xml").read_bytes()).bozo


def test_two_publishers_at_once_both_land(tmp_path: Path) -> None:
    env = bare_path_env({"AUDIO_EDITION_CACHE_DIR": str(tmp_path / "cache")})
    subprocess.run([sys.executable, "-m", "audio_edition", "show", "init", "show", "--title", "T", "--author", "A",
                    "--email", "a@b.example", "--base-url", "https://b.example/"], cwd=tmp_path, env=env, check=True)
    articles = [CORPUS / "01-harbour.txt", CORPUS / "02-retailers.txt", CORPUS / "03-parks.txt",
                CORPUS / "04-conference.txt"]
    procs = [subprocess.Popen([sys.executable, "-m", "audio_edition", "publish", str(a), str(b), "--show", "show",
                               "--engine", "fake", "-q"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
             for a, b in (articles[:2], articles[2:])]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    titles = {e.title for e in feedparser.parse((tmp_path / "show" / "feed.xml").read_bytes()).entries}
    assert titles == {"Harbour reopens after winter storm repairs", "Two high-street retailers report mixed results",
                      "Five parks worth a weekend visit", "Regional teaching conference announces new dates"}
    rows = sqlite3.connect(tmp_path / "show" / ".catalog.sqlite").execute("SELECT count(*) FROM episodes").fetchone()
    assert rows == (4,)
    assert len(list((tmp_path / "show" / "episodes").glob("*.mp3"))) == 4
    assert not list((tmp_path / "show" / "episodes").glob(".build-*"))


def test_publish_errors(cli: Cli, tmp_path: Path) -> None:
    run = cli("publish", str(SAMPLE), "--show", "nowhere")
    assert run.code == 1 and "is not a show" in run.stderr
    init(cli)
    run = cli("publish", "missing.md", "--show", "show")
    assert run.code == 1 and "no such file" in run.stderr
    run = cli("publish", "-", "--show", "show", stdin=b"T\n\nx\n")
    assert run.code == 1 and "not standard input" in run.stderr
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01")
    run = cli("publish", "bad.txt", "--show", "show", "--engine", "fake")
    assert run.code == 1 and not list((tmp_path / "show" / "episodes").iterdir())
    assert feedparser.parse((tmp_path / "show" / "feed.xml").read_bytes()).entries == []


def test_show_settings_apply_and_flags_override(cli: Cli, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUDIO_EDITION_ENGINE")  # the environment would count as a flag given
    init(cli)
    toml = tmp_path / "show" / "show.toml"
    toml.write_text(toml.read_text().replace("[build]\n", '[build]\nengine = "fake"\nintro = "none"\n'))
    (tmp_path / "a.txt").write_text("A Title\n\nSome words.\n")
    assert cli("publish", "a.txt", "--show", "show").code == 0  # the show's engine (fake) and no intro
    chapters = json.loads((tmp_path / "show" / "episodes" / "a-title.chapters.json").read_text())["chapters"]
    assert chapters[0]["title"] == "A Title"
    report = json.loads((tmp_path / "show" / "episodes" / "a-title.report.json").read_text())
    assert report["engine"] == "fake"
    run = cli("publish", "a.txt", "--show", "show", "--engine", "nosuch")  # a flag beats the show
    assert run.code == 1 and "unknown engine 'nosuch'" in run.stderr
