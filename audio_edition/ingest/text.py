"""Plain-text articles: the first real line is the title, blank lines separate paragraphs."""

from __future__ import annotations

import re

from audio_edition.errors import InputError
from audio_edition.models import Article, ParagraphKind, Removal, Section

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


# A list item's line: "- milk", "* milk", "• milk", "1. milk", "2) milk".
_ITEM = re.compile(r"^(?:[-*•–]|\d{1,3}[.)])\s+\S")
MIN_ITEMS = 2  # one line that starts with "2. " is more likely a wrapped sentence than a list


def _paragraphs(lines: list[str]) -> list[tuple[str, ParagraphKind]]:
    """A block's lines as paragraphs: the lines joined, or, when two lines or more start like list
    items, the text before them and each item (with the lines that continue it) apart."""
    starts = [i for i, line in enumerate(lines) if _ITEM.match(line)]
    if len(starts) < MIN_ITEMS:
        return [(" ".join(lines), "text")] if lines else []
    out: list[tuple[str, ParagraphKind]] = []
    if starts[0] > 0:
        out.append((" ".join(lines[: starts[0]]), "text"))
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        item = " ".join(lines[start:end])
        if not item[0].isdigit():
            item = item[1:].lstrip()  # the bullet; a number stays, as it is said
        out.append((item, "item"))
    return out


def read_text(text: str, source: str | None) -> Article:
    """Read a plain-text article."""
    removed: list[Removal] = []
    title: str | None = None
    paragraphs: list[tuple[str, ParagraphKind]] = []
    for block in blocks(text):
        kept_lines: list[str] = []
        for line in block:
            if is_url_line(line):
                removed.append(Removal("url", line))
            elif title is None:
                title = line
            else:
                kept_lines.append(line)
        paragraphs.extend(_paragraphs(kept_lines))
    if title is None:
        raise InputError(f"{source or 'standard input'} has no text to speak, only web addresses")
    return Article(
        title=title,
        sections=(Section.of(None, paragraphs),) if paragraphs else (),
        source=source,
        removed=tuple(removed),
    )
