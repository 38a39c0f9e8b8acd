"""Builds on a Dask cluster (the ``[cluster]`` extra): ``--cluster ADDRESS``.

Each article's whole build (read, clean, speak, mix, master, encode, tag, sidecars) is one task
on a worker. What a build reads travels with the task, so workers need not see the client's
files: the article's bytes (or the page the client fetched), and the intro, outro, bed, cover and
lexicon. The episode and its sidecars come back as bytes, and the client stages and commits them
as a local build does; for a show, the client alone records them and rewrites the site.

A worker that dies mid-build has its task rescheduled on another by Dask's scheduler. Workers
must run this very version of audio-edition (checked on connecting). Each worker uses its own
cache ($AUDIO_EDITION_CACHE_DIR where it runs, else its user's) unless the client names a shared
one. Only this module imports Dask, and only when --cluster is given.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from types import TracebackType

from audio_edition import __version__
from audio_edition.errors import ClusterError
from audio_edition.runners.base import Outcome
from audio_edition.runners.identity import build_identity
from audio_edition.runners.jobs import TASK_PREFIX, Built, Job, outcome_of, run_job

CONNECT_TIMEOUT_S = float(os.environ.get("AUDIO_EDITION_CLUSTER_TIMEOUT", "20"))  # to reach it, and for a worker


def _probe() -> Callable[[], tuple[str, str | None]]:
    """A function that tells, on a worker, its audio-edition version and build identity. Defined
    inside this one, it travels by value (cloudpickle), so a worker with another version of this
    module, or none, still runs it and answers."""

    def worker_identity() -> tuple[str, str | None]:
        import audio_edition

        try:
            from audio_edition.runners.identity import build_identity
        except ImportError:  # older than build identities
            return str(audio_edition.__version__), None
        return str(audio_edition.__version__), build_identity()

    return worker_identity


def run_on_worker(job: Job) -> Built:
    """On a Dask worker: the build, named after the worker that ran it."""
    from distributed import get_worker

    return replace(run_job(job), worker=str(get_worker().address))


class Cluster:
    """A Runner on a Dask scheduler's workers, checked on connecting: reachable, with workers, all
    running this very build of audio-edition."""

    remote = True

    def __init__(self, address: str) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise ClusterError("--cluster needs Dask's distributed scheduler, which is not installed",
                               hint="Install it with: pip install 'audio-edition[cluster]'.") from exc
        self.address = address
        try:
            self.client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {address} ({type(exc).__name__})",
                               hint="Check the address, and that 'dask scheduler' runs there.") from None
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except (TimeoutError, OSError):
            self.client.close()
            raise ClusterError(f"the Dask scheduler at {address} has no workers",
                               hint="Start some with: dask worker " + address) from None
        self._check_workers()

    def _check_workers(self) -> None:
        """Every worker runs this very build (version and files), or a clear error."""
        try:
            found: dict[str, tuple[str, str | None]] = self.client.run(_probe())
        except Exception as exc:  # noqa: BLE001 - whatever the workers raised, said as ours
            self.client.close()
            raise ClusterError(f"cannot ask the workers at {self.address} which audio-edition they run "
                               f"({type(exc).__name__}: {str(exc)[:120]})",
                               hint=f"Install audio-edition {__version__} on every worker, "
                                    "then restart them.") from None
        mine = build_identity()
        wrong = {worker: answer for worker, answer in found.items() if answer[1] != mine}
        if not wrong:
            return
        self.client.close()
        worker, (version, identity) = sorted(wrong.items())[0]
        more = f" (and {len(wrong) - 1} more workers differ)" if len(wrong) > 1 else ""
        if version != __version__:
            raise ClusterError(f"the worker {worker} runs audio-edition {version}, this client {__version__}{more}",
                               hint=f"Install audio-edition {__version__} on every worker, then restart them.")
        raise ClusterError(f"the worker {worker} runs another build of audio-edition {version} ({identity}, "
                           f"this client {mine}){more}",
                           hint="Install the very same audio-edition on every worker as here (the same release, or "
                                "the same checkout), then restart them.")

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.client.close()

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        """Submit every job and yield (index, what came back) as each finishes; a failed article
        is an error in its place. Ctrl-C cancels what has not finished."""
        from distributed import as_completed

        token = uuid.uuid4().hex[:8]
        futures = {self.client.submit(run_on_worker, job, key=f"{TASK_PREFIX}-{token}-{n}", pure=False): n
                   for n, job in enumerate(jobs)}
        try:
            for future in as_completed(futures, loop=self.client.loop):
                n = futures[future]
                outcome = outcome_of(future, jobs[n])
                future.release()
                yield n, outcome
        except BaseException:
            self.client.cancel(list(futures))
            raise
