"""The inbox's parts on their own (fast): the queue in the catalog, the secret, the rate limit,
which addresses the add form takes, and the static site's addresses moved under the prefix."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from audio_edition.errors import FetchError, InputError, OutputError
from audio_edition.inbox import pages
from audio_edition.inbox.queue import BUILDING, DONE, FAILED, QUEUED, Jobs
from audio_edition.inbox.secret import Secret
from audio_edition.inbox.state import Limits
from audio_edition.publish.catalog import Catalog
from audio_edition.publish.site import subscribe_links


def test_the_queue_keeps_order_dedupes_waiting_addresses_and_requeues_after_a_kill(tmp_path: Path) -> None:
    jobs = Jobs(Catalog(tmp_path))
    first, new = jobs.add("https://example.org/a")
    again, new_again = jobs.add("https://example.org/a")
    second, _ = jobs.add("https://example.org/b")
    assert new and not new_again and again.id == first.id and first.status == QUEUED
    assert jobs.waiting() == 2
    (claimed,) = jobs.claim()
    assert claimed.id == first.id and claimed.status == BUILDING
    # a new process (the server killed while it built): the catalog says building; a restart requeues it
    reopened = Jobs(Catalog(tmp_path))
    assert reopened.get(first.id).status == BUILDING  # type: ignore[union-attr]
    assert reopened.requeue_interrupted() == 1
    assert [job.id for job in reopened.claim(5)] == [first.id, second.id]
    reopened.finish(first.id, episode="guid-1")
    reopened.finish(second.id, error="the site has no such page")
    done, failed = reopened.get(first.id), reopened.get(second.id)
    assert done and done.status == DONE and done.episode == "guid-1" and done.finished
    assert failed and failed.status == FAILED and failed.error == "the site has no such page"
    third, new_third = reopened.add("https://example.org/a")  # done before: a new job, which re-checks it
    assert new_third and third.id != first.id
    assert [job.id for job in reopened.recent(2)] == [third.id, second.id]


def test_the_secret_is_made_for_its_owner_and_rotates_when_deleted(tmp_path: Path) -> None:
    told: list[str] = []
    secret = Secret(tmp_path, on_new=told.append)
    token = secret.current()
    assert stat.S_IMODE(os.stat(tmp_path / ".inbox-token").st_mode) == 0o600 and len(token) >= 32
    assert secret.matches(token) and not secret.matches(token[:-1]) and not secret.matches(token + "x")
    assert not secret.matches("") and not secret.matches(token.upper()) and not secret.matches("\udcff")
    assert Secret(tmp_path).current() == token  # a restart: the same token
    (tmp_path / ".inbox-token").unlink()
    rotated = secret.current()
    assert rotated != token and told == [rotated] and not secret.matches(token)


def test_a_token_file_others_can_read_is_made_private_and_a_damaged_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / ".inbox-token"
    path.write_text("k" * 32 + "\n")
    path.chmod(0o644)
    assert Secret(tmp_path).current() == "k" * 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("<script>\n")
    with pytest.raises(OutputError, match="does not hold an inbox token"):
        Secret(tmp_path).current()


def test_the_rate_limit_counts_a_minute_across_threads() -> None:
    limits = Limits(per_minute=5, waiting=10)
    results: list[float] = []
    threads = [threading.Thread(target=lambda: results.append(limits.take())) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(0.0) == 5 and all(0 < wait <= 60 for wait in results if wait)


@pytest.mark.parametrize(("url", "text", "expected"), [
    ("https://example.org/a#top", "", "https://example.org/a"),
    ("", "Read this: https://news.example.com/story?id=4 (via app)", "https://news.example.com/story?id=4"),
    ("  http://example.org/x  ", "", "http://example.org/x"),
])
def test_the_add_form_takes_an_address_or_finds_one_in_shared_text(url: str, text: str, expected: str) -> None:
    assert pages.article_url(url, text) == expected


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://example.org/a", "example.org",
                                 "data:text/html,x", "https://", "http://" + "a" * 3000 + ".org/"])
def test_the_add_form_refuses_what_is_not_a_web_address(url: str) -> None:
    with pytest.raises(InputError, match="not an article address"):
        pages.article_url(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1/a", "http://localhost:8000/a", "http://[::1]/a", "http://10.1.2.3/",
                                 "http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]/",
                                 "http://app.localhost/", "http://0.0.0.0/"])
def test_a_private_address_is_refused_unless_allowed(url: str) -> None:
    with pytest.raises(FetchError, match="private or local address"):
        pages.article_url(url)
    assert pages.article_url(url, allow_private=True)


def test_the_static_site_s_addresses_move_under_the_private_prefix(tmp_path: Path) -> None:
    from audio_edition.publish.show import Show

    show = Show(root=tmp_path, title="T", author="A", email="a@example.org", base_url="https://example.org/l/")
    base = "http://127.0.0.1:8040/p/SECRET/"
    page = "".join(f'<a href="{link}">{app}</a>' for app, link in subscribe_links(show.feed_url))
    page += f'<a href="{show.feed_url}">feed</a><iframe src="{show.base_url}episodes/x.embed.html">'
    moved = pages.site_page(show, base, page.encode()).decode()
    assert "example.org/l/" not in moved
    assert moved.count("SECRET") == len(subscribe_links(show.feed_url)) + 2


def test_the_bookmarklet_sends_the_current_tab_to_the_add_page() -> None:
    link = pages.bookmarklet('http://h/p/T"x/')
    assert link.startswith("javascript:location.href=") and "encodeURIComponent(location.href)" in link
    assert '"http://h/p/T\\"x/add?go=1&url="' in link  # quoted as a JavaScript string
