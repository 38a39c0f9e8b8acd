"""What the readers share about an article's structure: list items and notes for omitted blocks."""

from __future__ import annotations

import re

from audio_edition.models import ParagraphKind
from audio_edition.text.language import base

# What a listener hears where a block the article introduced ("The wiring looks like this:") was
# taken out: written in English by the readers, said in the article's language (localized()).
NOTES: dict[str, dict[str, str]] = {
    "code": {"en": "Code omitted.", "de": "Code ausgelassen.", "fr": "Code omis.", "es": "Código omitido.",
             "it": "Codice omesso.", "pt": "Código omitido.", "nl": "Code weggelaten."},
    "table": {"en": "Table omitted.", "de": "Tabelle ausgelassen.", "fr": "Tableau omis.", "es": "Tabla omitida.",
              "it": "Tabella omessa.", "pt": "Tabela omitida.", "nl": "Tabel weggelaten."},
}
_NUMBERED = re.compile(r"\d{1,3}[.)]\s")


def numbered(number: int, item: str) -> str:
    """An ordered list's item as the page shows it, "3. Stir well" (speech says "Three: Stir well")."""
    return item if _NUMBERED.match(item) else f"{number}. {item}"


def omitted(paragraphs: list[tuple[str, ParagraphKind]], block: str) -> None:
    """After a code block or table was removed: when the paragraph before it introduced it (ends in
    a colon), add a short note so the sentence does not dangle; one note for a run of blocks."""
    if paragraphs and paragraphs[-1][1] != "note" and paragraphs[-1][0].rstrip().endswith(":"):
        paragraphs.append((NOTES[block]["en"], "note"))


def localized(note: str, language: str) -> str:
    """A note in the article's language (English when we have no words for it)."""
    for words in NOTES.values():
        if note == words["en"]:
            return words.get(base(language), note)
    return note
