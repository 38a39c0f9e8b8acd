"""Output files that appear whole or not at all: staged beside their targets, renamed into place
only when everything worked, and said in words when they cannot be written."""

from __future__ import annotations

import errno
import fcntl
import glob
import os
import tempfile
from pathlib import Path

from audio_edition.errors import OutputError
from audio_edition.storage import scratch


class Staging:
    """Temporary files beside their targets, renamed into place only when everything worked.

    Each is a hidden ``.NAME.RANDOM.part`` file, locked (flock) by this process until it is
    renamed or deleted. A process killed mid-build cannot delete its own; the next build of the
    same target finds them unlocked and deletes them first."""

    def __init__(self) -> None:
        self.pairs: list[tuple[Path, Path]] = []
        self._locks: list[int] = []

    def reserve(self, target: Path) -> Path:
        """A new temporary file beside ``target``, to be renamed to it by ``commit``."""
        folder = target.parent
        sweep_parts(target, keep={tmp for tmp, _ in self.pairs})  # not ours: one may have been replaced, unlocked
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
        except OSError as exc:
            raise unwritable(target, exc) from exc
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._locks.append(fd)
        self.pairs.append((Path(tmp), target))
        return Path(tmp)

    def commit(self) -> None:
        """Rename every temporary file to its target."""
        target = None
        try:
            for tmp, target in self.pairs:
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
        except OSError as exc:
            raise unwritable(target or Path("."), exc) from exc
        self.pairs = []
        self._release()

    def discard(self) -> None:
        """Delete the temporary files that were not committed."""
        for tmp, _ in self.pairs:
            tmp.unlink(missing_ok=True)
        self.pairs = []
        self._release()

    def _release(self) -> None:
        for fd in self._locks:
            os.close(fd)
        self._locks = []


def make_folder(folder: Path, label: str | None = None) -> list[Path]:
    """Create an output folder (and its parents) as ``mkdir -p`` would; the folders it created,
    outermost first (for a build that fails to take away again)."""
    created = [p for p in (folder, *folder.parents) if not p.exists()][::-1]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"{label or f'--out-dir {folder}'} is a file, not a folder", hint="Name a folder.") from None
    except OSError as exc:
        raise unwritable(folder, exc, creating=True) from exc
    return created


def remove_empty(folders: list[Path]) -> None:
    """Take away the folders ``make_folder`` created, innermost first, where nothing was written."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            return


def sweep_parts(target: Path, keep: set[Path] | None = None) -> int:
    """Delete the ``.part`` files that killed builds of ``target`` (or its sidecars) left beside
    it, but those in ``keep`` (this build's own)."""
    try:
        ours = {p.absolute() for p in keep or ()}  # mkstemp names its files by absolute path
        candidates = [p for p in target.parent.glob(f".{glob.escape(target.with_suffix('').name)}.*.part")
                      if p.absolute() not in ours]
    except OSError:
        return 0
    return sum(scratch.remove_if_unlocked(path) for path in candidates)


def unwritable(target: Path, exc: OSError, creating: bool = False) -> OutputError:
    """The real reason a file (or, ``creating``, a folder) cannot be written, in words."""
    folder = target.parent
    what = f"cannot create the folder {target}" if creating else f"cannot write {target}"
    if isinstance(exc, FileNotFoundError) and not folder.is_dir():
        return OutputError(f"{what}: folder {folder} does not exist",
                           hint="Create it first; --out-dir creates its folder itself.")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"{what}: the disk is full", hint=f"Free some space on the disk that holds {folder}.")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return OutputError(f"{what}: no permission to write in {folder}", hint="Choose a folder you can write to.")
    if exc.errno == errno.EROFS:
        return OutputError(f"{what}: {folder} is on a read-only file system", hint="Choose another folder.")
    return OutputError(f"{what}: {folder} does not accept new {'folders' if creating else 'files'} ({exc.strerror})",
                       hint="Choose an ordinary folder on a disk for the output.")


def commit_files(placed: dict[Path, bytes]) -> None:
    """Write files made elsewhere (a cluster's worker) into place as a build does: each to a
    hidden temporary beside its target, then all renamed, so no target is ever half-written."""
    staging = Staging()
    try:
        for target, data in placed.items():
            tmp = staging.reserve(target)
            try:
                tmp.write_bytes(data)
            except OSError as exc:
                raise unwritable(target, exc) from exc
        staging.commit()
    finally:
        staging.discard()
