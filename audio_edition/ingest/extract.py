"""Finding the article in a web page with trafilatura (the one module that uses it): its precise
extraction, with the data tables it finds in place, and inclusive extractions for pages laid out
in tables. What comes out is trafilatura's document, its body's blocks lifted out of containers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from audio_edition.ingest import readable
from audio_edition.languages.sentences import word_count

if TYPE_CHECKING:
    from lxml.etree import _Element

FALLBACK_MIN_WORDS = 40  # the inclusive extraction must find an article, not a menu
# In a page laid out in tables (where only the inclusive extractions find anything), cells with
# little text are menus, dates and teasers: on the 990 real pages, 8 of the 10 foreign passages
# spoken on such pages sat in blocks under 100 characters, and no annotated article passage did.
FALLBACK_MIN_BLOCK_CHARS = 100
# A table is read (as sentences, _table_rows) when it holds data: rows of several short cells.
# Layout tables hold menus and teasers ("Weitere Artikel zum Thema"), which precise extraction leaves out.
DATA_TABLE_MIN_ROWS = 2
DATA_TABLE_MAX_CELL_WORDS = 25



# Elements of trafilatura's output whose text stands apart from what is around it.
_APART = {"p", "head", "list", "item", "row", "cell", "quote", "table", "code", "div", "section"}


def squash(text: str) -> str:
    return " ".join(text.split())


def text_of(element: _Element) -> str:
    """The words of an element of trafilatura's output, inline markup joined as written and a line
    break (<lb/>) as a space: "West Palm Beach, FL<lb/>June" must not become "FLJune"."""
    parts: list[str] = []

    def walk(node: _Element) -> None:
        if node.tag == "lb":
            parts.append(" ")
        parts.append(node.text or "")
        for child in node:
            block = child.tag in _APART
            if block:  # blocks inside a block (paragraphs in a table cell) are apart: not "SucheSuchen Sie"
                parts.append(" ")
            walk(child)
            if block:
                parts.append(" ")
            parts.append(child.tail or "")

    walk(element)
    return squash("".join(parts))


_TABLE = re.compile(r"<table\b", re.IGNORECASE)


def _bare(text: str, tables: bool, *, favor_precision: bool = False, favor_recall: bool = False) -> Any:
    """trafilatura's document for the page, or None."""
    import trafilatura

    return trafilatura.bare_extraction(text, include_comments=False, include_tables=tables, include_images=False,
                                       include_links=False, with_metadata=True, favor_precision=favor_precision,
                                       favor_recall=favor_recall)


def _words_in(document: Any) -> int:
    return word_count(text_of(document.body)) if document is not None and document.body is not None else 0


def _is_data_table(table: _Element) -> bool:
    """Rows of several short cells (prices, specifications, results), not a page laid out in a table."""
    rows = [[text_of(c) for c in row.iter("cell")] for row in table.iter("row")]
    filled = [cells for cells in rows if sum(1 for c in cells if c) >= 2]
    cells = [c for row in rows for c in row]
    return (len(filled) >= DATA_TABLE_MIN_ROWS and not any(t.tag == "table" for t in table.iterdescendants())
            and all(len(c.split()) <= DATA_TABLE_MAX_CELL_WORDS for c in cells))


_CONTAINERS = {"div", "section", "article", "main"}
_BLOCK_TAGS = {"p", "head", "list", "table", "code", "quote", "graphic", *_CONTAINERS}


def _paragraph(text: str) -> _Element:
    from lxml import etree

    element = etree.Element("p")
    element.text = text
    return element


def _in_place_of(parent: _Element, element: _Element, items: list[_Element]) -> None:
    """Put ``items`` where ``element`` was, keeping the text that followed it (its tail) apart
    after them: "lead out" and "tail" are two runs of text."""
    at = parent.index(element)
    tail = element.tail
    parent.remove(element)
    for k, item in enumerate(items):
        parent.insert(at + k, item)
    if tail and tail.strip():
        last = items[-1] if items else (parent[at - 1] if at > 0 else None)
        if last is None:
            parent.text = f"{parent.text or ''} {tail}"
        else:
            last.tail = f"{last.tail or ''} {tail}"


def _blocks_of(container: _Element) -> list[_Element]:
    """A container's blocks, with the text before the first one as a paragraph of its own."""
    lead = [_paragraph(container.text)] if container.text and container.text.strip() else []
    return lead + list(container)


def flatten(parent: _Element) -> None:
    """Lift the blocks out of container elements (trafilatura sometimes keeps a page's <div>s),
    so that each paragraph, heading, list and table is read as one, not the whole page as one paragraph."""
    for child in list(parent):
        if child.tag not in _CONTAINERS or not any(g.tag in _BLOCK_TAGS for g in child):
            continue
        flatten(child)
        _in_place_of(parent, child, _blocks_of(child))


