"""Duplicate paragraphs: exact copies, a paragraph contained in another, and reworded copies.

Reworded copies are found by lexical overlap: stems weighted by how rare they are in the
article (so the topic's words, in every paragraph, count for little), compared as a Dice
coefficient. A pair counts when each paragraph is the other's best match, their score stands
out from each one's next best match, and they carry no conflicting facts: paragraphs built on
one template (two companies' results, a list of parks, a date moved by an update) differ in
their numbers and names, and are kept.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Literal

from audio_edition.text.language import CAPITALIZED_NOUNS, base, stemmer
from audio_edition.models import Article, Removal, Section

Mode = Literal["off", "exact", "paraphrase"]
MODES: tuple[str, ...] = ("off", "exact", "paraphrase")

# Tuned on tests/corpus: a pair needs a similarity of at least MIN_SIMILARITY, and similarity
# times the square root of its margin over the runner-up of at least PARAPHRASE_THRESHOLD.
MIN_SIMILARITY = 0.2
PARAPHRASE_THRESHOLD = 0.245
MIN_CONTAINED_WORDS = 6  # a shorter paragraph inside another is too generic to call a copy
MIN_PARAPHRASE_WORDS = 6  # shorter paragraphs share too few words to judge a rewording

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "«": '"',
                         "»": '"', "–": "-", "—": "-", "\u00a0": " "})
_WORD = re.compile(r"\w+(?:[.,]\d+)*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|[\"“(]\s*)$")


@dataclass(frozen=True)
class Duplicate:
    """A paragraph found to repeat another: which one goes, which one stays, and why."""

    removed: int
    kept: int
    kind: Literal["exact", "contained", "paraphrase"]
    score: float


def normalize(text: str) -> str:
    """Text as compared for exact copies: quotes, dashes, case, spacing and line wrapping evened out."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold().split())


def _words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


def numbers(text: str) -> set[str]:
    """The numbers a paragraph carries ("1,200" and "1200" alike)."""
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


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


def facts(text: str, language: str) -> set[str]:
    """The numbers and names a paragraph carries."""
    return numbers(text) | names(text, language)


def _named_in(name: str, words: set[str]) -> bool:
    """Whether a text (its words) mentions the name, allowing another form of it (Cornwall, Cornish)."""
    stem = name[:4]
    return any(w.startswith(stem) for w in words)


def conflicting(a: str, b: str, language: str) -> bool:
    """True when each paragraph carries a number, or a name, that the other does not: two
    look-alikes built on one template, not a reworded copy."""
    na, nb = numbers(a), numbers(b)
    if na - nb and nb - na:
        return True
    wa, wb = set(_words(a)), set(_words(b))
    only_a = {n for n in names(a, language) if not _named_in(n, wb)}
    only_b = {n for n in names(b, language) if not _named_in(n, wa)}
    return bool(only_a and only_b)


def _contains(outer: list[str], inner: list[str]) -> bool:
    if len(inner) < MIN_CONTAINED_WORDS or len(inner) >= len(outer):
        return False
    n = len(inner)
    return any(outer[i : i + n] == inner for i in range(len(outer) - n + 1))


class _Similarity:
    """IDF-weighted Dice similarity of stem sets, with each paragraph's best and next-best matches."""

    def __init__(self, paragraphs: list[str], language: str) -> None:
        stem = stemmer(language)
        words = [_words(p) for p in paragraphs]
        stems = {w: w for ws in words for w in ws}  # each distinct word stemmed once
        if stem:
            stems = dict(zip(stems, stem.stemWords(list(stems))))
        self.terms = [{stems[w] for w in ws} for ws in words]
        n = len(paragraphs)
        df: dict[str, int] = {}
        for terms in self.terms:
            for t in terms:
                df[t] = df.get(t, 0) + 1
        self.idf = {t: math.log(1 + (n - k + 0.5) / (k + 0.5)) for t, k in df.items()}  # BM25's idf

    def weight(self, terms: set[str]) -> float:
        return sum(self.idf[t] for t in terms)

    def dice(self, i: int, j: int) -> float:
        a, b = self.terms[i], self.terms[j]
        total = self.weight(a) + self.weight(b)
        return 2 * self.weight(a & b) / total if total else 0.0


