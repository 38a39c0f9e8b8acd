"""Several articles built side by side on this machine: one process per article, at most
``--jobs`` at once, so a batch of articles uses every core even when each article alone is too
short to split its speech."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from types import TracebackType

from audio_edition.runners.base import Outcome
from audio_edition.runners.jobs import Job, outcome_of, run_job
from audio_edition.speech.workers import children_deaf_to_ctrl_c, process_pool


class LocalPool:
    """A Runner: several articles built side by side on this machine, one process per article."""

    remote = False

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        pass

    @property
    def workers(self) -> int:
        return self.jobs

    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        """Yield (index, what came back) as each build finishes. Ctrl-C cancels what has not
        started; the builds running stop with this process (their processes die with it)."""
        if not jobs:
            return
        pool = process_pool(min(self.jobs, len(jobs)))
        try:
            with children_deaf_to_ctrl_c():  # the worker processes start as the jobs are submitted
                futures = {pool.submit(run_job, job): n for n, job in enumerate(jobs)}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    n = futures[future]
                    yield n, outcome_of(future, jobs[n])
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
