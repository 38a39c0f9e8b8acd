"""Duplicate paragraphs: exact copies, a paragraph contained in another, and reworded copies.

Each pair is judged on what makes a copy a copy, not on what the article as a whole looks like:
- **Exact copies** go where they are copies: a long paragraph repeated, or a repeat whose
  neighbours repeat too (a block pasted twice, a warning printed over and over). A short line
  repeated among different neighbours is the page's structure (the question each guest is asked,
  a recurring item, a refrain) and stays.
- **Reworded copies** are found by lexical overlap: stems weighted by how rare they are in the
  article (so the topic's words, in every paragraph, count for little), compared as a Dice
  coefficient. A pair is a candidate when each paragraph is the other's best match and their score
  stands out from each one's next best (a copy is far closer to its original than to anything else;
  the items of a list or a table are all alike). A candidate is a copy when the paragraph that
  would go **adds nothing**: no number (in digits or words) or name the other lacks, and no
  sentence without a counterpart (each of its sentences has most of its rarer words in the other,
  in any order, so reordered, merged and split sentences count). Paragraphs built on one template
  (two companies' results, the steps of a recipe) each add a fact of their own, and are kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from audio_edition.languages.sentences import sentences
from audio_edition.models import Article, Removal, Section
from audio_edition.settings import DEDUPE_MODES, DedupeMode
from audio_edition.text.facts import adds, facts, normalize, words
from audio_edition.text.similarity import MAX_LENGTH_RATIO, Similarity, aligned, neighbours, shortened

Mode = DedupeMode
MODES = DEDUPE_MODES

MIN_CONTAINED_WORDS = 12  # a shorter paragraph inside another is too generic to call a copy
MIN_PARAPHRASE_WORDS = 15  # shorter paragraphs (list items, captions, teasers) share too little to judge
MIN_EXACT_WORDS = 12  # shorter repeats ("See it now", "Check opening hours first.") are kept
MIN_EXACT_PARAGRAPH_WORDS = 40  # a repeat this long is a pasted paragraph, not a refrain or a question
# A candidate pair: each the other's best match, with a similarity of at least MIN_SIMILARITY, and
# similarity times the square root of its margin over either one's next best (capped at MAX_MARGIN)
# of at least PARAPHRASE_THRESHOLD: a copy stands out, a list's items are all alike.
MIN_SIMILARITY = 0.2
PARAPHRASE_THRESHOLD = 0.245
MAX_MARGIN = 4.0
# Spinning is a pattern: a copy is removed on its own evidence when it is strong; weaker ones only
# when the article has another copy besides. Strong: the pair stands far apart from everything else
# and says the same (the same facts, one at least; or closely matching sentences; or one is the
# other cut down), or the copy carries several facts found only in the pair. Near-identical
# sentences or a cut-down copy alone are not enough: on the 990 real pages, a tutorial's steps, a
# FAQ's answers and a definition beside its sibling look just so.
STRONG_ALIGNMENT = 0.45  # every sentence's counterpart shares this much
STRONG_FACTS = 3  # numbers, dates and names the copy carries (all of them in the other)
STRONG_FACT_SHARE = 0.6  # of the other's: a copy keeps most of its original's facts
DISTINCT_MARGIN = 2.5  # the pair this much closer to each other than to anything else
SPUN_COPIES = 2
SPUN_SHARE = 0.2  # of the paragraphs long enough to judge
SPUN_MEAN = 0.25  # similarity
# And one pair at least stands this much closer to each other than to anything else: a tutorial's
# steps and a list's items are all about as alike, and form no pattern of copies.
SPUN_MARGIN = 2.0



@dataclass(frozen=True)
class Duplicate:
    """A paragraph found to repeat another: which one goes, which one stays, and why."""

    removed: int
    kept: int
    kind: Literal["exact", "contained", "paraphrase"]
    score: float


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


def _repeats(norms: list[str], i: int, j: int) -> bool:
    """Whether paragraph j, a repeat of i, sits in a repeat: a neighbour of it repeats i's
    neighbour, or i itself (a block pasted twice, a line printed over and over)."""
    def at(k: int) -> str | None:
        return norms[k] if 0 <= k < len(norms) else None

    before, after = at(j - 1), at(j + 1)
    return ((before is not None and before in (at(i - 1), norms[i]))
            or (after is not None and after in (at(i + 1), norms[i])))


def _exact(paragraphs: list[str], fixed: frozenset[int]) -> tuple[list[Duplicate], set[int]]:
    """Exact copies, the first kept: long paragraphs, and repeats within a repeat. A shorter line
    repeated among other neighbours is structure (a question, an item, a refrain): it stays, and
    so do its other occurrences (returned, so that no later step takes them for copies)."""
    norms = [normalize(p) for p in paragraphs]
    first: dict[str, int] = {}
    found: list[Duplicate] = []
    structure: set[int] = set()
    for j, norm in enumerate(norms):
        words = len(norm.split())
        if words < MIN_EXACT_WORDS or j in fixed:
            continue
        i = first.setdefault(norm, j)
        if i == j:
            continue
        if words >= MIN_EXACT_PARAGRAPH_WORDS or _repeats(norms, i, j):
            found.append(Duplicate(j, i, "exact", 1.0))
        else:
            structure.update((i, j))
    return found, structure


def find_duplicates(paragraphs: list[str], mode: Mode, language: str,
                    fixed: frozenset[int] = frozenset()) -> list[Duplicate]:
    """The duplicates among ``paragraphs`` (indices), the first copy kept unless the other
    carries strictly more facts. Paragraphs in ``fixed`` (list items, our notes) are never removed:
    pages repeat them on purpose."""
    if mode == "off" or len(paragraphs) < 2:
        return []
    found, structure = _exact(paragraphs, fixed)
    gone = {d.removed for d in found}
    fixed = fixed | structure
    found += _contained([words(p) for p in paragraphs], gone, fixed)
    if mode == "paraphrase":
        found += _paraphrases(paragraphs, language, gone, fixed)
    return sorted(found, key=lambda d: d.removed)


def _paraphrases(paragraphs: list[str], language: str, gone: set[int], fixed: frozenset[int]) -> list[Duplicate]:
    sim = Similarity(paragraphs, language)
    found: list[Duplicate] = []
    alive = [i for i, p in enumerate(paragraphs)
             if i not in gone and i not in fixed and len(words(p)) >= MIN_PARAPHRASE_WORDS]
    near = neighbours(sim, alive)
    seen = dict.fromkeys(alive, 0)  # how far down its list each paragraph's live neighbours start
    rejected: set[tuple[int, int]] = set()
    strong: set[int] = set()  # copies removed on their own evidence
    margins: list[float] = []
    context = _Context.of(paragraphs, language)

    def top(i: int) -> tuple[tuple[float, int] | None, float]:
        """The best live neighbour of i, and the runner-up's score (0 when there is none)."""
        row, k = near[i], seen[i]
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
            if score * math.sqrt(min(margin, MAX_MARGIN)) >= PARAPHRASE_THRESHOLD:
                candidates.append((score, i, j, margin))
        accepted = None
        for score, i, j, margin in sorted(candidates, reverse=True):
            judged = _copy(paragraphs, i, j, score, margin, sim, language, context)
            if judged:
                accepted = judged[0]
                if judged[1]:
                    strong.add(accepted.removed)
                margins.append(margin)
                break
            rejected.add((i, j))  # each says something the other does not, or they do not align
        if accepted is None:
            return _pattern(found, strong, len(alive), gone, max(margins, default=0.0))
        found.append(accepted)
        gone.add(accepted.removed)


