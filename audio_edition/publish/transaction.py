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

import fcntl
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from audio_edition.errors import OutputError

JOURNAL = ".publish-journal.json"
BUILD_PREFIX = ".build-"
OWNER = ".owner"
UNOWNED_GRACE_S = 600.0  # a build folder with no owner file yet is being made, unless older than this


class BuildFolder:
    """A hidden folder under ``episodes/`` for one build, locked by its process while it lives."""

    def __init__(self, episodes_dir: Path) -> None:
        self.path = Path(tempfile.mkdtemp(dir=episodes_dir, prefix=BUILD_PREFIX))
        self._owner = open(self.path / OWNER, "w")
        fcntl.flock(self._owner, fcntl.LOCK_EX)

    def close(self, keep: bool = False) -> None:
        """Remove the folder (unless a journal now owns what is in it) and let go of it."""
        if not keep:
            shutil.rmtree(self.path, ignore_errors=True)
        self._owner.close()


def sweep(root: Path) -> int:
    """Delete what killed publishers left: build folders nobody holds, and half-written site files.
    Call with the show's lock held (site files are written only under it). Returns how many."""
    removed = 0
    episodes = root / "episodes"
    journal = _read_journal(root)
    keep = Path(journal["build"]).resolve() if journal else None
    for folder in episodes.glob(f"{BUILD_PREFIX}*") if episodes.is_dir() else []:
        if keep is not None and folder.resolve() == keep:
            continue
        if _abandoned(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    for place in (root, episodes):
        for part in place.glob(".*.part") if place.is_dir() else []:
            part.unlink(missing_ok=True)
            removed += 1
    return removed


def _abandoned(folder: Path) -> bool:
    try:
        owner = open(folder / OWNER)
    except FileNotFoundError:
        try:
            return time.time() - folder.stat().st_mtime > UNOWNED_GRACE_S
        except OSError:
            return False
    except OSError:
        return False
    with owner:
        try:
            fcntl.flock(owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its publisher is alive and building
        return True


def begin(root: Path, build: Path, moves: list[tuple[Path, Path]], episode: dict[str, object]) -> dict[str, object]:
    """Write the journal: from here on, the change happens even if this process dies."""
    journal = {"build": str(build), "moves": [[str(a), str(b)] for a, b in moves], "episode": episode}
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


def move_files(journal: dict[str, object]) -> None:
    """Every staged file to its place; those already moved are left as they are."""
    try:
        for source, target in journal["moves"]:  # type: ignore[union-attr]
            if os.path.exists(source):
                os.chmod(source, 0o644)
                os.replace(source, target)
    except OSError as exc:
        raise OutputError(f"cannot move the episode into place: {exc.strerror}") from exc


def end(root: Path, journal: dict[str, object]) -> None:
    """The change is complete: forget the journal and the build folder."""
    (root / JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(str(journal["build"]), ignore_errors=True)


def pending(root: Path) -> dict[str, object] | None:
    """The journal of a publish that was interrupted, if there is one."""
    return _read_journal(root)


def _read_journal(root: Path) -> dict[str, object] | None:
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
    return journal
