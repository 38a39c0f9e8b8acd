"""The episode catalog: SQLite in the show folder (stdlib sqlite3), safe for concurrent publishers."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from audio_edition.errors import OutputError
from audio_edition.ingest.sanitize import clean, clean_line

CATALOG_FILE = ".catalog.sqlite"  # hidden: the preview server does not serve it
BACKUP_SUFFIX = ".bak"
SCHEMA = """
CREATE TABLE IF NOT EXISTS episodes (
    guid TEXT PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,     -- absolute path or URL of the article
    slug TEXT NOT NULL UNIQUE,       -- file names under episodes/: never changes once given
    title TEXT NOT NULL,
    author TEXT,
    description TEXT NOT NULL,
    language TEXT NOT NULL,
    article_date TEXT,               -- YYYY-MM-DD, as the article says
    published TEXT NOT NULL,         -- first publication, ISO 8601 UTC: kept when re-published
    updated TEXT NOT NULL,           -- last publication
    audio_bytes INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    sections TEXT NOT NULL           -- JSON: [{"title": str|null, "paragraphs": [str], "kinds"?: [str]}]
);
-- (columns added since the first release are in COLUMNS_ADDED, added to older catalogs on opening)
-- Article pages fetched from a site's feed: what the server and the text said last time, so the
-- next run asks "changed?" with a conditional request and rebuilds only what did change.
CREATE TABLE IF NOT EXISTS fetched (
    url TEXT PRIMARY KEY,            -- the address the feed links to
    feed TEXT,                       -- the feed that linked it
    entry_id TEXT,                   -- the feed entry's id (guid or link)
    source TEXT,                     -- the episode's source: the page's canonical address
    etag TEXT,
    last_modified TEXT,
    digest TEXT,                     -- SHA-256 of the article's text as read: unchanged text is not rebuilt
    checked TEXT NOT NULL,           -- when last asked, ISO 8601 UTC
    error TEXT                       -- why the last attempt failed; null once it worked
);
-- The feeds themselves, kept so that a 304 for the feed still lets every article be checked.
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    body BLOB,
    checked TEXT NOT NULL
);
"""

COLUMNS_ADDED = {"cues": "TEXT NOT NULL DEFAULT '[]'", "image": "TEXT"}


@dataclass(frozen=True)
class Fetched:
    """What the catalog remembers of one article page linked from a feed."""

    url: str
    feed: str | None
    entry_id: str | None
    source: str | None
    etag: str | None
    last_modified: str | None
    digest: str | None
    checked: str
    error: str | None = None


@dataclass(frozen=True)
class Episode:
    """One published episode, as the catalog holds it."""

    guid: str
    source: str
    slug: str
    title: str
    author: str | None
    description: str
    language: str
    article_date: str | None
    published: str
    updated: str
    audio_bytes: int
    duration_ms: int
    sections: str
    # JSON: the transcript as heard, for the player: [{"title": str|null, "paragraphs":
    # [[[start_ms, end_ms, sentence], ...], ...]}]; "[]" for episodes published before it was kept
    cues: str = "[]"
    image: str | None = None  # the episode's own art, relative to the show (episodes/SLUG.jpg); None: the show's cover

    def cleaned(self) -> Episode:
        """This episode with its text as feeds and pages may carry it: no control, private-use or
        bidi characters (XML 1.0 cannot hold most controls, and one bad title would stop the whole
        feed). Catalogs written before the sanitizer existed are repaired this way as they are read."""
        from dataclasses import replace

        sections = [{"title": clean_line(s["title"]) if s.get("title") else s.get("title"),
                     "paragraphs": [clean(p)[0] for p in s.get("paragraphs", [])],
                     **({"kinds": s["kinds"]} if s.get("kinds") else {})}
                    for s in json.loads(self.sections or "[]")]
        return replace(self, title=clean_line(self.title), author=clean_line(self.author) if self.author else None,
                       description=clean(self.description)[0],
                       sections=json.dumps(sections, ensure_ascii=False))


class Catalog:
    """The show's episodes. Every write is one short transaction; SQLite's locking serializes
    concurrent publishers, and a busy database is waited for rather than failed."""

    def __init__(self, root: Path) -> None:
        self.path = root / CATALOG_FILE

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = None
        try:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 60000")
            conn.executescript(SCHEMA)
            if not set(COLUMNS_ADDED) <= self._columns(conn):  # a catalog from an earlier version, or a new one
                conn.execute("BEGIN IMMEDIATE")  # one connection adds them; others opening it now wait, then see them
                try:
                    columns = self._columns(conn)
                    for name, declaration in COLUMNS_ADDED.items():
                        if name not in columns:
                            conn.execute(f"ALTER TABLE episodes ADD COLUMN {name} {declaration}")
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            yield conn
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None
        finally:
            if conn is not None:
                conn.close()

    @staticmethod
    def _columns(conn: sqlite3.Connection) -> set[str]:
        return {row[1] for row in conn.execute("PRAGMA table_info(episodes)")}

    def _damaged(self, exc: sqlite3.DatabaseError) -> OutputError:
        backup = self.path.with_name(self.path.name + BACKUP_SUFFIX)
        if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
            return OutputError(f"cannot write the catalog {self.path}: it is read-only here",
                               hint="Let this user write the show folder and its catalog (chmod or chown).")
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return OutputError(f"the catalog {self.path} stayed locked for a minute",
                               hint="Another publish may be stuck; let it finish or stop it.")
        hint = (f"A copy made after the last good publish is at {backup}: move it into place "
                f"(mv '{backup}' '{self.path}') and run 'audio-edition feed --show {self.path.parent}'."
                if backup.is_file() else "Restore it from a backup of the show folder.")
        return OutputError(f"the catalog {self.path} is damaged ({exc})", hint=hint)

    def back_up(self) -> None:
        """Keep a consistent copy beside the catalog (SQLite's online backup), for when a disk or a
        hand damages it. A failure here costs only the copy."""
        backup = self.path.with_name(self.path.name + BACKUP_SUFFIX)
        tmp = backup.with_name(backup.name + ".part")
        try:
            with self._connect() as conn:
                target = sqlite3.connect(tmp)
                try:
                    conn.backup(target)
                finally:
                    target.close()
            os.replace(tmp, backup)
        except (OSError, OutputError):
            tmp.unlink(missing_ok=True)

    def reconcile_sizes(self, folder: Path) -> list[str]:
        """Set each episode's recorded size to its MP3's (the file is the truth); return the slugs
        whose MP3 is missing."""
        missing = []
        with self._connect() as conn:
            for slug, size in conn.execute("SELECT slug, audio_bytes FROM episodes").fetchall():
                try:
                    actual = (folder / f"{slug}.mp3").stat().st_size
                except FileNotFoundError:
                    missing.append(slug)
                    continue
                if actual != size:
                    conn.execute("UPDATE episodes SET audio_bytes = ? WHERE slug = ?", (actual, slug))
        return missing

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection for reading: it never waits for a writer's lock (SQLite reads what was committed)."""
        with self._connect() as conn:
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """An exclusive write transaction (BEGIN IMMEDIATE): one publisher at a time inside it."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    @staticmethod
    def find(conn: sqlite3.Connection, source: str) -> Episode | None:
        row = conn.execute(f"SELECT {', '.join(Episode.__dataclass_fields__)} FROM episodes WHERE source = ?",
                           (source,)).fetchone()
        return Episode(*row).cleaned() if row else None

    @staticmethod
    def slug_taken(conn: sqlite3.Connection, slug: str) -> bool:
        return conn.execute("SELECT 1 FROM episodes WHERE slug = ?", (slug,)).fetchone() is not None

    @staticmethod
    def save(conn: sqlite3.Connection, episode: Episode) -> None:
        fields = list(Episode.__dataclass_fields__)
        conn.execute(
            f"INSERT INTO episodes ({', '.join(fields)}) VALUES ({', '.join('?' for _ in fields)}) "
            f"ON CONFLICT(guid) DO UPDATE SET {', '.join(f'{f} = excluded.{f}' for f in fields if f != 'guid')}",
            [getattr(episode.cleaned(), f) for f in fields],
        )

    def fetched(self, url: str) -> Fetched | None:
        with self._connect() as conn:
            row = conn.execute(f"SELECT {', '.join(Fetched.__dataclass_fields__)} FROM fetched WHERE url = ?",
                               (url,)).fetchone()
        return Fetched(*row) if row else None

    def remember_fetch(self, record: Fetched) -> None:
        fields = list(Fetched.__dataclass_fields__)
        with self.transaction() as conn:
            conn.execute(f"INSERT OR REPLACE INTO fetched ({', '.join(fields)}) "
                         f"VALUES ({', '.join('?' for _ in fields)})", [getattr(record, f) for f in fields])

    def feed(self, url: str) -> tuple[str | None, str | None, bytes | None]:
        """(ETag, Last-Modified, body) of the feed as last fetched."""
        with self._connect() as conn:
            row = conn.execute("SELECT etag, last_modified, body FROM feeds WHERE url = ?", (url,)).fetchone()
        return (row[0], row[1], row[2]) if row else (None, None, None)

    def remember_feed(self, url: str, etag: str | None, last_modified: str | None, body: bytes, checked: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO feeds (url, etag, last_modified, body, checked) "
                         "VALUES (?, ?, ?, ?, ?)", (url, etag, last_modified, body, checked))

    def episode(self, guid: str) -> Episode | None:
        """The episode with this GUID, if there is one."""
        if not self.path.exists():
            return None
        with self._connect() as conn:
            row = conn.execute(f"SELECT {', '.join(Episode.__dataclass_fields__)} FROM episodes WHERE guid = ?",
                               (guid,)).fetchone()
        return Episode(*row).cleaned() if row else None

    def by_source(self, source: str) -> Episode | None:
        with self._connect() as conn:
            return Catalog.find(conn, source)

    def has_source(self, source: str) -> bool:
        with self._connect() as conn:
            return conn.execute("SELECT 1 FROM episodes WHERE source = ?", (source,)).fetchone() is not None

    def episodes(self) -> list[Episode]:
        """Every episode, newest first."""
        if not self.path.exists():
            return []
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {', '.join(Episode.__dataclass_fields__)} FROM episodes "
                                "ORDER BY published DESC, guid").fetchall()
        return [Episode(*row).cleaned() for row in rows]
