"""Text as it should be spoken: the script of utterances, its chapters, and chunking."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from audio_edition.ingest.titles import short_title
from audio_edition.languages.bylines import said_by
from audio_edition.languages.sentences import sentences
from audio_edition.models import Article, ChapterMark, Script, Utterance, UtteranceKind
from audio_edition.settings import DEFAULT_PAUSE_MS, DEFAULT_SECTION_PAUSE_MS


@dataclass(frozen=True)
class Pauses:
    """Silences the mix places between pieces, in milliseconds (takes are trimmed of their own)."""

    within_sentence: int = 120  # between the pieces of a sentence too long for one request
    between_sentences: int = 380
    after_title: int = 1100
    before_byline: int = 600  # "By ..." is its own phrase, not the title's tail
    after_heading: int = 700
    between_paragraphs: int = DEFAULT_PAUSE_MS
    between_items: int = 450  # list items: apart, but heard as one list
    before_section: int = DEFAULT_SECTION_PAUSE_MS


# Where text may be cut: the whitespace (group 1) after a sentence end, with any closing quotes or
# brackets kept on the sentence, or after clause punctuation.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(\s+)")
_CLAUSE_END = re.compile(r"[,;:—–](\s+)")


def _cut(pattern: re.Pattern[str], text: str) -> list[str]:
    """``text`` cut at the whitespace ``pattern`` finds; nothing but that whitespace is dropped."""
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces.append(text[last : match.start(1)])
        last = match.end(1)
    pieces.append(text[last:])
    return pieces


def _pack(pieces: list[str], limit: int) -> list[str]:
    """Greedily join pieces (each already <= limit) into chunks of at most ``limit`` chars."""
    out: list[str] = []
    for piece in pieces:
        if out and len(out[-1]) + 1 + len(piece) <= limit:
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _split(text: str, limit: int, levels: tuple[re.Pattern[str] | None, ...]) -> list[str]:
    if len(text) <= limit:
        return [text]
    pattern, rest = levels[0], levels[1:]
    if pattern is None:  # words, and as a last resort a hard cut inside a very long word
        pieces: list[str] = []
        for word in text.split():
            pieces.extend(word[i : i + limit] for i in range(0, len(word), limit))
        return _pack(pieces, limit)
    parts = [p for p in _cut(pattern, text) if p]
    pieces = []
    for part in parts:
        pieces.extend(_split(part.strip(), limit, rest) if len(part) > limit else [part.strip()])
    return _pack([p for p in pieces if p], limit)


def chunk(text: str, limit: int) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` characters for one engine request.

    Splits at sentence ends first, then at clause punctuation, then between words, so that
    the words come out in order, each exactly once, with only whitespace changed.
    """
    text = " ".join(text.split())
    if not text:
        return []
    return _split(text, max(limit, 1), (_SENTENCE_END, _CLAUSE_END, None))


def _plain(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split())


def first_words(text: str, count: int = 6) -> str:
    """A short chapter title: the first words of a paragraph, with an ellipsis when cut."""
    words = text.split()
    head = " ".join(words[:count]).rstrip(",;:.—–-")
    return head + ("…" if len(words) > count else "")


CHAPTER_TITLE_MAX = 60  # characters: long titles crowd player UIs, and FFmpeg drops >= 128 bytes


_ENUMERATOR = re.compile(r"^\s*(\d{1,3})[.)]\s+(?=\S)(.*)$", re.DOTALL)


def build_script(
    article: Article,
    language: str,
    max_chars: int,
    say: Callable[[str], str] = _plain,
    pauses: Pauses = Pauses(),
) -> Script:
    """Turn an article into the ordered utterances an engine speaks, with chapter marks.

    ``say`` turns written text into what the engine should read (see normalize.py).

    Chapters: the title chapter (title, author, and any paragraphs before the first heading),
    then one per titled section; with no headings at all, one per paragraph, titled by its
    first words.
    """
    utterances: list[Utterance] = []
    chapters: list[ChapterMark] = []
    block = 0
    sentence = 0

    def add(kind: UtteranceKind, text: str, section: int | None, pause: int, index: int | None = None) -> None:
        nonlocal block, sentence
        numbered = _ENUMERATOR.match(text)
        if numbered:  # "1. Wind matters more than sun": one utterance, "One: Wind matters more than sun"
            word = say(numbered.group(1)).strip().rstrip(".")
            text = f"{word[:1].upper()}{word[1:]}: {numbered.group(2)}"
        written_sentences = sentences(text, language)
        for s_index, written in enumerate(written_sentences):
            pieces = chunk(say(written), max_chars)
            last_sentence = s_index == len(written_sentences) - 1
            for n, piece in enumerate(pieces):
                if n < len(pieces) - 1:
                    gap = pauses.within_sentence
                else:
                    gap = pause if last_sentence else pauses.between_sentences
                utterances.append(Utterance(kind, piece, block, section, gap, sentence, written, index))
            if pieces:
                sentence += 1
        block += 1

    chapters.append(ChapterMark(short_title(article.title, CHAPTER_TITLE_MAX), 0))
    if article.title_spoken:  # a title drawn from the first sentence is heard there, once
        add("title", article.title, None, pauses.after_title if not article.author else pauses.before_byline)
    if article.author:
        add("text", f"{said_by(language)} {article.author}.", None, pauses.after_title)
    per_paragraph = not article.has_headings
    sections = article.sections
    for s_index, section in enumerate(sections):
        if section.title:
            chapters.append(ChapterMark(short_title(section.title, CHAPTER_TITLE_MAX), len(utterances)))
            add("heading", section.title, s_index, pauses.after_heading)
        last_section = s_index == len(sections) - 1
        for p_index, paragraph in enumerate(section.paragraphs):
            kind = section.kind(p_index)
            if per_paragraph and (kind == "text" or p_index == 0 or section.kind(p_index - 1) == "text"):
                chapters.append(ChapterMark(first_words(paragraph), len(utterances)))  # a list: one chapter
            last_in_section = p_index == len(section.paragraphs) - 1
            if last_in_section and not last_section:
                pause = pauses.before_section
            elif kind == "item" and not last_in_section and section.kind(p_index + 1) == "item":
                pause = pauses.between_items
            else:
                pause = pauses.between_paragraphs
            add("paragraph", paragraph, s_index, pause, p_index)
    if utterances:
        from dataclasses import replace

        utterances[-1] = replace(utterances[-1], pause_after_ms=0)
    # A mark with nothing before the next one (an unspoken title, then the first paragraph's) goes.
    chapters = [c for c, after in zip(chapters, [*chapters[1:], None])
                if after is None or after.first_utterance != c.first_utterance]
    return Script(article=article, utterances=tuple(utterances), chapters=_thinned(chapters), language=language)


MAX_CHAPTERS = 100  # a list a listener can use; ID3's table of contents holds at most 255 entries


def _thinned(chapters: list[ChapterMark]) -> tuple[ChapterMark, ...]:
    """At most MAX_CHAPTERS marks: the title's, then every k-th of the rest (a long article without
    headings would otherwise have one per paragraph)."""
    if len(chapters) <= MAX_CHAPTERS:
        return tuple(chapters)
    step = -(-(len(chapters) - 1) // (MAX_CHAPTERS - 1))
    return (chapters[0], *chapters[1::step])
