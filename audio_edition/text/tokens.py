"""Tokens of real text that numbers and words rules get wrong: codes that mix letters and digits
(model numbers, standards, versions), decades, every currency sign, comparison and math signs,
and emoji. Each is said whole, the way a newsreader reads it, never half-converted.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

from audio_edition.languages.spoken import CURRENCY_NAMES, Words


class Speaker(Protocol):
    """What these rules need of a normalizer: the language's words, and numbers said in it."""

    w: Words

    def number(self, written: str) -> str: ...

    def year(self, value: int) -> str: ...

# Emoji and pictographs, with the joiners, variation selectors and skin tones that bind them.
_PICTO = "\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\U0001F1E6-\U0001F1FF"
EMOJI = re.compile(f"[{_PICTO}](?:[\u200d\ufe0f\U0001F3FB-\U0001F3FF]+[{_PICTO}]?)*[\ufe0f]?")

# A code: letters and digits in one token ("i7", "A350-900", "802.11ax", "MP3", "COVID-19").
CODE = re.compile(r"(?<![\w.])(?=[\w.-]*\d)(?=[\w.-]*[^\W\d_])[^\W_]+(?:[.-][^\W_]+)*(?![\w])")
_RUNS = re.compile(r"\d+|[^\W\d_]+|[.-]")
_EXTRA_SIGNS = (0x11FDD, 0x11FDE, 0x11FDF, 0x11FE0, 0x1E2FF, 0x1ECB0)  # Sc signs past the first plane
_SIGNS_CACHE: dict[str, tuple[str, str]] | None = None


def all_currency_signs() -> dict[str, tuple[str, str]]:
    """Every currency sign in Unicode (category Sc), with a name: ours, else Unicode's own."""
    global _SIGNS_CACHE
    if _SIGNS_CACHE is None:
        found: dict[str, tuple[str, str]] = {}
        for code in (*range(0x10000), *_EXTRA_SIGNS):
            char = chr(code)
            if unicodedata.category(char) != "Sc":
                continue
            if char in CURRENCY_NAMES:
                found[char] = CURRENCY_NAMES[char]
            else:
                name = unicodedata.name(char, "currency").lower()
                for noise in (" sign", "fullwidth ", "small ", "tamil ", "bengali ", "gujarati ", "thai "):
                    name = name.replace(noise, "")
                found[char] = (name, name)
        _SIGNS_CACHE = {k: v for k, v in found.items() if v[0]}
    return _SIGNS_CACHE


def emoji_in(text: str) -> list[str]:
    return EMOJI.findall(text)


def drop_emoji(text: str) -> str:
    return EMOJI.sub(" ", text)


def _digits(run: str, n: Speaker, english: bool) -> str:
    """A run of digits inside a code, as it is read there."""
    if len(run) <= 2 or (len(run) == 3 and run.endswith("00")) or not english and len(run) <= 4:
        return n.number(run)
    if len(run) == 3:  # "350": three fifty; "802": eight oh two
        first, rest = n.number(run[0]), run[1:]
        return f"{first} {'oh ' + n.number(rest[1]) if rest[0] == '0' else n.number(rest)}"
    if len(run) == 4:  # "2020": twenty twenty, as a year is read
        return n.year(int(run))
    return " ".join(n.number(d) for d in run)  # a long identifier: digit by digit


def speak_code(token: str, n: Speaker) -> str:
    """A code said whole: "A350-900" -> "A three fifty nine hundred", "802.11ax" -> "eight oh two
    dot eleven a x", "i7" -> "i seven", "COVID-19" -> "COVID nineteen"."""
    english = n.w.code == "en"
    out = []
    for run in _RUNS.findall(token):
        if run.isdigit():
            out.append(_digits(run, n, english))
        elif run == ".":
            out.append(n.w.dot)
        elif run == "-":
            continue
        elif len(run) <= 3 or not any(c in "aeiouyAEIOUY" for c in run):
            out.append(" ".join(run))  # letters of a code are spelled: "ax" -> "a x", "MP" -> "M P"
        else:
            out.append(run)
    return " ".join(out)


def identifiers(text: str, n: Speaker) -> str:
    """"Lego set 75188", "flight 4021": a number named as an identifier, said digit by digit."""
    return re.sub(r"(?i)(?<!\w)((?:" + n.w.identifier_words + r")\s+)(\d{4,})(?!\d)",
                  lambda m: m.group(1) + " ".join(n.number(d) for d in m.group(2)), text)


def decades(text: str, n: Speaker) -> str:
    """"1990s" -> "nineteen nineties", "'90s" -> "nineties", "the 2020s" -> "twenty twenties";
    German "1990er" and "90er Jahre" likewise."""
    if n.w.code == "en":
        def plural(words: str) -> str:
            last = words.split()[-1]
            plural_last = last[:-1] + "ies" if last.endswith("y") else last + "s"
            return words[: len(words) - len(last)] + plural_last

        text = re.sub(r"(?<![\w'’])(1\d|20)(\d0)s\b", lambda m: plural(n.year(int(m.group(1) + m.group(2)))), text)
        return re.sub(r"(?<!\w)['’](\d0)s\b", lambda m: plural(n.number(m.group(1))), text)
    if n.w.code == "de":
        text = re.sub(r"(?<!\w)(1\d|20)(\d0)er\b", lambda m: n.year(int(m.group(1) + m.group(2))) + "er", text)
        return re.sub(r"(?<![\w'’])(\d0)er\b", lambda m: n.number(m.group(1)).removesuffix("g") + "ger"
                      if n.number(m.group(1)).endswith("zig") else n.number(m.group(1)) + "er", text)
    return text


_DOTTED = re.compile(r"(?<![\w.,])\d+(?:\.\d+){2,}(?![\w]|\.\d)")


def dotted(text: str, n: Speaker) -> str:
    """Three numbers or more joined by dots, a version or an address ("2.6.1", "192.168.0.1"): each
    number, with "dot" between ("two dot six dot one"). Groups of three digits after the first are a
    thousands separator ("3.500.000"), left to the number rules."""
    def say(m: re.Match[str]) -> str:
        groups = m.group(0).split(".")
        if all(len(g) == 3 for g in groups[1:]):
            return m.group(0)
        return f" {n.w.dot} ".join(n.number(g) for g in groups)

    return _DOTTED.sub(say, text)


def codes(text: str, n: Speaker) -> str:
    return CODE.sub(lambda m: speak_code(m.group(0), n), text)


def signs(text: str, n: Speaker) -> str:
    """Comparison and math signs before a number are said ("margins < 30%": "less than"), never dropped."""
    table = n.w.signs
    pattern = "|".join(re.escape(sign) for sign in sorted(table, key=len, reverse=True))
    return re.sub(r"\s*(" + pattern + r")\s*(?=[-+−]?[$€£¥]?\d)", lambda m: f" {table[m.group(1)]} ", text)
