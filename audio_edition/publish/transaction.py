"""Publishing as a transaction: an episode's files, its catalog row and the site change together.

A build happens in a hidden folder under ``episodes/``, held by a lock for as long as its process
lives. When it is complete, the publisher (holding the show's lock) writes a journal naming every
file move and the catalog row, then moves the files, saves the row, rewrites the site, and only
then deletes the journal. A publisher killed at any point leaves either no journal (nothing public
changed; its build folder is swept later) or a journal that the next ``publish`` or ``feed`` rolls
forward to the end. Readers of the site never see a half-written file: every file is renamed into
place whole.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, TypedDict, cast

from audio_edition.errors import OutputError
from audio_edition.storage import scratch
from audio_edition.storage.scratch import ScratchFolder

JOURNAL = ".publish-journal.json"
BUILD_PREFIX = ".build-"


class Journal(TypedDict):
    """The journal's JSON: the build folder, each move as [source, target], the episode's catalog row."""

    build: str
    moves: list[list[str]]
    episode: dict[str, Any]


def build_folder(episodes_dir: Path) -> ScratchFolder:
    """A hidden folder under ``episodes/`` for one build, locked by its process while it lives."""
    return ScratchFolder(episodes_dir, BUILD_PREFIX)


def sweep(root: Path) -> int:
    """Delete what killed publishers left: build folders nobody holds, and half-written site files.
    Call with the show's lock held (site files are written only under it). Returns how many."""
    episodes = root / "episodes"
    journal = _read_journal(root)
    removed = scratch.sweep(episodes, BUILD_PREFIX, keep=Path(str(journal["build"])) if journal else None) \
        if episodes.is_dir() else 0
    for place in (root, episodes):
        for part in place.glob(".*.part") if place.is_dir() else []:
            removed += scratch.remove_if_unlocked(part)  # a `build -o` into the show keeps its own
    return removed


def begin(root: Path, build: Path, moves: list[tuple[Path, Path]], episode: dict[str, Any]) -> Journal:
    """Write the journal: from here on, the change happens even if this process dies."""
    journal: Journal = {"build": str(build), "moves": [[str(a), str(b)] for a, b in moves], "episode": episode}
    data = json.dumps(journal, ensure_ascii=False).encode()
    fd, tmp = tempfile.mkstemp(dir=root, prefix=f"{JOURNAL}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, root / JOURNAL)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write in {root}: {exc.strerror}") from exc
    return journal


def move_files(journal: Journal) -> None:
    """Every staged file to its place; those already moved are left as they are."""
    try:
        for source, target in journal["moves"]:
            if os.path.exists(source):
                os.chmod(source, 0o644)
                os.replace(source, target)
    except OSError as exc:
        raise OutputError(f"cannot move the episode into place: {exc.strerror}") from exc


def end(root: Path, journal: Journal) -> None:
    """The change is complete: forget the journal and the build folder."""
    (root / JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(str(journal["build"]), ignore_errors=True)


def pending(root: Path) -> Journal | None:
    """The journal of a publish that was interrupted, if there is one."""
    return _read_journal(root)


def _read_journal(root: Path) -> Journal | None:
    try:
        data = (root / JOURNAL).read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"cannot read {root / JOURNAL}: {exc.strerror}") from exc
    try:
        journal = json.loads(data)
        if not isinstance(journal, dict) or not {"build", "moves", "episode"} <= journal.keys():
            raise ValueError
    except ValueError:
        raise OutputError(f"the publishing journal {root / JOURNAL} is damaged",
                          hint="Delete it and publish the last article again.") from None
    return cast(Journal, journal)  # a dict with the three keys, as checked
