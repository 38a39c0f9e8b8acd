"""Examples from real pages, each pinned as the spoken form a newsreader would give.

Utterances come from `prepare --json`, as a user sees them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli

from audio_edition.models import Article
from audio_edition.text.normalize import normalizer


@pytest.mark.parametrize("lang, written, spoken", [
    ("en", "The 2.6GHz Intel Core i7 chip.", "The two point six gigahertz Intel Core i seven chip."),
    ("en", "It supports 802.11ax.", "It supports eight oh two dot eleven a x."),
    ("en", "The euro was at $1.1075.", "The euro was at one point one zero seven five dollars."),
    ("en", "An Airbus A350-900 landed.", "An Airbus A three fifty nine hundred landed."),
    ("en", "Prices rose in the 2020s as in the 1990s.",
     "Prices rose in the twenty twenties as in the nineteen nineties."),
    ("en", "Back in the '90s.", "Back in the nineties."),
    ("en", "It sells for 60,000₩.", "It sells for sixty thousand won."),
    ("en", "Lego set 75188 is the biggest.", "Lego set seven five one eight eight is the biggest."),
    ("en", "Margins < 30% held steady.", "Margins less than thirty percent held steady."),
    ("en", "Readings ≥ 5 and ≤ 9, ± 2.", "Readings at least five and at most nine, plus or minus two."),
    ("en", "Great news 🎉👍🏽 for everyone.", "Great news for everyone."),
    ("en", "COVID-19 spread.", "COVID nineteen spread."),
    ("en", "They paid ₹500 and ₽200 and ₺40.", "They paid five hundred rupees and two hundred rubles and forty lira."),
    ("de", "In den 1990er Jahren.", "In den neunzehnhundertneunziger Jahren."),
    ("en", "Version 2.6.1 fixed it.", "Version two dot six dot one fixed it."),
    ("en", "The rate was 6.10 at noon.", "The rate was six point one zero at noon."),
    ("de", "Version 2.6.1 ist da.", "Version zwei Punkt sechs Punkt eins ist da."),
    ("de", "Am Dienstag (6.10.) in München.", "Am Dienstag (sechsten Oktober) in München."),
    ("de", "Seit dem 1.9.2015 ist er Vorstand.", "Seit dem ersten September zweitausendfünfzehn ist er Vorstand."),
    ("de", "Der Preis: 3.500.000 Euro.", "Der Preis: drei Millionen fünfhunderttausend Euro."),
    ("de", "Der Zins stieg von 2,0 auf 4,0 Prozent.",
     "Der Zins stieg von zwei Komma null auf vier Komma null Prozent."),
])
def test_real_text_is_said_whole(lang: str, written: str, spoken: str) -> None:
    assert normalizer(lang)(written) == spoken


def test_every_currency_sign_in_unicode_is_said() -> None:
    import unicodedata

    from audio_edition.text.tokens import all_currency_signs

    say = normalizer("en")
    signs = all_currency_signs()
    assert len(signs) > 50
    for sign in signs:
        spoken = say(f"It costs 5{sign} today.")
        assert sign not in spoken and spoken.startswith("It costs five ") and spoken.endswith(" today."), \
            (unicodedata.name(sign), spoken)


def prepared(cli: Cli, tmp_path: Path, name: str, text: str) -> dict[str, Any]:
    (tmp_path / name).write_text(text)
    run = cli("prepare", name, "--json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)


def test_a_numbered_heading_is_one_utterance(cli: Cli, tmp_path: Path) -> None:
    data = prepared(cli, tmp_path, "a.md", "# Garden notes\n\n## 1. Wind matters more than sun\n\nA paragraph.\n")
    assert [u["text"] for u in data["utterances"]][:2] == ["Garden notes", "One: Wind matters more than sun"]


def test_the_byline_is_said_in_the_articles_language(cli: Cli, tmp_path: Path) -> None:
    data = prepared(cli, tmp_path, "a.md", "---\ntitle: Le vent\nauthor: Élodie Marchand\nlang: fr\n---\n\n"
                                            "Le vent souffle fort sur la côte.\n")
    assert data["utterances"][1]["text"] == "Par Élodie Marchand."


def test_emoji_are_not_spoken_and_are_listed(cli: Cli, tmp_path: Path) -> None:
    data = prepared(cli, tmp_path, "a.txt", "Title\n\nGreat news 🎉 today, says the mayor 👍🏽.\n")
    assert data["utterances"][1]["text"] == "Great news today, says the mayor."
    assert {"reason": "emoji", "text": "2 emoji, not spoken: 🎉 👍🏽", "kept": None, "score": None} in data["removed"]
    assert "🎉" in data["sections"][0]["paragraphs"][0]  # the written text keeps them


def test_zero_width_characters_never_reach_an_utterance(cli: Cli, tmp_path: Path) -> None:
    data = prepared(cli, tmp_path, "a.txt", "Title\n\nZero\u200bwidth\u200c and\u2060 joined\ufeff words.\n")
    assert not any(c in u["text"] for u in data["utterances"] for c in "\u200b\u200c\u200d\u2060\ufeff")


# --- Extraction without loss -------------------------------------------------------------------------

PAGE = ("""<html><head><title>Heat in the Harbour Town</title><meta charset="{charset}"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Heat in the Harbour Town</h1>
<p>The harbour town had its hottest June on record, and the council opened three cooling rooms for older residents.</p>
<h2>What the readings say</h2>
Text right after the heading, outside any paragraph, says the readings came from the harbour station.
<p>West Palm Beach, FL<br>June ten was the hottest day, with the station reading well above the old record.</p>
<table><tr><th>Day</th><th>High</th></tr><tr><td>June 10</td><td>38 degrees</td></tr>"""
        """<tr><td>June 11</td><td>36 degrees</td></tr></table>
