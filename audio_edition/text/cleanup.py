"""Cleanup for listening: site furniture and bylines out, duplicates out, every removal reported."""

from __future__ import annotations

import re
from dataclasses import replace

from audio_edition.text.dedupe import Mode, dedupe
from audio_edition.text.language import base
from audio_edition.models import Article, ParagraphKind, Removal, Section

# Whole paragraphs that are site furniture, by language (matched case-insensitively, in full).
FURNITURE: dict[str, str] = {
    "en": r"you (?:may|might) also like|related(?: articles| stories| posts| content| reading)?|read more|"
          r"read next|more from .{1,40}|recommended(?: for you| reading)?|trending(?: now)?|most (?:read|popular)|"
          r"share(?: this)?(?: article| story| post| page)?(?: on .{1,30})?|advertisement|advertising|sponsored(?: content)?|"
          r"sign up (?:for|to) .{0,60}newsletter.*|subscribe(?: now| today| to .{0,40})?|follow us(?: on .{1,40})?|"
          r"comments?(?: \(\d+\))?|leave a (?:comment|reply)|tags?:.*|filed under:?.*|(?:copyright|©) .*|"
          r"all rights reserved\.?|click here.*|continue reading|skip to (?:main )?content|back to top|"
          r"(?:image|photo|picture) (?:credit|courtesy)?:.*",
    "de": r"das könnte sie auch interessieren|mehr zum thema.*|weitere artikel|lesen sie auch.*|anzeige|werbung|"
          r"(?:artikel )?teilen|newsletter(?: abonnieren)?|kommentare?|folgen sie uns.*|zum seitenanfang",
    "fr": r"à lire aussi|lire aussi.*|vous aimerez aussi|sur le même sujet|publicité|partager(?: cet article)?|"
          r"abonnez-vous.*|commentaires?|suivez-nous.*",
    "es": r"te puede interesar|lee también.*|noticias relacionadas|publicidad|compartir(?: este artículo)?|"
          r"suscríbete.*|comentarios?|síguenos.*",
}
# Furniture that heads a list of links: short paragraphs after it are link titles, not article.
TRAILERS: dict[str, str] = {
    "en": r"you (?:may|might) also like|related(?: articles| stories| posts| content| reading)?|read (?:more|next)|"
          r"more from .{1,40}|recommended(?: for you| reading)?|trending(?: now)?|most (?:read|popular)",
    "de": r"das könnte sie auch interessieren|mehr zum thema.*|weitere artikel|lesen sie auch.*",
    "fr": r"à lire aussi|lire aussi.*|vous aimerez aussi|sur le même sujet",
    "es": r"te puede interesar|lee también.*|noticias relacionadas",
}
TRAILER_ITEM_MAX_WORDS = 16
# "By Jane Doe": the words that introduce an author's name, by language.
BYLINES: dict[str, str] = {
    "en": r"(?:written |words |story |reporting |text )?by|author:",
    "de": r"von|text:|autor(?:in)?:",
    "fr": r"par|texte\s?:|auteure?\s?:",
    "es": r"por|texto:|autora?:",
}
_NAME_PARTICLES = {"and", "&", "und", "et", "y", "van", "von", "der", "den", "de", "da", "del", "la", "le", "di",
                   "du", "des", "bin", "al", "el", "ter", "zu"}


def _table(table: dict[str, str], language: str) -> re.Pattern[str]:
    parts = {table["en"], table.get(base(language), table["en"])}
    return re.compile(r"(?:" + "|".join(sorted(parts)) + r")", re.IGNORECASE)


def byline_author(line: str, language: str = "en") -> str | None:
    """The author's name when ``line`` is a byline such as "By Roger W. Watson", else None."""
    match = re.fullmatch(_table(BYLINES, language).pattern + r"\s+(?P<name>.{2,80}?)\s*", line.strip(), re.IGNORECASE)
    if not match:
        return None
    name = match.group("name").split(",")[0]  # "Jane Doe, Staff Writer": the name, not the role
    words = name.split()
    if not 2 <= len(words) <= 7:  # one capitalized word is as likely "By Monday" as a name
        return None
    for word in words:
        bare = word.strip(".,")
        if bare.lower() in _NAME_PARTICLES:
            continue
        if not (bare[:1].isupper() and all(c.isalpha() or c in ".'’-" for c in bare)):
            return None
    if words[-1].lower() in _NAME_PARTICLES:
        return None
    return " ".join(words)


def strip_furniture(article: Article, language: str) -> Article:
    """Remove site furniture, trailing link lists and bylines (a byline becomes the author)."""
    furniture = _table(FURNITURE, language)
    trailer = _table(TRAILERS, language)
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
    from audio_edition.ingest.structure import localized

    if not any(kind == "note" for s in article.sections for _, kind in s.pairs()):
        return article
    sections = tuple(Section.of(s.title, [(localized(p, language) if k == "note" else p, k) for p, k in s.pairs()])
                     for s in article.sections)
    return replace(article, sections=sections)


def clean(article: Article, language: str, mode: Mode) -> Article:
    """The article as it should be heard: furniture and bylines out, then duplicates out."""
    return localize_notes(dedupe(strip_furniture(article, language), mode, language), language)
