"""What a paragraph claims: its numbers (in digits or words), dates and names, and the text as
compared for exact copies. Two paragraphs on one template differ here; a reworded copy does not."""

from __future__ import annotations

import re
import unicodedata

from audio_edition.languages.codes import CAPITALIZED_NOUNS, base
from audio_edition.languages.spoken import words_for
from audio_edition.text.numbers import number_words

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "«": '"',
                         "»": '"', "–": "-", "—": "-", "\u00a0": " "})
_WORD = re.compile(r"\w+(?:[.,]\d+)*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_ENUMERATOR = re.compile(r"^\s*\d{1,3}[.)]\s+(?=\D)")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|[\"“(]\s*)$")


def normalize(text: str) -> str:
    """Text as compared for exact copies: quotes, dashes, case, spacing and line wrapping evened out."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold().split())


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


def numbers(text: str, language: str = "en") -> set[str]:
    """The numbers a paragraph carries, in digits or in words ("1,200" and "1200" alike, "forty" as
    "40"); not a list item's number ("3. Clean your tools"), which says where it is, not what."""
    found = {n.replace(",", "") for n in _NUMBER.findall(_ENUMERATOR.sub("", text, count=1))}
    spelled = number_words(language)
    return found | {spelled[w] for w in words(text) if w in spelled}


def names(text: str, language: str) -> set[str]:
    """Capitalized words that do not start a sentence: names, in languages that capitalize only names."""
    found: set[str] = set()
    if base(language) in CAPITALIZED_NOUNS:
        return found
    for match in re.finditer(r"\b[^\W\d_][\w'’-]*", text):
        word = match.group(0)
        if word[0].isupper() and not _SENTENCE_START.search(text[: match.start()]):
            found.add(word.casefold().removesuffix("'s").removesuffix("’s"))
    return found


def dates(text: str, language: str) -> set[str]:
    """The days and months a paragraph names ("Sunday. Breakfast: ..." starts a sentence with one)."""
    table = words_for(language)
    return set(re.findall(r"\w+", text)) & {*table.weekdays, *table.months}


def facts(text: str, language: str) -> set[str]:
    """The numbers, dates and names a paragraph carries."""
    return numbers(text, language) | dates(text, language) | names(text, language)


def _named_in(name: str, words: set[str]) -> bool:
    """Whether a text (its words) mentions the name, allowing another form of it (Cornwall, Cornish)."""
    stem = name[:4]
    return any(w.startswith(stem) for w in words)


def adds(a: str, b: str, language: str) -> bool:
    """True when paragraph ``a`` carries a number, a date or a name that ``b`` does not (in digits
    or in words: "3 km" is in "three kilometres")."""
    wb = set(words(b))
    small = number_words(language, small=True)
    said = numbers(b, language) | {small[w] for w in wb if w in small}
    if numbers(a, language) - said or dates(a, language) - dates(b, language):
        return True
    return any(not _named_in(n, wb) for n in names(a, language))


def conflicting(a: str, b: str, language: str) -> bool:
    """True when each paragraph carries a number, or a name, that the other does not: two
    look-alikes built on one template, not a reworded copy."""
    return adds(a, b, language) and adds(b, a, language)
