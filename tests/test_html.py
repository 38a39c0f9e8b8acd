"""Saved web pages (written for these tests): only the article is read; everything else is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio_edition.errors import InputError
from audio_edition.ingest import read_article
from audio_edition.ingest.html import read_html

PAGES = Path(__file__).resolve().parent / "pages"


def test_news_page_yields_only_the_article() -> None:
    article = read_article(str(PAGES / "courier-flood-barriers.html"))
    assert article.title == "River towns plan flood barriers"
    assert (article.author, article.date, article.language) == ("Priya Nandakumar", "2026-09-14", "en-GB")
    assert [s.title for s in article.sections] == [None, "How the barriers work", "What residents said"]
    assert [p.split()[0:3] for p in article.paragraphs] == [
        ["Three", "towns", "along"], ["The", "plan,", "approved"], ["Steel", "posts", "are"],
        ["Engineers", "say", "the"], ["At", "a", "packed"], ["The", "councils", "expect"]]
    spoken = " ".join(article.paragraphs)
    for furniture in ("cookies", "Home", "Related stories", "newsletter", "Subscribe", "All rights reserved",
                      "Photo: Tom Hale", "tracking"):
        assert furniture not in spoken
    reasons = {r.text: r.reason for r in article.removed}
    assert reasons["The Wend burst its banks in February. Photo: Tom Hale"] == "caption"
    assert reasons["By Priya Nandakumar, 14 September 2026"] == "byline"
    assert reasons["We use cookies to improve your experience. Accept all Privacy policy"] == "boilerplate"
    assert reasons["Council tax to rise by 3%"] == "boilerplate"
    assert reasons["Sign up for our free daily newsletter."] == "boilerplate"
    assert reasons["© 2026 The Valley Courier. All rights reserved."] == "boilerplate"
    assert not any("tracking" in r.text or ".x{" in r.text for r in article.removed)  # scripts and styles are not text


def test_blog_page_with_other_markup() -> None:
    article = read_article(str(PAGES / "blog-night-buses.html"))
    assert article.title == "Night buses return to the city centre"
    assert (article.author, article.date, article.language) == ("Tomasz Wren", "2026-06-03", "en")
    assert [s.title for s in article.sections] == [None, "Who asked for them", "Will they last?"]
    assert len(article.paragraphs) == 5
    removed = {r.text: r.reason for r in article.removed}
    for text in ("Advertisement", "Share this post Facebook Email", "You might also like",
                 "Cycle lane on Mill Road gets the go-ahead", "Get Metro Notes by email every Sunday morning.",
                 "Great news for shift workers!", "This site uses cookies for analytics. Learn more OK", "Transport"):
        assert removed[text] == "boilerplate", text
    assert removed["Posted by Tomasz Wren on June 3, 2026 · 4 min read"] == "byline"


def test_inline_markup_keeps_words_and_punctuation_together(tmp_path: Path) -> None:
    page = tmp_path / "inline.html"
    page.write_text("<html><body><article><h1>Inline</h1><p>People in <a href='/l'>Leeds</a>, <b>Bradford</b> and "
                    "<em>York</em> were asked about the plan for new buses on the ring road this year.</p>"
                    "<p>Most said they would use the new buses often, <a href='/x'>especially</a> at night.</p>"
                    "</article></body></html>")
    article = read_article(str(page))
    assert article.paragraphs[0].startswith("People in Leeds, Bradford and York were asked")
    assert article.removed == ()


def test_page_without_an_article_is_an_error(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    with pytest.raises(InputError, match="no article text found"):
        read_article(str(page))


_STORY = [f"The parish council met on Tuesday about the riverside footpath, which volunteers have cleared "
          f"since March, and agreed to pay for {n + 2} benches and a gate by the old mill, item {n + 1}."
          for n in range(8)]


def _page(body: str) -> str:
    return (f"<html><head><title>Footpath plans</title></head><body><nav><a href='/'>Home</a> "
            f"<a href='/news'>News</a></nav>{body}</body></html>")


def test_a_page_trafilatura_misses_is_read_by_readability() -> None:
    """A CMS that wraps its story in a container named like a comment thread: trafilatura leaves it
    out, readability-lxml reads it, and the story is the article."""
    page = _page("<div id='comments'>" + "".join(f"<p>{p}</p>" for p in _STORY) + "</div>")
    article = read_html(page, "story.html")
    assert article.title == "Footpath plans"
    assert article.paragraphs == tuple(_STORY)


def test_readability_is_not_taken_for_a_list_of_links() -> None:
    links = _page("<div id='comments'>" + "".join(f"<p><a href='/s{n}'>{p}</a></p>" for n, p in enumerate(_STORY))
                  + "</div>")
    assert not set(read_html(links, "links.html").paragraphs) & set(_STORY)  # a list of links is not an article


def test_readability_is_not_consulted_when_trafilatura_finds_an_article(monkeypatch: pytest.MonkeyPatch) -> None:
    from audio_edition.ingest import readable

    def fail(text: str) -> None:
        raise AssertionError("readability read a page trafilatura had read")

    monkeypatch.setattr(readable, "read", fail)
    page = _page("<article>" + "".join(f"<p>{p}</p>" for p in _STORY) + "</article>")
    assert len(read_html(page, "story.html").paragraphs) == 8