<p>The council says the cooling rooms will stay open until the end of August, or longer if the heat goes on.</p>
</article><footer>Copyright the Harbour Gazette</footer></body></html>""")


def read_page(tmp_path: Path, text: str, encoding: str = "utf-8") -> Article:
    from audio_edition.ingest import read_article

    page = tmp_path / "page.html"
    page.write_bytes(text.encode(encoding))
    return read_article(str(page))


def test_text_after_a_heading_and_around_line_breaks_is_read(tmp_path: Path) -> None:
    article = read_page(tmp_path, PAGE.format(charset="utf-8"))
    paragraphs = list(article.paragraphs)
    assert "Text right after the heading, outside any paragraph, says the readings came from the harbour station." \
        in paragraphs
    assert any(p.startswith("West Palm Beach, FL June ten") for p in paragraphs)  # not "FLJune"


def test_a_table_is_read_as_sentences(tmp_path: Path) -> None:
    article = read_page(tmp_path, PAGE.format(charset="utf-8"))
    assert "Day: June 10; High: 38 degrees." in article.paragraphs
    assert "Day: June 11; High: 36 degrees." in article.paragraphs


def test_a_layout_table_of_links_is_not_read_but_a_data_table_is(tmp_path: Path) -> None:
    """Tables that hold data are read in their place; a table that lays out a page's teasers is
    left out (and reported), as precise extraction leaves it."""
    body = " ".join(f"Sentence {n} of the report on the ferry timetable and the people who rely on it."
                    for n in range(6))
    page = (f"<html><head><title>The Ferry | Harbour Gazette</title>"
            f"<meta property='og:site_name' content='Harbour Gazette'>"
            f"</head><body><article><h1>The Ferry</h1><p>{body}</p>"
            f"<p>The new timetable, from the first of May:</p>"
            f"<table><tr><th>Crossing</th><th>Departs</th></tr><tr><td>Morning</td><td>7:15</td></tr>"
            f"<tr><td>Evening</td><td>18:40</td></tr></table>"
            f"<p>{body.replace('report', 'story')}</p></article>"
            f"<table><tr><td>Further articles on the topic</td></tr><tr><td>Commented articles</td></tr></table>"
            f"</body></html>")
    article = read_page(tmp_path, page)
    paragraphs = list(article.paragraphs)
    at = paragraphs.index("The new timetable, from the first of May:")
    assert paragraphs[at + 1 : at + 3] == ["Crossing: Morning; Departs: 7:15.", "Crossing: Evening; Departs: 18:40."]
    assert not any("Further articles" in p or "Commented articles" in p for p in paragraphs)
    assert article.title == "The Ferry"  # without the site's name


def test_blocks_inside_kept_containers_are_paragraphs_of_their_own(tmp_path: Path) -> None:
    from lxml import etree

    from audio_edition.ingest.extract import flatten as _flatten

    body = etree.fromstring("<body><div><div><p>One.</p><p>Two.</p>lead out</div>tail</div><p>Three.</p></body>")
    _flatten(body)
    assert [(e.tag, e.text, " ".join((e.tail or "").split())) for e in body] == [
        ("p", "One.", ""), ("p", "Two.", "lead out tail"), ("p", "Three.", "")]


def test_the_site_is_not_read_as_the_author(tmp_path: Path) -> None:
    from audio_edition.ingest.html import _author

    assert _author("Www Proplanta De; AgE", "proplanta.de") == "AgE"
    assert _author("Jane Doe; Harbour Gazette", "Harbour Gazette") == "Jane Doe"
    assert _author("Jane Doe; Sam Lee", None) == "Jane Doe, Sam Lee"
    assert _author("Kath Net", "kath.net katholische Nachrichten") is None


def test_a_page_in_its_declared_charset_is_read(tmp_path: Path) -> None:
    text = PAGE.format(charset="windows-1252").replace("hottest June", "hottest June — été brûlant")
    article = read_page(tmp_path, text, "cp1252")
    assert any("été brûlant" in p for p in article.paragraphs)


def test_an_article_in_a_layout_table_is_found_by_the_inclusive_fallback(tmp_path: Path) -> None:
    cells = " ".join(f"Sentence {n} of the story about the ferry crossing and the people who depend on it."
                     for n in range(12))
    page = (f"<html><head><title>The Ferry</title></head><body><table><tr><td><a href='/'>Home</a></td></tr>"
            f"<tr><td><font>{cells}</font></td></tr></table></body></html>")
    article = read_page(tmp_path, page)
    assert "Sentence 11 of the story" in " ".join(article.paragraphs)


def test_a_layout_page_keeps_its_article_not_its_menus(tmp_path: Path) -> None:
    """In a page laid out in tables, short blocks (a menu heading, a time, a comment count) are left
    out and reported; the cells' paragraphs are read apart, not glued ("SucheSuchen")."""
    story = " ".join(f"Sentence {n} of the story about the ferry crossing and the people who depend on it."
                     for n in range(8))
    page = ("<html><head><title>The Ferry</title></head><body><table><tr><td><h3>Login</h3><h3>Suche</h3>"
            "<p>Suchen Sie im Archiv in über 70000 Artikeln</p></td></tr>"
            f"<tr><td><p>3:59 PM</p><p>{story}</p><p>{story.replace('ferry', 'bridge')}</p>"
            "<p>Kommentare insgesamt: 0</p></td></tr>"
            "</table></body></html>")
    article = read_page(tmp_path, page)
    assert article.paragraphs[0].startswith("Sentence 0 of the story about the ferry")
    assert article.paragraphs[1].startswith("Sentence 0 of the story about the bridge")
    spoken = " ".join([*(s.title or "" for s in article.sections), *article.paragraphs])
    for menu in ("Login", "Suche", "3:59 PM", "Kommentare insgesamt", "Suchen Sie im Archiv"):
        assert menu not in spoken
    assert {"3:59 PM", "Kommentare insgesamt: 0", "Login"} <= {r.text for r in article.removed}


