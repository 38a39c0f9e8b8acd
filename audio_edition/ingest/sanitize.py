"""The boundary where text enters: characters no one hears, and that engines, feeds and pages must
not get, are taken out here, once, for every input format and every title or author given as an
option.

Out: control characters (tab and line ends are kept as spacing), private-use characters,
surrogates, Unicode noncharacters, and invisible format characters, among them the bidirectional
overrides and isolates (which can make a title read backwards in a feed reader), zero-width
spaces, word joiners, soft hyphens and byte-order marks. The zero-width joiner and non-joiner stay:
some scripts and emoji need them. What is taken out is counted, so the report can say so.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace

from audio_edition.models import Article, Removal, Section

KEEP = frozenset("\t\n\r\u200c\u200d")  # spacing, and the joiners that some scripts need
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef\ufffe\uffff\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe"
                            "\U0003ffff\U0004fffe\U0004ffff\U0005fffe\U0005ffff\U0006fffe\U0006ffff\U0007fffe"
                            "\U0007ffff\U0008fffe\U0008ffff\U0009fffe\U0009ffff\U000afffe\U000affff\U000bfffe"
                            "\U000bffff\U000cfffe\U000cffff\U000dfffe\U000dffff\U000efffe\U000effff\U000ffffe"
                            "\U000fffff\U0010fffe\U0010ffff]")
_KINDS = {"Cc": "control", "Cf": "invisible format", "Co": "private-use", "Cs": "surrogate"}
# Characters that are safe in every kind of text: a quick test for the common case.
_PLAIN = re.compile(r"[\t\n\r\x20-\x7e\u00a0-\u00ac\u00ae-\u05ff]*")


def unwanted(char: str) -> str | None:
    """What kind of unwanted character ``char`` is, or None when it is fine."""
    if char in KEEP:
        return None
    kind = _KINDS.get(unicodedata.category(char))
    if kind:
        return kind
    return "noncharacter" if _NONCHARACTERS.match(char) else None


def clean(text: str) -> tuple[str, Counter[str]]:
    """``text`` without unwanted characters, and how many of each kind were taken out."""
    if _PLAIN.fullmatch(text):
        return text, Counter()
    counts: Counter[str] = Counter()
    kept = []
    for char in text:
        kind = unwanted(char)
        if kind:
            counts[kind] += 1
        else:
            kept.append(char)
    return "".join(kept), counts


def clean_line(text: str) -> str:
    """``text`` without unwanted characters and with any line breaks as spaces (titles, names)."""
    return " ".join(clean(text)[0].split())


def describe(counts: Counter[str]) -> str:
    """E.g. "3 control characters and 1 invisible format character"."""
    parts = [f"{n} {kind} character{'s' * (n != 1)}" for kind, n in sorted(counts.items())]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# Markup a title or heading can carry as text (escaped in the page, or a feed's CDATA): an engine
# would read it out ("script alert x script"). Scripts and styles go with their content; comments
# whole; CDATA markers and tags leave their text.
_MARKUP = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)|<!--.*?(?:-->|$)|<!\[CDATA\[|\]\]>"
                     r"|</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>", re.IGNORECASE | re.DOTALL)


def strip_markup(text: str) -> tuple[str, list[str]]:
    """A title or heading without markup, and the markup taken out (for the report)."""
    if "<" not in text and "]]>" not in text:
        return text, []
    found = [m.group(0) for m in _MARKUP.finditer(text)]
    return (" ".join(_MARKUP.sub(" ", text).split()) if found else text), found


def title_line(text: str) -> tuple[str, list[str]]:
    """A title or name as given (an option, a feed): unwanted characters and markup out."""
    return strip_markup(clean_line(text))


def clean_article(article: Article) -> tuple[Article, Counter[str]]:
    """The article with every text field cleaned (values decoded by a parser, such as YAML escapes
    or HTML character references, can carry what the raw text did not), and markup out of its
    title and headings (reported)."""
    counts: Counter[str] = Counter()
    markup: list[str] = []

    def line(text: str | None, heading: bool = False) -> str | None:
        if text is None:
            return None
        cleaned, found = clean(text)
        counts.update(found)
        cleaned = " ".join(cleaned.split())
        if heading:
            cleaned, tags = strip_markup(cleaned)
            markup.extend(tags)
        return cleaned

    title = line(article.title, heading=True) or ""
    sections = tuple(Section.of(line(s.title, heading=True) or None,
                                [(text, kind) for text, kind in ((line(p) or "", k) for p, k in s.pairs()) if text])
                     for s in article.sections)
    removed = (Removal("markup", " ".join(markup)),) if markup else ()
    return replace(article, title=title, author=line(article.author) or None, removed=article.removed + removed,
                   sections=tuple(s for s in sections if s.title or s.paragraphs)), counts
