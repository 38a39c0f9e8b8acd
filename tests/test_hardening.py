"""Issue 9's checklist, kept alive: every point a tester found (bad input, faults, attackers), each
reproduced as it was found and checked to hold now. The fault suite (kills) and the server's own
suite live in test_faults.py and test_serve.py; the fuzz test of the text pipeline is here."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE

SHOW_ARGS = ["--title", "Checklist Show", "--author", "Tester", "--email", "t@example.org",
             "--base-url", "https://example.org/show/"]


def one_error_line(run) -> str:  # type: ignore[no-untyped-def]
    lines = run.stderr.strip().splitlines()
    assert run.code == 1 and len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in run.stderr, run.stderr
    return lines[0]


def made_image(path: Path, size: tuple[int, int], mode: str = "RGB", kind: str = "JPEG") -> Path:
    from PIL import Image

    Image.new(mode, size, "white").save(path, kind)
    return path


# --- 2. One control character bricks a show ---------------------------------------------------

def test_2_a_control_character_in_a_title_does_not_brick_the_show(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import feedparser

    assert cli("show", "init", "show", *SHOW_ARGS).code == 0
    (tmp_path / "a.md").write_text('---\ntitle: "Bad \\x01 title \\u202e reversed"\n---\n\nSome words \x02 here.\n')
    run = cli("publish", "a.md", "--show", "show", "--engine", "fake")
    assert run.code == 0, run.stderr
    feed = feedparser.parse((tmp_path / "show" / "feed.xml").read_bytes())
    assert not feed.bozo and feed.entries[0].title == "Bad title reversed"
    assert cli("feed", "--show", "show").code == 0


def test_2_a_catalog_written_before_the_fix_is_repaired_by_feed(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import feedparser

    assert cli("show", "init", "show", *SHOW_ARGS).code == 0
    (tmp_path / "a.md").write_text("# Fine title\n\nSome words here.\n")
    assert cli("publish", "a.md", "--show", "show", "--engine", "fake").code == 0
    with sqlite3.connect(tmp_path / "show" / ".catalog.sqlite") as conn:  # as an old version left it
        conn.execute("UPDATE episodes SET title = 'Broken \x01 title', author = 'A\u202eB'")
    run = cli("feed", "--show", "show")
    assert run.code == 0, run.stderr
    feed = feedparser.parse((tmp_path / "show" / "feed.xml").read_bytes())
    assert not feed.bozo and feed.entries[0].title == "Broken title"
    page = next((tmp_path / "show" / "episodes").glob("*.html")).read_text()
    assert "\x01" not in page and "\u202e" not in page


# --- 5. Denial of service from small inputs ----------------------------------------------------

def test_5_a_yaml_alias_bomb_is_refused_at_once(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bomb = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
            'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n'
            'author: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n')
    (tmp_path / "bomb.md").write_text(f"---\n{bomb}---\n\n# T\n\nBody.\n")
    started = time.monotonic()
    run = cli("prepare", "bomb.md", timeout=30)
    assert time.monotonic() - started < 10
    assert "uses a YAML alias" in one_error_line(run)


@pytest.mark.parametrize("role", ["article", "cover", "intro"])
def test_5_a_fifo_is_refused_not_waited_on(cli, tmp_path: Path, role: str) -> None:  # type: ignore[no-untyped-def]
    os.mkfifo(tmp_path / "pipe.mp3")
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "a.md").write_text("# T\n\nBody.\n")
    args = {"article": ["pipe.md"], "cover": ["a.md", "--cover", "pipe.mp3"], "intro": ["a.md", "--intro", "pipe.mp3"]}[role]
    run = cli("build", *args, "--engine", "fake", timeout=30)
    assert "is a named pipe, not a regular file" in one_error_line(run)


def _long_article(paragraphs: int) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    from make_articles import sentence
    import random

    rng = random.Random(11)
    return "# A long one\n\n" + "\n\n".join(" ".join(sentence(rng) for _ in range(4)) for _ in range(paragraphs)) + "\n"


def test_5_a_prepare_of_3000_paragraphs_stays_well_under_ten_seconds(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Duplicate removal was quadratic and worse (1,000 paragraphs: 262 s). A bound, not a benchmark."""
    (tmp_path / "long.md").write_text(_long_article(3000))
    started = time.monotonic()
    run = cli("prepare", "long.md", "--json", timeout=120)
    assert run.code == 0, run.stderr
    assert time.monotonic() - started < 10
    assert len(json.loads(run.stdout)["sections"][0]["paragraphs"]) > 2900