@dataclass(frozen=True)
class _Context:
    """What the article as a whole says about its paragraphs: sentences that recur in several
    (structure: a question each answer repeats) and in how many paragraphs each fact appears."""

    recurring: frozenset[str]
    fact_count: dict[str, int]

    @classmethod
    def of(cls, paragraphs: list[str], language: str) -> _Context:
        sentence_count: dict[str, int] = {}
        fact_count: dict[str, int] = {}
        for p in paragraphs:
            for x in {normalize(x) for x in sentences(p, language)}:
                sentence_count[x] = sentence_count.get(x, 0) + 1
            for f in facts(p, language):
                fact_count[f] = fact_count.get(f, 0) + 1
        return cls(frozenset(x for x, n in sentence_count.items() if n >= 3), fact_count)

    def structured(self, a: str, b: str, language: str) -> bool:
        """Whether either paragraph holds a recurring sentence."""
        return any(normalize(x) in self.recurring for p in (a, b) for x in sentences(p, language))


def _copy(paragraphs: list[str], i: int, j: int, score: float, margin: float, sim: Similarity, language: str,
          context: _Context) -> tuple[Duplicate, bool] | None:
    """The pair as a copy, and whether the evidence is strong on its own; None when it is no copy.
    The one that goes adds nothing to the other (no number, date or name of its own): the later,
    unless the earlier is the later cut down (a caption before its sentence). Both paragraphs align
    sentence by sentence at a similar length, or the one that goes is the other cut down."""
    a, b = paragraphs[i], paragraphs[j]
    caption = len(a.split()) < len(b.split()) and shortened(a, b, sim, language)
    order = ((i, j), (j, i)) if caption else ((j, i), (i, j))
    for drop, keep in order:
        if adds(paragraphs[drop], paragraphs[keep], language):
            continue
        words = sorted((len(a.split()), len(b.split())))
        alignment = (aligned(a, b, sim, language, context.recurring)
                     if words[1] <= MAX_LENGTH_RATIO * words[0] else 0.0)
        cut = shortened(paragraphs[drop], paragraphs[keep], sim, language)
        if not alignment and not cut:
            return None
        own = facts(paragraphs[drop], language)
        specific = {f for f in own if context.fact_count.get(f, 0) <= 2}  # in this pair only
        kept_facts = len(facts(paragraphs[keep], language))
        same_facts = len(own) == kept_facts  # the one that goes adds none, so: the same facts
        # Far closer to each other than to anything else, and saying the same: the same facts (one at
        # least: none in either is no evidence), sentences that match closely, or one cut down.
        said_the_same = (same_facts and bool(own)) or cut or alignment >= STRONG_ALIGNMENT
        strong = ((margin >= DISTINCT_MARGIN and said_the_same)
                  or (len(specific) >= STRONG_FACTS and len(own) >= STRONG_FACT_SHARE * kept_facts))
        if not strong and context.structured(a, b, language):
            return None  # answers under a question each repeats: alike by design
        return Duplicate(drop, keep, "paraphrase", round(score, 3)), strong
    return None


