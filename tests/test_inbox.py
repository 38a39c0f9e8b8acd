"""`audio-edition inbox` as a person runs it: a real process on a loopback port, a local site of
article pages, and an independent feed reader (feedparser) on what it serves.

The articles come from tests/localsite.py (our own writing); fetching them needs --allow-private,
since the site is on 127.0.0.1, and one inbox runs without it to show that it refuses them.
"""

from __future__ import annotations

import os
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from inboxprocess import RunningInbox, fetch, make_show, start_inbox, stop_all
from localsite import LocalSite

pytestmark = pytest.mark.slow  # real processes and a server


@pytest.fixture(scope="module")
def site() -> Iterator[LocalSite]:
    with LocalSite() as running:
        yield running


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, site: LocalSite) -> Iterator[RunningInbox]:
    show = make_show(tmp_path_factory.mktemp("inbox") / "show")
    inbox = start_inbox(show, "--allow-private")
    yield inbox
    stop_all([inbox])


@pytest.fixture(scope="module")
def silent(running: RunningInbox) -> Iterator[tuple[socket.socket, float]]:
    """A connection opened when the inbox started that never sends a request, and when it opened:
    the module's other tests run while the inbox's deadline for it runs out."""
    sock = socket.create_connection(("127.0.0.1", int(running.origin.rsplit(":", 1)[1])), timeout=10)
    sock.sendall(b"GET /p/")  # the start of a request line, never finished
    yield sock, time.monotonic()
    sock.close()


@pytest.fixture(scope="module")
def three(running: RunningInbox, site: LocalSite) -> list[dict[str, object]]:
    """Three articles added (two as JSON clients, one as a browser's form), built."""
    first = running.add(site.url("/news/river-path"))
    second = running.add(site.url("/news/old-mill"))
    form = running.add(site.url("/moved/market-hall"), as_json=False)
    assert first.status == 202 and second.status == 202, (first, second)
    assert set(first.json()) == {"id", "status"} and first.json()["status"] == "queued"
    assert form.status == 303 and "/jobs/" in form.headers["location"]
    form_id = form.headers["location"].rsplit("/", 1)[1]
    return [running.wait(job_id) for job_id in (first.json()["id"], second.json()["id"], form_id)]


def test_the_token_is_a_file_for_its_owner_alone_and_start_up_says_where_to_go(
        running: RunningInbox, silent: tuple[socket.socket, float]) -> None:
    token_file = running.show / ".inbox-token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert token_file.read_text().strip() == running.token and len(running.token) >= 32
    said = running.stderr()
    assert f"{running.base}add" in said and f"Subscribe in your podcast app: {running.base}feed.xml" in said
    assert running.base.startswith("http://127.0.0.1:")  # loopback unless told otherwise


@pytest.mark.parametrize("path", ["/", "/add", "/feed.xml", "/p/", "/p", "/p/wrong/add", "/p//add",
                                  "/p/{short}/add", "/p/{token}x/add", "/p/{upper}/add", "/P/{token}/add",
                                  "/p/%2e%2e/{token}/add", "/show.toml"])
def test_anything_but_the_private_prefix_is_a_404(running: RunningInbox, path: str) -> None:
    target = path.format(token=running.token, short=running.token[:-1], upper=running.token.upper())
    answer = fetch(running.origin + target)
    assert answer.status == 404 and answer.body == b"404 Not Found\n"
    assert running.token not in answer.text


@pytest.mark.parametrize("rest", [".inbox-token", ".catalog.sqlite", ".catalog.sqlite.bak", ".inbox.lock",
                                  "show.toml", "%2einbox-token", "episodes/..%2f.inbox-token", "episodes/",
                                  "episodes/.build-x/episode.mp3", "../show.toml"])
def test_the_private_files_are_never_served_even_with_the_token(running: RunningInbox, rest: str,
                                                                three: list[dict[str, object]]) -> None:
    assert fetch(running.url(rest)).status == 404