def test_5_a_reworded_copies_are_still_found_in_a_very_long_article() -> None:
    from audio_edition.text.dedupe import ALL_PAIRS_LIMIT, find_duplicates

    paragraphs = [p for p in _long_article(ALL_PAIRS_LIMIT + 200).split("\n\n")[1:]]
    original = ("The Marlowbridge ferry consortium confirmed that its newest catamaran, christened Saltwind, "
                "would begin crossings to Quillhaven after an unexpectedly lengthy refit in the northern yards.")
    reworded = ("Saltwind, the newest catamaran of the Marlowbridge ferry consortium, will start its Quillhaven "
                "crossings after an unexpectedly lengthy refit in the northern yards, the consortium confirmed.")
    paragraphs.insert(50, original)
    paragraphs.insert(450, reworded)
    found = [(d.removed, d.kept) for d in find_duplicates(paragraphs, "paraphrase", "en") if d.kind == "paraphrase"]
    assert (450, 50) in found or (50, 450) in found


def test_5_a_fifty_thousand_tiny_paragraphs_are_one_clear_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "tiny.txt").write_text("Title\n\n" + "\n\n".join(f"See it now: Amazon {i}" for i in range(50000)))
    started = time.monotonic()
    assert "more than the 20,000 we read" in one_error_line(cli("prepare", "tiny.txt", timeout=60))
    assert time.monotonic() - started < 10


# --- 6. Tracebacks instead of Error lines --------------------------------------------------------

