"""A small news site on 127.0.0.1 for the URL and feed tests: article pages with ETags and
Last-Modified, an RSS 2.0 and an Atom feed, a redirect, a missing page, a slow page, an oversized
page, a PDF and a page in windows-1252. It counts every request and whether it was conditional.

The articles are our own writing.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLES = {
    "river-path": ("River path stays open all winter",
                   ["The town council voted on Tuesday to keep the river path open through the winter months.",
                    "Residents had asked for the change for three years. The vote was close, eleven to nine, "
                    "after a long debate about the cost of lighting and gritting the path.",
                    "The path links the two primary schools, so parents welcomed the decision. Work on new "
                    "lamps starts next week."]),
    "old-mill": ("Old mill becomes a makers' workshop",
                 ["The empty mill on Weaver Street will open in spring as a shared workshop for local makers.",
                  "A cooperative of twelve carpenters, potters and bike mechanics has signed a ten year lease. "
                  "Members pay a monthly fee and share the tools, the kiln and the loading bay.",
                  "The first open day is planned for the last Saturday in March."]),
    "market-hall": ("Market hall roof repaired ahead of schedule",
                    ["Builders finished the new roof of the market hall two weeks early, the council said.",
                     "Stallholders return on Monday. The repair cost less than planned because the old slate "
                     "could be reused on the north side."]),
}
LATIN = ("Bäckerei öffnet am Marktplatz",
         ["Die neue Bäckerei am Marktplatz öffnet am Samstag um sieben Uhr. Die Inhaberin backt Brötchen, "
          "Brezeln und süße Teilchen nach Rezepten ihrer Großmutter.",
          "Zur Eröffnung gibt es für alle Gäste eine Tasse Kaffee umsonst. Die Straße bleibt für Fußgänger geöffnet."])
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HUGE_BYTES = 11 * 1024 * 1024
SLOW_S = 3.0


def page(slug: str, title: str, paragraphs: list[str], lang: str = "en", charset_meta: bool = True) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    meta = '<meta charset="utf-8">' if charset_meta else ""
    return (f'<!DOCTYPE html><html lang="{lang}"><head>{meta}<title>{title} | Town Crier</title>'
            f'<link rel="canonical" href="/news/{slug}"></head><body><header><nav><a href="/">Home</a> '
            f'<a href="/sport">Sport</a></nav></header><main><article><h1>{title}</h1>'
            f'<p class="byline">By Ada Lin</p>{body}</article></main>'
            f'<footer>© Town Crier. All rights reserved.</footer></body></html>')


@dataclass
class Hit:
    path: str
    conditional: bool
    status: int


@dataclass
class Site:
    """What the server serves, editable while it runs, and the requests it has seen."""

    base: str = ""
    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path -> (body, content type)
    modified: dict[str, float] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        with self.lock:
            self.pages[path] = (body, content_type)
            self.modified[path] = time.time() + len(self.modified)  # distinct, whole seconds apart below

    def edit(self, slug: str, paragraphs: list[str]) -> None:
        title = ARTICLES[slug][0]
        self.put(f"/news/{slug}", page(slug, title, paragraphs).encode())
        with self.lock:
            self.modified[f"/news/{slug}"] += 3600

    def requests(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()


def _feeds(site: Site) -> None:
    links = ["/news/river-path", "/news/old-mill", "/moved/market-hall", "/news/gone", "/news/slow",
             "/news/huge", "/news/report.pdf", "/news/baeckerei"]
    days = [f"Mon, {10 + i:02d} Nov 2026 08:00:00 GMT" for i in range(len(links))]
    items = "".join(f"<item><title>Item {i}</title><link>{site.base}{link}</link><guid isPermaLink=\"false\">"
                    f"town-crier-{i}</guid><pubDate>{days[i]}</pubDate></item>" for i, link in enumerate(links))
    site.put("/feed.xml", (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Town Crier'
                           f'</title><link>{site.base}/</link><description>News</description>{items}</channel></rss>'
                           ).encode(), "application/rss+xml; charset=utf-8")
    entries = "".join(f"<entry><title>Item {i}</title><link rel=\"alternate\" href=\"{link}\"/><id>urn:town:{i}</id>"
                      f"<updated>2026-11-{10 + i:02d}T08:00:00Z</updated></entry>"
                      for i, link in enumerate(links[:3]))
    site.put("/atom.xml", (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
                           f'xml:base="{site.base}/"><title>Town Crier</title><id>urn:town</id>'
                           f'<updated>2026-11-12T08:00:00Z</updated>{entries}</feed>').encode(),
             "application/atom+xml; charset=utf-8")


def build_site(base: str) -> Site:
    site = Site(base=base)
    for slug, (title, paragraphs) in ARTICLES.items():
        site.put(f"/news/{slug}", page(slug, title, paragraphs).encode())
    site.put("/news/baeckerei", page("baeckerei", LATIN[0], LATIN[1], "de", charset_meta=False).encode("cp1252"),
             "text/html; charset=windows-1252")
    site.put("/news/report.pdf", PDF, "application/pdf")
    _feeds(site)
    return site


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, *args: object) -> None:
        pass

    def _hit(self, status: int) -> None:
        conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
        with self.site.lock:
            self.site.hits.append(Hit(self.path, conditional, status))

    def do_GET(self) -> None:  # noqa: N802
        site, path = self.site, self.path
        if path == "/loop":  # a redirect that never ends
            self._hit(302)
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path.startswith("/moved/"):
            self._hit(301)
            self.send_response(301)
            self.send_header("Location", "/news/" + path.rsplit("/", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/news/flaky" and len(site.requests(path)) < 2:  # busy twice, then the page
            self._hit(503 if not site.requests(path) else 429)
            self.send_response(503 if len(site.requests(path)) == 1 else 429)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/news/flaky":
            path = "/news/market-hall"
        if path == "/news/slow":
            self._hit(200)
            time.sleep(SLOW_S)
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(page("slow", "Too late", ["This page arrives far too late."]).encode())
            except OSError:
                pass
            return
        if path == "/news/huge":
            self._hit(200)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()  # no Content-Length: the client must count
            chunk = b"<p>" + b"filler words " * 5000 + b"</p>"
            try:
                sent = 0
                while sent < HUGE_BYTES:
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except OSError:
                pass
            self.close_connection = True
            return
        with site.lock:
            found = site.pages.get(path)
            modified = site.modified.get(path, 0)
        if found is None:
            self._hit(404)
            self.send_error(404, "Not Found")
            return
        body, content_type = found
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        last_modified = formatdate(modified, usegmt=True)
        if self.headers.get("If-None-Match") == etag or (
                not self.headers.get("If-None-Match") and self.headers.get("If-Modified-Since") == last_modified):
            self._hit(304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._hit(200)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        self.end_headers()
        self.wfile.write(body)


class LocalSite:
    """The site served on a free loopback port, in a thread."""

    def __init__(self) -> None:
        handler = type("Handler", (_Handler,), {})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.site = build_site(self.base)
        handler.site = self.site
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return self.base + path
