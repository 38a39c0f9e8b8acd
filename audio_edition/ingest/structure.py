"""What the readers share about an article's structure: list items and notes for omitted blocks."""

from __future__ import annotations

import re

from audio_edition.languages.notes import NOTES
from audio_edition.models import ParagraphKind

_NUMBERED = re.compile(r"\d{1,3}[.)]\s")


def numbered(number: int, item: str) -> str:
    """An ordered list's item as the page shows it, "3. Stir well" (speech says "Three: Stir well")."""
    return item if _NUMBERED.match(item) else f"{number}. {item}"


def omitted(paragraphs: list[tuple[str, ParagraphKind]], block: str) -> None:
    """After a code block or table was removed: when the paragraph before it introduced it (ends in
    a colon), add a short note so the sentence does not dangle; one note for a run of blocks."""
    if paragraphs and paragraphs[-1][1] != "note" and paragraphs[-1][0].rstrip().endswith(":"):
        paragraphs.append((NOTES[block]["en"], "note"))
