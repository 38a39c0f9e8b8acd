"""What an episode is called: its file name (from the input, a URL or the title) and its GUID."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from audio_edition.ingest.read import STDIN
from audio_edition.ingest.web import is_url

EPISODE_NAMESPACE = uuid.UUID("6f0e1a6c-3c2b-5d53-9f0e-6a7564696f65")  # audio-edition episode GUIDs


def output_for(source: str, out: Path | None, out_dir: Path | None, article_title: str | None = None) -> Path:
    """Where an input's episode goes: -o, else --out-dir or the current folder, named after the input (.mp3)."""
    if out is not None:
        return out
    if is_url(source):
        stem = url_stem(source)
    else:
        stem = Path(source).stem if source != STDIN else slug(article_title or "episode")
    return (out_dir or Path.cwd()) / f"{stem}.mp3"


def url_stem(url: str) -> str:
    """A file name for a URL's episode: its last path segment without extension
    (``https://example.com/news/storm-hits.html`` -> ``storm-hits``), else its host."""
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s]
    last = Path(segments[-1]).stem if segments else ""
    if last.lower() in ("", "index", "default", "article", "story"):
        last = "-".join([parts.hostname or "page", *segments[:-1][-2:]])
    return slug(last)


def slug(title: str, limit: int = 60) -> str:
    """A file name from a title: lower-case ASCII words joined by hyphens, cut at a word. Titles in
    any script are transliterated ("Lyon étend son réseau" -> "lyon-etend-son-reseau",
    "Москва" -> "moskva"), so file names and URLs need no escaping anywhere."""
    from anyascii import anyascii

    keep = "".join(c.lower() if c.isascii() and c.isalnum() else "-" for c in anyascii(title))
    name = "-".join(p for p in keep.split("-") if p)
    if len(name) > limit:
        name = name[: limit + 1].rsplit("-", 1)[0]
    return name or "episode"


def episode_guid(source: str | None, title: str) -> str:
    """A stable GUID: the same source always gives the same episode identity (a URL as it is, a
    file by its absolute path; with neither, the title)."""
    identity = source if source and is_url(source) else str(Path(source).resolve()) if source else title
    return str(uuid.uuid5(EPISODE_NAMESPACE, identity))
