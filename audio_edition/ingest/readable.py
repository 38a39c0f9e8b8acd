"""A second, independent reading of a page's article, with readability-lxml (the one module that
uses it): the port of Arc90's Readability, which scores blocks by their text and punctuation
against their links. Used where trafilatura finds nothing, or too little (see extract.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from audio_edition.languages.sentences import word_count

_HEAD = re.compile(r"<head\b.*?</head\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Reading:
    """Readability's article: as an HTML page (the original head, the article as its body), and
    how many of its words there are and how many of them are link text."""

    page: str
    words: int
    link_words: int

    @property
    def link_density(self) -> float:
        return self.link_words / self.words if self.words else 1.0


def read(text: str) -> Reading | None:
    """Readability's article in the page, or None when it finds none (or cannot parse it)."""
    import lxml.html
    from readability import Document

    try:
        fragment = Document(text).summary(html_partial=True)
        tree = lxml.html.fromstring(fragment)
    except Exception:  # noqa: BLE001 - readability and lxml fail in many ways on broken pages; then it has nothing
        return None
    words = word_count(" ".join(tree.itertext()))
    if not words:
        return None
    link_words = sum(word_count(" ".join(a.itertext())) for a in tree.iter("a"))
    for element in tree.iter():
        element.attrib.clear()  # its classes and ids ("comments", "sidebar") told trafilatura to leave it out
    head = _HEAD.search(text)
    body = lxml.html.tostring(tree, encoding="unicode")
    page = f"<html>{head.group(0) if head else ''}<body><article>{body}</article></body></html>"
    return Reading(page, words, link_words)
