"""Language tags and what we know of each language's writing: scripts, capitals, stemmers."""

from __future__ import annotations

import re

# Snowball stemmer names by ISO 639-1 code (the languages snowballstemmer ships).
STEMMERS: dict[str, str] = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi",
    "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian",
    "ne": "nepali", "nl": "dutch", "no": "norwegian", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}
# Languages that capitalize every noun, so capitals do not mark names.
CAPITALIZED_NOUNS = {"de", "lb"}
# Languages written in the Latin script (zero-width joiners mean nothing in them).
LATIN_SCRIPT = {"en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "nb", "fi", "pl", "cs", "sk", "hu", "ro",
                "hr", "sl", "et", "lv", "lt", "tr", "id", "ms", "ca", "eu", "gl", "ga", "cy", "is", "sq", "vi"}


def base(language: str) -> str:
    """The primary subtag: "pt-BR" -> "pt"."""
    return language.replace("_", "-").split("-")[0].lower()


def either(table: dict[str, str], language: str) -> re.Pattern[str]:
    """One case-insensitive pattern of a table of per-language patterns: English's, and the
    language's own (pages in any language carry English furniture)."""
    parts = {table["en"], table.get(base(language), table["en"])}
    return re.compile(r"(?:" + "|".join(sorted(parts)) + r")", re.IGNORECASE)
