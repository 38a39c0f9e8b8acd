"""The fetch policy against crafted servers on loopback: a total deadline that drip-fed headers and
bodies cannot stretch, no way inward through links and redirects unless the user allows it, no
credentials from ~/.netrc, Retry-After only within the deadline, and one article per address
whatever its fragment."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import Cli

from audio_edition.errors import FetchError
from audio_edition.ingest import feeds, web
from audio_edition.ingest.policy import Reach, inward

ARTICLE = ("<html><head><title>Harbour wall repaired</title></head><body><article><h1>Harbour wall repaired</h1>"
           "<p>Crews finished the repairs to the harbour wall on Friday, a week ahead of the spring tides.</p>"
           "<p>The fishing fleet can moor inside the wall again from Monday, the harbour master said.</p>"
           "</article></body></html>")
SECRET = ("<html><head><title>Router admin</title></head><body><article><h1>Router admin</h1>"
          "<p>The admin password of this router is hunter2, and the guest network is called back office.</p>"
          "</article></body></html>")


@dataclass
class Crafted:
    """A server on every local address of one port (IPv4 and IPv6): / is an article, /secret a
    private page, /to?u=URL redirects to URL, /busy answers 429 with a long Retry-After. It records
    each request's path, host and Authorization header."""

    port: int = 0
    seen: list[tuple[str, str, str | None]] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def asked(self, path: str) -> bool:
        return any(p.split("?")[0] == path for p, _, _ in self.seen)


