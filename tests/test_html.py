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


_ZH_STORY = ["本市第一家社区图书馆于周六在河东街道正式开放，馆内藏书约两万册，其中儿童读物占三分之一。",
             "图书馆由一座旧粮仓改建而成，改造工程历时十四个月，总投资约一千二百万元，由市财政和街道共同承担。",
             "馆长李文静介绍，图书馆每天上午九点开门，晚上九点闭馆，周一休息，市民凭身份证即可免费办理借书证。",
             "开馆当天，数百名居民前来参观，不少家长带着孩子在儿童阅览区读书，现场秩序井然。"]


def test_a_chinese_page_is_measured_in_words_not_in_runs_of_characters() -> None:
    """Chinese is written without spaces: a paragraph is dozens of words, not one, when the two
    extractions are weighed. The page header and its menu are not read."""
    from audio_edition.languages.sentences import word_count

    assert word_count(_ZH_STORY[0]) == 21 and word_count("Three words here") == 3
    page = ("<html lang='zh'><head><title>本市首家社区图书馆开放</title></head><body><header><a href='/'>首页</a> "
            "<a href='/news'>新闻</a> 本市新闻网</header><article><h1>本市首家社区图书馆开放</h1>"
            + "".join(f"<p>{p}</p>" for p in _ZH_STORY) + "</article></body></html>")
    article = read_html(page, "zh.html")
    assert article.title == "本市首家社区图书馆开放" and article.paragraphs == tuple(_ZH_STORY)


_COMMENTS = [f"Reader {n}: I walked the path on Sunday with my dog and my neighbours, and honestly the mud by "
             f"the stile is worse than ever, so spend the money on drainage before benches, please, {n}."
             for n in range(12)]


def test_readability_does_not_replace_the_article_with_another_part_of_the_page() -> None:
    """Trafilatura reads a short story and leaves out the long box of reader letters under it (marked
    as a newsletter). Readability prefers the box (more text, few links); it does not hold the story,
    so it is another part of the page, and the story stays."""
    story = _STORY[:2]
    page = _page("<article>" + "".join(f"<p>{p}</p>" for p in story) + "</article><div class='newsletter'>"
                 + "".join(f"<p>{c}</p>" for c in _COMMENTS) + "</div>")
    from audio_edition.ingest import readable

    reading = readable.read(page)
    assert reading is not None and "Reader 3" in reading.page  # readability did pick the thread
    paragraphs = read_html(page, "story.html").paragraphs
    assert paragraphs[:2] == tuple(story) and not any(p.startswith("Reader") for p in paragraphs)


def test_readability_keeps_what_trafilatura_found_that_it_lacks() -> None:
    """Readability's reading is taken because it extends trafilatura's; a block only trafilatura
    found (a closing section readability left out) stays, after the last block the two share."""
    from lxml import etree

    from audio_edition.ingest.extract import _add_missing, text_of

    longer = etree.fromstring("<body><p>Intro one.</p><p>The checklist.</p><p>The guidelines.</p></body>")
    shorter = etree.fromstring("<body><p>The checklist.</p><p>Privacy: data is kept here.</p></body>")
    _add_missing(longer, shorter)
    assert [text_of(e) for e in longer] == ["Intro one.", "The checklist.", "Privacy: data is kept here.",
                                            "The guidelines."]
