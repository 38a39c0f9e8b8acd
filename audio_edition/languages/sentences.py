"""Where sentences end, by language: abbreviations whose dot ends no sentence, and the languages
that write ordinals with a dot ("am 14. September"); the splitter that uses them; and how many
words a text has, in scripts written without spaces too."""

from __future__ import annotations

import re

from audio_edition.languages.codes import base

# Languages that write ordinals with a dot ("am 14. September"): a number and a dot end no sentence.
ORDINAL_DOT = {"de", "da", "no", "nb", "fi", "cs", "sk", "pl", "hu", "hr", "sl", "sr", "et", "lv", "is"}
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "mt", "no", "vs", "etc", "e.g", "i.e", "approx", "gen",
    "sen", "rep", "gov", "inc", "ltd", "co", "corp", "ave", "rd", "u.s", "u.k", "e.u", "u.n", "a.m", "p.m",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "z.b", "d.h", "bzw", "ca", "nr", "str", "usw", "vgl", "evtl", "inkl", "mio", "mrd", "u.a",
    "m", "mme", "p.ex", "sra", "p.ej",
}


_SENTENCE_BREAK = re.compile(r"([.!?…]+[\"'”’»)\]]*)\s+(?=[\"'“‘«(\[]?[A-ZÀ-ÖØ-Þ0-9])")


def sentences(text: str, language: str = "en") -> list[str]:
    """Split written text into sentences, not at abbreviations ("Dr.", "U.S.") or initials ("W.")."""
    text = " ".join(text.split())
    out: list[str] = []
    start = 0
    for match in _SENTENCE_BREAK.finditer(text):
        before = text[start : match.start()].split()
        last = before[-1] if before else ""
        token = last.rstrip(".").lower()
        if match.group(1) == "." and (
            token in ABBREVIATIONS
            or re.fullmatch(r"[a-z]", token)  # an initial
            or (token.isdigit() and base(language) in ORDINAL_DOT)
        ):
            continue
        out.append(text[start : match.end(1)])
        start = match.end()
    if start < len(text):
        out.append(text[start:])
    return [s for s in out if s.strip()]


# Chinese and Japanese write no spaces between words: a run of their characters is not one word.
# A word there is about two characters; Korean spaces its words, and is counted as written.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CHARACTERS_PER_WORD = 2


def word_count(text: str) -> int:
    """About how many words ``text`` has, in any script."""
    count = 0
    for token in text.split():
        unspaced = len(_UNSPACED.findall(token))
        count += max(1, -(-unspaced // CHARACTERS_PER_WORD)) if unspaced else 1
    return count
