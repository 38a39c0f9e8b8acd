"""Language: detection (pycld2), the language an article is read in, and stemmers (snowballstemmer)."""

from __future__ import annotations

from typing import Any, NamedTuple

from audio_edition.languages.codes import STEMMERS, base
from audio_edition.models import Article
from audio_edition.settings import DEFAULT_LANGUAGE
from audio_edition.storage.cache import DiskCache, digest

DETECTOR = "cld2-shares"  # part of the cache key of a detection
MIN_BYTES = 30  # of letters, below which a guess is noise


def detect(text: str) -> str | None:
    """The text's language as a BCP 47 tag (e.g. "en", "zh-Hant"), or None when it cannot tell."""
    ranked = detect_ranked(text)
    return ranked[0] if ranked else None


def detect_ranked(text: str) -> list[str]:
    """The languages found in the text, most of the text first; empty when it cannot tell."""
    return [code for code, _ in detect_shares(text)]


# Languages close enough that a detector confuses them on real text: never grounds to overrule a page.
_CLOSE = [{"no", "nb", "nn", "da"}, {"hr", "sr", "bs", "sh"}, {"id", "ms"}, {"cs", "sk"}, {"gl", "pt"}]
OVERRULE_SHARE = 80  # percent of the text in the detected language
OVERRULE_WORDS = 40  # too few words, and the page's word stands


def disagrees(declared: str, shares: list[tuple[str, int]], words: int) -> str | None:
    """The detected language when the text clearly is not in the declared one, else None: enough
    words, at least OVERRULE_SHARE percent of them in another language, almost none in the declared
    one, and not a pair detectors confuse (Norwegian and Danish, say)."""
    if not shares or words < OVERRULE_WORDS:
        return None
    top, share = shares[0]
    said, found = base(declared), base(top)
    if share < OVERRULE_SHARE or said == found or any({said, found} <= group for group in _CLOSE):
        return None
    if any(base(code) == said and percent >= 100 - OVERRULE_SHARE for code, percent in shares):
        return None
    return top


def detect_shares(text: str) -> list[tuple[str, int]]:
    """The languages found in the text with the percent of the text in each, most first; empty
    when it cannot tell.

    Google's CLD2 (pycld2): its tables are compiled in, so there is no model to load; it takes about
    a millisecond on an article, and says when it is unsure rather than guessing. Scripts that it
    recognises without a language (its "xx-" tags) are not languages and are left out.
    """
    if len(text.split()) < 5:
        return []
    import pycld2

    # CLD2 takes UTF-8 without control or unpaired surrogate characters.
    clean = "".join(c if c.isprintable() or c in "\n\t" else " " for c in text)
    try:
        reliable, found, details = pycld2.detect(clean.encode("utf-8", "replace"))
    except pycld2.error:
        return []
    if not reliable or found < MIN_BYTES:
        return []
    shares: dict[str, int] = {}
    for _, code, percent, _ in details:
        if percent > 0 and code not in ("un", "xxx") and not code.startswith("xx-"):
            code = _CLD2_CODES.get(code, code)
            shares[code] = shares.get(code, 0) + percent
    return list(shares.items())


# CLD2 still uses some withdrawn ISO 639 codes.
_CLD2_CODES = {"iw": "he", "in": "id", "jw": "jv", "mo": "ro"}


def stemmer(language: str) -> Any:
    """A Snowball stemmer for the language, or None when there is none."""
    name = STEMMERS.get(base(language))
    if name is None:
        return None
    import snowballstemmer

    return snowballstemmer.stemmer(name)


class Choice(NamedTuple):
    """The language an article is read in, the other languages detection found in it (most of the
    text first), and a note when its text overruled what the page declared."""

    language: str
    others: list[str]
    note: str | None


def article_language(article: Article, forced: str | None, cache: DiskCache) -> Choice:
    """``forced`` (--lang), else what the document declares unless its text clearly is in another
    language, else detection on its text, else English; with the other languages detection found,
    for when the engine has no voice for the first.

    A detection is cached by the text, so a rebuild does not pay for it again."""
    if forced:
        return Choice(forced, [], None)
    text = " ".join([article.title, *article.paragraphs])
    words = len(text.split())
    if words < 5 or (article.language and words < OVERRULE_WORDS):
        return Choice(article.language or DEFAULT_LANGUAGE, [], None)  # too short to tell, or to doubt the page
    key = digest("language", DETECTOR, text)
    known = cache.get("language", key, "txt")  # "": detection could not tell
    if known is not None:
        shares = [(code, int(percent)) for code, _, percent in
                  (item.partition(":") for item in known.decode(errors="replace").split(",") if item)
                  if percent.isdigit()]
    else:
        shares = detect_shares(text)
        cache.put("language", key, "txt", ",".join(f"{code}:{percent}" for code, percent in shares).encode())
    found = [code for code, _ in shares]
    if article.language:
        other = disagrees(article.language, shares, words)
        if other is None:
            return Choice(article.language, [], None)
        note = (f"the page declares the language '{article.language}', but {shares[0][1]}% of its text is "
                f"'{other}': read as '{other}' (give --lang {article.language} to keep the declared one)")
        return Choice(other, [], note)
    return Choice(found[0], found[1:], None) if found else Choice(DEFAULT_LANGUAGE, [], None)
