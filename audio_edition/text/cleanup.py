"""Cleanup for listening: site furniture and bylines out, duplicates out, every removal reported."""

from __future__ import annotations

from dataclasses import replace

from audio_edition.languages.bylines import byline_author
from audio_edition.languages.codes import either
from audio_edition.languages.furniture import FURNITURE, TRAILERS
from audio_edition.languages.notes import localized
from audio_edition.models import Article, ParagraphKind, Removal, Section
from audio_edition.settings import DedupeMode
from audio_edition.text.dedupe import dedupe
from audio_edition.text.tokens import emoji_in

PARAGRAPH_REASONS = frozenset({"boilerplate", "byline", "duplicate"})  # what cleanup takes out of the paragraphs
TRAILER_ITEM_MAX_WORDS = 16  # longer, a paragraph after a trailer is the article again


def strip_furniture(article: Article, language: str) -> Article:
    """Remove site furniture, trailing link lists and bylines (a byline becomes the author)."""
    furniture = either(FURNITURE, language)
    trailer = either(TRAILERS, language)
    author = article.author
    removed: list[Removal] = []
    sections: list[Section] = []
    in_trailer = False
    for section in article.sections:
        kept: list[tuple[str, ParagraphKind]] = []
        for paragraph, kind in section.pairs():
            text = paragraph.strip()
            name = byline_author(text, language)
            if in_trailer and len(text.split()) <= TRAILER_ITEM_MAX_WORDS:
                removed.append(Removal("boilerplate", text))
                continue
            in_trailer = False
            if name:
                author = author or name
                removed.append(Removal("byline", text))
            elif trailer.fullmatch(text.rstrip(":.")):
                in_trailer = True
                removed.append(Removal("boilerplate", text))
            elif furniture.fullmatch(text.rstrip(":.")):
                removed.append(Removal("boilerplate", text))
            else:
                kept.append((paragraph, kind))
        if kept or section.title:
            sections.append(Section.of(section.title, kept))
    if not removed:
        return article
    return replace(article, sections=tuple(sections), author=author, removed=article.removed + tuple(removed))


def localize_notes(article: Article, language: str) -> Article:
    """Our notes ("Code omitted.") in the article's language."""
    if not any(kind == "note" for s in article.sections for _, kind in s.pairs()):
        return article
    sections = tuple(Section.of(s.title, [(localized(p, language) if k == "note" else p, k) for p, k in s.pairs()])
                     for s in article.sections)
    return replace(article, sections=sections)


def clean(article: Article, language: str, mode: DedupeMode) -> Article:
    """The article as it should be heard: furniture and bylines out, then duplicates out."""
    return localize_notes(dedupe(strip_furniture(article, language), mode, language), language)


def report_emoji(article: Article) -> Article:
    """Emoji stay in the written text (the transcript, the page) but are not spoken: say so."""
    found = [e for text in (article.title, *(s.title or "" for s in article.sections), *article.paragraphs)
             for e in emoji_in(text)]
    if not found:
        return article
    listed = " ".join(dict.fromkeys(found))
    return replace(article, removed=article.removed + (Removal("emoji", f"{len(found)} emoji, not spoken: {listed}"),))
