"""Reading the files a user names (articles, clips, covers, lexicons): regular files only, of a
sane size, with an error that says what is wrong with which file.

A FIFO or a device would block the build forever, or stream without end; a folder is a folder,
not a missing file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from audio_edition.errors import InputError, MissingFileError

MB = 1024 * 1024


def check_regular(path: Path, role: str, hint: str) -> int:
    """The size of ``path``, or an InputError when it is missing, a folder or not a regular file."""
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        raise MissingFileError(f"{role} not found: {path}", hint=hint) from exc
    except OSError as exc:
        raise InputError(f"cannot read {role} {path}: {exc.strerror}", hint=hint) from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{role} {path} is a folder, not a file", hint=hint)
    if not stat.S_ISREG(info.st_mode):
        kind = "a named pipe" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        raise InputError(f"{role} {path} is {kind}, not a regular file", hint=hint)
    return info.st_size


def read(path: Path, role: str, hint: str, limit_mb: int) -> bytes:
    """The bytes of a regular file of at most ``limit_mb`` megabytes."""
    size = check_regular(path, role, hint)
    if size > limit_mb * MB:
        raise InputError(f"{role} {path} is {size / MB:.0f} MB, over the {limit_mb} MB we accept", hint=hint)
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit_mb * MB + 1)
    except OSError as exc:
        raise InputError(f"cannot read {role} {path}: {exc.strerror}", hint=hint) from exc
    if len(data) > limit_mb * MB:  # it grew while we read it
        raise InputError(f"{role} {path} is over the {limit_mb} MB we accept", hint=hint)
    return data