def test_a_report_beside_an_episode_is_not_served(running: RunningInbox, three: list[dict[str, object]]) -> None:
    reports = list((running.show / "episodes").glob("*.report.json"))
    assert reports  # the build writes one; it holds local paths
    assert fetch(running.url(f"episodes/{reports[0].name}")).status == 404


def test_three_added_articles_are_three_episodes_of_the_private_feed(running: RunningInbox,
                                                                     three: list[dict[str, object]]) -> None:
    assert [job["status"] for job in three] == ["done"] * 3, three
    feed = fetch(running.url("feed.xml"))
    assert feed.status == 200 and "rss" in feed.headers["content-type"]
    parsed = feedparser.parse(feed.body)
    assert not parsed.bozo, parsed.bozo_exception
    titles = sorted(entry.title for entry in parsed.entries)
    assert titles == sorted(["River path stays open all winter", "Old mill becomes a makers' workshop",
                             "Market hall roof repaired ahead of schedule"])
    for entry in parsed.entries:
        (enclosure,) = entry.enclosures
        assert enclosure.href.startswith(running.base) and enclosure.href.endswith(".mp3")
        assert entry.link.startswith(running.base)
    # transcripts and chapters: under the prefix too, and served
    urls = set(_podcast_urls(feed.text))
    assert len(urls) == 9  # per episode: WebVTT, SubRip, chapters
    for url in urls:
        assert url.startswith(running.base), url
        assert fetch(url).status == 200, url
    episode = three[0]["episode"]
    assert isinstance(episode, dict) and episode["page"].startswith(running.base)
    assert fetch(episode["page"]).status == 200


def _podcast_urls(xml: str) -> list[str]:
    import re

    return re.findall(r'<podcast:(?:transcript|chapters) url="([^"]+)"', xml)


def test_enclosures_answer_range_requests_with_206(running: RunningInbox, three: list[dict[str, object]]) -> None:
    parsed = feedparser.parse(fetch(running.url("feed.xml")).body)
    href = parsed.entries[0].enclosures[0].href
    whole = fetch(href)
    part = fetch(href, headers={"Range": "bytes=100-1099"})
    assert whole.status == 200 and whole.headers["accept-ranges"] == "bytes"
    assert part.status == 206 and part.headers["content-range"] == f"bytes 100-1099/{len(whole.body)}"
    assert part.body == whole.body[100:1100]
    assert int(parsed.entries[0].enclosures[0].length) == len(whole.body)
    head = fetch(href, method="HEAD")
    assert head.status == 200 and head.body == b"" and head.headers["content-length"] == str(len(whole.body))
    assert fetch(href, headers={"Range": f"bytes={len(whole.body)}-"}).status == 416


def test_the_site_under_the_prefix_points_at_the_private_feed(running: RunningInbox,
                                                              three: list[dict[str, object]]) -> None:
    home = fetch(running.url())
    assert home.status == 200
    assert "listen.example.org" not in home.text  # the show's public address is nowhere on the private site
    assert f"{running.base}feed.xml" in home.text
    assert home.headers["referrer-policy"] == "no-referrer"  # links out never carry the token


def test_adding_a_published_article_again_rechecks_it_instead_of_duplicating_it(
        running: RunningInbox, site: LocalSite, three: list[dict[str, object]]) -> None:
    hits = len(site.site.hits)
    again = running.add(site.url("/news/river-path"))
    job = running.wait(again.json()["id"])
    assert job["status"] == "done" and job["episode"]["guid"] == three[0]["episode"]["guid"]  # type: ignore[index]
    asked = [hit for hit in site.site.hits[hits:] if hit.path == "/news/river-path"]
    assert asked and all(hit.conditional for hit in asked) and asked[-1].status == 304
    assert len(feedparser.parse(fetch(running.url("feed.xml")).body).entries) == 3