def _pattern(found: list[Duplicate], strong: set[int], judged: int, gone: set[int],
             margin: float) -> list[Duplicate]:
    """The copies found: the strong ones, and the weak ones only when the article shows the
    pattern of a spun one (SPUN_COPIES copies or more, SPUN_SHARE of the ``judged`` paragraphs,
    with a mean similarity of SPUN_MEAN, one pair at least standing apart by SPUN_MARGIN)."""
    if (len(found) >= SPUN_COPIES and len(found) >= SPUN_SHARE * judged and margin >= SPUN_MARGIN
            and sum(d.score for d in found) / len(found) >= SPUN_MEAN):
        return found
    for d in found:
        if d.removed not in strong:
            gone.discard(d.removed)
    return [d for d in found if d.removed in strong]


def duplicates_in(article: Article, mode: Mode, language: str) -> list[Duplicate]:
    """The duplicates among the article's paragraphs (indices into ``article.paragraphs``)."""
    kinds = [kind for section in article.sections for _, kind in section.pairs()]
    fixed = frozenset(i for i, kind in enumerate(kinds) if kind != "text")
    return find_duplicates(list(article.paragraphs), mode, language, fixed)


def dedupe(article: Article, mode: Mode, language: str) -> Article:
    """The article without its duplicate paragraphs, each one reported with the paragraph kept."""
    paragraphs = list(article.paragraphs)
    duplicates = duplicates_in(article, mode, language)
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
