"""The Runner protocol: where packed builds run (processes here, or a Dask cluster's workers)."""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Protocol

from audio_edition.errors import AudioEditionError
from audio_edition.runners.jobs import Built, Job

Outcome = tuple[int, "Built | AudioEditionError"]  # the job's index, and what came back


class Runner(Protocol):
    """Runs packed builds somewhere and yields what comes back, as each finishes."""

    @property
    def workers(self) -> int:
        """How many builds run at once."""
        ...

    @property
    def remote(self) -> bool:
        """Whether builds run on other machines (their workers' names are worth telling)."""
        ...

    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        """Yield (index into ``jobs``, the files or the article's error) as each build finishes;
        a failed article is an error in its place, and the rest go on. Ctrl-C cancels what has not
        started."""
        ...

    def __enter__(self) -> Runner:
        ...

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        ...