def test_a_changed_article_sent_again_updates_its_episode_in_place(running: RunningInbox, site: LocalSite,
                                                                   three: list[dict[str, object]]) -> None:
    site.site.edit("old-mill", ["The empty mill on Weaver Street now opens in May, a month later than planned.",
                                "The cooperative blamed a delayed delivery of workbenches and kilns."])
    job = running.wait(running.add(site.url("/news/old-mill")).json()["id"])
    before = three[1]["episode"]
    assert job["status"] == "done" and isinstance(before, dict) and job["episode"]["guid"] == before["guid"]
    entries = feedparser.parse(fetch(running.url("feed.xml")).body).entries
    assert len(entries) == 3
    (entry,) = [e for e in entries if e.id == before["guid"]]
    assert "opens in May" in entry.summary and entry.enclosures[0].href == before["audio"]


def test_a_failing_address_keeps_its_error_in_the_json_and_on_the_add_page(running: RunningInbox,
                                                                           site: LocalSite) -> None:
    job = running.wait(running.add(site.url("/news/gone")).json()["id"])
    assert job["status"] == "failed" and job["episode"] is None
    assert "404" in str(job["error"])
    page = fetch(running.url("add"))
    assert page.status == 200 and "Failed" in page.text and "404" in page.text


def test_a_form_posts_to_the_job_page_and_bad_input_says_why(running: RunningInbox) -> None:
    bad = running.add("ftp://example.org/x")
    assert bad.status == 400 and "not an article address" in bad.json()["error"]
    empty = running.add("", as_json=False)
    assert empty.status == 400 and "no article address" in empty.text and "<form" in empty.text
    huge = fetch(running.url("add"), b"url=" + b"a" * 20000, {"Accept": "application/json"})
    assert huge.status == 413


