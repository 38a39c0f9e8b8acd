"""The inbox's worker: takes queued jobs oldest first and publishes each into the show, one at a
time here, or as many at once as a cluster has workers.

Each job goes the way of an article from a feed (``publish.sync``): a conditional request when
its address was fetched before, nothing rebuilt when the server or the text says it has not
changed, and otherwise a build published with the show's transaction, so the feed and the site
change only when the episode is committed. The fetch policy is the one every fetch keeps:
deadlines, size caps, and no private or local address unless ``--allow-private``.

Every job the worker claims ends done or failed, whatever happens in between: our errors fail it
with their words, a bug fails it as a bug (and the worker goes on), and a lost cluster puts it
back in the queue for when the cluster answers again.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from audio_edition.errors import AudioEditionError, ClusterError
from audio_edition.inbox.queue import Job, Jobs
from audio_edition.ingest.policy import Reach
from audio_edition.publish.publisher import Failure, Published, Publisher
from audio_edition.publish.sync import Unchanged, Waiting, check_page, remember_outcome

if TYPE_CHECKING:
    from audio_edition.runners.base import Runner

IDLE_WAKE_S = 5.0  # with nothing queued, look again this often (an add wakes the worker at once)
TROUBLE_WAIT_S = 30.0  # after the catalog or the cluster failed: wait this long before trying again


def error_text(exc: AudioEditionError) -> str:
    """An error as a job shows it: what went wrong, then what to do."""
    return f"{exc.message}. {exc.hint}" if exc.hint else exc.message


class Worker:
    """Builds the inbox's jobs in a thread of the server's process."""

    def __init__(self, show_dir: Path, jobs: Jobs, changes: dict[str, object], runner: Runner | None = None,
                 say: Callable[[str], None] = print) -> None:
        self.show_dir = show_dir
        self.jobs = jobs
        self.changes = changes
        self.runner = runner
        self.say = say
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
        while not self._stop.is_set():
            self._wake.clear()
            wait = IDLE_WAKE_S
            try:
                claimed = self.jobs.claim(max(1, self.runner.workers) if self.runner is not None else 1)
                if claimed:
                    self.run(claimed)
                    continue
            except ClusterError as exc:
                self.say(f"inbox: {error_text(exc)}; the articles wait for it")
                wait = TROUBLE_WAIT_S
            except AudioEditionError as exc:  # the catalog itself: say so, and try again later
                self.say(f"inbox: {error_text(exc)}")
                wait = TROUBLE_WAIT_S
            except Exception:  # noqa: BLE001 - a bug: said in full, and the worker goes on
                self.say(f"inbox: the worker failed; please report this:\n{traceback.format_exc()}")
                wait = TROUBLE_WAIT_S
            self._wake.wait(wait)

    def run(self, claimed: list[Job]) -> None:
        """Check and build each claimed job, and record how each ended. A job left unsettled by an
        error is failed with it (or, when the cluster was lost, queued again) before this returns."""
        settled: set[str] = set()

        def finish(job: Job, episode: str | None = None, error: str | None = None) -> None:
            self.jobs.finish(job.id, episode=episode, error=error)
            settled.add(job.id)

        try:
            self._run(claimed, finish)
        except ClusterError:
            self.jobs.requeue([job.id for job in claimed if job.id not in settled])
            raise
        except AudioEditionError as exc:
            self._fail_rest(claimed, settled, error_text(exc))
            raise
        except Exception as exc:
            self._fail_rest(claimed, settled, f"an internal error ({type(exc).__name__}: {exc}); please report it")
            raise

    def _fail_rest(self, claimed: list[Job], settled: set[str], error: str) -> None:
        for job in claimed:
            if job.id not in settled:
                try:
                    self.jobs.finish(job.id, error=error)
                except AudioEditionError:
                    pass  # the catalog is what failed: the next start requeues the job

    def _run(self, claimed: list[Job], finish: Callable[..., None]) -> None:
        publisher = Publisher(self.show_dir, self.changes, self.runner)
        reach = Reach(frozenset(), allow_private=publisher.settings.allow_private)  # no host is trusted by name
        to_build = {}
        for job in claimed:
            checked = check_page(publisher, job.url, reach, retry_wait=False)
            if isinstance(checked, tuple):
                to_build[job.url] = (job, checked)
            elif isinstance(checked, Unchanged):
                record = publisher.catalog.fetched(job.url)
                episode = publisher.catalog.by_source(record.source) if record and record.source else None
                finish(job, episode=episode.guid if episode else None,
                       error=None if episode else "the page is unchanged but its episode is gone; send it again")
            elif isinstance(checked, Failure):
                finish(job, error=error_text(checked.error))
            elif isinstance(checked, Waiting):  # not asked for (retry_wait=False), but said plainly if it were
                finish(job, error=checked.error)
        if not to_build:
            return

        def done(url: str, outcome: Published | Failure) -> None:
            job, (got, digest, base) = to_build[url]
            remember_outcome(publisher, url, got, digest, base, outcome)
            if isinstance(outcome, Failure):
                finish(job, error=error_text(outcome.error))
            else:
                finish(job, episode=outcome.episode.guid)

        publisher.publish_many([(url, got) for url, (_, (got, _, _)) in to_build.items()], done)
