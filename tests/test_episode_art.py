"""Episode art from an article's lead image (its og:image, else its first figure): found, read
under the fetch policy (a saved page's only from its own folder), fitted to a square with Pillow,
and used for the ID3 cover, the feed's itunes:image and the pages; an image that cannot be used
leaves the cover in place and says why in the report. Checked with eyeD3 and feedparser."""

from __future__ import annotations

import functools
import io
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import lxml.html
import pytest
from conftest import CliHere
from PIL import Image

from audio_edition.episode.cover import fit_square
from audio_edition.errors import InputError
from audio_edition.ingest.images import lead_image
from audio_edition.publish import create_show

TEXT = ("<p>The pier reopens on Monday after a winter of repairs to its east arm and its lamps.</p>"
        "<p>Anglers may fish from dawn, and the café at the far end opens in April with a new menu.</p>"
        "<p>The council says the work cost less than planned because the old timber could be reused.</p>")


def picture(path: Path, size: tuple[int, int], colour: tuple[int, int, int] = (30, 120, 200),
            mode: str = "RGB") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, (*colour, 128)[: len(mode)]).save(path)
    return path


def article(head: str = "", body: str = "") -> str:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>The pier reopens</title>{head}"
            f"</head><body><article><h1>The pier reopens</h1>{body}{TEXT}</article></body></html>")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "site"
    root.mkdir()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root
    finally:
        server.shutdown()
        server.server_close()


def test_a_lead_image_is_cut_to_its_centre_square_and_made_an_rgb_jpeg() -> None:
    wide = io.BytesIO()
    image = Image.new("RGBA", (1200, 800), (0, 0, 0, 0))
    image.paste((200, 40, 40, 255), (200, 0, 1000, 800))  # a red centre square, transparent sides
    image.save(wide, format="PNG")
    art = Image.open(io.BytesIO(fit_square(wide.getvalue(), "lead.png")))
    assert (art.format, art.mode, art.size) == ("JPEG", "RGB", (1400, 1400))
    assert all(abs(a - b) < 8 for a, b in zip(art.getpixel((10, 10)), (200, 40, 40)))  # only the centre is left
    small = io.BytesIO()
    Image.new("RGB", (400, 300)).save(small, format="PNG")
    with pytest.raises(InputError, match="400x300 pixels, under 600"):
        fit_square(small.getvalue(), "thumb.png")
    with pytest.raises(InputError, match="not a JPEG, PNG, WebP or GIF"):
        fit_square(b"<html>not a picture</html>", "lead.jpg")


def test_the_lead_image_is_og_image_else_the_first_figure_and_a_saved_page_keeps_to_its_folder(
        tmp_path: Path) -> None:
    def found(html: str, base: str) -> str | None:
        return lead_image(lxml.html.document_fromstring(html), None, base)

    og = article('<meta property="og:image" content="/img/lead.jpg">', '<figure><img src="other.jpg"></figure>')
    assert found(og, "https://news.example/2026/pier.html") == "https://news.example/img/lead.jpg"
    lazy = article(body='<figure><img src="data:image/gif;base64,R0lGOD" data-src="pics/pier.jpg"></figure>')
    assert found(lazy, "https://news.example/2026/pier.html") == "https://news.example/2026/pics/pier.jpg"
    page = tmp_path / "saved" / "pier.html"
    page.parent.mkdir()
    assert found(article(body='<figure><img src="pics/pier.jpg"></figure>'), str(page)) == str(
        (tmp_path / "saved" / "pics" / "pier.jpg").resolve())
    assert found(article(body='<figure><img src="../../etc/passwd"></figure>'), str(page)) is None
    assert found(og.replace("/img/lead.jpg", "https://cdn.example/lead.jpg"), str(page)) is None  # no network
    assert found(article(), "https://news.example/pier.html") is None


