"""Plain-text articles: blank lines separate paragraphs; the title is a line that stands alone."""

from __future__ import annotations

import re

from audio_edition.errors import InputError
from audio_edition.ingest import titles
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
    """Read a plain-text article: blank lines separate paragraphs, and a hard-wrapped paragraph's
    lines are joined. The title is a first line that stands alone, else drawn from the first
    sentence (see titles.py)."""
    removed: list[Removal] = []
    kept: list[list[str]] = []
    for block in blocks(text):
        lines = []
        for line in block:
            if is_url_line(line):
                removed.append(Removal("url", line))
            else:
                lines.append(line)
        if lines:
            kept.append(lines)
    if not kept:
        what = "only web addresses" if removed else "no text"
        raise InputError(f"{source or 'standard input'} has {what} to speak",
                         hint="Give an article's text: a title line, a blank line, then its paragraphs.")
    title: str | None = None
    if titles.standalone(kept[0], more_follows=len(kept) > 1):
        title = kept.pop(0)[0]
    paragraphs = [p for lines in kept for p in _paragraphs(lines)]
    derived = title is None
    return Article(
        title=title or titles.from_text([p for p, _ in paragraphs]),
        sections=(Section.of(None, paragraphs),),
        source=source,
        removed=tuple(removed),
        notes=(titles.DERIVED_NOTE,) if derived else (),
        title_spoken=not derived,
    )
