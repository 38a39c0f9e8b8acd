"""Every point a tester found (bad input, faults, attackers), each
reproduced as it was found and checked to hold now. The fuzz test of the text pipeline is here.

Where a point has a suite of its own, this module keeps the tester's reproduction and the suite
goes further:
1. serve leaks private files ............. test_serve.py (crafted paths, symlinks, ranges, a fuzz)
3. the cache is trusted blindly .......... test_cache.py (truncated, garbled, old-format entries)
4. a killed publish leaves a mess ........ test_faults.py (SIGKILL at each stage, then rerun)
7. leftovers after kill -9 ............... test_faults.py and test_cache.py
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SAMPLE, Cli, Run, children_of, processes_mentioning, require_tool
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow  # hostile input through the CLI, a fuzz run, full disks

SHOW_ARGS = ["--title", "Checklist Show", "--author", "Tester", "--email", "t@example.org",
             "--base-url", "https://example.org/show/"]


def one_error_line(run: Run) -> str:
    lines = run.stderr.strip().splitlines()
    assert (run.code == 1 and len(lines) == 1 and lines[0].startswith("Error: ")
            and "Traceback" not in run.stderr), run.stderr
    return lines[0]


def made_image(path: Path, size: tuple[int, int], mode: str = "RGB", kind: str = "JPEG") -> Path:
    from PIL import Image

    Image.new(mode, size, "white").save(path, kind)
    return path


# --- 1. serve leaks private files -----------------------------------------------------------------

def test_the_catalog_is_not_served_through_an_encoded_dot_nor_etc_passwd_through_a_symlink(cli: Cli,
                                                                                           tmp_path: Path) -> None:
    import http.client

    from conftest import bare_path_env

    assert cli("show", "init", "show", *SHOW_ARGS).code == 0
    (tmp_path / "show" / "passwd.txt").symlink_to("/etc/passwd")
    proc = subprocess.Popen([sys.executable, "-m", "audio_edition", "serve", "--show", "show", "--port", "0"],
                            cwd=tmp_path, env=bare_path_env(), stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        port = int(proc.stderr.readline().split("http://127.0.0.1:")[1].split("/")[0])
        for target in ("/%2ecatalog.sqlite", "/%2epublish.lock", "/passwd.txt", "/episodes/"):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", target)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            assert response.status == 404 and b"SQLite" not in body and b"root:" not in body, target
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- 2. One control character bricks a show ---------------------------------------------------

def test_control_character_in_a_title_does_not_brick_the_show(cli: Cli, tmp_path: Path) -> None:
    import feedparser

    assert cli("show", "init", "show", *SHOW_ARGS).code == 0
    (tmp_path / "a.md").write_text('---\ntitle: "Bad \\x01 title \\u202e reversed"\n---\n\nSome words \x02 here.\n')
    run = cli("publish", "a.md", "--show", "show", "--engine", "fake")
    assert run.code == 0, run.stderr
    feed = feedparser.parse((tmp_path / "show" / "feed.xml").read_bytes())
    assert not feed.bozo and feed.entries[0].title == "Bad title reversed"
    assert cli("feed", "--show", "show").code == 0


def test_catalog_written_before_the_fix_is_repaired_by_feed(cli: Cli, tmp_path: Path) -> None:
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


# --- 4. A killed publish leaves the show inconsistent ----------------------------------------------

def test_feed_repairs_a_catalog_size_that_no_longer_matches_the_file(cli: Cli, tmp_path: Path) -> None:
    import feedparser

    assert cli("show", "init", "show", *SHOW_ARGS).code == 0
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    assert cli("publish", "a.txt", "--show", "show", "--engine", "fake").code == 0
    mp3 = tmp_path / "show" / "episodes" / "title.mp3"
    with sqlite3.connect(tmp_path / "show" / ".catalog.sqlite") as conn:
        conn.execute("UPDATE episodes SET audio_bytes = 1")  # as a publish killed between file and row left it
    assert cli("feed", "--show", "show").code == 0
    entry = feedparser.parse((tmp_path / "show" / "feed.xml").read_bytes()).entries[0]
    assert int(entry.enclosures[0].length) == mp3.stat().st_size


def test_build_folders_of_killed_publishers_do_not_pile_up(cli: Cli, tmp_path: Path) -> None:
    import fcntl

    assert cli("show", "init", "show", *SHOW_ARGS).code == 0
    episodes = tmp_path / "show" / "episodes"
    dead = episodes / ".build-dead"
    dead.mkdir(parents=True)
    (dead / ".owner").write_text("")
    (dead / "episode.mp3").write_bytes(b"half" * 1000)
    alive = episodes / ".build-alive"  # a publisher still building: its lock is held
    alive.mkdir()
    with open(alive / ".owner", "w") as owner:
        fcntl.flock(owner, fcntl.LOCK_EX)
        (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
        assert cli("publish", "a.txt", "--show", "show", "--engine", "fake").code == 0
        assert not dead.exists() and alive.exists()
    assert sorted(p.name for p in episodes.iterdir() if p.name.startswith(".")) == [".build-alive"]


# --- 5. Denial of service from small inputs ----------------------------------------------------

def test_yaml_alias_bomb_is_refused_at_once(cli: Cli, tmp_path: Path) -> None:
    bomb = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
            'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n'
            'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n'
            'author: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n')
    (tmp_path / "bomb.md").write_text(f"---\n{bomb}---\n\n# T\n\nBody.\n")
    started = time.monotonic()
    run = cli("prepare", "bomb.md", timeout=30)
    assert time.monotonic() - started < 10
    assert "uses a YAML alias" in one_error_line(run)


@pytest.mark.parametrize("role", ["article", "cover", "intro"])
def test_fifo_is_refused_not_waited_on(cli: Cli, tmp_path: Path, role: str) -> None:
    os.mkfifo(tmp_path / "pipe.mp3")
    os.mkfifo(tmp_path / "pipe.md")
    (tmp_path / "a.md").write_text("# T\n\nBody.\n")
    args = {"article": ["pipe.md"], "cover": ["a.md", "--cover", "pipe.mp3"],
            "intro": ["a.md", "--intro", "pipe.mp3"]}[role]
    run = cli("build", *args, "--engine", "fake", timeout=30)
    assert "is a named pipe, not a regular file" in one_error_line(run)


def _long_article(paragraphs: int) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import random

    from make_articles import sentence

    rng = random.Random(11)
    return "# A long one\n\n" + "\n\n".join(" ".join(sentence(rng) for _ in range(4)) for _ in range(paragraphs)) + "\n"


def test_duplicate_search_in_a_3000_paragraph_article_compares_a_near_linear_number_of_pairs() -> None:
    """Duplicate removal was quadratic and worse (1,000 paragraphs: 262 s). Past ALL_PAIRS_LIMIT,
    pairs come only through rare shared words: here fewer than 10 per paragraph (406 in all,
    measured), where all pairs would be 1,500 per paragraph. (The time itself is measured by
    scripts/bench --prepare.)"""
    from audio_edition.text.similarity import Similarity, neighbours

    paragraphs = _long_article(3000).split("\n\n")[1:]
    similarity = Similarity(paragraphs, "en")
    compared = sum(len(row) for row in neighbours(similarity, list(range(len(paragraphs)))).values()) // 2
    assert compared < 10 * len(paragraphs), compared


@pytest.mark.slow
def test_a_prepare_of_3000_paragraphs_keeps_them_all(tmp_path: Path) -> None:
    from audio_edition import pipeline
    from audio_edition.settings import Settings

    (tmp_path / "long.md").write_text(_long_article(3000))
    prepared = pipeline.prepare(str(tmp_path / "long.md"), Settings(engine="espeak", max_words=200_000))
    assert len(prepared.article.sections[0].paragraphs) > 2900


def test_reworded_copies_are_still_found_in_a_very_long_article() -> None:
    """The search through a long article (candidates by shared rare words) still finds reworded
    copies, each strong enough on its own (two pairs among 600 paragraphs are far below a spun
    article's share)."""
    from audio_edition.text.dedupe import find_duplicates
    from audio_edition.text.similarity import ALL_PAIRS_LIMIT

    paragraphs = list(_long_article(ALL_PAIRS_LIMIT + 200).split("\n\n")[1:])
    original = ("The Marlowbridge ferry consortium confirmed that its newest catamaran, christened Saltwind, "
                "would begin crossings to Quillhaven after an unexpectedly lengthy refit in the northern yards.")
    reworded = ("Saltwind, the newest catamaran of the Marlowbridge ferry consortium, will start its Quillhaven "
                "crossings after an unexpectedly lengthy refit in the northern yards, the consortium confirmed.")
    second = ("Harbour pilots at Quillhaven have asked the consortium to schedule Saltwind's first crossings "
              "outside the spring tides, when the channel by the old breakwater runs dangerously shallow.")
    second_reworded = ("Quillhaven's harbour pilots want the consortium to keep Saltwind's first crossings away from "
                       "the spring tides, when the channel near the old breakwater becomes dangerously shallow.")
    paragraphs.insert(50, original)
    paragraphs.insert(120, second)
    paragraphs.insert(450, reworded)
    paragraphs.insert(520, second_reworded)
    found = [(d.removed, d.kept) for d in find_duplicates(paragraphs, "paraphrase", "en") if d.kind == "paraphrase"]
    assert {tuple(sorted(pair)) for pair in found} == {(50, 450), (120, 520)}


def test_fifty_thousand_tiny_paragraphs_are_one_clear_error(cli: Cli, tmp_path: Path) -> None:
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
def test_numbers_and_odd_characters_in_any_language_give_no_traceback(cli: Cli, tmp_path: Path, lang: str,
                                                                      text: str) -> None:
    (tmp_path / "a.txt").write_text(f"A Title\n\n{text}\n")
    run = cli("prepare", "a.txt", "--lang", lang, "--json")
    assert run.code == 0, run.stderr
    spoken = " ".join(u["text"] for u in json.loads(run.stdout)["utterances"])
    assert "\ue000" not in spoken and "\U000f0000" not in spoken
    assert "12345678901234567890" not in spoken  # said in words, or digit by digit


def full_disk_build(tmp_path: Path, size: str) -> tuple[int, str, list[str]]:
    """Build into a folder on a tmpfs of ``size`` (a real full disk, in a private mount namespace):
    (exit status, stderr, what is left in the folder)."""

    from conftest import bare_path_env

    require_tool("unshare", "util-linux")  # to mount a small tmpfs for the full-disk test
    disk = tmp_path / "disk"
    disk.mkdir(exist_ok=True)
    script = (f'mount -t tmpfs -o size={size} tmpfs "{disk}" || exit 99; '
              f'"{sys.executable}" -m audio_edition build "{SAMPLE}" -o "{disk}/ep.mp3" --engine fake -q '
              f'>/dev/null 2>"{tmp_path}/err"; '
              f'echo "$?"; ls -A "{disk}"')
    proc = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
                          capture_output=True, text=True, env=bare_path_env({"PATH": os.environ["PATH"]}), timeout=120)
    lines = proc.stdout.split()
    assert lines and lines[0] != "99", proc.stderr
    return int(lines[0]), (tmp_path / "err").read_text(), lines[1:]


