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

from audio_edition.languages.codes import CAPITALIZED_NOUNS, base
from audio_edition.models import Article, Removal, Section
from audio_edition.settings import DEDUPE_MODES, DedupeMode
from audio_edition.text.language import stemmer

Mode = DedupeMode
MODES = DEDUPE_MODES

# Tuned on tests/corpus: a pair needs a similarity of at least MIN_SIMILARITY, and similarity
# times the square root of its margin over the runner-up of at least PARAPHRASE_THRESHOLD.
MIN_SIMILARITY = 0.2
PARAPHRASE_THRESHOLD = 0.245
MIN_CONTAINED_WORDS = 12  # a shorter paragraph inside another is too generic to call a copy
MIN_PARAPHRASE_WORDS = 15  # shorter paragraphs (list items, captions, teasers) share too little to judge
# Exact copies count only for substantive paragraphs: pages repeat short lines on purpose (a
# "Check opening hours first." under each spa, "See it now" links, separators, a meal plan).
MIN_EXACT_WORDS = 12
# A reworded copy says the same thing sentence by sentence: as many sentences, in order, each
# with a counterpart of similar length that shares its rarer words (spinners swap words, not
# structure). On 990 real pages, lexical similarity alone took out hundreds of genuine paragraphs.
MAX_LENGTH_RATIO = 1.65  # of the two paragraphs' word counts
MAX_SENTENCE_LENGTH_RATIO = 1.6  # of each aligned pair of sentences
MIN_SENTENCE_SIMILARITY = 0.15
MIN_ALIGNMENT = 0.2  # the aligned sentences' mean similarity
# Spinning is a pattern, not an accident: reworded copies are removed only when an article has
# several, making up a good share of its paragraphs, with strong evidence on average. In the
# labelled corpus and the seed they are 22-44% of the paragraphs long enough to judge (mean
# similarity 0.34 or more); on the 990 real pages, look-alike pairs are at most 14% of a page,
# bar one recipe at 25% whose two pairs barely pass (0.20). Real authors restate points; we keep them.
MIN_SPUN_COPIES = 2
MIN_SPUN_SHARE = 0.2
MIN_SPUN_MEAN = 0.25
_SENTENCE = re.compile(r"(?<=[.!?…])[\"”’»)]*\s+(?=[\"“‘«(]?[^\W\d_]|\d)")

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


class _Similarity:
    """IDF-weighted Dice similarity of stem sets."""

    def __init__(self, paragraphs: list[str], language: str) -> None:
        stem = stemmer(language)
        words = [_words(p) for p in paragraphs]
        stems = {w: w for ws in words for w in ws}  # each distinct word stemmed once
        if stem:
            wordlike = [w for w in stems if not any(c.isdigit() for c in w)]  # numbers are not stemmed
            stems.update(zip(wordlike, stem.stemWords(wordlike)))
        self.terms = [{stems[w] for w in ws} for ws in words]
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
        words = _words(text)
        if self._stem is None:
            return set(words)
        return {w if any(c.isdigit() for c in w) else self._stem.stemWord(w) for w in words}

    def text_dice(self, a: set[str], b: set[str]) -> float:
        unseen = self._unseen
        total = sum(self.idf.get(t, unseen) for t in a) + sum(self.idf.get(t, unseen) for t in b)
        return 2 * sum(self.idf.get(t, unseen) for t in a & b) / total if total else 0.0

    def dice(self, i: int, j: int) -> float:
        total = self.weights[i] + self.weights[j]
        return 2 * sum(self.idf[t] for t in self.terms[i] & self.terms[j]) / total if total else 0.0


# Up to this many paragraphs, every pair is compared. Beyond (a book, or an attack), pairs are
# found through the words they share that appear in at most RARE_DF paragraphs: reworded copies
# share rare words, and the work stays near-linear.
ALL_PAIRS_LIMIT = 400
RARE_DF = 10


def _neighbours(sim: _Similarity, alive: list[int]) -> dict[int, list[tuple[float, int]]]:
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


def _contained(words: list[list[str]], gone: set[int], fixed: frozenset[int]) -> list[Duplicate]:
    """Paragraphs (of MIN_CONTAINED_WORDS words or more) whose words appear, in order, inside a longer
    one, found through an index of word runs: the longer one stays."""
    n = MIN_CONTAINED_WORDS
    runs: dict[tuple[str, ...], list[tuple[int, int]]] = {}
    for j, ws in enumerate(words):
        if j not in gone and len(ws) > n:
            for start in range(len(ws) - n + 1):
                runs.setdefault(tuple(ws[start : start + n]), []).append((j, start))
    found: list[Duplicate] = []
    for i, ws in enumerate(words):
        if i in gone or i in fixed or len(ws) < n:
            continue
        # Any run of the inner paragraph must be in its container: look up its rarest.
        rarest = min((tuple(ws[k : k + n]) for k in range(len(ws) - n + 1)), key=lambda r: len(runs.get(r, ())))
        offset = next(k for k in range(len(ws) - n + 1) if tuple(ws[k : k + n]) == rarest)
        for j, start in runs.get(rarest, ()):
            at = start - offset
            if j != i and j not in gone and len(words[j]) > len(ws) and at >= 0 and words[j][at : at + len(ws)] == ws:
                found.append(Duplicate(i, j, "contained", 1.0))
                gone.add(i)
                break
    return found


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text.strip()) if s.strip()]


