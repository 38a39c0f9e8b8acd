"""Bylines, by language: the words that introduce an author's name when a page writes one ("By",
"Von", "Par"), the word a listener hears before it, and the recognizer of a byline."""

from __future__ import annotations

import re

from audio_edition.languages.codes import base, either

# "By Jane Doe": the words that introduce an author's name, by language.
BYLINES: dict[str, str] = {
    "en": r"(?:written |words |story |reporting |text )?by|author:",
    "de": r"von|text:|autor(?:in)?:",
    "fr": r"par|texte\s?:|auteure?\s?:",
    "es": r"por|texto:|autora?:",
}
_NAME_PARTICLES = {"and", "&", "und", "et", "y", "van", "von", "der", "den", "de", "da", "del", "la", "le", "di",
                   "du", "des", "bin", "al", "el", "ter", "zu"}
# What a listener hears before the author's name ("By Jane Doe"), in the article's language.
SAID_BY = {"en": "By", "de": "Von", "fr": "Par", "es": "Por", "it": "Di", "pt": "Por", "nl": "Door", "sv": "Av",
           "da": "Af", "no": "Av", "pl": "Autor:", "cs": "Autor:"}


def said_by(language: str) -> str:
    """The word before an author's name in the article's language ("By" when we have none)."""
    return SAID_BY.get(base(language), "By")


def byline_author(line: str, language: str = "en") -> str | None:
    """The author's name when ``line`` is a byline such as "By Roger W. Watson", else None."""
    match = re.fullmatch(either(BYLINES, language).pattern + r"\s+(?P<name>.{2,80}?)\s*", line.strip(), re.IGNORECASE)
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
