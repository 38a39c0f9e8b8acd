"""Cleanup: bylines and site furniture out (and reported), by language."""

from __future__ import annotations

import pytest

from audio_edition.ingest.text import read_text
from audio_edition.text.cleanup import byline_author, strip_furniture


@pytest.mark.parametrize("line, language, name", [
    ("By Roger W. Watson", "en", "Roger W. Watson"),
    ("Written by Ana de la Cruz and Tom Li", "en", "Ana de la Cruz and Tom Li"),
    ("Author: Jane Doe", "en", "Jane Doe"),
    ("By Jane Doe, Staff Writer", "en", "Jane Doe"),
    ("Von Anna Schmidt", "de", "Anna Schmidt"),
    ("Par Claire Dubois", "fr", "Claire Dubois"),
    ("Por Lucía Gómez", "es", "Lucía Gómez"),
    ("By 2030 the city will have grown", "en", None),
    ("by the way, nobody asked", "en", None),
    ("By and large, it worked", "en", None),
    ("By Monday", "en", None),
    ("By train and by bus they came", "en", None),
])
def test_bylines(line: str, language: str, name: str | None) -> None:
    assert byline_author(line, language) == name


SEEDLIKE = """https://cdn.example.com/images/harbour-hero.jpg?w=1200

Harbour fees to rise next year

The harbour board voted on Friday to raise mooring fees by a tenth from January.

Fishing crews said the rise would be hard to absorb after a poor season.

Advertisement

Leisure sailors will pay the same as before until the new pontoons are finished.

By Mina Okafor

You May Also Like

Lifeboat crew rescues two kayakers

New café opens on the quay
"""


def test_text_article_furniture_url_byline_and_trailer() -> None:
    article = strip_furniture(read_text(SEEDLIKE, "fees.txt"), "en")
    assert article.title == "Harbour fees to rise next year"
    assert article.author == "Mina Okafor"
    assert article.paragraphs == (
        "The harbour board voted on Friday to raise mooring fees by a tenth from January.",
        "Fishing crews said the rise would be hard to absorb after a poor season.",
        "Leisure sailors will pay the same as before until the new pontoons are finished.",
    )
    assert [(r.reason, r.text) for r in article.removed] == [
        ("url", "https://cdn.example.com/images/harbour-hero.jpg?w=1200"),
        ("boilerplate", "Advertisement"),
        ("byline", "By Mina Okafor"),
        ("boilerplate", "You May Also Like"),
        ("boilerplate", "Lifeboat crew rescues two kayakers"),
        ("boilerplate", "New café opens on the quay"),
    ]


def test_a_long_paragraph_after_a_trailer_heading_is_kept() -> None:
    text = ("Title\n\nBody one.\n\nRead more\n\nThis is a full paragraph of the article that continues after the "
            "link, long enough that it cannot be the title of a related story in a list.\n")
    article = strip_furniture(read_text(text, None), "en")
    assert article.paragraphs[-1].startswith("This is a full paragraph")
    assert [r.text for r in article.removed] == ["Read more"]


def test_german_furniture() -> None:
    text = ("Titel\n\nErster Absatz des Artikels.\n\nAnzeige\n\nZweiter Absatz.\n\nVon Anna Schmidt\n\n"
            "Lesen Sie auch\n\nEin anderer Artikel\n")
    article = strip_furniture(read_text(text, None), "de")
    assert article.paragraphs == ("Erster Absatz des Artikels.", "Zweiter Absatz.")
    assert article.author == "Anna Schmidt"
    assert sorted(r.reason for r in article.removed) == ["boilerplate", "boilerplate", "boilerplate", "byline"]


def test_a_known_author_is_not_replaced_by_a_byline() -> None:
    from dataclasses import replace

    article = replace(read_text("T\n\nBody.\n\nBy Sam Reed\n", None), author="Front Matter Author")
    cleaned = strip_furniture(article, "en")
    assert cleaned.author == "Front Matter Author"
    assert [r.reason for r in cleaned.removed] == ["byline"]