def aligned(a: str, b: str, sim: _Similarity) -> float:
    """How well two paragraphs align sentence by sentence (0 when they do not): as many sentences,
    each pair of similar length and sharing rarer words; the mean similarity of the pairs."""
    sa, sb = sentences(a), sentences(b)
    wa, wb = len(a.split()), len(b.split())
    if len(sa) != len(sb) or max(wa, wb) > MAX_LENGTH_RATIO * min(wa, wb):
        return 0.0
    total = 0.0
    for x, y in zip(sa, sb):
        lx, ly = len(x.split()), len(y.split())
        if max(lx, ly) > MAX_SENTENCE_LENGTH_RATIO * min(lx, ly) + 3:  # short sentences vary more
            return 0.0
        score = sim.text_dice(sim.sentence_terms(x), sim.sentence_terms(y))
        if score < MIN_SENTENCE_SIMILARITY:
            return 0.0
        total += score
    mean = total / len(sa)
    return mean if mean >= MIN_ALIGNMENT else 0.0


def find_duplicates(paragraphs: list[str], mode: Mode, language: str,
                    fixed: frozenset[int] = frozenset()) -> list[Duplicate]:
    """The duplicates among ``paragraphs`` (indices), the first copy kept unless the other
    carries strictly more facts. Paragraphs in ``fixed`` (list items, our notes) are never removed:
    pages repeat them on purpose."""
    if mode == "off" or len(paragraphs) < 2:
        return []
    found: list[Duplicate] = []
    gone: set[int] = set()
    first: dict[str, int] = {}
    for i, norm in enumerate(normalize(p) for p in paragraphs):  # exact copies: the first stays
        if len(norm.split()) < MIN_EXACT_WORDS or i in fixed:
            continue
        if norm in first:
            found.append(Duplicate(i, first[norm], "exact", 1.0))
            gone.add(i)
        else:
            first[norm] = i
    found += _contained([_words(p) for p in paragraphs], gone, fixed)
    if mode == "paraphrase":
        found += _paraphrases(paragraphs, language, gone, fixed)
    return sorted(found, key=lambda d: d.removed)


def _paraphrases(paragraphs: list[str], language: str, gone: set[int], fixed: frozenset[int]) -> list[Duplicate]:
    sim = _Similarity(paragraphs, language)
    found: list[Duplicate] = []
    alive = [i for i, p in enumerate(paragraphs)
             if i not in gone and i not in fixed and len(_words(p)) >= MIN_PARAPHRASE_WORDS]
    neighbours = _neighbours(sim, alive)
    seen = dict.fromkeys(alive, 0)  # how far down its list each paragraph's live neighbours start
    rejected: set[tuple[int, int]] = set()

    def top(i: int) -> tuple[tuple[float, int] | None, float]:
        """The best live neighbour of i, and the runner-up's score (0 when there is none)."""
        row, k = neighbours[i], seen[i]
        while k < len(row) and row[k][1] in gone:
            k += 1
        seen[i] = k
        best = row[k] if k < len(row) else None
        runner_up = next((score for score, j in row[k + 1 :] if j not in gone), 0.0)
        return best, runner_up

    while True:  # one pair at a time: removing a copy can make a third copy the best match
        live = [i for i in alive if i not in gone]
        tops = {i: top(i) for i in live}
        candidates = []
        for i in live:
            best, runner_i = tops[i]
            if best is None:
                continue
            score, j = best
            if (j < i or (best_j := tops[j][0]) is None or best_j[1] != i or score < MIN_SIMILARITY
                    or (i, j) in rejected):
                continue
            runner_up = max(runner_i, tops[j][1])
            margin = score / runner_up if runner_up else 1.0  # no third paragraph: no evidence either way
            if score * math.sqrt(min(margin, 4.0)) >= PARAPHRASE_THRESHOLD:
                candidates.append((score, i, j))
        accepted = None
        for score, i, j in sorted(candidates, reverse=True):
            if conflicting(paragraphs[i], paragraphs[j], language) or not aligned(paragraphs[i], paragraphs[j], sim):
                rejected.add((i, j))
                continue  # a look-alike (each says something the other does not), or no sentence-by-sentence copy
            fi, fj = facts(paragraphs[i], language), facts(paragraphs[j], language)
            keep, drop = (j, i) if fj > fi else (i, j)
            accepted = Duplicate(drop, keep, "paraphrase", round(score, 3))
            break
        if accepted is None:
            return _spun(found, len(alive), gone)
        found.append(accepted)
        gone.add(accepted.removed)


def _spun(found: list[Duplicate], judged: int, gone: set[int]) -> list[Duplicate]:
    """The reworded copies found, if they form the pattern of a spun article (see MIN_SPUN_SHARE),
    else none: among ``judged`` paragraphs long enough to compare."""
    if (len(found) >= MIN_SPUN_COPIES and len(found) >= MIN_SPUN_SHARE * judged
            and sum(d.score for d in found) / len(found) >= MIN_SPUN_MEAN):
        return found
    for d in found:
        gone.discard(d.removed)
    return []


def dedupe(article: Article, mode: Mode, language: str) -> Article:
    """The article without its duplicate paragraphs, each one reported with the paragraph kept."""
    paragraphs = list(article.paragraphs)
    kinds = [kind for section in article.sections for _, kind in section.pairs()]
    fixed = frozenset(i for i, kind in enumerate(kinds) if kind != "text")
    duplicates = find_duplicates(paragraphs, mode, language, fixed)
    if not duplicates:
        return article
    dropped = {d.removed for d in duplicates}
    sections, n = [], 0
    for section in article.sections:
        kept = []
        for pair in section.pairs():
            if n not in dropped:
                kept.append(pair)
            n += 1
        if kept or section.title:
            sections.append(Section.of(section.title, kept))
    removals = tuple(Removal("duplicate", paragraphs[d.removed], paragraphs[d.kept], d.score) for d in duplicates)
    return replace(article, sections=tuple(sections), removed=article.removed + removals)
