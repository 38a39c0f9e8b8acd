"""Plain-text articles: the first real line is the title, blank lines separate paragraphs."""

from __future__ import annotations

import re

from audio_edition.errors import InputError
from audio_edition.models import Article, Removal, Section

_URL_LINE = re.compile(r"^\s*(?:<)?(?:https?://|www\.)\S+?(?:>)?\s*$", re.IGNORECASE)


# "By Jane Doe", "Written by Jane Doe and John Roe", "Author: Jane Doe": a short line of names.
_BYLINE = re.compile(
    r"^(?:(?:written |words |story |reporting )?by|author:)\s+"
    r"(?P<name>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|&|van|von|de|da|del|la|le|di|bin|al-[\w-]+)){0,6})\s*$",
    re.IGNORECASE,
)


def byline_author(line: str) -> str | None:
    """The author's name when ``line`` is a byline such as "By Roger W. Watson", else None."""
    match = _BYLINE.match(line.strip())
    if not match:
        return None
    name = match.group("name")
    words = [w for w in name.split() if w[0].isalpha()]
    if not all(w[0].isupper() or w in ("and", "van", "von", "de", "da", "del", "la", "le", "di", "bin") for w in words):
        return None
    return name


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
    author: str | None = None
    paragraphs: list[str] = []
    for block in blocks(text):
        kept_lines: list[str] = []
        for line in block:
            name = byline_author(line) if title is not None else None
            if is_url_line(line):
                removed.append(Removal("url", line))
            elif name and author is None:
                author = name
                removed.append(Removal("byline", line))
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
        author=author,
        source=source,
        removed=tuple(removed),
    )
