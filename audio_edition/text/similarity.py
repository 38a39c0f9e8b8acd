"""How alike two paragraphs are: stems weighted by how rare they are in the article (so the
topic's words, in every paragraph, count for little), as a Dice coefficient; and sentence by
sentence, in any order, merged or split."""

from __future__ import annotations

import math
from itertools import combinations

from audio_edition.languages.sentences import sentences
from audio_edition.text.facts import normalize, words
from audio_edition.text.language import stemmer

# A copy says the same thing sentence by sentence, in any order, merged or split: every sentence of
# each has a counterpart in the other (a sentence, or two neighbouring ones) sharing at least
# MIN_SENTENCE_SIMILARITY of their rarer words, MIN_ALIGNMENT on average, at a similar length.
MIN_SENTENCE_SIMILARITY = 0.15
MIN_ALIGNMENT = 0.2
MAX_LENGTH_RATIO = 1.65  # of the two paragraphs' word counts, unless the shorter is all in the longer
SHORTENED = 0.6  # a shorter paragraph whose every sentence shares this much with the other: a cut-down copy
MIN_SUPPORTED_WORDS = 4  # shorter sentences ("Yes.", "He agreed.") are judged with their paragraph


class Similarity:
    """IDF-weighted Dice similarity of stem sets."""

    def __init__(self, paragraphs: list[str], language: str) -> None:
        stem = stemmer(language)
        split = [words(p) for p in paragraphs]
        stems = {w: w for ws in split for w in ws}  # each distinct word stemmed once
        if stem:
            wordlike = [w for w in stems if not any(c.isdigit() for c in w)]  # numbers are not stemmed
            stems.update(zip(wordlike, stem.stemWords(wordlike)))
        self.terms = [{stems[w] for w in ws} for ws in split]
        n = len(paragraphs)
        self.df: dict[str, int] = {}
        for terms in self.terms:
            for t in terms:
                self.df[t] = self.df.get(t, 0) + 1
        self.idf = {t: math.log(1 + (n - k + 0.5) / (k + 0.5)) for t, k in self.df.items()}  # BM25's idf
        self.weights = [sum(self.idf[t] for t in terms) for terms in self.terms]
        self._stem = stem
        self._unseen = math.log(1 + (n + 0.5) / 0.5)

    def sentence_terms(self, text: str) -> set[str]:
        found = words(text)
        if self._stem is None:
            return set(found)
        return {w if any(c.isdigit() for c in w) else self._stem.stemWord(w) for w in found}

    def text_dice(self, a: set[str], b: set[str]) -> float:
        unseen = self._unseen
        total = sum(self.idf.get(t, unseen) for t in a) + sum(self.idf.get(t, unseen) for t in b)
        return 2 * sum(self.idf.get(t, unseen) for t in a & b) / total if total else 0.0

    def coverage(self, part: set[str], whole: set[str]) -> float:
        """The share of ``part``'s weight that ``whole`` holds."""
        unseen = self._unseen
        total = sum(self.idf.get(t, unseen) for t in part)
        return sum(self.idf.get(t, unseen) for t in part & whole) / total if total else 1.0

    def dice(self, i: int, j: int) -> float:
        total = self.weights[i] + self.weights[j]
        return 2 * sum(self.idf[t] for t in self.terms[i] & self.terms[j]) / total if total else 0.0


# Up to this many paragraphs, every pair is compared. Beyond (a book, or an attack), pairs are
# found through the words they share that appear in at most RARE_DF paragraphs: reworded copies
# share rare words, and the work stays near-linear.
ALL_PAIRS_LIMIT = 400
RARE_DF = 10


def neighbours(sim: Similarity, alive: list[int]) -> dict[int, list[tuple[float, int]]]:
    """For each paragraph, the others it shares words with, most similar first (ties: earlier first)."""
    pairs: set[tuple[int, int]] = set()
    if len(alive) <= ALL_PAIRS_LIMIT:
        pairs = set(combinations(alive, 2))
    else:
        postings: dict[str, list[int]] = {}
        for i in alive:
            for t in sim.terms[i]:
                if sim.df[t] <= RARE_DF:
                    postings.setdefault(t, []).append(i)
        for members in postings.values():
            pairs.update(combinations(members, 2))
    out: dict[int, list[tuple[float, int]]] = {i: [] for i in alive}
    for i, j in pairs:
        score = sim.dice(i, j)
        if score > 0:
            out[i].append((score, j))
            out[j].append((score, i))
    for row in out.values():
        row.sort(key=lambda pair: (-pair[0], pair[1]))
    return out


MAX_SPLIT = 3  # a sentence may be split into, or merged from, up to this many


def _counterpart(sentence: set[str], others: list[set[str]], sim: Similarity) -> float:
    """How much of a sentence the best counterpart among ``others`` (a sentence, or a run of up to
    MAX_SPLIT neighbouring ones, for merges and splits) shares."""
    runs = [set().union(*others[k : k + n]) for n in range(1, MAX_SPLIT + 1) for k in range(len(others) - n + 1)]
    return max(sim.text_dice(sentence, run) for run in runs)


def aligned(a: str, b: str, sim: Similarity, language: str, recurring: frozenset[str] = frozenset()) -> float:
    """How well two paragraphs align sentence by sentence in any order, 0 when some sentence (of
    MIN_SUPPORTED_WORDS words or more) has no counterpart: else the weakest counterpart's score.
    Sentences in ``recurring`` (a question every answer repeats) are structure, not content."""
    xa = [x for x in sentences(a, language) if normalize(x) not in recurring]
    xb = [x for x in sentences(b, language) if normalize(x) not in recurring]
    if not xa or not xb:
        return 0.0
    sa, sb = [sim.sentence_terms(x) for x in xa], [sim.sentence_terms(x) for x in xb]
    long_a = [t for t, x in zip(sa, xa) if len(x.split()) >= MIN_SUPPORTED_WORDS] or sa
    long_b = [t for t, x in zip(sb, xb) if len(x.split()) >= MIN_SUPPORTED_WORDS] or sb
    scores = [_counterpart(t, sb, sim) for t in long_a] + [_counterpart(t, sa, sim) for t in long_b]
    if min(scores) < MIN_SENTENCE_SIMILARITY or sum(scores) / len(scores) < MIN_ALIGNMENT:
        return 0.0
    return min(scores)


def shortened(copy: str, original: str, sim: Similarity, language: str) -> bool:
    """Whether ``copy`` is ``original`` cut down: each of its sentences mostly in the original."""
    kept = sim.sentence_terms(original)
    pieces = [x for x in sentences(copy, language) if len(x.split()) >= MIN_SUPPORTED_WORDS] or [copy]
    return all(sim.coverage(sim.sentence_terms(piece), kept) >= SHORTENED for piece in pieces)
