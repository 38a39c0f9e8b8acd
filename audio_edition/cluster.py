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
import tempfile
import threading
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

from audio_edition import __version__
from audio_edition.config import Settings
from audio_edition.errors import AudioEditionError, ClusterError
from audio_edition.ingest import web

PATH_FIELDS = ("intro", "outro", "cover", "bed", "lexicon")  # files a build reads besides the article
CONNECT_TIMEOUT_S = float(os.environ.get("AUDIO_EDITION_CLUSTER_TIMEOUT", "20"))  # to reach it, and for a worker
TASK_PREFIX = "audio-edition-build"
_ONE_BUILD_AT_A_TIME = threading.Lock()  # speech engines keep process-wide state (espeak-ng)


@dataclass(frozen=True)
class Job:
    """One article's build, as it travels to a worker."""

    name: str  # the input as the user gave it: for messages
    suffix: str  # the episode's format: .mp3, .m4a or .opus
    settings: Settings  # with the files below in place of the client's paths
    files: dict[str, tuple[str, bytes]]  # Settings field -> (file name, bytes)
    article: tuple[str, bytes] | None = None  # (file name, bytes) of a file, or ("-", bytes) for stdin
    document: web.Document | None = None  # a page the client fetched


@dataclass(frozen=True)
class Built:
    """What a worker sends back: the build's result and its files, by suffix."""

    result: object  # build.BuildResult, with the worker's paths
    files: dict[str, bytes]
    worker: str


def job_for(source: str, suffix: str, settings: Settings, stdin: bytes | None = None,
            document: web.Document | None = None) -> Job:
    """Pack a build for a worker: read every file it needs here, on the client."""
    from audio_edition import build, files as files_module, ingest

    packed: dict[str, tuple[str, bytes]] = {}
    for name in PATH_FIELDS:
        path = getattr(settings, name)
        if path is not None:
            packed[name] = (Path(path).name, files_module.read(Path(path), name, "Check the path.", limit_mb=200))
    article = None
    if document is None and web.is_url(source):
        document = ingest.fetch(source, settings.timeout_s)
    if source == ingest.STDIN:
        article = ("-", stdin or b"")
    elif document is None:
        path = Path(source)
        if not path.is_file():
            raise AudioEditionError(f"{source}: no such file", hint="Check the path.")
        article = (path.name, files_module.read(path, "article", "Split it into several articles.",
                                                limit_mb=ingest.MAX_ARTICLE_MB))
        if not settings.guid:  # as a local build names it: by the file's absolute path, here
            settings = settings.with_changes(guid=str(uuid.uuid5(build.EPISODE_NAMESPACE, str(path.resolve()))))
        settings = settings.with_changes(source_name=source)
    shared = os.environ.get("AUDIO_EDITION_CLUSTER_CACHE")
    settings = settings.with_changes(cache_dir=Path(shared) if shared else None,
                                     **{name: None for name in PATH_FIELDS})
    return Job(source, suffix, settings, packed, article, document)


def run_job(job: Job) -> Built:
    """On a worker: build the article in a scratch folder and return the files."""
    from audio_edition import build

    try:
        from distributed import get_worker

        worker = get_worker().address
    except (ImportError, ValueError):
        worker = "local"
    with _ONE_BUILD_AT_A_TIME, tempfile.TemporaryDirectory(prefix="audio-edition-task-") as tmp:
        folder = Path(tmp)
        changes: dict[str, object] = {}
        for name, (file_name, data) in job.files.items():
            place = folder / name
            place.mkdir()
            (place / file_name).write_bytes(data)
            changes[name] = place / file_name
        settings = job.settings.with_changes(jobs=job.settings.jobs or 1, **changes)
        source, stdin = "-", None
        if job.article is not None and job.article[0] != "-":
            (folder / "article").mkdir()
            source = str(folder / "article" / job.article[0])
            Path(source).write_bytes(job.article[1])
        elif job.article is not None:
            stdin = job.article[1]
        else:
            source = job.name
        out = folder / f"episode{job.suffix}"
        try:
            result = build.build(source, out, settings, stdin=stdin, document=job.document)
        except AudioEditionError as exc:  # said of the article as the user named it, not of our scratch copy
            raise type(exc)(exc.message.replace(source, job.name).replace(str(folder), "(worker)"), exc.hint) from None
        files = {job.suffix: out.read_bytes()}
        for sidecar in build.SIDECAR_SUFFIXES:
            files[sidecar] = Path(f"{folder / 'episode'}{sidecar}").read_bytes()
        return Built(result, files, worker)


def _version() -> str:
    from audio_edition import __version__ as version

    return version


class Cluster:
    """A connection to a Dask scheduler, checked: reachable, with workers, on our version."""

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
        versions = self.client.run(_version)
        wrong = {worker: version for worker, version in versions.items() if version != __version__}
        if wrong:
            self.client.close()
            worker, version = sorted(wrong.items())[0]
            raise ClusterError(f"the worker {worker} runs audio-edition {version}, this client {__version__}"
                               + (f" (and {len(wrong) - 1} more workers differ)" if len(wrong) > 1 else ""),
                               hint=f"Install audio-edition {__version__} on every worker, then restart them.")

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def run(self, jobs: list[Job], on_done: Callable[[int, Built | AudioEditionError], None] | None = None
            ) -> Iterator[tuple[int, Built | AudioEditionError]]:
        """Submit every job and yield (index, what came back) as each finishes; a failed article
        is an error in its place. Ctrl-C cancels what has not finished."""
        from distributed import as_completed

        token = uuid.uuid4().hex[:8]
        futures = {self.client.submit(run_job, job, key=f"{TASK_PREFIX}-{token}-{n}", pure=False): n
                   for n, job in enumerate(jobs)}
        try:
            for future in as_completed(futures, loop=self.client.loop):
                n = futures[future]
                try:
                    outcome: Built | AudioEditionError = future.result()
                except AudioEditionError as exc:
                    outcome = exc
                except Exception as exc:  # a worker lost too often, or a bug: reported, the rest go on
                    outcome = ClusterError(f"{jobs[n].name}: the build failed on the cluster "
                                           f"({type(exc).__name__}: {str(exc)[:200]})",
                                           hint="See the workers' logs.")
                future.release()
                yield n, outcome
        except BaseException:
            self.client.cancel(list(futures))
            raise


def local_paths(built: Built, out: Path) -> dict[Path, bytes]:
    """Where a worker's files go on the client, for the episode ``out``."""
    from audio_edition import build

    stem = out.with_suffix("")
    placed = {out: built.files[out.suffix.lower()]}
    for sidecar in build.SIDECAR_SUFFIXES:
        placed[Path(f"{stem}{sidecar}")] = built.files[sidecar]
    return placed


def with_output(built: Built, out: Path):  # type: ignore[no-untyped-def]
    """The worker's BuildResult, with the client's paths."""
    from audio_edition import build

    stem = out.with_suffix("")
    return replace(built.result, output=out,  # type: ignore[type-var]
                   sidecars=tuple(Path(f"{stem}{s}") for s in build.SIDECAR_SUFFIXES))