def _unlayout(parent: _Element) -> None:
    """Tables that lay a page out (not data): each cell's blocks, or its text as a paragraph, in the
    table's place, so that a menu or a date in one cell is a short block of its own."""
    for table in [t for t in parent if t.tag == "table" and not _is_data_table(t)]:
        blocks: list[_Element] = []
        for cell in (c for row in table.findall("row") for c in row.findall("cell")):  # this table's own cells
            if len(text_of(cell)) < FALLBACK_MIN_BLOCK_CHARS:
                continue  # a menu, a date, a counter: reported with the rest of the page not read
            if any(c.tag in _BLOCK_TAGS for c in cell):
                blocks += _blocks_of(cell)  # a table inside is laid out in turn
            else:
                blocks.append(_paragraph(text_of(cell)))
        _in_place_of(parent, table, blocks)
        _unlayout(parent)  # nested layout tables, now at this level
        return


# When trafilatura's article is this short (or missing), readability-lxml reads the page too, and
# its article is taken when it is READABLE_RATIO times longer and mostly not links: trafilatura
# kept a fragment (a teaser, one block of several). Measured on the 990 real pages: see the note
# in CHANGELOG.md.
READABLE_BELOW_WORDS = 200
READABLE_RATIO = 3
READABLE_MAX_LINK_DENSITY = 0.2


def extract(text: str) -> tuple[Any, bool]:
    """The article (see _trafilatura), or readability's where trafilatura finds nothing or a
    fragment of it; and whether it came from an inclusive reading of a page laid out in tables."""
    document, layout = _trafilatura(text)
    found = _words_in(document)
    if found >= READABLE_BELOW_WORDS:
        return document, layout
    reading = readable.read(text)
    if (reading is None or reading.link_density >= READABLE_MAX_LINK_DENSITY
            or reading.words < max(READABLE_RATIO * found, FALLBACK_MIN_WORDS)):
        return document, layout
    other = _bare(reading.page, True, favor_recall=True)
    if _words_in(other) <= found or (found and not _extends(other.body, document.body)):
        return document, layout
    flatten(other.body)
    if document is not None:
        _add_missing(other.body, document.body)
    if document is not None:  # the page's own metadata, read with the whole page
        for field in ("title", "author", "date", "sitename"):
            setattr(other, field, getattr(document, field, None) or getattr(other, field, None))
    return other, False


def _trafilatura(text: str) -> tuple[Any, bool]:
    """The article: what trafilatura keeps with its precise settings, with the data tables it finds
    when tables are allowed, in their place. When the precise extraction finds nothing (an article
    laid out in a table, say), everything it finds with tables; then an inclusive extraction."""
    precise = _bare(text, False, favor_precision=True)
    if _words_in(precise):
        flatten(precise.body)
        if not _TABLE.search(text):
            return precise, False  # nothing to add: spare the second extraction
        with_tables = _bare(text, True, favor_precision=True)
        if with_tables is not None and with_tables.body is not None:
            flatten(with_tables.body)
            _merge_tables(precise, with_tables)
        return precise, False
    for document, least in ((_bare(text, True, favor_precision=True), 1),
                            (_bare(text, True, favor_recall=True), FALLBACK_MIN_WORDS)):
        if _words_in(document) >= least:
            flatten(document.body)
            _unlayout(document.body)
            flatten(document.body)
            return document, True
    return None, False


def _merge_tables(precise: Any, with_tables: Any) -> None:
    """Put the data tables of ``with_tables`` into ``precise``'s body, each after the last element
    the two extractions share before it (or at the start)."""
    body = precise.body
    placed: dict[str, _Element] = {}
    for element in body:
        placed.setdefault(text_of(element), element)
    anchor = None
    for element in list(with_tables.body):
        if element.tag == "table":
            if _is_data_table(element) and text_of(element) not in placed:
                anchor = _place(body, anchor, element)
        elif text_of(element) in placed:
            anchor = placed[text_of(element)]


def _place(body: _Element, anchor: _Element | None, element: _Element) -> _Element:
    """Put ``element`` into ``body`` right after ``anchor`` (at the start without one); it is the next anchor."""
    element.tail = None
    if anchor is None:
        body.insert(0, element)
    else:
        anchor.addnext(element)
    return element


def _add_missing(body: _Element, original: _Element) -> None:
    """Put the blocks of trafilatura's article (``original``) that readability's (``body``) lacks
    into it, each after the block holding the last one the two share: readability's reading is
    taken because it extends trafilatura's, and must not lose what trafilatura found."""
    anchor = None
    for element in list(original):
        text = text_of(element)
        holder = next((e for e in body if text and text in text_of(e)), None)
        if holder is not None:
            anchor = holder
        elif text:
            anchor = _place(body, anchor, element)


def _extends(longer: _Element, shorter: _Element) -> bool:
    """Whether ``longer`` holds most of ``shorter``'s text: the same article, more of it (not a
    list of links or another part of the page that happens to be longer)."""
    held = squash(text_of(longer))
    blocks = [text_of(child) for child in shorter if text_of(child)]
    return sum(word_count(b) for b in blocks if b in held) * 2 >= sum(word_count(b) for b in blocks)
