"""Plain-text articles: the first real line is the title, blank lines separate paragraphs."""

from __future__ import annotations

import re

from audio_edition.errors import InputError
from audio_edition.models import Article, Removal, Section

_URL_LINE = re.compile(r"^\s*(?:<)?(?:https?://|www\.)\S+?(?:>)?\s*$", re.IGNORECASE)


def is_url_line(line: str) -> bool:
    """True for a line that is nothing but a web address."""
    return bool(_URL_LINE.match(line))


def blocks(text: str) -> list[list[str]]:
    """Split text into blocks of non-empty lines separated by blank lines."""
    out: list[list[str]] = []
    current: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if line:
            current.append(line)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def read_text(text: str, source: str | None) -> Article:
    """Read a plain-text article."""
    removed: list[Removal] = []
    title: str | None = None
    paragraphs: list[str] = []
    for block in blocks(text):
        kept_lines: list[str] = []
        for line in block:
            if is_url_line(line):
                removed.append(Removal("url", line))
            elif title is None:
                title = line
            else:
                kept_lines.append(line)
        if kept_lines:
            paragraphs.append(" ".join(kept_lines))
    if title is None:
        raise InputError(f"{source or 'standard input'} has no text to speak, only web addresses")
    return Article(
        title=title,
        sections=(Section(None, tuple(paragraphs)),) if paragraphs else (),
        source=source,
        removed=tuple(removed),
    )
