"""Reading an article from a file, standard input, or a page fetched from a URL: the table of
readers by format, and what every reader's text goes through (the sanitizer, a report of what it
took out)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from audio_edition.errors import InputError, MissingFileError
from audio_edition.ingest import sanitize, web
from audio_edition.ingest.decode import decode
from audio_edition.ingest.html import canonical_address, read_html
from audio_edition.ingest.markdown import read_markdown
from audio_edition.ingest.policy import Reach
from audio_edition.ingest.text import read_text
from audio_edition.models import Article, Removal
from audio_edition.storage import files

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


def label(source: str) -> str:
    """How messages name an input: its path or address, or "standard input"."""
    return "standard input" if source == STDIN else source
MAX_ARTICLE_MB = 20  # a saved page is rarely over 5 MB; an article's text, far less


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


def fetch(url: str, timeout_s: float = web.DEFAULT_TIMEOUT_S, allow_private: bool = False) -> web.Document:
    """The article page at ``url``, which the user named, fetched (FetchError for anything but an
    answer we can read). A redirect may lead to a private address only with ``allow_private``."""
    got = web.fetch(url, timeout_s, reach=Reach.of(url, allow_private=allow_private))
    assert isinstance(got, web.Document)  # an unconditional request never gets a 304
    return got


def read_document(document: web.Document) -> Article:
    """Read a fetched page. Its source is the page's canonical address when it declares one on its
    own site, else the address it was fetched from after redirects."""
    kind = document.kind()
    reader = KIND_READERS.get(kind)
    if reader is None:
        hint = ("It is a feed: publish its articles with 'audio-edition publish --from-feed URL --show DIR'."
                if kind == "a feed"
                else "Give the address of an article's web page (HTML), or a Markdown or text file.")
        raise InputError(f"{document.url} is {kind}, not an article page", hint=hint)
    text = decode(document.data, document.url, page=True, declared=document.charset)
    return _read(text, reader, document.final_url)


def source_address(document: web.Document) -> str:
    """The address a fetched page's episode is known by: its canonical URL on its own site, else
    where it was fetched from after redirects (cheap: no article extraction)."""
    if document.kind() != "html":
        return document.final_url
    return canonical_address(decode(document.data, document.url, page=True, declared=document.charset),
                             document.final_url)


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/")  # ftp://, file:/, a mistyped http:/


def read_article(source: str, stdin: bytes | None = None, document: web.Document | None = None,
                 timeout_s: float = web.DEFAULT_TIMEOUT_S, allow_private: bool = False) -> Article:
    """Read the article at ``source``: a path, an http(s) URL (``document`` when it was fetched
    already), or ``-`` with ``stdin`` holding its bytes."""
    if document is not None:
        return read_document(document)
    if web.is_url(source):
        return read_document(fetch(source, timeout_s, allow_private))
    if source == STDIN:
        text = decode(stdin or b"", "standard input")
        return _read(text, sniff_reader(text), None)
    if _SCHEME.match(source) and not Path(source).exists():
        raise InputError(f"{source}: only http and https addresses are fetched",
                         hint="Give the article's http(s) address, or save the page and give the file.")
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{source} is a folder, not an article file",
                         hint="Give an article file, or '-' for standard input.")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise InputError(
            f"{source}: unknown input type '{path.suffix or '(none)'}'",
            hint=f"Use one of {known}, or '-' for standard input.",
        )
    try:
        files.check_regular(path, "article", "Check the path.")
    except MissingFileError as exc:  # said of the article as the user named it, as a shell would
        raise MissingFileError(f"{source}: no such file", hint="Check the path.") from exc
    data = files.read(path, "article", "Split it into several articles.", limit_mb=MAX_ARTICLE_MB)
    return _read(decode(data, source, page=reader is read_html), reader, str(path))
