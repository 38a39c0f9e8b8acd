"""The listening site's pages as rendered from the catalog, read back with lxml and Pillow: the
home page's pages of 20, excerpts cut at a sentence's end, the subscribe links, the chapter list
that works without JavaScript, lists shown as lists, and the icons every page links to."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import unquote

import lxml.html
from lxml import etree
from PIL import Image

from audio_edition.publish.catalog import Episode
from audio_edition.publish.show import Show
from audio_edition.publish.site import PAGE_SIZE, regenerate, render_site

SHOW = {"title": "Harbour Hour", "author": "Harbour Desk", "email": "desk@harbour.example",
        "base_url": "https://harbour.example/listen/"}
SENTENCES = ["The pier reopens on Monday after a winter of repairs.", "Anglers may use the east arm from dawn.",
             "The café at its end opens in April.", "Parking stays free until the summer."]


def episode(n: int, **changes: object) -> Episode:
    cues = [{"title": None, "paragraphs": [[[i * 1000, i * 1000 + 900, s] for i, s in enumerate(SENTENCES)]]}]
    day = f"2026-{1 + n // 28:02d}-{1 + n % 28:02d}"
    values: dict[str, object] = {
        "guid": f"g{n}", "source": f"/a/{n}.md", "slug": f"story-{n}", "title": f"Story {n}", "author": None,
        "description": " ".join(SENTENCES), "language": "en", "article_date": day,
        "published": f"{day}T08:00:00+00:00", "updated": "2026-12-01T08:00:00+00:00", "audio_bytes": 120_000,
        "duration_ms": 61_000, "sections": json.dumps([{"title": None, "paragraphs": SENTENCES}]),
        "cues": json.dumps(cues)}
    values.update(changes)
    return Episode(**values)  # type: ignore[arg-type]


def show_in(root: Path, cover: bool = False) -> Show:
    (root / "episodes").mkdir(parents=True, exist_ok=True)
    if cover:
        Image.new("RGB", (1400, 1400), (200, 120, 40)).save(root / "cover.jpg")
    return Show(root=root, cover="cover.jpg" if cover else None, **SHOW)  # type: ignore[arg-type]


def page(site: dict[Path, bytes], path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(site[path])


def test_a_large_show_is_paged_by_twenty_newest_first_and_the_feed_lists_all(tmp_path: Path) -> None:
    show = show_in(tmp_path)
    episodes = sorted((episode(n) for n in range(45)), key=lambda e: e.published, reverse=True)
    regenerate(show, _Catalog(episodes))  # type: ignore[arg-type]
    pages = [tmp_path / "index.html", tmp_path / "pages" / "2.html", tmp_path / "pages" / "3.html"]
    titles = [[a.text for a in lxml.html.parse(str(p)).getroot().cssselect(".episodes h3 a")] for p in pages]
    assert [len(t) for t in titles] == [PAGE_SIZE, PAGE_SIZE, 5]
    assert sum(titles, []) == [e.title for e in episodes]
    second = lxml.html.parse(str(pages[1])).getroot()
    assert [a.get("href") for a in second.cssselect(".episodes h3 a")][0] == "../episodes/story-24.html"
    assert second.cssselect("a[rel=prev]")[0].get("href") == "../index.html"
    assert second.cssselect("a[rel=next]")[0].get("href") == "../pages/3.html"
    assert second.cssselect("[aria-current=page]")[0].text == "Page 2"
    assert (tmp_path / "feed.xml").read_text().count("<item>") == 45
    regenerate(show, _Catalog(episodes[:21]))  # type: ignore[arg-type]
    assert sorted(p.name for p in (tmp_path / "pages").iterdir()) == ["2.html"]  # page 3 is gone with its episodes


class _Catalog:
    def __init__(self, episodes: list[Episode]) -> None:
        self._episodes = episodes

    def episodes(self) -> list[Episode]:
        return self._episodes


def test_each_entry_has_an_excerpt_cut_at_a_sentence_and_a_play_button_over_audio(tmp_path: Path) -> None:
    show = show_in(tmp_path)
    long_first = "A sentence that runs on " + "and on " * 60 + "to its end."
    site = render_site(show, [episode(1), episode(2, cues="[]", sections=json.dumps(
        [{"title": None, "paragraphs": [long_first + " Then another."]}]))])
    home = page(site, tmp_path / "index.html")
    excerpts = [p.text for p in home.cssselect(".excerpt")]
    assert excerpts[0] == " ".join(SENTENCES[:2])  # two sentences, whole
    assert excerpts[1].endswith("…") and len(excerpts[1]) <= 241 and excerpts[1].startswith("A sentence that runs")
    audio = home.cssselect("[data-mini-player] audio")
    assert [(a.get("src"), a.get("preload"), a.get("controls")) for a in audio] == [
        ("episodes/story-1.mp3", "none", ""), ("episodes/story-2.mp3", "none", "")]


def test_the_subscribe_block_gives_the_feed_and_opens_it_in_podcast_apps(tmp_path: Path) -> None:
    show = show_in(tmp_path)
    home = page(render_site(show, [episode(1)]), tmp_path / "index.html")
    assert home.get_element_by_id("feed-url").get("value") == "https://harbour.example/listen/feed.xml"
    assert home.cssselect("button[data-copy='#feed-url']")
    links = {a.text: a.get("href") for a in home.cssselect(".apps a")}
    assert set(links) >= {"Apple Podcasts", "Overcast", "Pocket Casts", "AntennaPod"}
    for name, href in links.items():
        assert "harbour.example/listen/feed.xml" in unquote(href), name
    assert links["Overcast"] == "overcast://x-callback-url/add?url=https%3A%2F%2Fharbour.example%2Flisten%2Ffeed.xml"
    assert links["Apple Podcasts"] == "podcast://harbour.example/listen/feed.xml"


def test_the_chapter_list_links_media_fragments_and_lists_are_lists(tmp_path: Path) -> None:
    show = show_in(tmp_path)
    chapters = {"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Intro"},
                                                  {"startTime": 2.9, "title": "Story 1"},
                                                  {"startTime": 75.25, "title": "What changes"}]}
    (tmp_path / "episodes" / "story-1.chapters.json").write_text(json.dumps(chapters))
    cues = [{"title": "What changes", "items": [1, 2],
             "paragraphs": [[[0, 900, "Three things change."]], [[1000, 1900, "The first boat leaves at six."]],
                            [[2000, 2900, "Bicycles travel free."]], [[3000, 3900, "That is all."]]]}]
    site = render_site(show, [episode(1, cues=json.dumps(cues))])
    doc = page(site, tmp_path / "episodes" / "story-1.html")
    links = [(a.get("href"), a.get("data-seek"), a.text) for a in doc.cssselect(".chapters a")]
    assert links == [("story-1.mp3#t=0", "0", "Intro"), ("story-1.mp3#t=2.9", "2.9", "Story 1"),
                     ("story-1.mp3#t=75.25", "75.25", "What changes")]
    assert [t.text for t in doc.cssselect(".chapters time")] == ["0:00", "0:02", "1:15"]
    transcript = doc.get_element_by_id("transcript")
    assert [[li.text_content() for li in ul.cssselect("li")] for ul in transcript.cssselect("ul")] == [
        ["The first boat leaves at six.", "Bicycles travel free."]]
    assert [p.text_content() for p in transcript.cssselect("p")][-2:] == ["Three things change.", "That is all."]


def test_every_page_links_icons_made_from_the_cover(tmp_path: Path) -> None:
    show = show_in(tmp_path, cover=True)
    site = render_site(show, [episode(1)])
    with Image.open(io.BytesIO(site[tmp_path / "favicon.ico"])) as ico:
        assert ico.format == "ICO" and {(16, 16), (32, 32), (48, 48)} <= set(ico.info["sizes"])
        pixel = ico.convert("RGB").getpixel((8, 8))
        assert all(abs(a - b) <= 3 for a, b in zip(pixel, (200, 120, 40)))  # the cover's colour (JPEG's rounding)
    with Image.open(io.BytesIO(site[tmp_path / "apple-touch-icon.png"])) as touch:
        assert touch.size == (180, 180)
    svg = etree.fromstring(site[tmp_path / "icon.svg"])
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    embedded = svg[0].get("href")
    assert embedded.startswith("data:image/png;base64,")
    for path in (tmp_path / "index.html", tmp_path / "episodes" / "story-1.html",
                 tmp_path / "episodes" / "story-1.embed.html"):
        icons = {link.get("href") for link in page(site, path).cssselect("link[rel=icon]")}
        prefix = "../" if "episodes" in str(path) else ""
        assert icons == {f"{prefix}favicon.ico", f"{prefix}icon.svg"}, path


def test_a_show_without_a_cover_still_has_an_icon(tmp_path: Path) -> None:
    site = render_site(show_in(tmp_path), [])
    svg = site[tmp_path / "icon.svg"].decode()
    assert re.search(r">H</text>", svg)  # the title's first letter
    with Image.open(io.BytesIO(site[tmp_path / "favicon.ico"])) as ico:
        assert ico.format == "ICO"


def test_the_readme_shows_the_embed_snippet_and_subscribe_links_we_make(tmp_path: Path) -> None:
    from audio_edition.publish.site import embed_snippet, subscribe_links

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    show = Show(root=tmp_path, title="Town Listens", author="Eastbrook Library", email="audio@eastbrook.example",
                base_url="https://eastbrook.example/listen/")
    assert embed_snippet(show, "why-a-town-library-started-lending-sound",
                         "Why a Town Library Started Lending Sound") in readme
    for app, link in subscribe_links(show.feed_url):
        assert f"| {app} | `{link}` |" in readme


def test_list_items_stay_list_items_after_a_paragraph_that_says_nothing(tmp_path: Path) -> None:
    """A paragraph with nothing to speak (an emoji alone) still counts as a paragraph: the list
    after it is shown as the list, and the paragraph after the list is not."""
    from audio_edition import publish
    from audio_edition.publish import create_show

    article = tmp_path / "ferry.md"
    article.write_text("# Ferry times\n\nThe timetable changes in March.\n\n🙂\n\n- The first boat leaves at six.\n"
                       "- Bicycles travel free.\n\nFares stay the same this year.\n", encoding="utf-8")
    create_show(tmp_path / "show", **SHOW)
    publish.publish(tmp_path / "show", [str(article)], {"engine": "fake", "cache_dir": tmp_path / "cache"})
    page = lxml.html.parse(str(tmp_path / "show" / "episodes" / "ferry-times.html")).getroot()
    transcript = page.get_element_by_id("transcript")
    assert [[li.text_content() for li in ul.cssselect("li")] for ul in transcript.cssselect("ul")] == [
        ["The first boat leaves at six.", "Bicycles travel free."]]
    assert "Fares stay the same this year." in [p.text_content() for p in transcript.cssselect("p")]