@pytest.mark.system  # unshare, for a private tmpfs
@pytest.mark.parametrize("size", ["4k", "64k", "400k", "560k", "568k", "572k", "576k", "580k", "600k", "4m"])
def test_a_full_disk_is_one_error_line_and_leaves_nothing(tmp_path: Path, size: str) -> None:
    """The sample's episode (fake voice) is about 580 kB with its cover, and its sidecars take five
    4 kB pages: across these sizes the disk fills while the audio is encoded, while it is tagged,
    and while each sidecar is written; from about 584 kB the build fits."""
    code, stderr, left = full_disk_build(tmp_path, size)
    if code == 0:
        assert sorted(left) == ["ep.chapters.json", "ep.mp3", "ep.report.json", "ep.srt", "ep.vtt"]
    else:
        lines = stderr.strip().splitlines()
        assert code == 1 and len(lines) == 1 and "Traceback" not in stderr, stderr
        assert lines[0].startswith("Error: cannot write ") and ": the disk is full. Hint: Free some space" in lines[0]
        assert ".part" not in lines[0] and left == [], (lines[0], left)


def test_a_damaged_catalog_is_one_error_line_with_the_way_back(cli: Cli, tmp_path: Path) -> None:
    import feedparser

    assert cli("show", "init", "show", *SHOW_ARGS).code == 0
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    assert cli("publish", "a.txt", "--show", "show", "--engine", "fake").code == 0
    catalog = tmp_path / "show" / ".catalog.sqlite"
    catalog.write_bytes(b"garbage" * 1000)
    for command in (["publish", "a.txt", "--show", "show", "--engine", "fake"], ["feed", "--show", "show"]):
        line = one_error_line(cli(*command))
        assert "catalog" in line and "is damaged" in line and ".catalog.sqlite.bak" in line
    os.replace(tmp_path / "show" / ".catalog.sqlite.bak", catalog)  # what the hint says to do
    assert cli("feed", "--show", "show").code == 0
    assert [e.title for e in feedparser.parse((tmp_path / "show" / "feed.xml").read_bytes()).entries] == ["Title"]