def test_a_page_from_the_web_gets_its_lead_image_as_cover_tag_feed_image_and_page_art(
        site: tuple[str, Path], cli_here: CliHere, tmp_path: Path) -> None:
    import eyed3

    base, root = site
    picture(root / "img" / "pier.png", (1600, 1000))
    (root / "pier.html").write_text(article('<meta property="og:image" content="img/pier.png">'))
    create_show(tmp_path / "show", title="Harbour Hour", author="Harbour Desk", email="desk@harbour.example",
                base_url="https://harbour.example/listen/")
    run = cli_here("publish", f"{base}pier.html", "--show", str(tmp_path / "show"),
                   env={"AUDIO_EDITION_ENGINE": "fake"})
    assert run.code == 0, run.stderr
    episodes = tmp_path / "show" / "episodes"
    art = (episodes / "the-pier-reopens.jpg").read_bytes()
    assert Image.open(io.BytesIO(art)).size == (1400, 1400)
    tag = eyed3.load(episodes / "the-pier-reopens.mp3").tag
    assert [(i.mime_type, i.image_data == art) for i in tag.images] == [("image/jpeg", True)]
    feed = feedparser.parse((tmp_path / "show" / "feed.xml").read_bytes())
    assert feed.entries[0].image.href == "https://harbour.example/listen/episodes/the-pier-reopens.jpg"
    assert feed.feed.image.href.endswith("/cover.jpg")  # the show keeps its own
    page = lxml.html.parse(str(episodes / "the-pier-reopens.html")).getroot()
    assert page.cssselect("img.art")[0].get("src") == "../episodes/the-pier-reopens.jpg"


def test_an_image_that_cannot_be_used_leaves_the_cover_and_says_why(site: tuple[str, Path], cli_here: CliHere,
                                                                     tmp_path: Path) -> None:
    import eyed3

    base, root = site
    picture(root / "thumb.png", (320, 200))
    (root / "small.html").write_text(article('<meta property="og:image" content="thumb.png">'))
    (root / "gone.html").write_text(article('<meta property="og:image" content="missing.jpg">'))
    cover = picture(tmp_path / "cover.png", (1400, 1400), (250, 200, 0))
    for name, reason in (("small", "320x200 pixels, under 600"), ("gone", "404")):
        run = cli_here("build", f"{base}{name}.html", "-o", f"out/{name}.mp3", "--cover", str(cover),
                       env={"AUDIO_EDITION_ENGINE": "fake"})
        assert run.code == 0, run.stderr
        notes = json.loads((tmp_path / "out" / f"{name}.report.json").read_text())["notes"]
        assert any(n.startswith("No episode art:") and reason in n for n in notes), notes
        images = eyed3.load(tmp_path / "out" / f"{name}.mp3").tag.images
        assert [i.image_data for i in images] == [cover.read_bytes()]


def test_a_saved_page_takes_its_first_figure_from_its_own_folder(cli_here: CliHere, tmp_path: Path) -> None:
    import eyed3

    picture(tmp_path / "page" / "pics" / "pier.jpg", (900, 900), (20, 160, 60))
    (tmp_path / "page" / "pier.html").write_text(article(body='<figure><img src="pics/pier.jpg"></figure>'))
    run = cli_here("build", "page/pier.html", "-o", "out/pier.mp3", env={"AUDIO_EDITION_ENGINE": "fake"})
    assert run.code == 0, run.stderr
    art = Image.open(io.BytesIO(eyed3.load(tmp_path / "out" / "pier.mp3").tag.images[0].image_data))
    assert art.size == (1400, 1400) and all(abs(a - b) < 8 for a, b in zip(art.getpixel((700, 700)), (20, 160, 60)))
    run = cli_here("build", "page/pier.html", "-o", "out/plain.mp3", "--no-episode-art",
                   env={"AUDIO_EDITION_ENGINE": "fake"})
    assert run.code == 0, run.stderr
    plain = Image.open(io.BytesIO(eyed3.load(tmp_path / "out" / "plain.mp3").tag.images[0].image_data))
    assert plain.getpixel((700, 700)) != art.getpixel((700, 700))  # the default cover
