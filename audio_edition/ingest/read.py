"""Readers: one per input format, each turning bytes into an Article."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Callable

from audio_edition.storage import files
from audio_edition.errors import InputError
from audio_edition.ingest import web
from audio_edition.ingest.html import read_html
from audio_edition.ingest.markdown import read_markdown
from audio_edition.ingest.text import read_text
from audio_edition.models import Article, Removal
from audio_edition.ingest import sanitize

Reader = Callable[[str, str | None], Article]


# The table of input formats: file suffix -> reader. A test pins it.
READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".text": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
}

STDIN = "-"
MAX_ARTICLE_MB = 20  # a saved page is rarely over 5 MB; an article's text, far less


# Byte-order marks: a file that starts with one says its encoding (UTF-32's before UTF-16's: they
# begin alike).
BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"), (b"\xef\xbb\xbf", "utf-8-sig"))


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _declared_charset(data: bytes) -> str | None:
    """The charset a web page declares in its first 4 KB (<meta charset> or http-equiv), if Python knows it."""
    match = _META_CHARSET.search(data[:4096])
    return _known(match.group(1).decode("ascii", "replace")) if match else None


def _known(name: str | None) -> str | None:
    import codecs

    if not name:
        return None
    name = {"iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252"}.get(name.lower(), name.lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(data: bytes, name: str, page: bool = False, declared: str | None = None) -> str:
    """Decode article bytes: as its byte-order mark says, else as the server's Content-Type header
    declares (``declared``), else (a web page) as the page declares, else UTF-8; a web page that
    declares nothing and is not UTF-8 is detected (charset-normalizer). Binary files are refused."""
    encoding = next((enc for bom, enc in BOMS if data.startswith(bom)), None) or _known(declared)
    if page and encoding is None:
        encoding = _declared_charset(data)
        if encoding is None:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                from charset_normalizer import from_bytes

                best = from_bytes(data[:200_000]).best()
                encoding = best.encoding if best is not None else None
    if encoding is None and b"\x00" in data[:8192]:
        raise InputError(f"{name} is a binary file, not text",
                         hint="Give a text, Markdown or HTML file (UTF-8, or UTF-16 with a byte-order mark).")
    try:
        # A web page is read as a browser reads it: a stray bad byte does not stop the page.
        text = data.decode(encoding or "utf-8", errors="replace" if page else "strict")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name} is not valid {(encoding or 'utf-8').upper().replace('-SIG', '')} text (byte {exc.start} cannot be decoded)",
            hint="Convert it to UTF-8, e.g. with 'iconv -t UTF-8'.",
        ) from exc
    if not text.strip():
        raise InputError(f"{name} is empty: there is nothing to speak")
    return text


def sniff_reader(text: str) -> Reader:
    """Choose a reader for input with no file name (stdin) from what it looks like."""
    head = text.lstrip()[:512].lower()
    if head.startswith(("<!doctype html", "<html")):
        return read_html
    if head.startswith("---\n") or re.search(r"(?m)^#{1,6} \S", text):
        return read_markdown
    return read_text


def _read(text: str, reader: Reader, source: str | None) -> Article:
    """Parse text that has passed the sanitizer; what it took out is reported, not lost silently."""
    text, counts = sanitize.clean(text)
    article, more = sanitize.clean_article(reader(text, source))
    counts.update(more)
    if not article.title:
        raise InputError(f"{source or 'standard input'} has no title left once invisible characters are taken out")
    if counts:
        article = replace(article, removed=(Removal("characters", sanitize.describe(counts)),) + article.removed)
    return article


KIND_READERS: dict[str, Reader] = {"html": read_html, "markdown": read_markdown, "text": read_text}


def fetch(url: str, timeout_s: float = web.DEFAULT_TIMEOUT_S) -> web.Document:
    """The article page at ``url``, fetched (FetchError for anything but an answer we can read)."""
    got = web.fetch(url, timeout_s)
    assert isinstance(got, web.Document)  # an unconditional request never gets a 304
    return got


def read_document(document: web.Document) -> Article:
    """Read a fetched page. Its source is the page's canonical address when it declares one on its
    own site, else the address it was fetched from after redirects."""
    kind = document.kind()
    reader = KIND_READERS.get(kind)
    if reader is None:
        hint = ("It is a feed: publish its articles with 'audio-edition publish --from-feed URL --show DIR'."
                if kind == "a feed" else "Give the address of an article's web page (HTML), or a Markdown or text file.")
        raise InputError(f"{document.url} is {kind}, not an article page", hint=hint)
    text = decode(document.data, document.url, page=True, declared=document.charset)
    return _read(text, reader, document.final_url)


def source_address(document: web.Document) -> str:
    """The address a fetched page's episode is known by: its canonical URL on its own site, else
    where it was fetched from after redirects (cheap: no article extraction)."""
    from audio_edition.ingest.html import canonical_address

    if document.kind() != "html":
        return document.final_url
    return canonical_address(decode(document.data, document.url, page=True, declared=document.charset),
                             document.final_url)


def read_article(source: str, stdin: bytes | None = None, document: web.Document | None = None,
                 timeout_s: float = web.DEFAULT_TIMEOUT_S) -> Article:
    """Read the article at ``source``: a path, an http(s) URL (``document`` when it was fetched
    already), or ``-`` with ``stdin`` holding its bytes."""
    if document is not None:
        return read_document(document)
    if web.is_url(source):
        return read_document(fetch(source, timeout_s))
    if source == STDIN:
        text = decode(stdin or b"", "standard input")
        return _read(text, sniff_reader(text), None)
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{source} is a folder, not an article file", hint="Give an article file, or '-' for standard input.")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise InputError(
            f"{source}: unknown input type '{path.suffix or '(none)'}'",
            hint=f"Use one of {known}, or '-' for standard input.",
        )
    try:
        files.check_regular(path, "article", "Check the path.")
    except InputError as exc:
        if "not found" in exc.message:  # said as the tests and users have come to expect
            raise InputError(f"{source}: no such file", hint="Check the path.") from exc
        raise
    data = files.read(path, "article", "Split it into several articles.", limit_mb=MAX_ARTICLE_MB)
    return _read(decode(data, source, page=reader is read_html), reader, str(path))