# --- Language: the text wins when the page's declaration is clearly wrong ------------------------------

ENGLISH_IN_GERMAN = ('<html lang="de"><head><title>Coffee prices climb again</title></head><body><article>\n'
                     "<h1>Coffee prices climb again</h1>\n"
                     "<p>Coffee prices rose for the third month in a row, and roasters say shoppers should expect to "
                     "pay 25 to 30 percent more by spring.</p>\n"
                     "<p>The rise follows a poor harvest in two growing regions, where dry weather cut yields sharply "
                     "during the flowering season.</p>\n"
                     "<p>Small cafes say they will absorb part of the increase for now, but several have already "
                     "raised the price of a latte.</p>\n"
                     "</article></body></html>")


def test_a_page_declared_german_but_written_in_english_is_read_in_english(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(ENGLISH_IN_GERMAN)
    data = json.loads(cli("prepare", "page.html", "--json").stdout)
    assert data["language"] == "en"
    assert "twenty-five to thirty percent" in data["utterances"][1]["text"]  # not "fünfundzwanzig to dreißig"
    shown = cli("prepare", "page.html")
    assert "Note: the page declares the language 'de', but" in shown.stdout and "read as 'en'" in shown.stdout
    kept = json.loads(cli("prepare", "page.html", "--json", "--lang", "de").stdout)  # the user's word is final
    assert kept["language"] == "de"


def test_a_build_says_the_language_was_overruled_and_the_report_keeps_it(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(ENGLISH_IN_GERMAN)
    run = cli("build", "page.html", "--engine", "fake", "--no-intro", "--no-outro")
    assert run.code == 0, run.stderr
    assert "Note: page.html: the page declares the language 'de'" in run.stderr
    report = json.loads((tmp_path / "page.report.json").read_text())
    assert report["language"] == "en" and report["notes"][0].startswith("the page declares the language 'de'")


def test_a_german_page_declared_english_is_read_with_german_numbers(cli: Cli, tmp_path: Path) -> None:
    text = ("---\ntitle: Die Preise steigen\nlang: en\n---\n\n"
            "Die Preise für Kaffee sind im dritten Monat in Folge gestiegen, und die Röster erwarten bis zum Frühjahr "
            "noch einmal 25 Prozent mehr. Viele kleine Cafés wollen einen Teil der Erhöhung selbst tragen, doch "
            "einige haben den Preis für einen großen Milchkaffee bereits um 40 Cent erhöht, sagte die Sprecherin.\n")
    data = prepared(cli, tmp_path, "a.md", text)
    assert data["language"] == "de"
    assert "fünfundzwanzig Prozent" in " ".join(u["text"] for u in data["utterances"])


def test_a_short_or_close_text_keeps_the_declared_language() -> None:
    from audio_edition.text.language import disagrees

    assert disagrees("de", [("en", 99)], words=120) == "en"
    assert disagrees("de", [("en", 99)], words=12) is None  # too few words to doubt the page
    assert disagrees("nb", [("da", 95)], words=200) is None  # a pair detectors confuse
    assert disagrees("de", [("en", 70), ("de", 30)], words=200) is None  # a German page quoting English
    assert disagrees("en-GB", [("en", 99)], words=200) is None


# --- Structure: lists, notes for what was taken out ----------------------------------------------------

def test_list_items_are_apart_with_a_short_pause(tmp_path: Path) -> None:
    from audio_edition.ingest import read_article
    from audio_edition.text.script import Pauses, build_script

    pauses = Pauses()
    for name, text in [
        ("a.txt", "Packing\n\nBring these along:\n- A warm jacket\n- Two water bottles\n- A map\n\nThat is all.\n"),
        ("a.md", "# Packing\n\nBring these along:\n\n* A warm jacket\n* Two water bottles\n* A map\n\nThat is all.\n"),
        ("a.html", "<html><head><title>Packing</title></head><body><article><h1>Packing</h1>"
                   "<p>Bring these things along on the walk, and check them twice before you leave home in the "
                   "morning:</p>"
                   "<ul><li>A warm jacket</li><li>Two water bottles</li><li>A map</li></ul>"
                   "<p>That is all you need for the first day of walking in the hills above the lake.</p>"
                   "</article></body></html>"),
    ]:
        (tmp_path / name).write_text(text)
        article = read_article(str(tmp_path / name))
        items = ["A warm jacket", "Two water bottles", "A map"]
        assert [p for s in article.sections for p, kind in s.pairs() if kind == "item"] == items, name
        script = build_script(article, "en", 500)
        gaps = {u.text: u.pause_after_ms for u in script.utterances}
        assert gaps["A warm jacket"] == gaps["Two water bottles"] == pauses.between_items < pauses.between_paragraphs
        assert gaps["A map"] == pauses.between_paragraphs  # the list ends: a paragraph's pause
        assert len(script.chapters) <= 4, name  # a list is one chapter, not one per item


def test_an_ordered_list_is_said_with_its_numbers(cli: Cli, tmp_path: Path) -> None:
    data = prepared(cli, tmp_path, "a.md", "# Steps\n\nDo this:\n\n1. Cut the wire\n2. Strip the ends\n")
    assert [u["text"] for u in data["utterances"]][2:] == ["One: Cut the wire", "Two: Strip the ends"]


def test_a_sentence_that_introduced_removed_code_is_followed_by_a_note(cli: Cli, tmp_path: Path) -> None:
    md = "# Wiring a lamp\n\nThe wiring looks like this:\n\n```\nGPIO 4 -> LED -> GND\n```\n\nThen plug it in.\n"
    data = prepared(cli, tmp_path, "a.md", md)
    assert [u["text"] for u in data["utterances"]][1:] == ["The wiring looks like this:", "Code omitted.",
                                                           "Then plug it in."]
    assert {"reason": "code", "text": "GPIO 4 -> LED -> GND", "kept": None, "score": None} in data["removed"]
    german = json.loads(cli("prepare", "a.md", "--json", "--lang", "de").stdout)
    assert german["utterances"][2]["text"] == "Code ausgelassen."
    html = ("<html><head><title>Wiring a lamp</title></head><body><article><h1>Wiring a lamp</h1>"
            "<p>Wiring the small lamp takes ten minutes and a screwdriver. The wiring looks like this:</p>"
            "<pre><code>GPIO 4 -> LED -> GND</code></pre>"
            "<p>Then plug it in and watch the small light come on at the far end of the desk.</p>"
            "</article></body></html>")
    data = prepared(cli, tmp_path, "a.html", html)
    texts = [u["text"] for u in data["utterances"]]
    assert texts[texts.index("The wiring looks like this:") + 1] == "Code omitted."
    plain = prepared(cli, tmp_path, "b.md", "# Notes\n\nA paragraph that ends.\n\n```\ncode\n```\n\nMore.\n")
    assert "Code omitted." not in [u["text"] for u in plain["utterances"]]  # nothing introduced it: nothing dangles
