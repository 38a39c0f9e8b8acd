"""Article builds that travel: packed with every file they read, run in another process (this
machine's, side by side) or on a cluster's worker, and sent back as the episode's bytes.

``job_for`` packs a build on the client; ``run_job`` runs it anywhere audio-edition is
installed; the client commits the files it gets back as a local build would. ``LocalPool`` runs
several articles side by side here, one process each, at most ``--jobs`` at once: a batch of
articles uses every core even when each article alone is too short to split its speech.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from audio_edition.settings import Settings
from audio_edition.errors import AudioEditionError, ClusterError, InputError
from audio_edition.ingest import web

PATH_FIELDS = ("intro", "outro", "cover", "bed", "lexicon")  # files a build reads besides the article
TASK_PREFIX = "audio-edition-build"
SCRATCH_PREFIX = "audio-edition-task-"
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
            document: web.Document | None = None, here: bool = False) -> Job:
    """Pack a build for another process: read every file it needs here, on the client. ``here``:
    the process is on this machine, and uses this build's cache; elsewhere a worker uses its own
    (or $AUDIO_EDITION_CLUSTER_CACHE, a folder every worker shares)."""
    from audio_edition.pipeline import build
    from audio_edition.storage import files as files_module
    from audio_edition import ingest

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
            raise InputError(f"{source}: no such file", hint="Check the path.")
        article = (path.name, files_module.read(path, "article", "Split it into several articles.",
                                                limit_mb=ingest.MAX_ARTICLE_MB))
        if not settings.guid:  # as a local build names it: by the file's absolute path, here
            settings = settings.with_changes(guid=build.episode_guid(source, path.name))
        settings = settings.with_changes(source_name=source)
    shared = os.environ.get("AUDIO_EDITION_CLUSTER_CACHE")
    cache = settings.cache_dir if here else (Path(shared) if shared else None)
    settings = settings.with_changes(cache_dir=cache, **{name: None for name in PATH_FIELDS})
    return Job(source, suffix, settings, packed, article, document)


def run_job(job: Job) -> Built:
    """On a worker: build the article in a scratch folder and return the files."""
    from audio_edition.pipeline import build

    worker = "local"
    if "distributed" in sys.modules:  # on a Dask worker (it is never imported for a local batch)
        from distributed import get_worker

        try:
            worker = get_worker().address
        except ValueError:
            pass
    from audio_edition.storage import scratch

    scratch.sweep(None, SCRATCH_PREFIX)  # what builds killed on this machine left
    with _ONE_BUILD_AT_A_TIME, scratch.ScratchFolder(None, SCRATCH_PREFIX) as scratch_folder:
        folder = scratch_folder.path
        changes: dict[str, object] = {}
        for name, (file_name, data) in job.files.items():
            (folder / name).mkdir()
            (folder / name / file_name).write_bytes(data)
            changes[name] = folder / name / file_name
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


def local_paths(built: Built, out: Path) -> dict[Path, bytes]:
    """Where a worker's files go on the client, for the episode ``out``."""
    from audio_edition.pipeline import build

    stem = out.with_suffix("")
    placed = {out: built.files[out.suffix.lower()]}
    for sidecar in build.SIDECAR_SUFFIXES:
        placed[Path(f"{stem}{sidecar}")] = built.files[sidecar]
    return placed


def with_output(built: Built, out: Path):  # type: ignore[no-untyped-def]
    """The worker's BuildResult, with the client's paths."""
    from audio_edition.pipeline import build

    stem = out.with_suffix("")
    return replace(built.result, output=out,  # type: ignore[type-var]
                   sidecars=tuple(Path(f"{stem}{s}") for s in build.SIDECAR_SUFFIXES))


Outcome = tuple[int, "Built | AudioEditionError"]


def outcome_of(future, job: Job) -> Built | AudioEditionError:  # type: ignore[no-untyped-def]
    """What a finished build gave: the files, or the article's error (any other failure, as one)."""
    try:
        return future.result()
    except AudioEditionError as exc:
        return exc
    except Exception as exc:  # a process lost, or a bug: reported for this article, the rest go on
        return ClusterError(f"{job.name}: the build failed ({type(exc).__name__}: {str(exc)[:200]})",
                            hint="Run it alone to see the whole error (AUDIO_EDITION_DEBUG=1).")


class LocalPool:
    """Several articles built side by side on this machine, one process per article."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    @property
    def workers(self) -> int:
        return self.jobs

    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        """Yield (index, what came back) as each build finishes. Ctrl-C cancels what has not
        started; the builds running stop with this process (their processes die with it)."""
        if not jobs:
            return
        from audio_edition.speech.synthesis import _children_deaf_to_ctrl_c, _worker_started

        with _children_deaf_to_ctrl_c():
            pool = ProcessPoolExecutor(max_workers=min(self.jobs, len(jobs)), mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_worker_started, initargs=(os.getpid(),))
        try:
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
