"""Duplicates: exact, contained and reworded copies found; look-alikes kept; measured on a corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import _load_script

from audio_edition.ingest import read_article
from audio_edition.models import Article, Section
from audio_edition.text.dedupe import dedupe, find_duplicates
from audio_edition.text.facts import conflicting, normalize

CORPUS = Path(__file__).resolve().parent / "corpus"
TUNING, HELDOUT = CORPUS / "tuning", CORPUS / "heldout"
evaluation = _load_script("eval_dedupe")


def _labels(folder: Path) -> dict[str, dict]:
    return {p.with_suffix("").name: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def _article(folder: Path, name: str) -> Path:
    return next(p for p in folder.glob(f"{name}.*") if p.suffix in (".txt", ".md"))


def test_the_labelled_corpus_is_big_and_varied_enough_to_judge_by() -> None:
    labels = {**_labels(TUNING), **_labels(HELDOUT)}
    spun = [k for k, v in labels.items() if v["duplicates"]]
    negative = [k for k, v in labels.items() if not v["duplicates"]]
    assert len(spun) >= 40 and len(negative) >= 15
    assert len({labels[k]["kind"] for k in spun}) >= 8
    # A third held out when written (21 of 59); a later batch of 15 (d-*), measured once unseen, then
    # joined the tuning set: the held-out set stays over a quarter of the whole.
    assert len(_labels(HELDOUT)) >= 20 and len(_labels(HELDOUT)) * 4 >= len(labels)


@pytest.mark.slow  # reads and judges some 60 articles
def test_tuning_set_precision_and_recall() -> None:
    figures = evaluation.run("tuning")
    print(f"\ntuning: {figures.copies} copies, found {figures.found}, false alarms {figures.false_alarms}")
    assert figures.precision >= 0.95, figures.notes
    assert figures.recall >= 0.85, figures.notes  # 0.88


@pytest.mark.slow
def test_held_out_set_precision_and_recall() -> None:
    """The held-out third, never read while the detector was tuned: its figures are the honest
    ones. Recall is below the 0.9 we want (see CHANGELOG): this pins what it reaches, so that it
    cannot fall unnoticed. No notes are printed: they would show the held-out text."""
    figures = evaluation.run("heldout")
    assert figures.precision >= 0.95
    assert figures.recall >= 0.7  # 0.71


@pytest.mark.parametrize("name", [n for n, label in _labels(TUNING).items() if label.get("lookalikes")])
def test_lookalikes_are_both_kept(name: str) -> None:
    """Paragraphs on one template are never taken for copies of each other."""
    paragraphs = list(read_article(str(_article(TUNING, name))).paragraphs)
    pairs = {frozenset((d.removed, d.kept)) for d in find_duplicates(paragraphs, "paraphrase", "en")}
    for a, b in _labels(TUNING)[name]["lookalikes"]:
        assert frozenset((_index(paragraphs, a), _index(paragraphs, b))) not in pairs


def _index(paragraphs: list[str], first_words: str, occurrence: int = 0) -> int:
    hits = [i for i, p in enumerate(paragraphs) if p.startswith(first_words)]
    assert len(hits) > occurrence, f"no paragraph starts with {first_words!r}"
    return hits[occurrence]


def test_the_copy_with_strictly_more_facts_is_kept_even_when_later() -> None:
    paragraphs = list(read_article(str(TUNING / "13-festival.txt")).paragraphs)
    duplicates = find_duplicates(paragraphs, "paraphrase", "en")
    richer = next(d for d in duplicates if paragraphs[d.kept].startswith("Nadia Osei, the chair"))
    assert paragraphs[richer.removed].startswith('"We had more requests')  # names no one: Nadia Osei is the fact
    assert richer.kept > richer.removed


def test_template_paragraphs_with_other_facts_conflict() -> None:
    assert conflicting("Acme sales rose 6% to £412 million.", "Globex sales fell 3% to £188 million.", "en")
    assert conflicting("The keynote is on 4 March.", "The keynote has moved to 11 March.", "en")
    assert conflicting("Later, Acme reported strong growth.", "Later, Globex reported strong growth.", "en")
    assert not conflicting("Repair crews used blocks from Cornwall.", "Crews used Cornish blocks.", "en")
    assert not conflicting("Since 2014 the war in Ukraine went on.", "The war in Ukraine has gone on since 2014.", "en")


def test_exact_copies_ignore_quotes_case_spacing_and_wrapping() -> None:
    assert normalize("“Hello,”  she said —\nloudly.") == normalize('"hello," She said - loudly.')
    tail = (" The trustees wrote to each member in March, held two open meetings in the town hall, and put"
            " the full text, with a plain summary of every change, on the fund's website for anyone to read.")
    paragraphs = ["The fund’s “new” rules start today, and every member will have to read them with care." + tail,
                  "Something else entirely here.",
                  'The fund\'s "new"   rules\nstart today, and every member will have to read them with care.' + tail]
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
    paragraphs = list(read_article(str(TUNING / "06-tomatoes.txt")).paragraphs)
    assert find_duplicates(paragraphs, "off", "en") == []
    assert find_duplicates(paragraphs, "exact", "en") == []  # all its copies are reworded
    assert len(find_duplicates(paragraphs, "paraphrase", "en")) == 4


def test_dedupe_reports_each_removal_with_the_kept_paragraph_and_score() -> None:
    twelve = " ".join(["Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu."] * 4)  # 48 words
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


QUESTION = "What would you tell someone who is about to start their first business this year?"


def test_a_repeated_line_among_other_neighbours_is_structure_and_stays() -> None:
    """A question each guest is asked, a recurring item, a refrain, a repeated key sentence."""
    answers = [f"Guest {n} answers at length about the first year of {topic}, and what it taught them about cash."
               for n, topic in enumerate(("a bakery", "a bike shop", "a design studio"))]
    interview = [QUESTION, answers[0], QUESTION, answers[1], QUESTION, answers[2]]
    assert find_duplicates(interview, "paraphrase", "en") == []
    refrain = "Carry the lantern, carry it high, over the hill where the cold winds sigh tonight."
    song = ["The nights come early and the frost lies on the lane again this year.", refrain,
            "Grandad tells of winters when the river froze as hard as stone.", refrain]
    assert find_duplicates(song, "paraphrase", "en") == []


def test_a_block_pasted_twice_and_a_long_paragraph_repeated_are_copies() -> None:
    line = "Strict Standards: a non-static method should not be called statically in the gallery plugin file."
    assert [(d.removed, d.kind) for d in find_duplicates(["Intro text of the page.", line, line, line],
                                                          "paraphrase", "en")] == [(2, "exact"), (3, "exact")]
    first, second = ("The harbour reopened on Monday after eleven weeks of repairs to the breakwater wall.",
                     "Fishing boats were back at the quay by noon, the harbour master said.")
    page = [first, second, "Something else happened in between, about the town's market.", first, second]
    assert [d.removed for d in find_duplicates(page, "paraphrase", "en")] == [3, 4]
    long = " ".join([first, second, "The repairs cost four million pounds, paid for by the council and a grant."] * 2)
    assert [d.removed for d in find_duplicates([long, "A different paragraph entirely.", long], "exact", "en")] == [2]


def test_number_words_and_days_tell_siblings_apart() -> None:
    monday = "Monday. Breakfast: porridge with milk and a sliced banana. Lunch: a wrap with tuna and sweetcorn."
    sunday = "Sunday. Breakfast: porridge with milk and a sliced banana. Lunch: a wrap with tuna and sweetcorn."
    assert conflicting(monday, sunday, "en")
    assert conflicting("Leave the dough to rise for forty minutes.", "Leave it to rise for twenty minutes.", "en")
    # Small numbers are said in other words by a rewording ("two" as "a pair"): not facts.
    assert not conflicting("Two chains signed the contract.", "A pair of chains signed the contract.", "en")


def test_a_number_in_digits_is_said_by_the_same_number_in_words() -> None:
    """"3 km" adds nothing to "three kilometres"; "4 km" does."""
    from audio_edition.text.facts import adds

    climb = "The Saddleback climb rises 210 metres in just under three kilometres."
    assert not adds("That ascent gains 210 metres in a little under 3 km.", climb, "en")
    assert adds("That ascent gains 210 metres in a little under 4 km.", climb, "en")
    german = ("Der Anstieg misst 210 Meter auf knapp 3 Kilometern.", "Er steigt 210 Meter auf knapp drei Kilometern.")
    assert not adds(*german, "de")


def test_a_single_reworded_copy_that_reorders_and_merges_sentences_is_caught() -> None:
    """One copy in an article is enough: its sentences reordered and merged, its facts kept."""
    original = ("The Corran ferry will carry 120 passengers and 22 cars on its new timetable. An extra crossing "
                "leaves Tullagh at 3:15 p.m. on weekdays. The operator hopes commuters will switch from the bridge.")
    copy = ("To win commuters away from the bridge, the operator has added a weekday sailing from Tullagh at "
            "3:15 p.m., and the Corran, taking 120 passengers and 22 cars, runs to the new timetable.")
    others = ["Storms closed the crossing for nine days in February, stranding islanders and delivery vans alike.",
              "The island school reopened after half-term with new windows fitted by a firm from Oban.",
              "Council officers will report on the ferry's reliability to the transport committee in June.",
              "Local shops say takings fell by a third while the ferry was out of service during the storms."]
    paragraphs = [original, *others[:2], copy, *others[2:]]
    found = [(d.removed, d.kept, d.kind) for d in find_duplicates(paragraphs, "paraphrase", "en")]
    assert found == [(3, 0, "paraphrase")] or found == [(0, 3, "paraphrase")]


def test_a_tutorials_sibling_steps_are_kept_though_one_is_the_other_cut_down() -> None:
    """A short step whose words are all in a longer sibling ("the legend title" beside "the axis
    titles") is not a copy on that alone: siblings nearly as alike stand beside them, so the pair
    does not stand out, and neither goes."""
    tutorial = [
        "In this tutorial you will learn how to change the font sizes of a chart drawn with the plotting package, "
        "one element at a time.",
        "First we create a small data frame with two columns, one holding probabilities and one holding the names "
        "of three groups.",
        "With the following lines of code, we can change the size of the main title of our chart and make it stand "
        "out above the bars.",
        "With the following lines of code, we can change the size of the axis titles of our chart. All of the axis "
        "titles change at once.",
        "And with the following lines of code, we can change the size of the legend title of our chart:",
        "Finally, the text of every element can be scaled together through the base size of the theme, which is "
        "often the quickest fix.",
    ]
    assert find_duplicates(tutorial, "paraphrase", "en") == []
