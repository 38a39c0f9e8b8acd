"""Language: tags, detection, and the per-language tables other stages look up."""

from __future__ import annotations

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


def base(language: str) -> str:
    """The primary subtag: "pt-BR" -> "pt"."""
    return language.replace("_", "-").split("-")[0].lower()


def detect(text: str) -> str | None:
    """The text's language as an ISO 639-1 code, or None when there is too little to tell."""
    if len(text.split()) < 5:
        return None
    import py3langid

    code, _score = py3langid.classify(text)
    return str(code)


def stemmer(language: str):  # type: ignore[no-untyped-def]
    """A Snowball stemmer for the language, or None when there is none."""
    name = STEMMERS.get(base(language))
    if name is None:
        return None
    import snowballstemmer

    return snowballstemmer.stemmer(name)
