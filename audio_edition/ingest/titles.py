"""Which text is an article's title when nothing marks one (plain text, Markdown without a heading).

A first line that stands alone is the title: one short line, not ending as a statement does (a
full stop, a comma, a colon), followed by a blank line and more text. Anything else (a note, one
sentence, a hard-wrapped e-mail whose first line runs on into its paragraph) keeps its first line
as text, and the title is drawn from the first sentence, shortened at a word boundary. Such a
title names the episode (tags, feed, chapters) but is not read out: the listener hears that
sentence once, where it stands.
"""

from __future__ import annotations

import re

from audio_edition.languages.sentences import sentences

MAX_TITLE_WORDS = 20  # a headline; a longer line is a paragraph that lacks its full stop
DERIVED_TITLE_CHARS = 80  # a title drawn from a sentence: what fits a player's line
MIN_DERIVED_WORDS = 4  # "Hi Tom," names nothing: the title comes from the next sentence
# A line that ends like a statement, or like the start of one that goes on ("Dear all,", "Note:").
# A question or an exclamation on a short line of its own is a headline ("Is the four-day week here?").
_ENDS_RUN_ON = re.compile(r"(?<![!?])[.…,;:]['\"”’»)\]]*$")

DERIVED_NOTE = "no title line: the title is the first sentence, shortened, and is not read out (name one with --title)"


def standalone(lines: list[str], more_follows: bool) -> bool:
    """Whether a first block of ``lines`` is a title: one short line that does not end as a
    statement does (a question may), with more text after it."""
    if len(lines) != 1 or not more_follows:
        return False
    line = lines[0].strip()
    return bool(line) and len(line.split()) <= MAX_TITLE_WORDS and not _ENDS_RUN_ON.search(line)


_CLAUSE_END = re.compile(r"[,;:—–]\s")


def short_title(title: str, limit: int) -> str:
    """Shorten a title at the last clause end that keeps most of it, else at a word boundary,
    marking the cut with an ellipsis."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    clauses = [m.start() for m in _CLAUSE_END.finditer(cut + " ") if m.start() >= limit // 2]
    if clauses:
        cut = cut[: clauses[-1]]
    elif " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.—–-") + "…"


def from_text(paragraphs: list[str]) -> str:
    """A title drawn from the text: its first sentence of a few words (a greeting names nothing),
    without its full stop, shortened at a word boundary."""
    first = ""
    for paragraph in paragraphs:
        for sentence in sentences(paragraph):
            first = first or sentence
            if len(sentence.split()) >= MIN_DERIVED_WORDS:
                return short_title(sentence.rstrip().removesuffix("."), DERIVED_TITLE_CHARS)
    return short_title(first.rstrip().removesuffix("."), DERIVED_TITLE_CHARS)
