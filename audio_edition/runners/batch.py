"""Building several articles: in this process one after another, or packed and run side by side
(here, in processes) or on a cluster, each episode committed here as it comes back.

``build_articles`` is what ``audio-edition build`` does; ``build_on`` is the part it shares with
publishing on a cluster.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from audio_edition import ingest
from audio_edition.episode.naming import output_for
from audio_edition.errors import AudioEditionError, SettingError
from audio_edition.ingest.web import Document
from audio_edition.pipeline import BuildResult, build, check_output, read
from audio_edition.runners.base import Runner
from audio_edition.runners.jobs import job_for, local_paths, with_output
from audio_edition.runners.local import LocalPool
from audio_edition.settings import Settings
from audio_edition.storage.staging import commit_files


@dataclass(frozen=True)
class Order:
    """One article to build: where it comes from, where its episode goes, and how."""

    source: str
    out: Path
    settings: Settings
    document: Document | None = None  # the page, when it was fetched already


@dataclass(frozen=True)
class Done:
    """An episode built and committed, and where it was built (a worker's address, or "local")."""

    result: BuildResult
    worker: str


def runner_for(address: str | None, jobs: int | None) -> Runner:
    """The Dask cluster at ``address`` (connected and checked), else processes on this machine."""
    if address:
        from audio_edition.runners.dask import (
            Cluster,  # only now: Dask is an optional extra
        )

        return Cluster(address)
    return LocalPool(jobs)


def build_on(runner: Runner, orders: list[Order],
             stdin: bytes | None = None) -> Iterator[tuple[int, Done | AudioEditionError]]:
    """Build every order on ``runner`` and commit each episode (and its sidecars) at its ``out`` as
    it comes back; yield (index, what was made, or the article's error) as each finishes. An order
    that cannot be packed (a missing file, an output we cannot write) is an error in its place."""
    jobs, where = [], []
    for n, order in enumerate(orders):
        try:
            check_output(order.out, order.settings.bitrate_kbps)
            jobs.append(job_for(order.source, order.out.suffix.lower(), order.settings, stdin, order.document,
                                here=not runner.remote))
            where.append(n)
        except AudioEditionError as exc:
            yield n, exc
    for k, built in runner.run(jobs):
        n = where[k]
        if isinstance(built, AudioEditionError):
            yield n, built
            continue
        try:
            files, stale = local_paths(built, orders[n].out)
            commit_files(files)
            for path in stale:  # this output's own sidecars, now under the shared names
                path.unlink(missing_ok=True)
        except AudioEditionError as exc:
            yield n, exc
            continue
        yield n, Done(with_output(built, orders[n].out, list(files)), built.worker)


class Listener(Protocol):
    """What ``build_articles`` tells as it goes (the command line draws it)."""

    def batch(self, total: int, workers: int, remote: bool) -> None:
        """Several articles are about to be built side by side (or on a cluster)."""

    def article(self, label: str) -> None:
        """One article is about to be built in this process."""

    def progress(self, done: int, total: int) -> None:
        """Within the article being built here: sentences spoken, then seconds mixed."""

    def stage(self, name: str) -> None:
        """Within the article being built here: a new stage ("Speaking", "Mixing and mastering", "Tagging")."""

    def built(self, label: str, result: BuildResult, worker: str | None) -> None:
        """An episode is in place (``worker``: where, when it was built on a cluster)."""

    def failed(self, label: str, error: AudioEditionError) -> None:
        """An article of a batch failed; the others go on."""


def targets_for(sources: list[str], output: Path | None, out_dir: Path | None) -> list[Path | None]:
    """Where each source's episode goes (``output_for``); None for standard input without ``-o``,
    whose episode is named after its title once it is read."""
    return [output_for(src, output, out_dir) if src != ingest.STDIN or output is not None else None
            for src in sources]


def build_articles(sources: list[str], settings: Settings, listener: Listener, output: Path | None = None,
                   out_dir: Path | None = None, stdin: bytes | None = None, cluster: str | None = None) -> bool:
    """Build each source into its episode (``-o`` ``output``, else in ``out_dir`` or here, named
    after the input; standard input after its title). With a ``cluster`` address, or with several
    sources and more than one job allowed, they are built side by side, a failure reported and the
    rest going on; otherwise one after another here, the first failure raised. True if any failed."""
    targets = [target if target is not None else output_for(src, output, out_dir, read(src, settings, stdin).title)
               for src, target in zip(sources, targets_for(sources, output, out_dir))]
    clash = next((t for n, t in enumerate(targets) if t in targets[:n]), None)
    if clash is not None:  # standard input's title named it as another input's file
        raise SettingError(f"two inputs would write the same episode file, {clash}",
                           hint="Rename one of the files, or build standard input on its own with -o.")
    if cluster or (len(sources) > 1 and (settings.jobs or os.cpu_count() or 1) > 1):
        return _side_by_side(sources, targets, settings, listener, stdin, cluster)
    for source, target in zip(sources, targets):
        listener.article(ingest.label(source))
        result = build(source, target, settings, stdin=stdin, on_progress=listener.progress, on_stage=listener.stage)
        listener.built(ingest.label(source), result, None)
    return False


def _side_by_side(sources: list[str], targets: list[Path], settings: Settings, listener: Listener,
                  stdin: bytes | None, cluster: str | None) -> bool:
    """Build the sources in separate processes (each article's speech in its own) or on the
    cluster; commit each episode as it arrives. True if any failed."""
    failed = False
    with runner_for(cluster, settings.jobs) as runner:
        listener.batch(len(sources), runner.workers, runner.remote)
        orders = [Order(src, target, settings.with_changes(jobs=1)) for src, target in zip(sources, targets)]
        for n, outcome in build_on(runner, orders, stdin):
            label = ingest.label(sources[n])
            if isinstance(outcome, AudioEditionError):
                failed = True
                listener.failed(label, outcome)
            else:
                listener.built(label, outcome.result, outcome.worker if runner.remote else None)
    return failed
