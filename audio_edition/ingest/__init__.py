"""Readers: one per input format, each turning bytes into an Article."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from audio_edition.errors import InputError
from audio_edition.ingest.html import read_html
from audio_edition.ingest.markdown import read_markdown
from audio_edition.ingest.text import read_text
from audio_edition.models import Article

Reader = Callable[[str, str | None], Article]


# The table of input formats: file suffix -> reader. A test pins it.
READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".text": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
}

STDIN = "-"


def decode(data: bytes, name: str) -> str:
    """Decode article bytes as UTF-8 text, refusing binary files with a clear error."""
    if b"\x00" in data[:8192]:
        raise InputError(f"{name} is a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name} is not valid UTF-8 text (byte {exc.start} cannot be decoded)",
            hint="Convert it to UTF-8, e.g. with 'iconv -t UTF-8'.",
        ) from exc
    if not text.strip():
        raise InputError(f"{name} is empty: there is nothing to speak")
    return text


def sniff_reader(text: str) -> Reader:
    """Choose a reader for input with no file name (stdin) from what it looks like."""
    head = text.lstrip()[:512].lower()
    if head.startswith(("<!doctype html", "<html")):
        return read_html
    if head.startswith("---\n") or re.search(r"(?m)^#{1,6} \S", text):
        return read_markdown
    return read_text


def read_article(source: str, stdin: bytes | None = None) -> Article:
    """Read the article at ``source`` (a path, or ``-`` with ``stdin`` holding its bytes)."""
    if source == STDIN:
        text = decode(stdin or b"", "standard input")
        article = sniff_reader(text)(text, None)
        return article
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{source} is a folder, not an article file")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise InputError(
            f"{source}: unknown input type '{path.suffix or '(none)'}'",
            hint=f"Use one of {known}, or '-' for standard input.",
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{source}: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{source} is a folder, not an article file") from exc
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror})") from exc
    return reader(decode(data, source), str(path))
