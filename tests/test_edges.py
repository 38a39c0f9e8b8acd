"""What comes from outside reaches each output as text (RSS description, SubRip cues, the
terminal), read back by independent readers; a feed run and an article have default caps; the
listings stay offline; the help says what it means."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import Cli, CliHere

from audio_edition.text import escapes

HOSTILE = "Read this: <img src=x onerror=alert(1)> and 00:00:01,000 --> 00:00:02,000 then {\\an8} here."


def test_each_output_has_its_escaper() -> None:
    assert escapes.rss_description("a <b> & c") == "a &lt;b&gt; &amp; c"
    assert escapes.srt_cue("x\n\n<i>y</i> --> z {\\b1}") == "x ‹i›y‹/i› --› z (\\b1}"
    assert escapes.vtt_cue("a <b> --> &") == "a &lt;b&gt; -&gt; &amp;"
    assert escapes.terminal("red \x1b[31m bell \x07 cr \r zw\u200b ok é") == (
        "red \\x1b[31m bell \\x07 cr \\x0d zw\\u200b ok é")


@pytest.mark.slow  # builds and publishes an episode
def test_hostile_text_stays_text_in_the_feed_and_the_subtitles(cli: Cli, tmp_path: Path) -> None:
    """An article whose text holds markup and a cue timing: feed readers see text, not an <img>
    element, and ffmpeg reads the SubRip file as the cues we wrote, none split."""
    import feedparser
    from lxml import etree
    from readers import FFMPEG

    (tmp_path / "odd.txt").write_text(f"Odd text\n\n{HOSTILE}\n\nA second paragraph closes the note.\n")
    show = tmp_path / "show"
    assert cli("show", "init", str(show), "--title", "Odd", "--author", "Ada", "--email", "ada@example.com",
               "--base-url", "https://example.com/odd/").code == 0
    run = cli("publish", "odd.txt", "--show", str(show), "--engine", "espeak", "--no-intro", "--no-outro")
    assert run.code == 0, run.stderr
    raw = (show / "feed.xml").read_bytes()
    description = etree.fromstring(raw).find("channel/item/description").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in description and "<img" not in description
    parsed = feedparser.parse(raw)
    assert "<img" not in parsed.entries[0].summary and "img src=x" in parsed.entries[0].summary

    srt = next(show.rglob("*.srt"))
    cues = srt.read_text().count(" --> ")
    ass = subprocess.run([FFMPEG, "-v", "error", "-i", str(srt), "-f", "ass", "-"], capture_output=True,
                         text=True, check=True).stdout
    dialogue = [line for line in ass.splitlines() if line.startswith("Dialogue:")]
    assert len(dialogue) == cues
    assert any("img src=x onerror=alert(1)" in line for line in dialogue)
    assert any("00:00:01,000 --› 00:00:02,000" in line for line in dialogue)


@pytest.fixture
def odd_server() -> Iterator[str]:
    """Answers 404 with escape sequences and a bell in its reason phrase."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(404, "Not \x1b[31mFound\x07\x1b]0;owned\x07")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/a"
    server.shutdown()


def test_a_servers_words_reach_the_terminal_without_control_characters(cli_here: CliHere, odd_server: str) -> None:
    run = cli_here("prepare", odd_server)
    assert run.code == 1 and "has no such page (404 Not [31mFound" in run.stderr, run.stderr
    assert not any(c in run.stderr for c in "\x1b\x07\r")


def test_an_article_longer_than_the_cap_is_an_error(cli_here: CliHere, tmp_path: Path) -> None:
    (tmp_path / "long.txt").write_text("Long\n\n" + " ".join(["word"] * 300) + ".\n")
    run = cli_here("prepare", "long.txt", "--max-words", "200")
    assert run.code == 1 and "long.txt has 300 words, more than the 200 an episode may have" in run.stderr
    assert "--max-words N" in run.stderr
    assert cli_here("prepare", "long.txt", "--max-words", "300").code == 0


