"""The identity of this build of audio-edition: its version and a digest of its own files.

Workers of a cluster must run exactly the client's code: a version string alone would let two
installs of the same version with different code (a checkout with local changes, a patched
install) build different episodes under one name. The digest covers every file of the package
(code, templates, the player), not the compiled caches, nor the media (a build's clips and cover
travel with its job, and a wheel carries media that a source checkout keeps beside the package).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from audio_edition import __version__

PACKAGE = Path(__file__).resolve().parent.parent


def files_digest(root: Path) -> str:
    """A hex SHA-256 over the relative path and bytes of every file under ``root``, but compiled
    caches and the media folder."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*")
                       if p.is_file() and not {"__pycache__", "media"} & set(p.relative_to(root).parts)
                       and p.suffix not in (".pyc", ".pyo")):
        name = path.relative_to(root).as_posix().encode()
        data = path.read_bytes()
        digest.update(len(name).to_bytes(8, "big") + name + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def build_identity() -> str:
    """``VERSION+DIGEST``: the version, and the first 12 hex digits of the package's files' digest."""
    return f"{__version__}+{files_digest(PACKAGE)[:12]}"
