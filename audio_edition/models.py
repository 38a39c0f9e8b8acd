"""The immutable values that flow between the pipeline's stages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

UtteranceKind = Literal["title", "heading", "paragraph", "text"]
Progress = Callable[[int, int], None]  # (done, total): what a long stage reports as it goes
Stage = Callable[[str], None]  # a stage begins: "Speaking", "Mixing and mastering", "Tagging"
ParagraphKind = Literal["text", "item", "note"]


@dataclass(frozen=True)
class Section:
    """A run of paragraphs under one heading (``title`` is None before the first heading)."""

    title: str | None
    paragraphs: tuple[str, ...]
    # Per paragraph, when any is not plain text: "item" (a list item, said with a short pause
    # after it) or "note" (our words, e.g. "Code omitted." where a code block was taken out).
    kinds: tuple[ParagraphKind, ...] = ()

    def kind(self, index: int) -> ParagraphKind:
        return self.kinds[index] if self.kinds else "text"

    def pairs(self) -> list[tuple[str, ParagraphKind]]:
        """Each paragraph with its kind."""
        return [(p, self.kind(i)) for i, p in enumerate(self.paragraphs)]

    @classmethod
    def of(cls, title: str | None, pairs: list[tuple[str, ParagraphKind]]) -> Section:
        """A section from (paragraph, kind) pairs; ``kinds`` stays empty when all are plain text."""
        kinds = tuple(k for _, k in pairs)
        return cls(title, tuple(p for p, _ in pairs), kinds if any(k != "text" for k in kinds) else ())


@dataclass(frozen=True)
class Removal:
    """Text that cleanup took out of the article, and why; nothing is dropped silently."""

    reason: str
    text: str
    kept: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class Article:
    """An article as read from its source, cleaned for listening."""

    title: str
    sections: tuple[Section, ...]
    author: str | None = None
    date: str | None = None  # YYYY-MM-DD
    language: str | None = None  # BCP 47, e.g. "en" or "pt-BR"; None until known
    source: str | None = None  # path or URL
    removed: tuple[Removal, ...] = ()
    notes: tuple[str, ...] = ()  # decisions a listener or publisher should know of, e.g. the language overruled
    title_spoken: bool = True  # False for a title drawn from the text's first sentence (see ingest/titles.py)
    image: str | None = None  # the lead image (ingest/images.py): a URL, or a path beside a saved page

    @property
    def paragraphs(self) -> tuple[str, ...]:
        """Every paragraph of every section, in order."""
        return tuple(p for s in self.sections for p in s.paragraphs)

    @property
    def has_headings(self) -> bool:
        return any(s.title for s in self.sections)


@dataclass(frozen=True)
class Utterance:
    """One piece of text sent to the engine in one request: a sentence, or part of a long one.

    ``text`` is what the engine reads; ``written`` the sentence as the article wrote it (what
    a transcript shows). ``block`` numbers the spoken block (title, heading, paragraph) and
    ``sentence`` the sentence across the script: the pieces of one sentence share it.
    ``pause_after_ms`` is the silence the mix places after it.
    """

    kind: UtteranceKind
    text: str
    block: int
    section: int | None
    pause_after_ms: int
    sentence: int = 0
    written: str = ""
    paragraph: int | None = None  # a paragraph's index in its section (its kind: Section.kind)


@dataclass(frozen=True)
class ChapterMark:
    """Where a chapter starts in the script: the utterance index and its title."""

    title: str
    first_utterance: int


@dataclass(frozen=True)
class Script:
    """What will be spoken, in order, with the chapters it falls into."""

    article: Article
    utterances: tuple[Utterance, ...]
    chapters: tuple[ChapterMark, ...]
    language: str


@dataclass(frozen=True)
class Take:
    """Synthesized audio for one utterance: encoded bytes and their container format."""

    audio: bytes
    format: str  # "wav" or "mp3"
    from_cache: bool = False


@dataclass(frozen=True)
class Span:
    """Where one piece sits in the final audio, in milliseconds."""

    kind: str  # "intro", "outro", or an utterance kind
    start_ms: int
    end_ms: int
    utterance: int | None = None  # index into Script.utterances
    text: str | None = None  # the written sentence spoken here
    sentence: int | None = None  # Utterance.sentence: pieces of one sentence share it


@dataclass(frozen=True)
class Chapter:
    """A chapter as written to tags and sidecars: contiguous, ordered, titled."""

    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Timeline:
    """The final audio's layout, computed once by the mix and read by every later stage."""

    spans: tuple[Span, ...]
    chapters: tuple[Chapter, ...]
    duration_ms: int

    def ending_at(self, duration_ms: int) -> Timeline:
        """The timeline of the encoded file: MP3 rounds the audio up to whole frames, and
        readers (ffprobe, mutagen) report that length, so the last chapter runs to it."""
        if duration_ms <= self.duration_ms or not self.chapters:
            return self
        last = self.chapters[-1]
        chapters = self.chapters[:-1] + (Chapter(last.title, last.start_ms, duration_ms),)
        return Timeline(self.spans, chapters, duration_ms)


@dataclass(frozen=True)
class EpisodeMeta:
    """The tag values of an episode."""

    title: str
    author: str | None
    show_name: str
    date: str | None  # YYYY-MM-DD; None when the article gives none (no date tag then)
    language: str  # BCP 47
    description: str
    long_description: str
    guid: str
    cover: bytes | None = None
    cover_mime: str | None = None
    genre: str = "Podcast"
    extra: dict[str, str] = field(default_factory=dict)
