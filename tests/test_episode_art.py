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


def test_a_lead_image_on_another_private_host_is_refused(site: tuple[str, Path], cli_here: CliHere,
                                                         tmp_path: Path) -> None:
    """The page at 127.0.0.1 was named by the user; its image at localhost, another host name for a
    private address, was not: it is not fetched, whatever the page's canonical link says."""
    base, root = site
    port = base.rsplit(":", 1)[1].rstrip("/")
    picture(root / "pier.png", (1600, 1000))
    (root / "pier.html").write_text(article(f'<link rel="canonical" href="http://localhost:{port}/pier.html">'
                                            f'<meta property="og:image" content="http://localhost:{port}/pier.png">'))
    run = cli_here("build", f"{base}pier.html", "-o", "out/pier.mp3", env={"AUDIO_EDITION_ENGINE": "fake"})
    assert run.code == 0, run.stderr
    notes = json.loads((tmp_path / "out" / "pier.report.json").read_text())["notes"]
    assert any(n.startswith("No episode art:") and "private" in n for n in notes), notes


def test_the_image_is_reached_as_the_page_was_fetched_not_as_it_names_itself(site: tuple[str, Path]) -> None:
    """An article whose page calls itself http://localhost:... (its canonical address) but was
    fetched from http://127.0.0.1:...: only 127.0.0.1 was named, so an image at localhost is refused."""
    from audio_edition.models import Article, Section
    from audio_edition.pipeline.building import episode_art
    from audio_edition.settings import Settings

    base, root = site
    picture(root / "pier.png", (1600, 1000))
    at_localhost = base.replace("127.0.0.1", "localhost")
    named = Article("The pier reopens", (Section(None, ("Text.",)),), source=f"{at_localhost}pier.html",
                    image=f"{at_localhost}pier.png")
    art, noted = episode_art(named, Settings(), f"{base}pier.html")
    assert art is None and "private" in noted.notes[-1], noted.notes
    art, _ = episode_art(named, Settings(), f"{at_localhost}pier.html")  # fetched from localhost itself
    assert art is not None


def test_saved_pages_built_side_by_side_keep_their_figures(cli_here: CliHere, tmp_path: Path) -> None:
    """Several articles are built in worker processes from packed copies: a saved page's lead
    image travels with it (as it would to a cluster's worker)."""
    import eyed3

    colours = {"pier": (20, 160, 60), "ferry": (160, 20, 60)}
    for name, colour in colours.items():
        picture(tmp_path / "pages" / "pics" / f"{name}.png", (800, 800), colour)
        (tmp_path / "pages" / f"{name}.html").write_text(article(body=f'<figure><img src="pics/{name}.png"></figure>'))
    run = cli_here("build", "pages/pier.html", "pages/ferry.html", "--out-dir", "out", "--jobs", "2",
                   env={"AUDIO_EDITION_ENGINE": "fake"})
    assert run.code == 0, run.stderr
    for name, colour in colours.items():
        art = Image.open(io.BytesIO(eyed3.load(tmp_path / "out" / f"{name}.mp3").tag.images[0].image_data))
        assert all(abs(a - b) < 8 for a, b in zip(art.getpixel((700, 700)), colour)), name


def test_a_show_setting_for_art_must_be_a_true_boolean(tmp_path: Path, cli_here: CliHere) -> None:
    create_show(tmp_path / "show", title="Harbour Hour", author="Harbour Desk", email="desk@harbour.example",
                base_url="https://harbour.example/listen/")
    toml = tmp_path / "show" / "show.toml"
    toml.write_text(toml.read_text().replace("[build]\n", '[build]\nepisode_art = "false"\n'))
    run = cli_here("feed", "--show", str(tmp_path / "show"))
    assert run.code == 1 and run.stderr.startswith("Error: ") and "episode_art must be true or false" in run.stderr


def test_a_photo_is_turned_as_its_camera_says_before_it_is_cut() -> None:
    """A phone's JPEG stored sideways with EXIF orientation 6 (turn 90° clockwise): its left half
    is the top of the picture as everyone sees it, and so of the art."""
    stored = Image.new("RGB", (1600, 1000), (0, 0, 200))
    stored.paste((200, 0, 0), (0, 0, 800, 1000))  # left half red, right half blue, as stored
    exif = Image.Exif()
    exif[0x0112] = 6
    data = io.BytesIO()
    stored.save(data, format="JPEG", exif=exif)
    art = Image.open(io.BytesIO(fit_square(data.getvalue(), "phone.jpg")))
    top_right, bottom_left = art.getpixel((1350, 50)), art.getpixel((50, 1350))
    assert top_right[0] > 150 and top_right[2] < 60  # red on top, across
    assert bottom_left[2] > 150 and bottom_left[0] < 60  # blue below