@pytest.fixture
def big_feed() -> Iterator[tuple[str, list[str]]]:
    """A feed of 60 entries whose pages are all missing (quick to fail), newest first by date; and
    the paths asked for."""
    asked: list[str] = []
    items = "".join(f"<item><title>n{n}</title><link>/news/{n}</link>"
                    f"<pubDate>Mon, {1 + n % 28:02d} Jun 2026 {n % 24:02d}:00:00 GMT</pubDate></item>"
                    for n in range(60))
    feed = (f"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><link>/</link><description>d"
            f"</description>{items}</channel></rss>").encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            asked.append(self.path)
            found = self.path == "/feed.xml"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(feed) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(feed)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml", asked
    server.shutdown()


@pytest.mark.slow  # sixty requests through the CLI
def test_a_feed_run_takes_the_newest_50_by_default(cli: Cli, tmp_path: Path,
                                                   big_feed: tuple[str, list[str]]) -> None:
    url, asked = big_feed
    show = tmp_path / "show"
    assert cli("show", "init", str(show), "--title", "T", "--author", "A", "--email", "a@example.com",
               "--base-url", "https://example.com/t/").code == 0
    run = cli("publish", "--from-feed", url, "--show", str(show))
    assert sum(1 for p in asked if p.startswith("/news/")) == 50
    assert f"Note: {url} lists 60 entries; the newest 50 were taken (--limit N takes more)" in run.stderr
    asked.clear()
    cli("publish", "--from-feed", url, "--show", str(tmp_path / "show"), "--limit", "3")
    assert len([p for p in asked if p.startswith("/news/")]) <= 3  # failed ones wait an hour: none asked again


@pytest.mark.slow  # three fresh Pythons
def test_engines_and_doctor_stay_offline(tmp_path: Path) -> None:
    """With every network connection refused by an audit hook, the listings still run (and name
    the online engine as not checked); --check-network is what asks."""
    guard = ("import sys\n"
             "def hook(event, args):\n"
             "    if event == 'socket.connect' and args[1] and not isinstance(args[1], str):\n"
             "        raise SystemExit(f'network touched: {args[1]}')\n"
             "sys.addaudithook(hook)\n"
             "from audio_edition.cli import main\n"
             "sys.argv = ['audio-edition', *sys.argv[1:]]\n"
             "main()\n")
    for args in (["engines", "--json"], ["engines"], ["doctor", "--json", "--cache-dir", str(tmp_path)]):
        run = subprocess.run([sys.executable, "-c", guard, *args], capture_output=True, text=True, timeout=60)
        assert "network touched" not in run.stderr + run.stdout, (args, run.stderr)
        assert run.returncode == 0, (args, run.stderr)
        assert "--check-network asks" in run.stdout


def test_publish_help_shows_the_sources_table_by_name(cli_here: CliHere) -> None:
    shown = cli_here("publish", "--help", env={"COLUMNS": "200", "TERM": "dumb"}).stdout
    assert "show.toml's [sources]" in shown and "[sources] limit" in shown
    assert "else detected from its text" in cli_here("build", "--help", env={"COLUMNS": "200"}).stdout


def test_an_offline_engine_that_cannot_run_says_so_before_looking_for_a_voice() -> None:
    """"piper-tts is not installed" is the cause; "Piper has no voice for 'en'" was what it said."""
    from audio_edition.errors import EngineError
    from audio_edition.speech.engine import Availability
    from audio_edition.speech.registry import voice_for

    class Missing:
        name = "piper"
        offline = True

        def availability(self) -> Availability:
            return Availability(False, 'piper-tts is not installed (pip install "audio-edition[piper]")')

        def resolve_voice(self, voice: str | None, language: str) -> str:
            raise EngineError(f"Piper has no voice for '{language}' (voices here speak nothing)")

    with pytest.raises(EngineError, match="piper is not usable here: piper-tts is not installed"):
        voice_for(Missing(), None, None, "en", [])  # type: ignore[arg-type]
