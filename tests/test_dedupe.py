"""Duplicates: exact, contained and reworded copies found; look-alikes kept; measured on a corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audio_edition.ingest import read_article
from audio_edition.models import Article, Section
from audio_edition.text.dedupe import conflicting, dedupe, find_duplicates, normalize
from audio_edition.text.language import detect

CORPUS = Path(__file__).resolve().parent / "corpus"
LABELS = {k: v for k, v in json.loads((CORPUS / "labels.json").read_text()).items() if not k.startswith("_")}


def _index(paragraphs: list[str], first_words: str, occurrence: int = 0) -> int:
    hits = [i for i, p in enumerate(paragraphs) if p.startswith(first_words)]
    assert len(hits) > occurrence, f"no paragraph starts with {first_words!r}"
    return hits[occurrence]


def _corpus_results() -> tuple[int, int, int, list[str]]:
    tp = fp = fn = 0
    notes: list[str] = []
    for name, label in LABELS.items():
        paragraphs = list(read_article(str(CORPUS / name)).paragraphs)
        language = detect(" ".join(paragraphs)) or "en"
        found = {(d.kept, d.removed) for d in find_duplicates(paragraphs, "paraphrase", language)}
        want = set()
        for kept, removed in label["duplicates"]:
            k = _index(paragraphs, kept)
            r = _index(paragraphs, removed, 1 if kept == removed else 0)
            want.add((k, r))
        tp += len(found & want)
        fp += len(found - want)
        fn += len(want - found)
        notes += [f"{name}: false alarm {p}" for p in found - want] + [f"{name}: missed {p}" for p in want - found]
    return tp, fp, fn, notes


def test_corpus_precision_and_recall() -> None:
    tp, fp, fn, notes = _corpus_results()
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\ncorpus: {tp + fn} labelled pairs in {len(LABELS)} articles; found {tp}, missed {fn}, "
          f"false alarms {fp}; precision {precision:.2f}, recall {recall:.2f}")
    assert tp + fn >= 21 and len(LABELS) >= 8
    assert precision >= 0.95, notes
    assert recall >= 0.9, notes


@pytest.mark.parametrize("name", [n for n, label in LABELS.items() if label["lookalikes"]])
def test_lookalikes_are_both_kept(name: str) -> None:
    paragraphs = list(read_article(str(CORPUS / name)).paragraphs)
    removed = {d.removed for d in find_duplicates(paragraphs, "paraphrase", "en")}
    for a, b in LABELS[name]["lookalikes"]:
        assert _index(paragraphs, a) not in removed and _index(paragraphs, b) not in removed


def test_the_copy_with_strictly_more_facts_is_kept_even_when_later() -> None:
    paragraphs = list(read_article(str(CORPUS / "07-battery.txt")).paragraphs)
    duplicates = find_duplicates(paragraphs, "paraphrase", "en")
    richer = next(d for d in duplicates if paragraphs[d.kept].startswith("According to the researchers"))
    assert paragraphs[richer.removed].startswith("The team says the key")
    assert richer.kept > richer.removed


def test_template_paragraphs_with_other_facts_conflict() -> None:
    assert conflicting("Acme sales rose 6% to £412 million.", "Globex sales fell 3% to £188 million.", "en")
    assert conflicting("The keynote is on 4 March.", "The keynote has moved to 11 March.", "en")
    assert conflicting("Later, Acme reported strong growth.", "Later, Globex reported strong growth.", "en")
    assert not conflicting("Repair crews used blocks from Cornwall.", "Crews used Cornish blocks.", "en")
    assert not conflicting("Since 2014 the war in Ukraine went on.", "The war in Ukraine has gone on since 2014.", "en")


def test_exact_copies_ignore_quotes_case_spacing_and_wrapping() -> None:
    assert normalize("“Hello,”  she said —\nloudly.") == normalize('"hello," She said - loudly.')
    paragraphs = ["The fund’s “new” rules start today, and every member will have to read them with care.",
                  "Something else entirely here.",
                  'The fund\'s "new"   rules\nstart today, and every member will have to read them with care.']
    assert [(d.removed, d.kept, d.kind) for d in find_duplicates(paragraphs, "exact", "en")] == [(2, 0, "exact")]


def test_short_lines_a_page_repeats_on_purpose_are_kept() -> None:
    """Real pages repeat short lines: a tip under each item, link labels, separators."""
    paragraphs = ["Therme Loipersdorf has eleven pools and a sauna village.", "Check the opening hours first.",
                  "Bad Blumau was designed by Friedensreich Hundertwasser.", "Check the opening hours first.",
                  "___", "Breakfast: oats with berries.", "___", "Breakfast: oats with berries.", "See it now: Amazon",
                  "See it now: Amazon"]
    assert find_duplicates(paragraphs, "paraphrase", "en") == []


def test_a_paragraph_contained_in_another_is_removed_and_the_fuller_kept() -> None:
    paragraphs = ["The bridge over the river will close for repairs on Monday morning for two weeks.",
                  "Drivers should plan ahead. The bridge over the river will close for repairs on Monday morning "
                  "for two weeks, the council said."]
    found = find_duplicates(paragraphs, "exact", "en")
    assert [(d.removed, d.kept, d.kind) for d in found] == [(0, 1, "contained")]


def test_modes() -> None:
    paragraphs = list(read_article(str(CORPUS / "06-tomatoes.txt")).paragraphs)
    assert find_duplicates(paragraphs, "off", "en") == []
    assert find_duplicates(paragraphs, "exact", "en") == []  # all its copies are reworded
    assert len(find_duplicates(paragraphs, "paraphrase", "en")) == 4


def test_dedupe_reports_each_removal_with_the_kept_paragraph_and_score() -> None:
    twelve = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu."
    article = Article("T", (Section(None, (twelve, "Other text here entirely, about cats.")),
                            Section("Later", (twelve,))))
    cleaned = dedupe(article, "exact", "en")
    assert cleaned.paragraphs == article.paragraphs[:2]
    assert [s.title for s in cleaned.sections] == [None, "Later"]  # a heading stays even when emptied
    (removal,) = cleaned.removed
    assert (removal.reason, removal.text, removal.kept, removal.score) == (
        "duplicate", twelve, twelve, 1.0)


def test_articles_without_duplicates_lose_nothing() -> None:
    for path in (Path(__file__).resolve().parent.parent / "media" / "sample-article.md",):
        paragraphs = list(read_article(str(path)).paragraphs)
        assert find_duplicates(paragraphs, "paraphrase", "en") == []


def test_one_restatement_is_an_author_not_a_spinner() -> None:
    """Reworded copies are removed only as a pattern (several, a good share of the article): with
    one of 01-harbour's two reworded copies taken out, the other is an author restating a point."""
    paragraphs = list(read_article(str(CORPUS / "01-harbour.txt")).paragraphs)
    both = [d for d in find_duplicates(paragraphs, "paraphrase", "en") if d.kind == "paraphrase"]
    assert len(both) == 2
    one = [p for i, p in enumerate(paragraphs) if i != both[0].removed]
    assert [d for d in find_duplicates(one, "paraphrase", "en") if d.kind == "paraphrase"] == []


def test_a_long_article_with_two_look_alike_pairs_keeps_them() -> None:
    """Two look-alike pairs among many paragraphs (a how-to, a health guide) are under the share a
    spun article shows: all kept."""
    paragraphs = list(read_article(str(CORPUS / "01-harbour.txt")).paragraphs)
    filler = [f"Paragraph {n} tells a different part of the harbour's story, about boat {n} and its crew of {n + 3}."
              for n in range(12)]
    assert [d for d in find_duplicates(paragraphs + filler, "paraphrase", "en") if d.kind == "paraphrase"] == []