def test_a_phone_share_with_the_address_in_its_text_is_queued(running: RunningInbox, site: LocalSite) -> None:
    from urllib.parse import urlencode

    body = urlencode({"title": "Old mill", "text": f"Look at this {site.url('/news/old-mill')} nice"}).encode()
    answer = fetch(running.url("add"), body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status == 303
    job = running.job(answer.headers["location"].rsplit("/", 1)[1])
    assert job["url"] == site.url("/news/old-mill")


def test_the_manifest_declares_a_share_target(running: RunningInbox) -> None:
    answer = fetch(running.url("manifest.webmanifest"))
    assert answer.status == 200 and answer.headers["content-type"].startswith("application/manifest+json")
    manifest = answer.json()
    target = manifest["share_target"]
    assert target["action"] == "add" and target["method"] == "POST"
    assert target["enctype"] == "application/x-www-form-urlencoded"
    assert {"url", "text", "title"} <= set(target["params"])
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        answer = fetch(running.url(icon["src"]))
        assert answer.status == 200 and answer.headers["content-type"] == icon["type"]
    for name, kind in (("cover.jpg", "image/jpeg"), ("favicon.ico", "image/vnd.microsoft.icon"),
                       ("apple-touch-icon.png", "image/png")):  # the site's images, typed as serve types them
        assert fetch(running.url(name)).headers["content-type"] == kind, name


def test_a_killed_server_finishes_its_queue_after_a_restart(tmp_path: Path, site: LocalSite) -> None:
    show = make_show(tmp_path / "show")
    inbox = start_inbox(show, "--allow-private")
    try:
        slow = inbox.add(site.url("/news/slow")).json()["id"]  # three seconds to arrive: still building when killed
        queued = [inbox.add(site.url(path)).json()["id"] for path in ("/news/river-path", "/news/old-mill")]
        inbox.wait_status(slow, "building")
        inbox.kill()
        assert inbox.process.returncode == -9
        again = start_inbox(show, "--allow-private")
        try:
            assert again.token == inbox.token  # the same secret, so the same addresses
            assert "Finishing 3 articles the last run left unfinished" in again.stderr()
            jobs = [again.wait(job_id) for job_id in (slow, *queued)]
            assert [job["status"] for job in jobs] == ["done"] * 3, jobs
            entries = feedparser.parse(fetch(again.url("feed.xml")).body).entries
            assert len(entries) == 3
            assert not list((show / "episodes").glob(".build-*"))  # what the killed build left is swept
        finally:
            stop_all([again])
    finally:
        stop_all([inbox])


def test_private_addresses_are_refused_without_allow_private(tmp_path: Path, site: LocalSite) -> None:
    inbox = start_inbox(make_show(tmp_path / "show"))
    try:
        refused = inbox.add(site.url("/news/river-path"))
        assert refused.status == 400 and "private or local address" in refused.json()["error"]
        port = site.base.rsplit(":", 1)[1]
        # a name that only resolves to loopback gets past the form, and the fetch policy refuses it
        job = inbox.wait(inbox.add(f"http://2130706433:{port}/news/river-path").json()["id"])
        assert job["status"] == "failed" and "private or local address" in str(job["error"])
    finally:
        stop_all([inbox])


def test_too_many_adds_get_429(tmp_path: Path, site: LocalSite) -> None:
    inbox = start_inbox(make_show(tmp_path / "show"), "--allow-private", "--adds-per-minute", "2",
                        "--max-waiting", "5")
    try:
        answers = [inbox.add(site.url(path)) for path in ("/news/river-path", "/news/old-mill", "/news/baeckerei")]
        assert [a.status for a in answers] == [202, 202, 429]
        assert "in the last minute" in answers[2].json()["error"] and int(answers[2].headers["retry-after"]) >= 1
    finally:
        stop_all([inbox])
    full = start_inbox(make_show(tmp_path / "full"), "--allow-private", "--max-waiting", "1")
    try:
        first = full.add(site.url("/news/slow"))
        second = full.add(site.url("/news/old-mill"))
        assert first.status == 202 and second.status == 429 and "already waiting" in second.json()["error"]
    finally:
        stop_all([full])


def test_deleting_the_token_file_rotates_the_addresses(tmp_path: Path) -> None:
    inbox = start_inbox(make_show(tmp_path / "show"))
    try:
        assert fetch(inbox.url("add")).status == 200
        (inbox.show / ".inbox-token").unlink()
        assert fetch(inbox.url("add")).status == 404  # the old address is dead at once
        token = (inbox.show / ".inbox-token").read_text().strip()
        assert token != inbox.token and stat.S_IMODE(os.stat(inbox.show / ".inbox-token").st_mode) == 0o600
        assert fetch(f"{inbox.origin}/p/{token}/add").status == 200
        deadline = time.monotonic() + 10
        while f"/p/{token}/add" not in inbox.stderr():  # and the new one is said where the owner looks
            assert time.monotonic() < deadline, inbox.stderr()
            time.sleep(0.05)
    finally:
        stop_all([inbox])


def test_one_inbox_per_show_and_bad_options_say_why(tmp_path: Path, cli: object) -> None:
    show = make_show(tmp_path / "show")
    inbox = start_inbox(show)
    try:
        second = cli("inbox", "--show", str(show), "--port", "0")  # type: ignore[operator]
        assert second.code == 1 and "Error: another inbox is already running" in second.stderr
        inbox.process.terminate()  # systemd stopping the service: a clean stop, exit status 0
        assert inbox.process.wait(30) == 0 and inbox.stderr().rstrip().endswith("Stopped.")
    finally:
        stop_all([inbox])
    bad = cli("inbox", "--show", str(show), "--port", "0", "--public-url", "listen.example.org")  # type: ignore[operator]
    assert bad.code == 1 and "--public-url" in bad.stderr and bad.stderr.count("Error:") == 1
    missing = cli("inbox", "--show", str(tmp_path / "nothing"), "--port", "0")  # type: ignore[operator]
    assert missing.code == 1 and "is not a show" in missing.stderr


def test_a_public_url_is_used_for_every_address(tmp_path: Path, site: LocalSite) -> None:
    inbox = start_inbox(make_show(tmp_path / "show"), "--allow-private", "--public-url",
                        "https://listen.example.net/inbox")
    try:
        assert inbox.base == f"https://listen.example.net/inbox/p/{inbox.token}/"
        assert inbox.origin.startswith("http://127.0.0.1:")  # said too, for the proxy's configuration
        job = inbox.wait(inbox.add(site.url("/news/old-mill")).json()["id"])
        assert job["episode"]["audio"].startswith(inbox.base)
        entry = feedparser.parse(fetch(inbox.url("feed.xml")).body).entries[0]
        assert entry.enclosures[0].href.startswith(inbox.base)
        assert inbox.base + "feed.xml" in fetch(inbox.url("add")).text
    finally:
        stop_all([inbox])


def test_connections_that_send_nothing_cannot_shut_out_a_real_request(tmp_path: Path) -> None:
    """With room for 64 connections (128 open files), 100 that send nothing or half a request: the
    inbox closes the longest-waiting ones, and a real request is answered at once."""
    import socket

    inbox = start_inbox(make_show(tmp_path / "show"), open_files=128)
    port = int(inbox.origin.rsplit(":", 1)[1])
    idle = []
    try:
        for n in range(100):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            if n % 2:
                sock.sendall(b"GET /p/x/add HTTP/1.1\r\nHost: x\r\n")  # never finished
            idle.append(sock)
        answer = fetch(inbox.url("add"))
        assert answer.status == 200, answer
        closed = 0
        for sock in idle[:15]:  # the oldest were closed to make room (room for 80: 20 of the 100 went)
            sock.settimeout(10)
            try:
                closed += sock.recv(1) == b""
            except (ConnectionResetError, TimeoutError):
                closed += 1
        assert closed == 15
    finally:
        for sock in idle:
            sock.close()
        stop_all([inbox])


def test_odd_requests_get_plain_answers_that_reveal_nothing(running: RunningInbox) -> None:
    import socket

    deep = fetch(running.url("add"), b"[" * 15000, {"Content-Type": "application/json", "Accept": "application/json"})
    assert deep.status == 400 and "JSON body cannot be read" in deep.json()["error"]
    wrong = fetch(f"{running.origin}/p/{'x' * len(running.token)}/add", b"", method="PUT")
    assert wrong.status == 404 and wrong.headers["referrer-policy"] == "no-referrer"
    assert fetch(running.url("add"), b"", method="PUT").status == 405  # only with the token is the method judged
    assert fetch(running.url("add"), method="OPTIONS").status == 405
    port = int(running.origin.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:  # an absolute-form target
        sock.sendall(f"GET http://evil.example/p/{running.token}/add HTTP/1.1\r\nHost: evil.example\r\n"
                     "Connection: close\r\n\r\n".encode())
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 404") and b"referrer-policy: no-referrer" in reply.lower()
    assert reply.endswith(b"404 Not Found\n")
    bare = fetch(running.url().rstrip("/"))
    assert bare.status == 308 and bare.headers["location"] == running.base


def test_a_damaged_token_file_closes_the_inbox_and_says_so_once(tmp_path: Path) -> None:
    inbox = start_inbox(make_show(tmp_path / "show"))
    try:
        (inbox.show / ".inbox-token").write_text("not a token\n")
        assert [fetch(inbox.url("add")).status for _ in range(3)] == [404, 404, 404]
        assert inbox.stderr().count("does not hold an inbox token") == 1
        assert "Traceback" not in inbox.stderr()
    finally:
        stop_all([inbox])


def test_a_connection_that_never_sends_its_request_is_closed_at_the_deadline(
        silent: tuple[socket.socket, float]) -> None:
    from audio_edition.publish.server import REQUEST_DEADLINE_S

    sock, opened = silent
    sock.settimeout(max(1.0, REQUEST_DEADLINE_S + 10 - (time.monotonic() - opened)))
    assert sock.recv(1) == b""  # closed by the inbox, not answered
    assert time.monotonic() - opened >= REQUEST_DEADLINE_S - 1
