"""Reading articles: formats, titles, paragraphs, what is removed, and refusing bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio_edition import ingest
from audio_edition.errors import InputError
from audio_edition.ingest import READERS, read_article
from audio_edition.ingest.markdown import read_markdown
from audio_edition.ingest.text import read_text


def test_reader_table_is_pinned() -> None:
    assert {suffix: reader.__name__ for suffix, reader in READERS.items()} == {
        ".txt": "read_text", ".text": "read_text", ".md": "read_markdown",
        ".markdown": "read_markdown", ".html": "read_html", ".htm": "read_html",
    }


def test_text_title_paragraphs_and_url_lines() -> None:
    text = ("https://example.com/photo.jpg?w=1024\n\nA Quiet Harbour Reopens\n\n"
            "The harbour opened again on Monday\nafter a long winter.\n\n"
            "www.example.com/more\n\nFishing boats returned by noon.\n")
    article = read_text(text, "harbour.txt")
    assert article.title == "A Quiet Harbour Reopens"
    assert article.paragraphs == ("The harbour opened again on Monday after a long winter.",
                                  "Fishing boats returned by noon.")
    assert [(r.reason, r.text) for r in article.removed] == [
        ("url", "https://example.com/photo.jpg?w=1024"), ("url", "www.example.com/more")]


@pytest.mark.parametrize(("text", "title", "first"), [  # a title equal to the start of the text is not spoken
    # A short line of its own, not ending as a statement does, is the title: spoken, and not text.
    ("Title Here\n\nFirst paragraph line.\n\nSecond.", "Title Here", "First paragraph line."),
    ("Is the four-day week here to stay?\n\nThe trial ends in May.", "Is the four-day week here to stay?",
     "The trial ends in May."),
    # Anything else keeps its first line; the title comes from the first sentence.
    ("Title Here\nFirst paragraph line.\n\nSecond.", "Title Here First paragraph line",
     "Title Here First paragraph line."),
    ("The council voted last night to keep the library open on Sundays, after a\ncampaign by parents that "
     "gathered four thousand signatures.\n\nIt costs ninety thousand a year.\n",
     "The council voted last night to keep the library open on Sundays…",
     "The council voted last night to keep the library open on Sundays, after a campaign by parents that "
     "gathered four thousand signatures."),
    ("The quick brown fox jumps over the lazy dog. It was a sunny day.\n",
     "The quick brown fox jumps over the lazy dog", "The quick brown fox jumps over the lazy dog. It was a sunny day."),
    ("One line, no more\n", "One line, no more", "One line, no more"),
    ("It was a sunny day.\n\nWe went out.", "It was a sunny day", "It was a sunny day."),
    ("Hi Tom,\n\nThe meeting moved to Friday at ten.\n\nBest,\nAnna\n", "The meeting moved to Friday at ten",
     "Hi Tom,"),
])
def test_text_title_rules(text: str, title: str, first: str) -> None:
    article = read_text(text, None)
    assert (article.title, article.paragraphs[0]) == (title, first)
    assert article.title_spoken == (title not in first and title.rstrip("…") not in " ".join(article.paragraphs))


MARKDOWN = """---
title: Front Matter Title
author: [Ada Byrne, Lee Park]
date: 2026-03-04
lang: de
---

# Front Matter Title

Intro with a [linked phrase](https://example.com/a) and `inline code`.

![A chart](chart.png)

## First Part

- one item
- another item

```python
print("not spoken")
```

<div>raw html</div>

## Second Part

https://example.com/bare

Closing words.
"""


def test_markdown_front_matter_headings_links_and_removals() -> None:
    article = read_markdown(MARKDOWN, "post.md")
    assert article.title == "Front Matter Title"
    assert article.author == "Ada Byrne, Lee Park"
    assert article.date == "2026-03-04"
    assert article.language == "de"
    assert [s.title for s in article.sections] == [None, "First Part", "Second Part"]
    assert article.sections[0].paragraphs == ("Intro with a linked phrase and inline code.",)
    assert article.sections[1].paragraphs == ("one item", "another item")
    assert article.sections[2].paragraphs == ("Closing words.",)
    reasons = sorted(r.reason for r in article.removed)
    assert reasons == ["code", "html", "image", "url"]
    spoken = " ".join(article.paragraphs)
    assert "https" not in spoken and "print" not in spoken and "chart" not in spoken


def test_markdown_without_front_matter_takes_first_heading() -> None:
    article = read_markdown("Intro line before heading\n\n# The Title\n\nText.", None)
    assert article.title == "The Title" and article.paragraphs == ("Intro line before heading", "Text.")
    article = read_markdown("Intro line\n\nText.\n\n## Part\n\nMore.", None)
    assert article.title == "Intro line" and article.title_spoken
    assert [s.title for s in article.sections] == [None, "Part"]
    article = read_markdown("A *single* paragraph, no heading. Two sentences.", None)
    assert (article.title, article.paragraphs, article.title_spoken) == (
        "A single paragraph, no heading", ("A single paragraph, no heading. Two sentences.",), False)
    article = read_markdown("# The Title\n\nText.\n\n## Part\n\nMore.", None)
    assert article.title == "The Title"
    assert [s.title for s in article.sections] == [None, "Part"]


def test_bad_front_matter_is_an_input_error() -> None:
    with pytest.raises(InputError, match="front matter"):
        read_markdown("---\ntitle: [unclosed\n---\n\nText.", "x.md")


def test_stdin_is_sniffed() -> None:
    assert read_article("-", b"# Heading Title\n\nBody.").title == "Heading Title"
    assert read_article("-", b"Plain Title\n\nBody.").paragraphs == ("Body.",)


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"   \n\t\n  ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    (b"caf\xe9 au lait", "not valid UTF-8"),
])
def test_bad_content_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_article(str(path))


def test_missing_unknown_and_html(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_article(str(tmp_path / "nope.txt"))
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    with pytest.raises(InputError, match="unknown input type"):
        read_article(str(tmp_path / "a.pdf"))
    (tmp_path / "a.html").write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    with pytest.raises(InputError, match="no article text found"):
        read_article(str(tmp_path / "a.html"))
    with pytest.raises(InputError, match="folder"):
        read_article(str(tmp_path) + "/")  # a folder named like an input has no suffix


def test_only_urls_is_refused() -> None:
    with pytest.raises(InputError, match="only web addresses"):
        ingest.read_article("-", b"https://example.com/a\nhttps://example.com/b\n")
