"""Saved web pages: the article found by trafilatura (ingest.extract) read into sections, its title,
author, date and language, and a report of everything on the page that was left out."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from audio_edition.errors import InputError
from audio_edition.ingest.address import canonical
from audio_edition.ingest.extract import extract, squash, text_of
from audio_edition.ingest.images import lead_image
from audio_edition.ingest.structure import numbered, omitted
from audio_edition.languages.bylines import byline_author
from audio_edition.models import Article, ParagraphKind, Removal, Section

if TYPE_CHECKING:
    from lxml.etree import _Element

# Block elements whose text the page shows as a unit: what is compared with the extraction.
_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "blockquote", "dd", "dt", "td", "th",
           "caption", "pre", "address", "div", "section", "aside", "header", "footer", "nav", "article", "main"}
_SECTION_TAGS = {"h2", "h3", "h4"}
FALLBACK_MIN_HEADING_WORDS = 3
FALLBACK_MIN_LINE_CHARS = 40  # a shorter line that is no sentence (no closing punctuation) is a label
def _table_rows(table: _Element) -> list[str]:
    """A table as sentences a listener can follow: each row, its cells labelled by the header row
    ("Name: Ann; Age: 30.") or, without one, joined ("Ann, 30.")."""
    rows = [[text_of(cell) for cell in row.iter("cell")] for row in table.iter("row")]
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


def _pagetext_of(element: _Element) -> str:
    """The words of a block of the original page; separate inline elements (share buttons,
    menu links) are kept apart, with no space left before punctuation."""
    return re.sub(r"\s+([,.;:!?)\]])", r"\1", squash(" ".join(element.itertext())))


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
    if ((author and author in text and len(text.split()) <= len(author.split()) + 12)
            or byline_author(text.split(",")[0])):
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
    kept_flat = squash(kept).casefold()
    removed: list[Removal] = []
    seen: set[str] = set()
    for element in root.iter(*_BLOCKS):
        if any(d.tag in _BLOCKS for d in element.iterdescendants()):
            continue  # only the innermost blocks, so nothing is reported twice
        text = _pagetext_of(element)
        if not text or text in seen or text == title or text in kept_blocks:
            continue
        if len(text.split()) >= 4 and text.casefold() in kept_flat:
            continue
        seen.add(text)
        removed.append(Removal(_reason(element, text, author), text))
    return removed


def _sections(body: _Element, title: str, removed: list[Removal], layout: bool = False) -> list[Section]:
    """The article's sections; for a page laid out in tables, without headings of fewer than
    three words or short lines that are no sentence (menus and labels: they are reported with the
    rest of the page that was not read)."""
    sections: list[tuple[str | None, list[tuple[str, ParagraphKind]]]] = [(None, [])]

    def add(text: str, kind: ParagraphKind = "text") -> None:
        if (layout and len(text) < FALLBACK_MIN_LINE_CHARS
                and not text.rstrip("\"”’»)").endswith((".", "!", "?", ":", ";"))):
            return  # "Veröffentlichung: 2. Februar 2022", "Radio Jam": a label, not a sentence
        sections[-1][1].append((text, kind))

    if body.tag == "body" and body.text and body.text.strip():  # text before the first element
        add(squash(body.text))
    for element in body:
        tag, text = element.tag, text_of(element)
        tail = squash(element.tail or "")
        if not text:
            if tail:
                add(tail)
            continue
        if tag == "head":
            level = (element.get("rend") or "h2").lower()
            if level == "h1" or text == title or (layout and len(text.split()) < FALLBACK_MIN_HEADING_WORDS):
                continue  # in a page laid out in tables, "Login", "Suche", "Top-15" are menus
            if level in _SECTION_TAGS or level not in ("h5", "h6"):
                sections.append((text, []))
            else:
                add(text)
        elif tag == "list":
            items = [text_of(item) for item in element.iter("item")]
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


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_TITLE_PARTS = re.compile(r"\s+(?:\||-|–|—|::|»|·)\s+")


def _site_key(text: str) -> str:
    """A site's name for comparison: "www.smava.de", "SMAVA" and "smava.de" are all "smava"."""
    key = re.sub(r"^(?:https?://)?(?:www\.)?", "", text.strip().lower())
    key = re.sub(r"\.(?:com|de|org|net|at|ch|fr|es|it|co\.uk|uk|io|info|eu)$", "", key)
    return re.sub(r"\W", "", key)


