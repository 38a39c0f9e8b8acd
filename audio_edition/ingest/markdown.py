"""Markdown articles, parsed as CommonMark by markdown-it-py."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from audio_edition.errors import InputError
from audio_edition.ingest import titles
from audio_edition.ingest.structure import numbered, omitted
from audio_edition.ingest.text import is_url_line
from audio_edition.models import Article, ParagraphKind, Removal, Section

if TYPE_CHECKING:
    from markdown_it.token import Token


def _html_reason(content: str) -> str:
    return "comment" if content.lstrip().startswith("<!--") else "html"


def _inline_text(token: Token, removed: list[Removal]) -> str:
    """The words of an inline token as a listener should hear them: link text, no URLs."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            removed.append(Removal("image", f"![{child.content}]({child.attrs.get('src', '')})"))
        elif child.type == "html_inline":
            removed.append(Removal(_html_reason(child.content), child.content))
    return " ".join("".join(parts).split())


MAX_FRONT_MATTER = 64 * 1024  # bytes: a title, an author, a date, a language and some more
MAX_META_TEXT = 1000  # characters of a title or author


def _front_matter(content: str, source: str | None) -> dict[str, object]:
    """The front matter's YAML, parsed safely: no objects, and no aliases (``*name``), which a few
    hundred bytes can use to expand into gigabytes."""
    import yaml

    name = source or "standard input"
    hint = "Fix the block between the '---' lines at the top."
    if len(content.encode()) > MAX_FRONT_MATTER:
        raise InputError(f"{name}: the front matter is over {MAX_FRONT_MATTER // 1024} KB", hint=hint)

    class NoAliases(yaml.SafeLoader):
        def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
            if self.check_event(yaml.events.AliasEvent):
                raise InputError(f"{name}: the front matter uses a YAML alias ({self.peek_event().anchor!r})",
                                 hint="Write each value out: aliases are not accepted in front matter.")
            return super().compose_node(parent, index)

    try:
        data = yaml.load(content, Loader=NoAliases)  # noqa: S506 - SafeLoader, without aliases
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: the front matter is not valid YAML ({getattr(exc, 'problem', exc)})",
                         hint=hint) from exc
    return data if isinstance(data, dict) else {}


def _date(value: object) -> str | None:
    """A front-matter date as YYYY-MM-DD (YAML gives date objects; strings are checked)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:
            return None
    return None


def _meta_text(value: object, field: str = "value", source: str | None = None) -> str | None:
    if isinstance(value, list):  # authors: [A, B]
        value = ", ".join(str(v) for v in value)
    text = " ".join(str(value).split()) or None if value is not None else None
    if text and len(text) > MAX_META_TEXT:
        raise InputError(f"{source or 'standard input'}: the front matter's {field} is {len(text)} characters long",
                         hint=f"Keep it under {MAX_META_TEXT}.")
    return text


def read_markdown(text: str, source: str | None) -> Article:
    """Read a Markdown article: the first heading is the title, later headings start sections.

    YAML front matter may give title, author, date and lang (or language).
    """
    from markdown_it import (
        MarkdownIt,  # imported here: a text or HTML build never needs it
    )
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark").use(front_matter_plugin)
    # markdown-it leaves a link with a "javascript:" (or other unsafe) address as plain text, and
    # its address would then be read aloud; take every link as a link: we read its text only.
    md.validateLink = lambda url: True  # type: ignore[method-assign]  # no option for it: replaced on this instance
    tokens = md.parse(text)
    removed: list[Removal] = []
    meta: dict[str, object] = {}
    if tokens and tokens[0].type == "front_matter":
        meta = _front_matter(tokens[0].content, source)
        tokens = tokens[1:]
    title = _meta_text(meta.get("title"), "title", source)
    title_heading_seen = False
    sections: list[tuple[str | None, list[tuple[str, ParagraphKind]]]] = [(None, [])]
    lists: list[list[int]] = []  # open lists, innermost last: [ordered (0/1), the current item's number]
    first_in_item = False
    seen_block = False
    first_line: str | None = None  # the first block's source, when it is a paragraph
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            start = int(tok.attrs.get("start", 1) or 1) if tok.type == "ordered_list_open" else 1
            lists.append([int(tok.type == "ordered_list_open"), start - 1])
        elif tok.type in ("bullet_list_close", "ordered_list_close") and lists:
            lists.pop()
        elif tok.type == "list_item_open" and lists:
            lists[-1][1] += 1
            first_in_item = True
        if tok.type == "heading_open":
            words = _inline_text(tokens[i + 1], removed)
            first = not title_heading_seen and (tok.tag == "h1" or not seen_block)
            if first and words and (title is None or words == title):
                title, title_heading_seen = words, True  # the title, not a section
            elif words:
                sections.append((words, []))
            seen_block = True
            i += 3
            continue
        if tok.type == "paragraph_open":
            words = _inline_text(tokens[i + 1], removed)
            if words and is_url_line(words):
                removed.append(Removal("url", words))
            elif words:
                if title is None and not seen_block and not lists:
                    first_line = tokens[i + 1].content.strip()  # a title line, if it stands alone
                if lists:
                    ordered, number = lists[-1]
                    sections[-1][1].append((numbered(number, words) if ordered and first_in_item else words, "item"))
                else:
                    sections[-1][1].append((words, "text"))
            seen_block = True
            first_in_item = False
            i += 3
            continue
        if tok.type in ("fence", "code_block"):
            removed.append(Removal("code", tok.content.rstrip("\n")))
            omitted(sections[-1][1], "code")
        elif tok.type == "html_block":
            removed.append(Removal(_html_reason(tok.content), tok.content.rstrip("\n")))
        i += 1
    paragraphs = [p for _, ps in sections for p, _ in ps]
    if title is None and not paragraphs:
        raise InputError(f"{source or 'standard input'} has no text to speak")
    title_spoken = True
    if title is None:  # no heading: a first line that stands alone, else one drawn from the text
        if first_line is not None and titles.standalone(first_line.splitlines(), more_follows=len(paragraphs) > 1):
            title = sections[0][1].pop(0)[0]
        else:
            title, title_spoken = titles.from_text(paragraphs), False
    language = _meta_text(meta.get("lang") or meta.get("language"), "language", source)
    return Article(
        title=title,
        sections=tuple(Section.of(t, ps) for t, ps in sections if t or ps),
        author=_meta_text(meta.get("author") or meta.get("authors"), "author", source),
        date=_date(meta.get("date")),
        language=language,
        source=source,
        removed=tuple(removed),
        notes=() if title_spoken else (titles.DERIVED_NOTE,),
        title_spoken=title_spoken,
    )
