"""The inbox's worker: takes queued jobs oldest first and publishes each into the show, one at a
time here, or as many at once as a cluster has workers.

Each job goes the way of an article from a feed (``publish.sync``): a conditional request when
its address was fetched before, nothing rebuilt when the server or the text says it has not
changed, and otherwise a build published with the show's transaction, so the feed and the site
change only when the episode is committed. The fetch policy is the one every fetch keeps:
deadlines, size caps, and no private or local address unless ``--allow-private``.
"""

from __future__ import annotations

import sys
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from audio_edition.errors import AudioEditionError
from audio_edition.inbox.queue import Job, Jobs
from audio_edition.ingest.policy import Reach
from audio_edition.publish.publisher import Failure, Published, Publisher
from audio_edition.publish.sync import Unchanged, Waiting, check_page, remember_outcome

if TYPE_CHECKING:
    from audio_edition.runners.base import Runner

IDLE_WAKE_S = 5.0  # with nothing queued, look again this often (an add wakes the worker at once)


def error_text(exc: AudioEditionError) -> str:
    """An error as a job shows it: what went wrong, then what to do."""
    return f"{exc.message}. {exc.hint}" if exc.hint else exc.message


class Worker:
    """Builds the inbox's jobs in a thread of the server's process."""

    def __init__(self, show_dir: Path, jobs: Jobs, changes: dict[str, object], runner: Runner | None = None) -> None:
        self.show_dir = show_dir
        self.jobs = jobs
        self.changes = changes
        self.runner = runner
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="inbox-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _loop(self) -> None:
        batch = max(1, self.runner.workers) if self.runner is not None else 1
        while not self._stop.is_set():
            self._wake.clear()
            try:
                claimed = self.jobs.claim(batch)
                if claimed:
                    self.run(claimed)
                    continue
            except AudioEditionError as exc:  # the catalog itself: say so, and try again later
                print(f"inbox: {error_text(exc)}", file=sys.stderr)
            self._wake.wait(IDLE_WAKE_S)

    def run(self, claimed: list[Job]) -> None:
        """Check and build each claimed job, and record how each ended."""
        try:
            publisher = Publisher(self.show_dir, self.changes, self.runner)
        except AudioEditionError as exc:  # show.toml broken since the start: every job says why
            for job in claimed:
                self.jobs.finish(job.id, error=error_text(exc))
            return
        reach = Reach(frozenset(), allow_private=publisher.settings.allow_private)  # no host is trusted by name
        to_build = {}
        for job in claimed:
            try:
                checked = check_page(publisher, job.url, reach, retry_wait=False)
            except Exception as exc:  # noqa: BLE001 - a bug must fail its job, not the worker
                self._crashed(job, exc)
                continue
            if isinstance(checked, tuple):
                to_build[job.url] = (job, checked)
            elif isinstance(checked, Unchanged):
                self._unchanged(publisher, job)
            elif isinstance(checked, Failure):
                self.jobs.finish(job.id, error=error_text(checked.error))
            elif isinstance(checked, Waiting):  # not asked for (retry_wait=False), but said plainly if it were
                self.jobs.finish(job.id, error=checked.error)
        if not to_build:
            return

        def done(url: str, outcome: Published | Failure) -> None:
            job, (got, digest, base) = to_build[url]
            remember_outcome(publisher, url, got, digest, base, outcome)
            if isinstance(outcome, Failure):
                self.jobs.finish(job.id, error=error_text(outcome.error))
            else:
                self.jobs.finish(job.id, episode=outcome.episode.guid)

        try:
            publisher.publish_many([(url, got) for url, (_, (got, _, _)) in to_build.items()], done)
        except Exception as exc:  # noqa: BLE001
            for job, _ in to_build.values():
                self._crashed(job, exc)

    def _unchanged(self, publisher: Publisher, job: Job) -> None:
        record = publisher.catalog.fetched(job.url)
        episode = publisher.catalog.by_source(record.source) if record and record.source else None
        if episode is None:  # cannot happen: unchanged means a known episode; say so rather than guess
            self.jobs.finish(job.id, error="the page is unchanged but its episode is gone; add it again")
        else:
            self.jobs.finish(job.id, episode=episode.guid)

    def _crashed(self, job: Job, exc: Exception) -> None:
        traceback.print_exception(exc, file=sys.stderr)
        try:
            current = self.jobs.get(job.id)
            if current is not None and current.status not in ("done", "failed"):
                self.jobs.finish(job.id, error=f"an internal error ({type(exc).__name__}: {exc}); "
                                               "please report it")
        except AudioEditionError:
            pass