@pytest.mark.parametrize("lang, text", [
    ("en", "Private \ue000 use \U000f0000 characters and 5 numbers."),
    ("pt-BR", "Eram 12345678901234567890 pessoas e 1.234.567.890.123.456.789,5 reais."),
    ("it", "Il 25 aprile 2024 c'erano 3,5 milioni di persone, il 1º posto e il 22%."),
    ("ru", "25 апреля 2024 года было 3,5 миллиона человек, 1-й и 22-й, 45%."),
    ("ja", "2024年に25人が 3.5 km 歩いた。"),
])
def test_6_numbers_and_odd_characters_in_any_language_give_no_traceback(cli, tmp_path: Path, lang: str, text: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_text(f"A Title\n\n{text}\n")
    run = cli("prepare", "a.txt", "--lang", lang, "--json")
    assert run.code == 0, run.stderr
    spoken = " ".join(u["text"] for u in json.loads(run.stdout)["utterances"])
    assert "\ue000" not in spoken and "\U000f0000" not in spoken
    assert "12345678901234567890" not in spoken  # said in words, or digit by digit


# --- 8. Silent loss and unchecked input -------------------------------------------------------------

def test_8_a_nul_far_into_a_file_is_taken_out_and_reported_not_spoken_as_a_stop(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    words = " ".join(f"word{n}" for n in range(3000))  # well past the first 8 KiB
    (tmp_path / "a.txt").write_text(f"A Title\n\n{words} before\x00after the nul.\n")
    run = cli("prepare", "a.txt", "--json")
    data = json.loads(run.stdout)
    spoken = " ".join(u["text"] for u in data["utterances"])
    assert "\x00" not in spoken and "beforeafter the nul" in spoken
    assert {"reason": "characters", "text": "1 control character", "kept": None, "score": None} in data["removed"]


@pytest.mark.parametrize("make, message", [
    (lambda p: (p.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(400)), p)[1], "not a readable JPEG or PNG"),
    (lambda p: made_image(p, (300, 200)), "is 300x200 pixels"),
    (lambda p: made_image(p, (1400, 1400), "RGBA", "PNG"), "has transparency"),
    (lambda p: made_image(p, (1400, 1400), "CMYK"), "CMYK colour"),
])
def test_8_d_covers_are_checked(cli, tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    cover = make(tmp_path / "cover.png")
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    assert message in one_error_line(cli("build", "a.txt", "--engine", "fake", "--cover", str(cover)))


def test_8_d_a_huge_png_is_refused_from_its_header(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import struct
    import zlib

    # A 20,000 x 20,000 PNG header: refused before a single pixel is decoded.
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)) + chunk(b"IEND", b"")
    (tmp_path / "big.png").write_bytes(png)
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    assert "is 20000x20000 pixels" in one_error_line(cli("build", "a.txt", "--engine", "fake", "--cover", "big.png"))


def test_8_e_bidi_overrides_do_not_reach_feed_or_pages(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("show", "init", "show", *SHOW_ARGS).code == 0
    (tmp_path / "a.md").write_text("# Invoice \u202egnp.exe\u202c for you\n\nSome words.\n")
    assert cli("publish", "a.md", "--show", "show", "--engine", "fake").code == 0
    for path in [tmp_path / "show" / "feed.xml", tmp_path / "show" / "index.html", *(tmp_path / "show" / "episodes").glob("*.html")]:
        text = path.read_text()
        assert not any(unicodedata.bidirectional(c) in ("RLO", "LRO", "RLE", "LRE", "PDF", "RLI", "LRI", "FSI", "PDI")
                       for c in text), path


def test_8_g_a_javascript_link_address_is_not_read_aloud(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.md").write_text("# Title\n\nClick [the button](javascript:alert(document.cookie)) to go on.\n")
    run = cli("prepare", "a.md", "--json")
    assert [u["text"] for u in json.loads(run.stdout)["utterances"]] == ["Title", "Click the button to go on."]


# --- 9. Wrong or misleading messages -------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_9_a_utf16_and_utf32_with_a_bom_are_read(cli, tmp_path: Path, encoding: str) -> None:  # type: ignore[no-untyped-def]
    data = "Title\n\nCafé au lait, naïve façade.\n".encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    (tmp_path / "a.txt").write_bytes(data)
    run = cli("prepare", "a.txt", "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["utterances"][1]["text"] == "Café au lait, naïve façade."


# --- The fuzz test: arbitrary Unicode through the text pipeline --------------------------------------

NASTY = st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\x85", "\u200b", "\u200e", "\u202e", "\u2066", "\u2069",
                         "\ufeff", "\ue000", "\U000f0001", "\ufffe", "\uffff", "\u00ad", "\u061c", "\ud800"])
NUMBERS = st.sampled_from(["12345678901234567890", "1,234,567", "3.14159", "-42", "1st", "22%", "$4.2bn",
                           "9" * 40, "10:30am", "2024", "1.000.000,5"])
TEXT = st.lists(st.one_of(st.text(max_size=20), NASTY, NUMBERS, st.just(" "), st.just("\n\n")), max_size=40).map("".join)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, st.sampled_from(["en", "de", "fr", "es", "pt-BR", "it", "ru", "ja", "ar"]), st.sampled_from([".txt", ".md", ".html"]))
def test_fuzz_the_text_pipeline_raises_only_our_errors_and_lets_nothing_unwanted_through(text: str, lang: str, suffix: str) -> None:
    from audio_edition import build
    from audio_edition.config import Settings
    from audio_edition.errors import AudioEditionError
    from audio_edition.text.sanitize import unwanted

    if suffix == ".html":
        text = f"<html><body><article><h1>T {text}</h1><p>{text}</p><p>{text}</p></article></body></html>"
    data = ("Title " + text).encode("utf-8", "surrogatepass")
    settings_ = Settings(language=lang, engine="fake", dedupe="paraphrase")
    try:
        prepared = build.prepare("-", settings_, stdin=data)
    except AudioEditionError:
        return
    for utterance in prepared.script.utterances:
        assert utterance.text.strip()
        bad = [c for c in utterance.text + utterance.written if unwanted(c) or c == "\x00"]
        assert not bad, (utterance.text, bad)