# --- 7. Leftovers after kill -9 ---------------------------------------------------------------------

def test_part_files_of_killed_builds_are_swept_and_those_of_running_builds_kept(cli: Cli, tmp_path: Path) -> None:
    import fcntl

    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    dead = [tmp_path / ".a.mp3.k1ll3d.part", tmp_path / ".a.vtt.k1ll3d.part"]
    for path in dead:
        path.write_bytes(bytes(622_000))
    running = tmp_path / ".a.mp3.running.part"
    running.write_bytes(b"x")
    other = tmp_path / ".b.mp3.other.part"  # another episode's: not ours to judge
    other.write_bytes(b"x")
    with open(running, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert cli("build", "a.txt", "--engine", "fake", "-o", "a.mp3").code == 0
    assert not any(p.exists() for p in dead) and running.exists() and other.exists()


# --- 8. Silent loss and unchecked input -------------------------------------------------------------

def test_nul_far_into_a_file_is_taken_out_and_reported_not_spoken_as_a_stop(cli: Cli, tmp_path: Path) -> None:
    words = " ".join(f"word{n}" for n in range(3000))  # well past the first 8 KiB
    (tmp_path / "a.txt").write_text(f"A Title\n\n{words} before\x00after the nul.\n")
    run = cli("prepare", "a.txt", "--json")
    data = json.loads(run.stdout)
    spoken = " ".join(u["text"] for u in data["utterances"])
    assert "\x00" not in spoken and "beforeafter the nul" in spoken
    assert {"reason": "characters", "text": "1 control character", "kept": None, "score": None} in data["removed"]


def test_publish_keeps_the_loudness_bounds_build_keeps(cli: Cli, tmp_path: Path) -> None:
    assert cli("show", "init", "show", *SHOW_ARGS).code == 0
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    for value in ("50", "-99"):
        run = cli("publish", "a.txt", "--show", "show", "--engine", "fake", "--loudness", value)
        assert run.code == 2 and "--loudness" in run.stderr  # a usage error, as for build
    toml = tmp_path / "show" / "show.toml"
    toml.write_text(toml.read_text().replace("loudness = -16.0", "loudness = 50.0"))
    assert "loudness target of 50 LUFS is outside -40 to -6" in one_error_line(
        cli("publish", "a.txt", "--show", "show", "--engine", "fake"))
    assert not list((tmp_path / "show" / "episodes").glob("*.mp3"))


def test_an_unknown_espeak_variant_is_refused(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    line = one_error_line(cli("build", "a.txt", "--voice", "en+zzzz", "-o", "a.mp3"))
    assert "no voice variant 'zzzz'" in line and "+f3" in line
    assert cli("build", "a.txt", "--voice", "en-gb+f3", "-o", "a.mp3").code == 0


@pytest.mark.parametrize("make, message", [
    (lambda p: (p.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(400)), p)[1], "not a readable JPEG or PNG"),
    (lambda p: made_image(p, (300, 200)), "is 300x200 pixels"),
    (lambda p: made_image(p, (1400, 1400), "RGBA", "PNG"), "has transparency"),
    (lambda p: made_image(p, (1400, 1400), "CMYK"), "CMYK colour"),
])
def test_covers_are_checked(cli: Cli, tmp_path: Path, make: Callable[[Path], Path], message: str) -> None:
    cover = make(tmp_path / "cover.png")
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    assert message in one_error_line(cli("build", "a.txt", "--engine", "fake", "--cover", str(cover)))


def test_a_huge_png_is_refused_from_its_header(cli: Cli, tmp_path: Path) -> None:
    import struct
    import zlib

    # A 20,000 x 20,000 PNG header: refused before a single pixel is decoded.
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
           + chunk(b"IEND", b""))
    (tmp_path / "big.png").write_bytes(png)
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    assert "is 20000x20000 pixels" in one_error_line(cli("build", "a.txt", "--engine", "fake", "--cover", "big.png"))


