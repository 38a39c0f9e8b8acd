"""Scratch folders that say whether their owner is alive.

A build writes its temporaries in a folder made here, and holds a lock (flock) on a file inside it
for as long as its process lives. A process killed with SIGKILL cannot delete its folder, but its
lock goes with it: the next run sweeps every folder of the same kind whose lock it can take.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path

OWNER = ".owner"
UNOWNED_GRACE_S = 600.0  # a folder with no owner file yet is being made, unless older than this


class ScratchFolder:
    """A new folder ``parent/PREFIXrandom``, locked by this process until ``close``."""

    def __init__(self, parent: Path | None, prefix: str) -> None:
        self.path = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
        self._owner = open(self.path / OWNER, "w")  # noqa: SIM115 - held open: its lock lasts until close()
        fcntl.flock(self._owner, fcntl.LOCK_EX)

    def close(self, keep: bool = False) -> None:
        """Remove the folder (unless ``keep``: something else now owns what is in it) and let go."""
        if not keep:
            shutil.rmtree(self.path, ignore_errors=True)
        self._owner.close()

    def __enter__(self) -> ScratchFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sweep(parent: Path | None, prefix: str, keep: Path | None = None) -> int:
    """Delete the folders ``parent/PREFIX*`` whose owner is gone (all but ``keep``); return how many."""
    folder = Path(parent or tempfile.gettempdir())
    removed = 0
    try:
        candidates = list(folder.glob(f"{prefix}*"))
    except OSError:
        return 0
    for path in candidates:
        if (keep is not None and path.resolve() == keep.resolve()) or not path.is_dir() or path.is_symlink():
            continue
        if _abandoned(path):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


def _abandoned(folder: Path) -> bool:
    try:  # opened before the with: a missing owner file is handled apart
        owner = open(folder / OWNER)  # noqa: SIM115
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
            return False  # its process is alive and working
        return True


def remove_if_unlocked(path: Path) -> bool:
    """Delete a temporary file unless a running process holds a lock on it (as a build holds its
    ``.part`` files); True when it was deleted."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    try:
        path.unlink()
    except OSError:
        return False
    return True
