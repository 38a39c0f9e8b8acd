"""Article builds that travel: packed with every file they read, run in another process (this
machine's, side by side) or on a cluster's worker, and sent back as the episode's bytes.

``job_for`` packs a build on the client; ``run_job`` runs it anywhere audio-edition is
installed; the client commits the files it gets back as a local build would (``runners.batch``).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from audio_edition import ingest
from audio_edition.episode import sidecars
from audio_edition.episode.naming import episode_guid
from audio_edition.errors import AudioEditionError, ClusterError, MissingFileError
from audio_edition.ingest import images, web
from audio_edition.pipeline import BuildResult, build
from audio_edition.runners.identity import build_identity
from audio_edition.settings import Settings
from audio_edition.speech.workers import building_side_by_side
from audio_edition.storage import files, scratch

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
    identity: str = ""  # the client's build identity: a worker running other code refuses the job
    beside: tuple[tuple[str, bytes], ...] = ()  # files a saved page shows (its lead image): (relative path, bytes)


@dataclass(frozen=True)
class Built:
    """What a worker sends back: the build's result (with the worker's paths) and its files, by suffix."""

    result: BuildResult
    files: dict[str, bytes]
    worker: str


def job_for(source: str, suffix: str, settings: Settings, stdin: bytes | None = None,
            document: web.Document | None = None, here: bool = False) -> Job:
    """Pack a build for another process: read every file it needs here, on the client. ``here``:
    the process is on this machine, and uses this build's cache; elsewhere a worker uses its own
    (or $AUDIO_EDITION_CLUSTER_CACHE, a folder every worker shares)."""
    packed: dict[str, tuple[str, bytes]] = {}
    beside: tuple[tuple[str, bytes], ...] = ()
    for name in PATH_FIELDS:
        path = getattr(settings, name)
        if path is not None:
            packed[name] = (Path(path).name, files.read(Path(path), name, "Check the path.", limit_mb=200))
    article = None
    if document is None and web.is_url(source):
        document = ingest.fetch(source, settings.timeout_s, settings.allow_private)
    if source == ingest.STDIN:
        article = ("-", stdin or b"")
    elif document is None:
        path = Path(source)
        if not path.is_file():
            raise MissingFileError(f"{source}: no such file", hint="Check the path.")
        article = (path.name, files.read(path, "article", "Split it into several articles.",
                                         limit_mb=ingest.MAX_ARTICLE_MB))
        if settings.episode_art and path.suffix.lower() in (".html", ".htm"):
            beside = tuple(found for found in [images.beside_page(path, article[1])] if found)
        if not settings.guid:  # as a local build names it: by the file's absolute path, here
            settings = settings.with_changes(guid=episode_guid(source, path.name))
        settings = settings.with_changes(source_name=source)
    shared = os.environ.get("AUDIO_EDITION_CLUSTER_CACHE")
    cache = settings.cache_dir if here else (Path(shared) if shared else None)
    settings = settings.with_changes(cache_dir=cache, **dict.fromkeys(PATH_FIELDS))
    return Job(source, suffix, settings, packed, article, document, build_identity(), beside)


def run_job(job: Job) -> Built:
    """In a worker process: build the article in a scratch folder and return the files (built
    "local"ly: a runner whose workers have names gives them, runners.dask)."""
    if job.identity and job.identity != build_identity():  # a worker that joined, or came back, with other code
        raise ClusterError(f"{job.name}: a worker runs audio-edition {build_identity()}, the client {job.identity}",
                           hint="Install the very same audio-edition on every worker as on the client, then restart "
                                "them.")
    scratch.sweep(None, SCRATCH_PREFIX)  # what builds killed on this machine left
    building_side_by_side()  # the other cores are the other workers'
    with _ONE_BUILD_AT_A_TIME, scratch.ScratchFolder(None, SCRATCH_PREFIX) as scratch_folder:
        folder = scratch_folder.path
        changes: dict[str, Any] = {}
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
            for relative, data in job.beside:  # where the page shows them, and only inside its folder
                target = (folder / "article" / relative).resolve()
                if target.is_relative_to((folder / "article").resolve()) and not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
        elif job.article is not None:
            stdin = job.article[1]
        else:
            source = job.name
        out = folder / f"episode{job.suffix}"
        try:
            result = build(source, out, settings, stdin=stdin, document=job.document)
        except AudioEditionError as exc:  # said of the article as the user named it, not of our scratch copy
            raise type(exc)(exc.message.replace(source, job.name).replace(str(folder), "(worker)"), exc.hint) from None
        made = {job.suffix: out.read_bytes()}
        for suffix, path in zip(sidecars.SUFFIXES, sidecars.paths_for(out)):
            made[suffix] = path.read_bytes()
        return Built(result, made, "local")


def local_paths(built: Built, out: Path) -> tuple[dict[Path, bytes], list[Path]]:
    """Where a worker's files go on the client, for the episode ``out`` (with a sibling's copies
    of shared texts it rewrites), and the sidecars of its own they leave stale (sidecars.placed)."""
    from audio_edition.audio.encode import FORMATS

    placement = sidecars.placed(out, [built.files[suffix].decode("utf-8") for suffix in sidecars.SUFFIXES],
                                tuple(FORMATS))
    placed = {out: built.files[out.suffix.lower()]}
    for suffix, path in zip(sidecars.SUFFIXES, placement.paths):
        placed[path] = built.files[suffix]
    for shared, copy in placement.kept:
        placed[copy] = shared.read_bytes()
    return placed, placement.stale


def with_output(built: Built, out: Path, paths: list[Path]) -> BuildResult:
    """The worker's BuildResult, with the client's paths (``paths``: where its files went)."""
    return replace(built.result, output=out, sidecars=tuple(p for p in paths if p != out))


def outcome_of(future: Future[Built], job: Job) -> Built | AudioEditionError:
    """What a finished build gave: the files, or the article's error (any other failure, as one)."""
    try:
        return future.result()
    except AudioEditionError as exc:
        return exc
    except Exception as exc:  # a process lost, or a bug: reported for this article, the rest go on
        return ClusterError(f"{job.name}: the build failed ({type(exc).__name__}: {str(exc)[:200]})",
                            hint="Run it alone to see the whole error (AUDIO_EDITION_DEBUG=1).")