def test_bidi_overrides_do_not_reach_feed_or_pages(cli: Cli, tmp_path: Path) -> None:
    assert cli("show", "init", "show", *SHOW_ARGS).code == 0
    (tmp_path / "a.md").write_text("# Invoice \u202egnp.exe\u202c for you\n\nSome words.\n")
    assert cli("publish", "a.md", "--show", "show", "--engine", "fake").code == 0
    for path in [tmp_path / "show" / "feed.xml", tmp_path / "show" / "index.html",
                 *(tmp_path / "show" / "episodes").glob("*.html")]:
        text = path.read_text()
        assert not any(unicodedata.bidirectional(c) in ("RLO", "LRO", "RLE", "LRE", "PDF", "RLI", "LRI", "FSI", "PDI")
                       for c in text), path


def test_a_javascript_link_address_is_not_read_aloud(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Title\n\nClick [the button](javascript:alert(document.cookie)) to go on.\n")
    run = cli("prepare", "a.md", "--json")
    assert [u["text"] for u in json.loads(run.stdout)["utterances"]] == ["Title", "Click the button to go on."]


# --- 9. Wrong or misleading messages -------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_bom_are_read(cli: Cli, tmp_path: Path, encoding: str) -> None:
    data = "Title\n\nCafé au lait, naïve façade.\n".encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    (tmp_path / "a.txt").write_bytes(data)
    run = cli("prepare", "a.txt", "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["utterances"][1]["text"] == "Café au lait, naïve façade."


@pytest.mark.parametrize("role", ["--intro", "--outro", "--cover", "--lexicon"])
def test_a_folder_given_as_a_file_is_called_a_folder(cli: Cli, tmp_path: Path, role: str) -> None:
    (tmp_path / "clips").mkdir()
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    assert "is a folder, not a file" in one_error_line(cli("build", "a.txt", "--engine", "fake", role, "clips"))


def test_an_unwritable_place_says_why(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    line = one_error_line(cli("build", "a.txt", "--engine", "fake", "-o", "/proc/a.mp3"))
    assert "cannot write /proc/a.mp3" in line and "does not exist" not in line and "does not accept new files" in line
    made = cli("build", "a.txt", "--engine", "fake", "-o", str(tmp_path / "new" / "a.mp3"))  # -o makes its folder,
    assert made.code == 0 and (tmp_path / "new" / "a.mp3").is_file(), made.stderr  # as --out-dir does
    (tmp_path / "file").write_text("")
    line = one_error_line(cli("build", "a.txt", "--engine", "fake", "-o", str(tmp_path / "file" / "a.mp3")))
    assert "cannot write" in line and "is a file, not a folder" in line


def _workers_starting(folder: Path, cache: Path, pid: int) -> bool:
    """A speech worker process has been spawned by the build (and is still importing, or idle)."""
    return any("multiprocessing" in line for line in children_of(pid))


def _speaking(folder: Path, cache: Path, pid: int) -> bool:
    """Spoken takes are arriving in the cache (and each is measured for loudness as it arrives)."""
    return any((cache / "takes").rglob("*.wav"))


def _encoding(folder: Path, cache: Path, pid: int) -> bool:
    return any(p.stat().st_size > 0 for p in folder.glob("tmp/audio-edition-parts-*/part*.mp3"))


@pytest.mark.parametrize("moment", ["workers-starting", "speaking-and-measuring", "encoding"])
def test_ctrl_c_is_exit_130_and_interrupted_and_leaves_nothing(tmp_path: Path, isolated_cache: Path,
                                                               moment: str) -> None:
    """SIGINT to the whole process group, as a terminal sends it: while the worker processes start,
    while they speak and ffmpeg measures loudness, and while ffmpeg masters and encodes."""
    import signal

    from conftest import bare_path_env

    when = {"workers-starting": _workers_starting, "speaking-and-measuring": _speaking, "encoding": _encoding}[moment]
    paragraphs = "\n\n".join(f"Paragraph {n} has a sentence that goes on for a while, long enough to take time "
                              f"to speak, and then another one after it." for n in range(60))
    (tmp_path / "long.txt").write_text(f"A Long Article\n\n{paragraphs}\n")
    (tmp_path / "tmp").mkdir()

    def as_at_a_terminal() -> None:  # a background job (CI) inherits SIGINT ignored; a terminal does not
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen([sys.executable, "-m", "audio_edition", "build", "long.txt", "-o", "long.mp3"],
                            cwd=tmp_path, env=bare_path_env({"TMPDIR": str(tmp_path / "tmp")}),
                            stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=as_at_a_terminal)
    deadline = time.monotonic() + 60
    while not when(tmp_path, isolated_cache, proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.stderr is not None
    assert proc.poll() is None, proc.stderr.read()
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and stderr.strip().splitlines() == ["Interrupted."], stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.txt", "tmp"]  # no output, no hidden .part files
    deadline = time.monotonic() + 5  # the workers and ffmpeg go with their parent, within moments
    while processes_mentioning(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_mentioning(str(tmp_path)) == [] and list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.parametrize("moment", ["workers-starting", "speaking-and-measuring", "encoding"])
@pytest.mark.parametrize("target", ["process", "group"])
def test_sigterm_is_handled_as_ctrl_c_is_exit_143(tmp_path: Path, isolated_cache: Path, moment: str,
                                                   target: str) -> None:
    """SIGTERM as `kill` and `timeout` send it (to the process) and as systemd stops a service (to
    every process of it): children stopped, nothing left behind, "Interrupted.", exit 143."""
    import signal

    from conftest import bare_path_env

    when = {"workers-starting": _workers_starting, "speaking-and-measuring": _speaking, "encoding": _encoding}[moment]
    paragraphs = "\n\n".join(f"Paragraph {n} has a sentence that goes on for a while, long enough to take time "
                              f"to speak, and then another one after it." for n in range(60))
    (tmp_path / "long.txt").write_text(f"A Long Article\n\n{paragraphs}\n")
    (tmp_path / "tmp").mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "audio_edition", "build", "long.txt", "-o", "long.mp3"],
                            cwd=tmp_path, env=bare_path_env({"TMPDIR": str(tmp_path / "tmp")}),
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while not when(tmp_path, isolated_cache, proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.stderr is not None
    assert proc.poll() is None, proc.stderr.read()
    if target == "group":
        os.killpg(proc.pid, signal.SIGTERM)
    else:
        proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143 and stderr.strip().splitlines() == ["Interrupted."], stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.txt", "tmp"]  # no output, no hidden .part files
    deadline = time.monotonic() + 5
    while processes_mentioning(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_mentioning(str(tmp_path)) == [] and list((tmp_path / "tmp").iterdir()) == []


def test_a_detected_language_without_a_voice_falls_back_or_says_so(cli: Cli, tmp_path: Path) -> None:
    khmer = "ព្រះរាជាណាចក្រកម្ពុជា គឺជាប្រទេសមួយ ដែលមានទីតាំងស្ថិតនៅ ក្នុងតំបន់អាស៊ីអាគ្នេយ៍ "
    mixed = khmer * 2 + "and the rest of this paragraph is English, written for readers who like plain words."
    (tmp_path / "mixed.txt").write_text(f"Title\n\n{mixed}\n")
    run = cli("prepare", "mixed.txt", "--json")
    assert run.code == 0 and json.loads(run.stdout)["language"] == "en", run.stderr
    (tmp_path / "khmer.txt").write_text(f"Title\n\n{khmer * 4}\n")
    line = one_error_line(cli("build", "khmer.txt", "-o", "k.mp3"))
    assert "detected as 'km'" in line and "--lang" in line


@pytest.mark.parametrize("args, wanted", [
    (["--email", "notanemail"], "Give the address directories write to"),
    (["--base-url", "ftp://x"], "Give the address the show folder will be served from"),
])
def test_show_init_hints_name_the_real_cause(cli: Cli, args: list[str], wanted: str) -> None:
    base = dict(zip(SHOW_ARGS[::2], SHOW_ARGS[1::2]))
    base.update(dict(zip(args[::2], args[1::2])))
    line = one_error_line(cli("show", "init", "show", *[x for kv in base.items() for x in kv]))
    assert wanted in line and "UTF-8" not in line


def test_a_missing_lexicon_gets_the_lexicon_hint(cli: Cli, tmp_path: Path) -> None:
    assert cli("show", "init", "show", *SHOW_ARGS).code == 0
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    line = one_error_line(cli("publish", "a.txt", "--show", "show", "--engine", "fake", "--lexicon", "missing.toml"))
    assert "lexicon file not found" in line and "TOML" in line and "UTF-8" not in line


# --- 10. Rough edges -------------------------------------------------------------------------------

def test_out_dir_is_created(cli: Cli, tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(f"Title {name}\n\nWords.\n")
    run = cli("build", "a.txt", "b.txt", "--out-dir", "episodes/2026/", "--engine", "fake")
    assert run.code == 0, run.stderr
    assert {p.name for p in (tmp_path / "episodes" / "2026").glob("*.mp3")} == {"a.mp3", "b.mp3"}
    (tmp_path / "afile").write_text("")
    assert "is a file, not a folder" in one_error_line(cli("build", "a.txt", "--out-dir", "afile", "--engine", "fake"))


def test_urls_and_file_names_are_ascii(cli: Cli, tmp_path: Path) -> None:
    import feedparser

    assert cli("show", "init", "show", "--title", "T", "--author", "A", "--email", "a@b.example",
               "--base-url", "https://bücher.example/hörbuch").code == 0
    (tmp_path / "a.md").write_text("# Lyon étend son réseau: Москва\n\nDes mots.\n")
    assert cli("publish", "a.md", "--show", "show", "--engine", "fake").code == 0
    assert [p.name for p in (tmp_path / "show" / "episodes").glob("*.mp3")] == ["lyon-etend-son-reseau-moskva.mp3"]
    feed = (tmp_path / "show" / "feed.xml").read_bytes()
    parsed = feedparser.parse(feed)
    urls = [parsed.feed.link, parsed.entries[0].link, parsed.entries[0].enclosures[0].href]
    assert all(url.isascii() and " " not in url for url in urls), urls
    assert parsed.entries[0].enclosures[0].href == ("https://xn--bcher-kva.example/h%C3%B6rbuch/episodes/"
                                                    "lyon-etend-son-reseau-moskva.mp3")
    for page in [tmp_path / "show" / "index.html", *(tmp_path / "show" / "episodes").glob("*.html")]:
        assert all(href.isascii() for href in __import__("re").findall(r'(?:href|src)="([^"]*)"', page.read_text()))


def test_an_old_non_ascii_slug_keeps_its_file_and_gets_an_encoded_url() -> None:
    from audio_edition.publish.show import Show

    show = Show.__new__(Show)
    object.__setattr__(show, "base_url", "https://example.org/show/")
    assert show.url("episodes/lyon-étend.mp3") == "https://example.org/show/episodes/lyon-%C3%A9tend.mp3"


def test_no_date_tag_when_the_article_has_no_date(cli: Cli, tmp_path: Path) -> None:
    from mutagen.id3 import ID3

    (tmp_path / "a.txt").write_text("Title\n\nWords without a date.\n")
    assert cli("build", "a.txt", "--engine", "fake", "-o", "a.mp3").code == 0
    tag = ID3(tmp_path / "a.mp3")
    assert not tag.getall("TYER") and not tag.getall("TDRC") and not tag.getall("TDAT") and not tag.getall("TORY")
    assert json.loads(cli("inspect", "a.mp3", "--json").stdout)["tags"]["date"] == ""


@pytest.mark.parametrize("suffix", [".m4a", ".opus"])
def test_inspect_reads_what_build_makes(cli: Cli, tmp_path: Path, suffix: str) -> None:
    from readers import probe_duration

    assert cli("build", str(SAMPLE), "--engine", "fake", "-o", f"a{suffix}").code == 0
    run = cli("inspect", f"a{suffix}", "--json")
    assert run.code == 0, run.stderr
    info = json.loads(run.stdout)
    chapters = json.loads((tmp_path / "a.chapters.json").read_text())["chapters"]
    assert abs(info["duration_s"] - probe_duration(tmp_path / f"a{suffix}")) < 0.05
    assert [c["title"] for c in info["chapters"]] == [c["title"] for c in chapters]
    assert [round(c["start_s"], 1) for c in info["chapters"]] == [round(c["startTime"], 1) for c in chapters]
    assert info["tags"]["title"] == "Why a Town Library Started Lending Sound" and info["has_cover"]
    assert info["id3_version"] is None and 32 <= info["bitrate_kbps"] <= 200


def test_help_shows_no_type_after_flags(cli: Cli) -> None:
    for command in (["build"], ["prepare"], ["publish"], ["inspect"], ["doctor"], ["engines"], ["serve"],
                    ["show", "init"], ["cache", "info"], ["cache", "prune"], ["cache", "clear"]):
        text = cli(*command, "--help", env={"COLUMNS": "100"}).stdout
        assert "<bool>" not in text.lower() and "boolean" not in text.lower(), command


# --- Found while building the checklist -------------------------------------------------------------

def test_a_long_article_without_headings_gets_a_usable_number_of_chapters(cli: Cli, tmp_path: Path) -> None:
    """One chapter per paragraph gave 300 chapters, past the 255 an ID3 table of contents holds:
    tagging failed ("bytes must be in range(0, 256)") after the whole episode was made."""
    from readers import ffmetadata

    (tmp_path / "a.txt").write_text("Many Short Paragraphs\n\n" + "\n\n".join(f"Line {n}." for n in range(300)))
    run = cli("build", "a.txt", "--engine", "fake", "-o", "a.mp3", timeout=300)
    assert run.code == 0, run.stderr
    chapters = json.loads((tmp_path / "a.chapters.json").read_text())["chapters"]
    assert 50 <= len(chapters) <= 102 and chapters[1]["title"] == "Many Short Paragraphs"
    assert len(ffmetadata(tmp_path / "a.mp3").chapters) == len(chapters)  # ffmpeg reads the same table


# --- The fuzz test: arbitrary Unicode through the text pipeline --------------------------------------

NASTY = st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\x85", "\u200b", "\u200e", "\u202e", "\u2066", "\u2069",
                         "\ufeff", "\ue000", "\U000f0001", "\ufffe", "\uffff", "\u00ad", "\u061c", "\ud800"])
NUMBERS = st.sampled_from(["12345678901234567890", "1,234,567", "3.14159", "-42", "1st", "22%", "$4.2bn",
                           "9" * 40, "10:30am", "2024", "1.000.000,5"])
TEXT = st.lists(st.one_of(st.text(max_size=20), NASTY, NUMBERS, st.just(" "), st.just("\n\n")),
                max_size=40).map("".join)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, st.sampled_from(["en", "de", "fr", "es", "pt-BR", "it", "ru", "ja", "ar"]),
       st.sampled_from([".txt", ".md", ".html"]))
def test_fuzz_the_text_pipeline_raises_only_our_errors_and_lets_nothing_unwanted_through(text: str, lang: str,
                                                                                         suffix: str) -> None:
    from audio_edition import pipeline
    from audio_edition.errors import AudioEditionError
    from audio_edition.ingest.sanitize import unwanted
    from audio_edition.settings import Settings

    if suffix == ".html":
        text = f"<html><body><article><h1>T {text}</h1><p>{text}</p><p>{text}</p></article></body></html>"
    data = ("Title " + text).encode("utf-8", "surrogatepass")
    settings_ = Settings(language=lang, engine="fake", dedupe="paraphrase")
    try:
        prepared = pipeline.prepare("-", settings_, stdin=data)
    except AudioEditionError:
        return
    for utterance in prepared.script.utterances:
        assert utterance.text.strip()
        bad = [c for c in utterance.text + utterance.written if unwanted(c) or c == "\x00"]
        assert not bad, (utterance.text, bad)
