"""Saved web pages: the article found by trafilatura, and a report of everything it left out."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from audio_edition.errors import InputError
from audio_edition.text.cleanup import byline_author
from audio_edition.ingest.structure import numbered, omitted
from audio_edition.models import Article, ParagraphKind, Removal, Section

if TYPE_CHECKING:
    from lxml.etree import _Element

# Block elements whose text the page shows as a unit: what is compared with the extraction.
_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "blockquote", "dd", "dt", "td", "th",
           "caption", "pre", "address", "div", "section", "aside", "header", "footer", "nav", "article", "main"}
_SECTION_TAGS = {"h2", "h3", "h4"}
FALLBACK_MIN_WORDS = 40  # the inclusive extraction must find an article, not a menu
INCLUDE_TABLES = True  # read as sentences (_table_rows): on the 990 pages, 28 more article passages, 4 more foreign


def _squash(text: str) -> str:
    return " ".join(text.split())


def _text(element: _Element) -> str:
    """The words of an element of trafilatura's output, inline markup joined as written and a line
    break (<lb/>) as a space: "West Palm Beach, FL<lb/>June" must not become "FLJune"."""
    parts: list[str] = []

    def walk(node: _Element) -> None:
        if node.tag == "lb":
            parts.append(" ")
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")

    walk(element)
    return _squash("".join(parts))


def _table_rows(table: _Element) -> list[str]:
    """A table as sentences a listener can follow: each row, its cells labelled by the header row
    ("Name: Ann; Age: 30.") or, without one, joined ("Ann, 30.")."""
    rows = [[_text(cell) for cell in row.iter("cell")] for row in table.iter("row")]
    first = next(iter(table.iter("row")), None)
    header = None
    if first is not None and all(cell.get("role") == "head" for cell in first.iter("cell")):
        header, rows = rows[0], rows[1:]
    out = []
    for cells in rows:
        if not any(cells):
            continue
        if header and len(header) == len(cells):
            text = "; ".join(f"{h}: {c}" if h else c for h, c in zip(header, cells) if c)
        else:
            text = ", ".join(c for c in cells if c)
        out.append(text.rstrip(".") + ".")
    return out


def _page_text(element: _Element) -> str:
    """The words of a block of the original page; separate inline elements (share buttons,
    menu links) are kept apart, with no space left before punctuation."""
    return re.sub(r"\s+([,.;:!?)\]])", r"\1", _squash(" ".join(element.itertext())))


def _language(root: _Element) -> str | None:
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    if not lang:
        for meta in root.iter("meta"):
            key = (meta.get("http-equiv") or meta.get("property") or "").lower()
            if key in ("content-language", "og:locale") and meta.get("content"):
                lang = meta.get("content")
                break
    return lang.replace("_", "-").split(",")[0].strip() or None if lang else None


def _reason(element: _Element, text: str, author: str | None) -> str:
    """Why a block of the page is not part of the article."""
    chain = [element, *element.iterancestors()]
    if any(e.tag in ("figcaption", "figure") for e in chain):
        return "caption"
    if (author and author in text and len(text.split()) <= len(author.split()) + 12) or byline_author(text.split(",")[0]):
        return "byline"
    if any(e.tag in ("pre", "code") for e in chain):
        return "code"
    return "boilerplate"


def _left_out(root: _Element, kept: str, kept_blocks: set[str], title: str, author: str | None) -> list[Removal]:
    """Every visible block of the page whose text is not in the extracted article.

    A block counts as kept when it is one of the article's paragraphs or headings, or a
    passage of four words or more found in its text; a lone menu word such as "Transport"
    is reported even if the article happens to use it."""
    for hidden in root.xpath("//script|//style|//noscript|//template|//svg|//head"):
        parent = hidden.getparent()
        if parent is not None:
            parent.remove(hidden)
    kept_flat = _squash(kept).casefold()
    removed: list[Removal] = []
    seen: set[str] = set()
    for element in root.iter(*_BLOCKS):
        if any(d.tag in _BLOCKS for d in element.iterdescendants()):
            continue  # only the innermost blocks, so nothing is reported twice
        text = _page_text(element)
        if not text or text in seen or text == title or text in kept_blocks:
            continue
        if len(text.split()) >= 4 and text.casefold() in kept_flat:
            continue
        seen.add(text)
        removed.append(Removal(_reason(element, text, author), text))
    return removed


def _sections(body: _Element, title: str, removed: list[Removal]) -> list[Section]:
    sections: list[tuple[str | None, list[tuple[str, ParagraphKind]]]] = [(None, [])]

    def add(text: str, kind: ParagraphKind = "text") -> None:
        sections[-1][1].append((text, kind))

    if body.tag == "body" and body.text and body.text.strip():  # text before the first element
        add(_squash(body.text))
    for element in body:
        tag, text = element.tag, _text(element)
        tail = _squash(element.tail or "")
        if not text:
            if tail:
                add(tail)
            continue
        if tag == "head":
            level = (element.get("rend") or "h2").lower()
            if level == "h1" or text == title:
                continue
            if level in _SECTION_TAGS or level not in ("h5", "h6"):
                sections.append((text, []))
            else:
                add(text)
        elif tag == "list":
            items = [_text(item) for item in element.iter("item")]
            ordered = (element.get("rend") or "").lower() == "ol"
            for number, item in enumerate((i for i in items if i), 1):
                add(numbered(number, item) if ordered else item, "item")
        elif tag in ("table", "code"):
            rows = _table_rows(element) if tag == "table" else []
            for row in rows:
                add(row)
            if not rows:
                removed.append(Removal(tag, text))
                omitted(sections[-1][1], tag)
        else:  # p, quote and anything else with words
            add(text)
        if tail:  # text after an element, outside any (trafilatura puts text after a heading here)
            add(tail)
    return [Section.of(t, ps) for t, ps in sections if t or ps]


def read_html(text: str, source: str | None) -> Article:
    """Read a saved web page: its main article, title, author, date, language and sections."""
    import lxml.html
    import trafilatura

    name = source or "standard input"
    try:
        document = None
        # Precise first; when that finds nothing (an article in a layout table, say), more inclusive.
        for options, least in (({"favor_precision": True}, 1), ({"favor_recall": True}, FALLBACK_MIN_WORDS)):
            found = trafilatura.bare_extraction(
                text, include_comments=False, include_tables=INCLUDE_TABLES, include_images=False,
                include_links=False, with_metadata=True, **options,
            )
            if found is not None and found.body is not None and len(_text(found.body).split()) >= least:
                document = found
                break
        root = lxml.html.document_fromstring(text)
    except Exception as exc:  # lxml and trafilatura raise a variety of parser errors
        raise InputError(f"{name} could not be parsed as HTML ({type(exc).__name__})") from exc
    if document is None or document.body is None or not _text(document.body):
        raise InputError(f"{name}: no article text found in the page",
                         hint="Save the page's article as .txt or .md, or check that it is the article page.")
    title_element = root.find(".//title")
    title = _squash(document.title or (title_element.text if title_element is not None else "") or "")
    removed: list[Removal] = []
    sections = _sections(document.body, title, removed)
    if not title:
        first = next((s.paragraphs[0] for s in sections if s.paragraphs), None)
        if first is None:
            raise InputError(f"{name}: no article text found in the page")
        title = first
    author = _squash(document.author.replace(";", ",")) if document.author else None
    blocks = [title, *(s.title or "" for s in sections), *(p for s in sections for p in s.paragraphs)]
    removed = _left_out(root, " ".join(blocks), set(blocks), title, author) + removed
    return Article(
        title=title,
        sections=tuple(sections),
        author=author,
        date=document.date if document.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", document.date) else None,
        language=_language(root),
        source=source,
        removed=tuple(removed),
    )
