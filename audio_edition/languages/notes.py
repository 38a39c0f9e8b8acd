"""Our own words in an episode, by language: the notes a listener hears where a block was left out."""

from __future__ import annotations

from audio_edition.languages.codes import base

# What a listener hears where a block the article introduced ("The wiring looks like this:") was
# taken out: written in English by the readers, said in the article's language (localized()).
NOTES: dict[str, dict[str, str]] = {
    "code": {"en": "Code omitted.", "de": "Code ausgelassen.", "fr": "Code omis.", "es": "Código omitido.",
             "it": "Codice omesso.", "pt": "Código omitido.", "nl": "Code weggelaten."},
    "table": {"en": "Table omitted.", "de": "Tabelle ausgelassen.", "fr": "Tableau omis.", "es": "Tabla omitida.",
              "it": "Tabella omessa.", "pt": "Tabela omitida.", "nl": "Tabel weggelaten."},
}


def localized(note: str, language: str) -> str:
    """A note in the article's language (English when we have no words for it)."""
    for words in NOTES.values():
        if note == words["en"]:
            return words.get(base(language), note)
    return note
