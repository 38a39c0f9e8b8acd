"""Numbers in words, in the article's language: the one module that uses num2words."""

from __future__ import annotations

import functools

from audio_edition.languages.codes import base
from audio_edition.languages.spoken import Words


def say(value: float | int, lang: str, to: str = "cardinal") -> str:
    """``value`` in words. num2words fails in its own ways by language and size (OverflowError
    past 10^18 in pt_BR, NotImplementedError or KeyError for forms some languages lack): then the
    cardinal, and as a last resort each digit on its own, which every language can say."""
    from num2words import num2words

    try:
        return num2words(value, lang=lang, to=to).replace(",", "")
    except Exception:  # noqa: BLE001 - see above; nothing here may stop a build
        if to != "cardinal":
            return say(value, lang)
    digits = [c for c in str(abs(value)) if c.isdigit()]
    words = []
    for digit in digits:
        try:
            words.append(num2words(int(digit), lang=lang))
        except Exception:  # noqa: BLE001
            words.append(digit)
    return " ".join(words)


def point_word(lang: str) -> str:
    """The word num2words says for the decimal point ("point", "Komma")."""
    from num2words import CONVERTER_CLASSES

    return getattr(CONVERTER_CLASSES.get(lang), "pointword", None) or "point"


def num2words_language(language: str) -> str:
    from num2words import CONVERTER_CLASSES

    tag = language.replace("-", "_")
    for candidate in (tag, base(language)):
        if candidate in CONVERTER_CLASSES:
            return candidate
    return "en"


def clock(words: Words, hour: int, minute: int) -> str:
    """A time of day as the table's language says it ("nine oh five", "neun Uhr fünf"), from its
    templates, its numbers in that language too: a language without a table of its own reads times
    as English does, numbers included, rather than half in one language and half in another."""
    if minute == 0:
        template = words.clock_on_the_hour
    elif minute < 10 and words.clock_under_ten:
        template = words.clock_under_ten
    else:
        template = words.clock
    return template.format(hour=say(hour, words.code), minute=say(minute, words.code))


@functools.cache
def number_words(language: str, small: bool = False) -> dict[str, str]:
    """Numbers written as words in ``language`` ("forty" -> "40"), for telling facts apart: thirteen
    to twenty, the tens, hundred, thousand and million. Smaller ones are left out unless ``small``:
    a rewording says them in other words ("two" as "a pair", "twelve months" as "a year", "three
    months" as "the quarter"), so they are not facts of their own; but they can say a fact ("3 km"
    as "three kilometres")."""
    lang = num2words_language(language)
    out: dict[str, str] = {}
    for value in (*(range(1, 13) if small else ()), *range(13, 21), *range(30, 100, 10), 100, 1000, 1_000_000):
        written = say(value, lang).casefold().split()
        if len(written) == 1 or value >= 100:  # "one hundred": the last word
            out.setdefault(written[-1], str(value))
    return out
