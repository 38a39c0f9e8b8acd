"""Publishing: a show folder that is a complete static site (feed.xml, index.html, episodes/)."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio_edition import ingest
from audio_edition.episode import sidecars
from audio_edition.episode.meta import summary
from audio_edition.episode.naming import slug as slug_of
from audio_edition.errors import AudioEditionError, InputError, MissingFileError
from audio_edition.ingest import web
from audio_edition.models import Progress
from audio_edition.pipeline import BuildResult, build
from audio_edition.publish import transaction
from audio_edition.publish.catalog import Catalog, Episode
from audio_edition.publish.show import Show, init_show, load_show
from audio_edition.publish.site import regenerate
from audio_edition.runners.base import Runner
from audio_edition.runners.batch import Order, build_on
from audio_edition.settings import Settings
from audio_edition.storage.scratch import ScratchFolder

if TYPE_CHECKING:
    import sqlite3

LOCK_FILE = ".publish.lock"
CATALOG_DESCRIPTION_CHARS = 600  # the episode's description in the feed and on its page


@dataclass(frozen=True)
class Published:
    """One input published: its episode as the catalog now holds it, and whether it was new."""

    episode: Episode
    new: bool
    synthesized: int
    cached: int
    unchanged: bool = False  # published before, and the same episode again: nothing was written


@contextmanager
def _exclusive(show: Show) -> Iterator[None]:
    """One publisher at a time updates the catalog and rewrites the site (others wait)."""
    with open(show.root / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _source_id(source: str) -> str:
    """The identity of a file source (its absolute path); a URL's is its canonical address, known
    once the page is fetched."""
    if source == "-":
        raise InputError("publish needs article files or URLs, not standard input",
                         hint="Save the article to a file: re-publishing it later updates the same episode.")
    if web.is_url(source):
        return source
    path = Path(source)
    if not path.is_file():
        raise MissingFileError(f"{source}: no such file")
    return str(path.resolve())


def settings_for(show: Show, changes: dict[str, Any]) -> Settings:
    """Build settings: defaults, then the show's, then what this run's flags say."""
    base = Settings(show_name=show.title, default_author=show.author,
                    cover=(show.root / show.cover) if show.cover else None)
    return base.with_changes(**show.settings_changes()).with_changes(**changes)


def publish(show_dir: Path, sources: list[str], changes: dict[str, Any],
            on_progress: Progress | None = None) -> list[Published]:
    """Build each source (a file or an article URL) as an episode of the show, record it, and
    regenerate the site; the first failure stops the run (see ``publish_each`` to go on).

    A source published before keeps its GUID, its file names (so its URL) and its first
    publication date. Builds run in parallel with other publishers; recording and rewriting
    the site happen one publisher at a time.
    """
    publisher = Publisher(show_dir, changes)
    ids = [_source_id(s) for s in sources]  # every file checked before any is built
    return [publisher.publish(source, on_progress=on_progress) for source, _ in zip(sources, ids)]


@dataclass(frozen=True)
class Failure:
    """An input that could not be published, and why."""

    source: str
    error: AudioEditionError


def publish_each(show_dir: Path, sources: list[str], changes: dict[str, Any],
                 on_done: Callable[[str, Published | Failure], None] | None = None,
                 runner: Runner | None = None) -> list[Published | Failure]:
    """Publish every source that can be: a failure is recorded and the rest go on. With a
    ``runner`` (a cluster), the builds run on its workers, side by side."""
    publisher = Publisher(show_dir, changes, runner)
    return publisher.publish_many([(source, None) for source in sources], on_done)


@dataclass
class _Pending:
    """A source about to be built into the show: its identity, and the hidden folder it builds in."""

    source: str
    document: web.Document | None
    source_id: str
    guid: str
    folder: ScratchFolder


class Publisher:
    """Publishes articles into one show: builds each (here, or on a cluster's workers), then
    records it and rewrites the site under the show's lock: one writer, whatever builds."""

    def __init__(self, show_dir: Path, changes: dict[str, Any], runner: Runner | None = None) -> None:
        self.show = load_show(show_dir)
        self.settings = settings_for(self.show, changes)
        self.catalog = Catalog(self.show.root)
        self.namespace = uuid.UUID(self.show.podcast_guid)
        self.episodes_dir = self.show.root / "episodes"
        self.episodes_dir.mkdir(exist_ok=True)
        self.runner = runner
        self.entry_dates: dict[str, str] = {}  # source -> when its feed entry says it appeared (ISO 8601 UTC)

    def _pending(self, source: str, document: web.Document | None) -> _Pending:
        if web.is_url(source) and document is None:
            document = ingest.fetch(source, self.settings.timeout_s, self.settings.allow_private)
        source_id = ingest.source_address(document) if document is not None else _source_id(source)
        guid = str(uuid.uuid5(self.namespace, source_id))
        return _Pending(source, document, source_id, guid, transaction.build_folder(self.episodes_dir))

    def publish(self, source: str, document: web.Document | None = None,
                on_progress: Progress | None = None) -> Published:
        """Publish one article: a file, or a URL (fetched here unless ``document`` holds it)."""
        pending = self._pending(source, document)
        try:
            result = build(source, pending.folder.path / "episode.mp3", self.settings.with_changes(guid=pending.guid),
                                 on_progress=on_progress, document=pending.document)
            return self._record(pending, result)
        finally:
            pending.folder.close()

    def publish_many(self, items: list[tuple[str, web.Document | None]],
                     on_done: Callable[[str, Published | Failure], None] | None = None) -> list[Published | Failure]:
        """Publish each (source, fetched page or None); a failure is recorded and the rest go on."""
        outcomes: dict[int, Published | Failure] = {}

        def done(n: int, outcome: Published | Failure) -> None:
            outcomes[n] = outcome
            if on_done:
                on_done(items[n][0], outcome)

        if self.runner is None:
            for n, (source, document) in enumerate(items):
                try:
                    done(n, self.publish(source, document))
                except AudioEditionError as exc:
                    done(n, Failure(source, exc))
        else:
            self._publish_on_cluster(self.runner, items, done)
        return [outcomes[n] for n in range(len(items))]

    def _publish_on_cluster(self, runner: Runner, items: list[tuple[str, web.Document | None]],
                            done: Callable[[int, Published | Failure], None]) -> None:
        pendings: dict[int, _Pending] = {}
        orders, where = [], []
        try:
            for n, (source, document) in enumerate(items):
                try:
                    pending = self._pending(source, document)
                except AudioEditionError as exc:
                    done(n, Failure(source, exc))
                    continue
                pendings[n] = pending
                orders.append(Order(source, pending.folder.path / "episode.mp3",
                                    self.settings.with_changes(guid=pending.guid), pending.document))
                where.append(n)
            for k, outcome in build_on(runner, orders):
                n = where[k]
                pending = pendings[n]
                if isinstance(outcome, AudioEditionError):
                    done(n, Failure(pending.source, outcome))
                    continue
                try:
                    done(n, self._record(pending, outcome.result))
                except AudioEditionError as exc:
                    done(n, Failure(pending.source, exc))
        finally:
            for pending in pendings.values():
                pending.folder.close()

    def _record(self, pending: _Pending, result: BuildResult) -> Published:
        """With the show's lock: give the built episode its slug, move its files into place
        (journaled), save its catalog row and rewrite the site."""
        show, catalog, episodes_dir, folder = self.show, self.catalog, self.episodes_dir, pending.folder
        source_id = (result.article.source if pending.document is not None and result.article.source
                     else pending.source_id)
        with _exclusive(show):
            _recover(show, catalog)
            with catalog.transaction() as conn:
                existing = Catalog.find(conn, source_id)
                slug = existing.slug if existing else _free_slug(conn, episodes_dir, slug_of(result.article.title))
            now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
            article = result.article
            cues = sidecars.transcript_cues(result.timeline, result.script) if result.script else []
            episode = Episode(
                guid=existing.guid if existing else pending.guid, source=source_id, slug=slug, title=article.title,
                author=article.author, description=summary(article, CATALOG_DESCRIPTION_CHARS),
                language=result.language,
                article_date=article.date,
                published=existing.published if existing else first_published(
                    article.date, self.entry_dates.get(pending.source), now),
                updated=now,
                audio_bytes=(folder.path / "episode.mp3").stat().st_size,
                duration_ms=result.timeline.duration_ms,
                sections=json.dumps([{"title": s.title, "paragraphs": list(s.paragraphs),
                                      **({"kinds": list(s.kinds)} if s.kinds else {})}
                                     for s in article.sections], ensure_ascii=False),
                cues=json.dumps(cues, ensure_ascii=False),
                image=f"episodes/{slug}{ART_SUFFIX}" if result.art else None,
            ).cleaned()
            suffixes = [".mp3", *sidecars.SUFFIXES]
            if result.art:
                (folder.path / f"episode{ART_SUFFIX}").write_bytes(result.art)
                suffixes.append(ART_SUFFIX)
            moves = [(folder.path / f"episode{suffix}", episodes_dir / f"{slug}{suffix}") for suffix in suffixes]
            if existing is not None and _same_episode(existing, episode, moves):
                return Published(existing, False, result.synthesized, result.cached, unchanged=True)
            journal = transaction.begin(show.root, folder.path, moves, asdict(episode))
            _finish(show, catalog, journal)
            if existing is not None and existing.image and existing.image != episode.image:
                (show.root / existing.image).unlink(missing_ok=True)  # art the article no longer has
        return Published(episode, existing is None, result.synthesized, result.cached)


# What a listener gets: the audio, its transcripts and chapters (the report says when it was built).
ART_SUFFIX = ".jpg"  # an episode's own art, beside its audio
_COMPARED = (".mp3", ".vtt", ".srt", ".chapters.json", ART_SUFFIX)


def _same_episode(existing: Episode, episode: Episode, moves: list[tuple[Path, Path]]) -> bool:
    """Whether re-publishing changes nothing a listener or the feed sees: the same catalog row (but
    for its update time) and the same files, byte for byte."""
    if replace(existing, updated=episode.updated, published=episode.published) != episode:
        return False
    for new, old in moves:
        if new.name.removeprefix("episode") in _COMPARED:
            try:
                if not old.is_file() or new.stat().st_size != old.stat().st_size or \
                        new.read_bytes() != old.read_bytes():
                    return False
            except OSError:
                return False
    return True


def first_published(article_date: str | None, entry_time: str | None, now: str) -> str:
    """An episode's date, which podcast apps sort by: the article's own date (at the time of day
    its feed entry gives, when that is the same day), else its feed entry's, else now; never
    later than now. So a feed's backlog synced at once keeps the site's order, not the order
    it happened to be built in."""
    if article_date:
        when = (entry_time if entry_time and entry_time[:10] == article_date
                else f"{article_date}T00:00:00+00:00")
    else:
        when = entry_time or now
    return min(when, now, key=lambda value: dt.datetime.fromisoformat(value))


def _finish(show: Show, catalog: Catalog, journal: transaction.Journal) -> None:
    """Carry a journaled publish to its end: files in place, catalog row saved, site rewritten."""
    transaction.move_files(journal)
    with catalog.transaction() as conn:
        Catalog.save(conn, Episode(**journal["episode"]))
    regenerate(show, catalog)
    catalog.back_up()
    transaction.end(show.root, journal)


def _recover(show: Show, catalog: Catalog) -> bool:
    """With the show's lock held: finish a publish that was killed half-way, and sweep what killed
    builds left behind. True when there was something to finish."""
    journal = transaction.pending(show.root)
    if journal is not None:
        _finish(show, catalog, journal)
    transaction.sweep(show.root)
    return journal is not None


def _free_slug(conn: sqlite3.Connection, episodes_dir: Path, wanted: str) -> str:
    slug, n = wanted, 2
    while Catalog.slug_taken(conn, slug) or (episodes_dir / f"{slug}.mp3").exists():
        slug, n = f"{wanted}-{n}", n + 1
    return slug


def create_show(root: Path, **details: Any) -> Show:
    """``show init``: show.toml, the cover, and the site with its (empty) feed, ready to serve."""
    show = init_show(root, **details)
    regenerate(show)
    return show


def regenerate_site(show_dir: Path) -> list[Episode]:
    """``feed --show DIR``: the site again, from what was published. A publish that was killed
    half-way is finished first, leftovers are swept, and the catalog's file sizes are checked
    against the files."""
    show = load_show(show_dir)
    catalog = Catalog(show.root)
    with _exclusive(show):
        _recover(show, catalog)
        catalog.reconcile_sizes(show.root / "episodes")
        return regenerate(show, catalog)
