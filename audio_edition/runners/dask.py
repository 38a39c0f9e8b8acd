"""Builds on a Dask cluster (the ``[cluster]`` extra): ``--cluster ADDRESS``.

Each article's whole build (read, clean, speak, mix, master, encode, tag, sidecars) is one task
on a worker. What a build reads travels with the task, so workers need not see the client's
files: the article's bytes (or the page the client fetched), and the intro, outro, bed, cover and
lexicon. The episode and its sidecars come back as bytes, and the client stages and commits them
as a local build does; for a show, the client alone records them and rewrites the site.

A worker that dies mid-build has its task rescheduled on another by Dask's scheduler; a build the
scheduler gives up on (KilledWorker) or that fails for any reason but its article's is submitted
once more (RETRIES) before it is reported. Workers
must run this very version of audio-edition (checked on connecting). Each worker uses its own
cache ($AUDIO_EDITION_CACHE_DIR where it runs, else its user's) unless the client names a shared
one. Only this module imports Dask, and only when --cluster is given.
"""

from __future__ import annotations

import os
import queue
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from types import TracebackType
from typing import Any

from audio_edition import __version__
from audio_edition.errors import ClusterError
from audio_edition.runners.base import Outcome
from audio_edition.runners.identity import build_identity
from audio_edition.runners.jobs import TASK_PREFIX, Built, Job, outcome_of, run_job

RETRIES = 1  # a build that failed on the cluster's account (a worker gone, a connection cut) is tried once more
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


def _connect(client_class: Any, address: str) -> Any:
    """A Client of the scheduler at ``address``, within CONNECT_TIMEOUT_S whatever the peer does:
    a port that accepts and never answers holds Dask's handshake for ever, so the connection is
    made in a helper thread and given up on at the deadline."""
    if not _ADDRESS.match(address):
        raise ClusterError(f"--cluster {address!r} is not a Dask scheduler's address",
                           hint="Give tcp://HOST:PORT (or tls://HOST:PORT for a scheduler with TLS).")
    if address.startswith("tls://"):
        import dask.config

        wanted = {"distributed.comm.tls.ca-file": "CA_FILE", "distributed.comm.tls.client.cert": "CLIENT__CERT",
                  "distributed.comm.tls.client.key": "CLIENT__KEY"}
        missing = [name for key, name in wanted.items() if not dask.config.get(key, None)]
        if len(missing) == len(wanted) or "CA_FILE" in missing or "CLIENT__CERT" in missing:
            raise ClusterError(f"the scheduler at {address} speaks TLS, and no client certificate is set",
                               hint="Set DASK_DISTRIBUTED__COMM__TLS__CA_FILE, ..._TLS__CLIENT__CERT and "
                                    "..._TLS__CLIENT__KEY (or the same in ~/.config/dask/distributed.yaml).")
    made: queue.Queue[Any] = queue.Queue()

    def connect() -> None:
        try:
            # TLS (tls://): certificates from Dask's configuration, that is its settings files
            # (~/.config/dask/*.yaml) or DASK_DISTRIBUTED__COMM__TLS__* variables (README).
            made.put(client_class(address, timeout=f"{CONNECT_TIMEOUT_S}s", set_as_default=False))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, which says it as ours
            made.put(exc)

    threading.Thread(target=connect, name="dask-connect", daemon=True).start()
    try:
        got = made.get(timeout=CONNECT_TIMEOUT_S + 2)
    except queue.Empty:
        raise ClusterError(f"the Dask scheduler at {address} did not answer within {CONNECT_TIMEOUT_S:g} s",
                           hint="Check the address: something listens there, but not a Dask scheduler "
                                "(or it is stuck). AUDIO_EDITION_CLUSTER_TIMEOUT sets the wait.") from None
    if isinstance(got, ClusterError):
        raise got
    if isinstance(got, (OSError, TimeoutError, ValueError)):
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({type(got).__name__}: {str(got)[:120]})",
                           hint="Check the address, and that 'dask scheduler' runs there.") from None
    if isinstance(got, BaseException):
        raise ClusterError(f"cannot connect to the Dask scheduler at {address} ({type(got).__name__}: "
                           f"{str(got)[:120]})", hint="Check the address and the scheduler's TLS settings.") from None
    return got


def _failed_on_the_cluster(future: Any) -> bool:
    """Whether a finished build failed for a reason of the cluster's, not of its article's: any
    error but ours (an AudioEditionError says what is wrong with the article), such as a worker
    killed too often (KilledWorker) or a connection closed while it ran."""
    from audio_edition.errors import AudioEditionError

    if future.status != "error":
        return False
    try:
        exc = future.exception(timeout=CONNECT_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - the scheduler could not say: _lost and outcome_of decide
        return False
    return exc is not None and not isinstance(exc, AudioEditionError)


_ADDRESS = re.compile(r"^(tcp|tls)://[^/\s]+:\d{1,5}/?$|^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")


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
        self.client = _connect(Client, address)
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
        tries = dict.fromkeys(range(len(jobs)), 1)
        left = len(jobs)
        try:
            finished = as_completed(futures, loop=self.client.loop)
            for future in finished:
                n = futures[future]
                if self._lost(future):  # the cluster failed, not the article: nothing is its fault
                    raise ClusterError(f"lost the Dask scheduler at {self.address} with {left} of {len(jobs)} "
                                       f"articles not built", hint="Nothing was recorded as failed: run the same "
                                       "command again once the scheduler and its workers are back.")
                if tries[n] <= RETRIES and _failed_on_the_cluster(future):
                    tries[n] += 1  # a worker lost, a connection cut: not the article's fault, so once more
                    again = self.client.submit(run_on_worker, jobs[n], key=f"{TASK_PREFIX}-{token}-{n}-retry{tries[n]}",
                                               pure=False)
                    futures[again] = n
                    finished.add(again)
                    future.release()
                    continue
                outcome = outcome_of(future, jobs[n])
                future.release()
                left -= 1
                yield n, outcome
        except BaseException:
            try:
                self.client.cancel(list(futures))
            except Exception:  # noqa: BLE001, S110 - a lost scheduler cannot be asked to cancel
                pass
            raise

    def _lost(self, future: Any) -> bool:
        """Whether a finished future failed because the cluster did (the scheduler gone, the
        connection closed), not because of its article."""
        from concurrent.futures import CancelledError

        from distributed.comm.core import CommClosedError

        if future.status == "finished":
            return False
        if future.status == "cancelled" or self.client.status not in ("running", "connecting"):
            return True  # a lost scheduler connection cancels every future
        try:
            exc = future.exception(timeout=CONNECT_TIMEOUT_S)  # an article's error comes from the scheduler
        except CancelledError:
            return True
        except TimeoutError:
            return self.client.status != "running"
        except OSError:  # the connection closed while asking
            return True
        return isinstance(exc, (CancelledError, CommClosedError))
