"""The per-language tables (audio_edition/languages/): each language says things in its own words,
and every table knows the same things for every language it has."""

from __future__ import annotations

from dataclasses import fields

import pytest

from audio_edition.languages import bylines, furniture, notes, spoken
from audio_edition.languages.codes import base, either
from audio_edition.text.normalize import normalizer


@pytest.mark.parametrize("language, said", [
    ("en", "three plus four equals seven"),
    ("de", "drei plus vier gleich sieben"),
    ("fr", "trois plus quatre égale sept"),
    ("es", "tres más cuatro igual a siete"),
])
def test_sums_are_said_in_the_articles_language(language: str, said: str) -> None:
    assert normalizer(language)("3 + 4 = 7") == said


def test_a_plus_that_is_not_arithmetic_stays_plus() -> None:
    assert normalizer("es")("Disney+ y Apple TV+") == "Disney plus y Apple TV plus"


def test_a_language_without_a_table_reads_times_as_english_does() -> None:
    """Numbers and words from one table, not "dieci o'clock" (as 0.1.0 read them too)."""
    assert normalizer("it")("alle 9:30 e alle 10:00") == "alle nine thirty e alle ten o'clock"


def test_every_spoken_table_fills_every_field() -> None:
    for code, words in spoken.LANGUAGES.items():
        assert words.code == code
        for field in fields(words):
            if field.name != "clock_under_ten":  # only where a language says minutes 1-9 otherwise
                assert getattr(words, field.name) not in ("", (), {}), (code, field.name)
        assert set(words.signs) == set(spoken.EN.signs), code
        assert "{hour}" in words.clock and "{minute}" in words.clock and "{hour}" in words.clock_on_the_hour


@pytest.mark.parametrize("language, text, said", [
    ("en", "at 9:05 and 10:00", "at nine oh five and ten o'clock"),
    ("de", "um 9:05 Uhr", "um neun Uhr fünf"),
    ("fr", "à 9:30", "à neuf heures trente"),
    ("es", "desde 9:30", "desde las nueve y treinta"),
])
def test_times_come_from_the_clock_templates(language: str, text: str, said: str) -> None:
    assert normalizer(language)(text) == said


def test_per_language_pattern_tables_share_english_and_compile() -> None:
    for table in (furniture.FURNITURE, furniture.TRAILERS, bylines.BYLINES):
        assert "en" in table
        for language in table:
            pattern = either(table, language)
            assert pattern.flags & 2  # re.IGNORECASE: furniture is matched whatever its case


def test_notes_are_written_in_english_and_said_in_the_articles_language() -> None:
    for kind, words in notes.NOTES.items():
        assert set(words) >= {"en", "de", "fr", "es"}, kind
        assert notes.localized(words["en"], "de-AT") == words["de"]
        assert notes.localized(words["en"], "ja") == words["en"]
    assert notes.localized("Not one of our notes.", "de") == "Not one of our notes."


def test_bylines_and_the_word_before_the_author() -> None:
    assert bylines.byline_author("By Roger W. Watson") == "Roger W. Watson"
    assert bylines.byline_author("Von Anna Schmidt", "de") == "Anna Schmidt"
    assert bylines.byline_author("By Monday") is None
    assert (bylines.said_by("de-CH"), bylines.said_by("xx")) == ("Von", "By")
    assert base("pt_BR") == "pt"
