"""The inbox's parts on their own (fast): the queue in the catalog, the secret, the rate limit,
which addresses the add form takes, and the static site's addresses moved under the prefix."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from conftest import CliHere

from audio_edition.errors import FetchError, InputError, OutputError, SettingError
from audio_edition.inbox import pages
from audio_edition.inbox.queue import BUILDING, DONE, FAILED, MOST_ATTEMPTS, QUEUED, Job, Jobs
from audio_edition.inbox.secret import Secret
from audio_edition.inbox.state import Limits, check_public_url
from audio_edition.publish.catalog import Catalog
from audio_edition.publish.site import subscribe_links


def test_the_queue_keeps_order_dedupes_waiting_addresses_and_requeues_after_a_kill(tmp_path: Path) -> None:
    jobs = Jobs(Catalog(tmp_path))
    first = jobs.add("https://example.org/a")
    again = jobs.add("https://example.org/a")
    second = jobs.add("https://example.org/b")
    assert first and again and second and again.id == first.id and first.status == QUEUED
    assert jobs.waiting() == 2
    (claimed,) = jobs.claim()
    assert claimed.id == first.id and claimed.status == BUILDING
    # a new process (the server killed while it built): the catalog says building; a restart requeues it
    reopened = Jobs(Catalog(tmp_path))
    assert reopened.get(first.id).status == BUILDING  # type: ignore[union-attr]
    assert reopened.requeue_interrupted() == (1, 0)
    assert [job.id for job in reopened.claim(5)] == [first.id, second.id]
    reopened.finish(first.id, episode="guid-1")
    reopened.finish(second.id, error="the site has no such page")
    done, failed = reopened.get(first.id), reopened.get(second.id)
    assert done and done.status == DONE and done.episode == "guid-1" and done.finished
    assert failed and failed.status == FAILED and failed.error == "the site has no such page"
    third = reopened.add("https://example.org/a")  # done before: a new job, which re-checks it
    assert third and third.id != first.id
    assert [job.id for job in reopened.recent(2)] == [third.id, second.id]


def test_adds_side_by_side_never_queue_more_than_the_limit(tmp_path: Path) -> None:
    results: list[object] = []

    def add(n: int) -> None:  # each as a request would: its own connection to a catalog opened at once by all
        try:
            results.append(Jobs(Catalog(tmp_path)).add(f"https://e.org/{n}", 3))
        except Exception as exc:  # noqa: BLE001 - counted below
            results.append(exc)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Jobs(Catalog(tmp_path)).waiting() == 3 and sum(r is not None for r in results) == 3
    waiting_url = next(r.url for r in results if r is not None)  # type: ignore[attr-defined]
    assert Jobs(Catalog(tmp_path)).add(waiting_url, 3) is not None  # an address already waiting: its job, not a 429


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


def test_a_token_file_that_is_a_link_is_refused_and_its_target_left_alone(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("k" * 32 + "\n")
    victim.chmod(0o644)
    (tmp_path / ".inbox-token").symlink_to(victim)
    with pytest.raises(OutputError, match="not a regular file"):
        Secret(tmp_path).current()
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644


@pytest.mark.parametrize("url", ['https://x.example/in box/', 'https://x.example/"><script>/', "listen.example.org",
                                 "ftp://x.example/", "https://x.example/?a=1", "https://user@x.example/"])
def test_a_public_url_must_be_a_plain_http_address(url: str) -> None:
    with pytest.raises(SettingError, match="--public-url"):
        check_public_url(url)
    assert check_public_url("https://listen.example.org/inbox") == "https://listen.example.org/inbox/"


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


def test_a_job_the_server_dies_in_twice_is_failed_not_retried_forever(tmp_path: Path) -> None:
    jobs = Jobs(Catalog(tmp_path))
    job = jobs.add("https://example.org/heavy")
    assert job
    for _ in range(MOST_ATTEMPTS - 1):
        jobs.claim()
        assert Jobs(Catalog(tmp_path)).requeue_interrupted() == (1, 0)  # killed mid-build: tried again
    jobs.claim()
    assert Jobs(Catalog(tmp_path)).requeue_interrupted() == (0, 1)
    failed = jobs.get(job.id)
    assert failed and failed.status == FAILED and "stopped 2 times" in str(failed.error)


class _BrokenPublisher:
    """Stands in for Publisher where the show cannot be opened: with ``error`` as it raises it."""

    error: Exception = PermissionError(13, "Permission denied")

    def __init__(self, *args: object) -> None:
        raise self.error


def test_the_worker_fails_a_job_on_a_bug_and_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audio_edition.inbox import worker as worker_module

    monkeypatch.setattr(worker_module, "Publisher", _BrokenPublisher)
    said: list[str] = []
    jobs = Jobs(Catalog(tmp_path))
    worker = worker_module.Worker(tmp_path, jobs, {}, say=said.append)
    first = jobs.add("https://example.org/one")
    worker.start()
    try:
        second = _settled(jobs, first.id)  # type: ignore[union-attr]
        assert second.status == FAILED and "internal error (PermissionError" in str(second.error)
        later = jobs.add("https://example.org/two")
        worker.wake()  # the worker is still there, and takes the next job
        assert _settled(jobs, later.id).status == FAILED  # type: ignore[union-attr]
    finally:
        worker.stop()
    assert any("please report this" in line and "PermissionError" in line for line in said)


def test_a_lost_cluster_puts_the_jobs_back_in_the_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audio_edition.errors import ClusterError
    from audio_edition.inbox import worker as worker_module

    class LostCluster(_BrokenPublisher):
        error = ClusterError("lost the Dask scheduler at tcp://10.0.0.5:8786")

    monkeypatch.setattr(worker_module, "Publisher", LostCluster)
    jobs = Jobs(Catalog(tmp_path))
    job = jobs.add("https://example.org/one")
    assert job
    with pytest.raises(ClusterError):
        worker_module.Worker(tmp_path, jobs, {}).run(jobs.claim())
    back = jobs.get(job.id)
    assert back and back.status == QUEUED and back.error is None
    for _ in range(MOST_ATTEMPTS - 1):  # and that attempt does not count against it
        jobs.claim()
        assert jobs.requeue_interrupted() == (1, 0)
    assert jobs.get(job.id).status == QUEUED  # type: ignore[union-attr]


def _settled(jobs: Jobs, job_id: str) -> Job:
    import time

    deadline = time.monotonic() + 30
    while True:
        job = jobs.get(job_id)
        assert job is not None
        if job.status in (DONE, FAILED):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.02)


def test_a_queue_from_an_earlier_inbox_gains_the_columns_it_lacks(tmp_path: Path) -> None:
    import sqlite3

    with sqlite3.connect(tmp_path / ".catalog.sqlite") as db:  # the first inbox's table, with one job waiting
        db.execute("CREATE TABLE inbox_jobs (id TEXT PRIMARY KEY, url TEXT NOT NULL, status TEXT NOT NULL, "
                   "error TEXT, episode TEXT, added TEXT NOT NULL, finished TEXT)")
        db.execute("INSERT INTO inbox_jobs VALUES ('j1', 'https://e.org/a', 'building', NULL, NULL, '2026-12-01', "
                   "NULL)")
    jobs = Jobs(Catalog(tmp_path))
    assert jobs.requeue_interrupted() == (1, 0)
    assert [job.id for job in jobs.claim()] == ["j1"]


def test_without_the_inbox_extra_the_command_says_how_to_install_it(cli_here: CliHere, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    for name in [n for n in sys.modules if n.startswith("audio_edition.inbox.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if `pip install audio-edition` without [inbox]
    run = cli_here("inbox", "--show", str(tmp_path))
    assert run.code == 1 and run.stderr.count("Error:") == 1
    assert "uvicorn is not installed" in run.stderr and "audio-edition[inbox]" in run.stderr
