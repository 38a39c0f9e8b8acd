"""The inbox's jobs: rows in the show's catalog (SQLite), so the queue outlives the server.

A job is an article address someone sent, and what became of it: queued, building, done (with its
episode's GUID) or failed (with the error, in words). A server killed while a job builds leaves it
"building"; the next start puts it back in the queue (``requeue_interrupted``), unless the server
died in it twice already: an article that kills the process must not stop the queue for good.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from audio_edition.publish.catalog import Catalog

if TYPE_CHECKING:
    import sqlite3

QUEUED, BUILDING, DONE, FAILED = "queued", "building", "done", "failed"
WAITING = (QUEUED, BUILDING)
SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox_jobs (
    id TEXT PRIMARY KEY,             -- random, in URLs: /p/TOKEN/jobs/ID.json
    url TEXT NOT NULL,               -- the article's address, as sent
    status TEXT NOT NULL,            -- queued | building | done | failed
    error TEXT,                      -- why it failed, in words
    episode TEXT,                    -- the episode's GUID once done
    added TEXT NOT NULL,             -- ISO 8601 UTC
    finished TEXT,
    attempts INTEGER NOT NULL DEFAULT 0  -- builds begun: a job the server died in twice is failed
);
CREATE INDEX IF NOT EXISTS inbox_jobs_status ON inbox_jobs (status, added);
"""
COLUMNS_ADDED = {"attempts": "INTEGER NOT NULL DEFAULT 0"}  # since the first inbox
FIELDS = "id, url, status, error, episode, added, finished"
MOST_ATTEMPTS = 2  # builds of one job the server may die in before the job is failed


@dataclass(frozen=True)
class Job:
    id: str
    url: str
    status: str
    error: str | None
    episode: str | None
    added: str
    finished: str | None = None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


class Jobs:
    """The queue of one show's inbox."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._ready = False

    def prepare(self) -> None:
        """Make the table, in a catalog that has never had an inbox (once, at start)."""
        with self.catalog.transaction() as conn:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(inbox_jobs)")}
            for name, declaration in COLUMNS_ADDED.items():
                if name not in columns:  # a queue made by an earlier version
                    conn.execute(f"ALTER TABLE inbox_jobs ADD COLUMN {name} {declaration}")
        self._ready = True

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self.prepare()
        with self.catalog.transaction() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A plain connection: readers never wait for the write lock a publisher holds."""
        if not self._ready:
            self.prepare()
        with self.catalog.reading() as conn:
            yield conn

    def add(self, url: str, most: int | None = None) -> Job | None:
        """Queue ``url``: its job (the same address already waiting is that job), or None when
        ``most`` jobs already wait (counted and added in one transaction, so adds side by side
        cannot overshoot it)."""
        with self._write() as conn:
            row = conn.execute(f"SELECT {FIELDS} FROM inbox_jobs WHERE url = ? AND status IN (?, ?) "
                               "ORDER BY added LIMIT 1", (url, *WAITING)).fetchone()
            if row:
                return Job(*row)
            if most is not None and self._waiting(conn) >= most:
                return None
            job = Job(secrets.token_urlsafe(9), url, QUEUED, None, None, _now())
            conn.execute(f"INSERT INTO inbox_jobs ({FIELDS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (job.id, job.url, job.status, job.error, job.episode, job.added, job.finished))
        return job

    def get(self, job_id: str) -> Job | None:
        with self._read() as conn:
            row = conn.execute(f"SELECT {FIELDS} FROM inbox_jobs WHERE id = ?", (job_id,)).fetchone()
        return Job(*row) if row else None

    def recent(self, count: int) -> list[Job]:
        """The newest ``count`` jobs, newest first."""
        with self._read() as conn:
            rows = conn.execute(f"SELECT {FIELDS} FROM inbox_jobs ORDER BY added DESC LIMIT ?", (count,)).fetchall()
        return [Job(*row) for row in rows]

    def waiting(self) -> int:
        """How many jobs are queued or building."""
        with self._read() as conn:
            return self._waiting(conn)

    @staticmethod
    def _waiting(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT COUNT(*) FROM inbox_jobs WHERE status IN (?, ?)", WAITING).fetchone()[0])

    def claim(self, count: int = 1) -> list[Job]:
        """The oldest ``count`` queued jobs, now marked building."""
        with self._write() as conn:
            rows = conn.execute(f"SELECT {FIELDS} FROM inbox_jobs WHERE status = ? ORDER BY added LIMIT ?",
                                (QUEUED, count)).fetchall()
            conn.executemany("UPDATE inbox_jobs SET status = ?, attempts = attempts + 1 WHERE id = ?",
                             [(BUILDING, row[0]) for row in rows])
        return [Job(row[0], row[1], BUILDING, *row[3:]) for row in rows]

    def requeue(self, ids: list[str]) -> None:
        """Put claimed jobs back, as if never begun (their cluster went away)."""
        with self._write() as conn:
            conn.executemany("UPDATE inbox_jobs SET status = ?, attempts = MAX(0, attempts - 1) WHERE id = ? "
                             "AND status = ?", [(QUEUED, job_id, BUILDING) for job_id in ids])

    def requeue_interrupted(self) -> tuple[int, int]:
        """Put jobs that were building when the last server stopped back in the queue; fail those it
        stopped in MOST_ATTEMPTS times. (requeued, failed)."""
        with self._write() as conn:
            failed = conn.execute(
                "UPDATE inbox_jobs SET status = ?, error = ?, finished = ? WHERE status = ? AND attempts >= ?",
                (FAILED, f"the inbox stopped {MOST_ATTEMPTS} times while building this article (out of memory, "
                         "or killed?); send it again to try once more", _now(), BUILDING, MOST_ATTEMPTS)).rowcount
            requeued = conn.execute("UPDATE inbox_jobs SET status = ? WHERE status = ?", (QUEUED, BUILDING)).rowcount
        return requeued, failed

    def finish(self, job_id: str, episode: str | None = None, error: str | None = None) -> None:
        """Done with ``episode`` (a GUID), or failed with ``error``."""
        with self._write() as conn:
            conn.execute("UPDATE inbox_jobs SET status = ?, episode = ?, error = ?, finished = ? WHERE id = ?",
                         (FAILED if error else DONE, episode, error, _now(), job_id))