def _without_site(title: str, site: str | None) -> str:
    """The page title without the site's name that pages add to it ("Privatkredit-Zinsen | SMAVA")."""
    parts = _TITLE_PARTS.split(title)
    if not site or len(parts) < 2:
        return title
    key = _site_key(site)
    if key and _site_key(parts[-1]) == key:
        return title[: list(_TITLE_PARTS.finditer(title))[-1].start()]
    if key and _site_key(parts[0]) == key:
        return title[len(parts[0]):].lstrip(" |-–—:»·")
    return title


def _author(found: str | None, site: str | None) -> str | None:
    """The article's author(s) from the page's metadata, without the site's own name, which some
    pages give as an author ("Www Proplanta De; AgE")."""
    if not found:
        return None
    site = site or ""
    first = site.split()[0] if site.split() else ""  # "kath.net katholische Nachrichten": kath.net
    site_keys = {re.sub(r"\W", "", site.lower()).removeprefix("www"), _site_key(site),
                 re.sub(r"\W", "", first.lower()).removeprefix("www"), _site_key(first)} - {""}
    names = []
    for part in found.split(";"):
        key = re.sub(r"\W", "", part.lower())
        if not key or key.startswith("www") or key in site_keys:
            continue
        names.append(squash(part))
    return ", ".join(names) or None


def canonical_address(text: str, address: str) -> str:
    """The address a fetched page names as its own (see ``canonical``), else ``address``."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(_XML_DECLARATION.sub("", text, count=1))
    except Exception:  # an unparsable page fails with a clear error when it is read
        return address
    return canonical(root, address) or address


def read_html(text: str, source: str | None) -> Article:
    """Read a saved web page: its main article, title, author, date, language and sections."""
    import lxml.html

    name = source or "standard input"
    try:
        text = _XML_DECLARATION.sub("", text, count=1)  # lxml takes no encoding declaration in a decoded page
        document, fallback = extract(text)
        root = lxml.html.document_fromstring(text)
    except Exception as exc:  # lxml and trafilatura raise a variety of parser errors
        raise InputError(f"{name} could not be parsed as HTML ({type(exc).__name__})") from exc
    if document is None or document.body is None or not text_of(document.body):
        raise InputError(f"{name}: no article text found in the page",
                         hint="Save the page's article as .txt or .md, or check that it is the article page.")
    address = canonical(root, source) or source  # before _left_out, which takes the head apart
    image = lead_image(root, getattr(document, "image", None), source)
    title_element = root.find(".//title")
    title = _without_site(squash(document.title or (title_element.text if title_element is not None else "") or ""),
                          document.sitename)
    removed: list[Removal] = []
    sections = _sections(document.body, title, removed, layout=fallback)
    if not title:
        first = next((s.paragraphs[0] for s in sections if s.paragraphs), None)
        if first is None:
            raise InputError(f"{name}: no article text found in the page")
        title = first
    author = _author(document.author, document.sitename)
    blocks = [title, *(s.title or "" for s in sections), *(p for s in sections for p in s.paragraphs)]
    removed = _left_out(root, " ".join(blocks), set(blocks), title, author) + removed
    return Article(
        title=title,
        sections=tuple(sections),
        author=author,
        date=document.date if document.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", document.date) else None,
        language=_language(root),
        source=address,
        removed=tuple(removed),
        image=image,
    )