def find_duplicates(paragraphs: list[str], mode: Mode, language: str) -> list[Duplicate]:
    """The duplicates among ``paragraphs`` (indices), the first copy kept unless the other
    carries strictly more facts."""
    if mode == "off" or len(paragraphs) < 2:
        return []
    found: list[Duplicate] = []
    gone: set[int] = set()
    norms = [normalize(p) for p in paragraphs]
    words = [_words(p) for p in paragraphs]
    for i, j in combinations(range(len(paragraphs)), 2):
        if i in gone or j in gone:
            continue
        if norms[i] == norms[j]:
            found.append(Duplicate(j, i, "exact", 1.0))
            gone.add(j)
        elif _contains(words[j], words[i]):
            found.append(Duplicate(i, j, "contained", 1.0))
            gone.add(i)
        elif _contains(words[i], words[j]):
            found.append(Duplicate(j, i, "contained", 1.0))
            gone.add(j)
    if mode == "paraphrase":
        found += _paraphrases(paragraphs, language, gone)
    return sorted(found, key=lambda d: d.removed)


def _paraphrases(paragraphs: list[str], language: str, gone: set[int]) -> list[Duplicate]:
    sim = _Similarity(paragraphs, language)
    found: list[Duplicate] = []
    long_enough = {i for i, p in enumerate(paragraphs) if len(_words(p)) >= MIN_PARAPHRASE_WORDS}
    while True:  # one pair at a time: removing a copy can make a third copy the best match
        alive = [i for i in range(len(paragraphs)) if i not in gone and i in long_enough]
        if len(alive) < 2:
            return found
        scores = {(i, j): sim.dice(i, j) for i, j in combinations(alive, 2)}

        def s(i: int, j: int) -> float:
            return scores[(i, j) if i < j else (j, i)]

        ranked = {i: sorted((s(i, j) for j in alive if j != i), reverse=True) for i in alive}
        best = {i: max((j for j in alive if j != i), key=lambda j: s(i, j)) for i in alive}
        candidates = []
        for (i, j), score in scores.items():
            if best[i] != j or best[j] != i or score < MIN_SIMILARITY:
                continue
            runner_up = max(ranked[i][1] if len(ranked[i]) > 1 else 0.0, ranked[j][1] if len(ranked[j]) > 1 else 0.0)
            margin = score / runner_up if runner_up else 1.0  # no third paragraph: no evidence either way
            if score * math.sqrt(min(margin, 4.0)) >= PARAPHRASE_THRESHOLD:
                candidates.append((score, i, j))
        accepted = None
        for score, i, j in sorted(candidates, reverse=True):
            if conflicting(paragraphs[i], paragraphs[j], language):
                continue  # each says something the other does not: a look-alike, not a copy
            fi, fj = facts(paragraphs[i], language), facts(paragraphs[j], language)
            keep, drop = (j, i) if fj > fi else (i, j)
            accepted = Duplicate(drop, keep, "paraphrase", round(score, 3))
            break
        if accepted is None:
            return found
        found.append(accepted)
        gone.add(accepted.removed)


def dedupe(article: Article, mode: Mode, language: str) -> Article:
    """The article without its duplicate paragraphs, each one reported with the paragraph kept."""
    paragraphs = list(article.paragraphs)
    duplicates = find_duplicates(paragraphs, mode, language)
    if not duplicates:
        return article
    dropped = {d.removed for d in duplicates}
    sections, n = [], 0
    for section in article.sections:
        kept = []
        for paragraph in section.paragraphs:
            if n not in dropped:
                kept.append(paragraph)
            n += 1
        if kept or section.title:
            sections.append(Section(section.title, tuple(kept)))
    removals = tuple(Removal("duplicate", paragraphs[d.removed], paragraphs[d.kept], d.score) for d in duplicates)
    return replace(article, sections=tuple(sections), removed=article.removed + removals)