class _DualStack(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


@pytest.fixture
def crafted() -> Iterator[Crafted]:
    state = Crafted()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            state.seen.append((self.path, self.headers.get("Host", ""), self.headers.get("Authorization")))
            if self.path.startswith("/to?u="):
                self.send_response(302)
                self.send_header("Location", unquote(self.path.removeprefix("/to?u=")))
                self.end_headers()
                return
            if self.path == "/busy":
                self.send_response(429)
                self.send_header("Retry-After", "3600")
                self.end_headers()
                return
            body = (SECRET if self.path == "/secret" else ARTICLE).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = _DualStack(("::", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _dripper(respond: Callable[[socket.socket], None], read_first: bool = True) -> Iterator[int]:
    """A raw server on 127.0.0.1 that answers each connection with ``respond``."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=_answer, args=(conn, respond, read_first), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()


def _answer(conn: socket.socket, respond: Callable[[socket.socket], None], read_first: bool) -> None:
    try:
        if read_first:
            conn.recv(65536)
        respond(conn)
    except OSError:
        pass  # we hung up on it: that is the point
    finally:
        conn.close()


def _drip(data: bytes, every_s: float = 0.25) -> Callable[[socket.socket], None]:
    def respond(conn: socket.socket) -> None:
        for i in range(len(data)):
            conn.sendall(data[i : i + 1])
            time.sleep(every_s)
    return respond


HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: " + b"x" * 200 + b"\r\n\r\n"


@pytest.fixture
def drip_headers() -> Iterator[int]:
    yield from _dripper(_drip(HEADERS))


@pytest.fixture
def drip_body() -> Iterator[int]:
    def respond(conn: socket.socket) -> None:
        conn.sendall(HEADERS)
        _drip(ARTICLE.encode())(conn)
    yield from _dripper(respond)


@pytest.mark.slow  # waits for the deadline
@pytest.mark.parametrize("which", ["drip_headers", "drip_body"])
def test_a_drip_fed_answer_is_cut_at_the_deadline(which: str, request: pytest.FixtureRequest) -> None:
    """A byte every quarter second restarts any per-read timeout; the total deadline holds (±1 s),
    and the answer is reported as too slow, not as empty or as a page cut short."""
    port = request.getfixturevalue(which)
    started = time.monotonic()
    with pytest.raises(FetchError, match="did not arrive within 2 s"):
        web.fetch(f"http://127.0.0.1:{port}/", timeout_s=2)
    assert 2 <= time.monotonic() - started < 3


@pytest.mark.parametrize("host", ["127.0.0.2", "[::1]", "0.0.0.0", "2130706433"])
def test_a_redirect_inward_is_refused_unless_allowed(crafted: Crafted, host: str) -> None:
    """The user named 127.0.0.1; a redirect to any other local address (in any of its spellings)
    is refused before a request reaches it, and followed with allow_private."""
    start = crafted.url("/to?u=" + crafted.url("/secret", host))
    with pytest.raises(FetchError, match="refused to fetch from .*private or local address"):
        web.fetch(start, timeout_s=5)
    assert not crafted.asked("/secret")
    got = web.fetch(start, timeout_s=5, reach=Reach.of(start, allow_private=True))
    assert isinstance(got, web.Document) and b"hunter2" in got.data


@pytest.mark.slow  # the CLI, twice
def test_allow_private_on_the_command_line(cli: Cli, crafted: Crafted) -> None:
    start = crafted.url("/to?u=" + crafted.url("/secret", "127.0.0.2"))
    refused = cli("prepare", start)
    assert refused.code == 1 and "private or local address" in refused.stderr and "--allow-private" in refused.stderr
    allowed = cli("prepare", start, "--allow-private")
    assert allowed.code == 0 and "Router admin" in allowed.stdout, allowed.stderr


def test_an_address_with_a_fragment_is_the_same_page(crafted: Crafted) -> None:
    got = web.fetch(crafted.url("/#comments"), timeout_s=5)
    assert isinstance(got, web.Document) and got.final_url == crafted.url("/")


def test_a_host_the_user_names_may_be_private(crafted: Crafted) -> None:
    got = web.fetch(crafted.url("/secret", "127.0.0.2"), timeout_s=5)
    assert isinstance(got, web.Document) and b"hunter2" in got.data


def test_every_inward_address_form_is_inward() -> None:
    for address in ("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                    "0.0.0.0", "224.0.0.1", "240.0.0.1", "::1", "::", "fe80::1%eth0", "fc00::1",
                    "::ffff:127.0.0.1", "2002:7f00:1::"):
        assert inward(address), address
    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34"):
        assert not inward(address), address


def test_no_credentials_from_netrc(crafted: Crafted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login alice password s3cret\nmachine 127.0.0.2 login bob password pw\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    web.fetch(crafted.url("/to?u=" + crafted.url("/", "127.0.0.2")), timeout_s=5,
              reach=Reach.of(crafted.url("/"), allow_private=True))
    assert len(crafted.seen) == 2 and all(auth is None for _, _, auth in crafted.seen)


def test_a_long_retry_after_is_an_error_at_once(crafted: Crafted) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        web.fetch(crafted.url("/busy"), timeout_s=5)
    assert time.monotonic() - started < 2
    assert "come back in 3600 s" in caught.value.message and "retries" not in caught.value.message
    assert len(crafted.seen) == 1


@pytest.mark.slow  # publishes through the CLI
def test_a_feed_cannot_lead_inward_and_links_differing_by_fragment_are_one(cli: Cli, crafted: Crafted,
                                                                         tmp_path: Path) -> None:
    """A feed on 127.0.0.1 links to its own article (twice, once with a fragment) and to private
    pages on other local addresses: the article is published once, the private pages are refused
    and never asked for, and nothing of them reaches the site or the feed."""
    inward_links = [crafted.url("/secret", h) for h in ("127.0.0.2", "[::1]", "0.0.0.0", "2130706433")]
    items = [crafted.url("/"), crafted.url("/#comments"), *inward_links]
    feed = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Town</title><link>http://x/</link>"
            "<description>d</description>"
            + "".join(f"<item><title>{n}</title><link>{u}</link></item>" for n, u in enumerate(items))
            + "</channel></rss>")
    assert [e.link for e in feeds.entries(feed.encode(), crafted.url("/feed"))] == [crafted.url("/"), *inward_links]
    (tmp_path / "feed.xml").write_text(feed)
    show = tmp_path / "show"
    assert cli("show", "init", str(show), "--title", "Town", "--author", "Ada", "--email", "ada@example.com",
               "--base-url", "https://example.com/town/").code == 0
    run = cli("publish", "--from-feed", _serve_file(tmp_path / "feed.xml"), "--show", str(show),
              "--engine", "espeak", "--no-intro", "--no-outro")
    assert run.code == 1  # the refused entries failed
    assert run.stderr.count("private or local address") == 4, run.stderr
    assert not crafted.asked("/secret")
    written = b" ".join(p.read_bytes() for p in show.rglob("*") if p.is_file())
    assert b"hunter2" not in written and b"Harbour wall repaired" in (show / "feed.xml").read_bytes()
    assert (show / "feed.xml").read_bytes().count(b"<item>") == 1


def _serve_file(path: Path) -> str:
    """Serve one file on 127.0.0.1 for the rest of the test session; its URL."""
    body = path.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/feed.xml"


@pytest.fixture
def tls_drip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """An HTTPS server on 127.0.0.1 (a self-signed certificate this process trusts) that sends its
    headers, then the body a byte at a time."""
    import ssl
    import subprocess

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def respond(conn: socket.socket) -> None:
        conn.sendall(HEADERS)
        _drip(ARTICLE.encode())(conn)

    def wrapped(conn: socket.socket) -> None:
        with context.wrap_socket(conn, server_side=True) as secure:
            secure.recv(65536)
            respond(secure)

    yield from _dripper(wrapped, read_first=False)


@pytest.mark.slow  # waits for the deadline
def test_the_deadline_holds_over_https(tls_drip: int) -> None:
    """Over TLS the socket that reads is not the one that connected: the watchdog must shut that one."""
    started = time.monotonic()
    with pytest.raises(FetchError, match="did not arrive within 2 s"):
        web.fetch(f"https://127.0.0.1:{tls_drip}/", timeout_s=2)
    assert 2 <= time.monotonic() - started < 3


def test_public_addresses_behind_nat64_are_public_and_named_unicode_hosts_match() -> None:
    assert not inward("64:ff9b::808:808") and inward("64:ff9b::7f00:1") and inward("fec0::1")
    assert Reach.of("http://bücher.example/feed").allows("xn--bcher-kva.example")


@pytest.mark.slow  # waits for the deadline
def test_the_deadline_holds_through_a_proxy(drip_body: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through an HTTP proxy (here, the dripping server: nothing leaves this machine), the proxy's
    connection is watched as well."""
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{drip_body}")
    monkeypatch.setenv("NO_PROXY", "")
    started = time.monotonic()
    with pytest.raises(FetchError, match="did not arrive within 2 s"):
        web.fetch("http://192.0.2.10/article", timeout_s=2)  # TEST-NET-1: never a real host
    assert 2 <= time.monotonic() - started < 3
