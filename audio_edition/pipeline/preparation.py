"""The first half of a build: an article read, cleaned for listening and turned into the script an
engine will speak, with the engine and voice chosen. ``prepare --json`` shows exactly this."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from audio_edition import ingest, speech
from audio_edition.errors import InputError
from audio_edition.ingest import sanitize, titles
from audio_edition.ingest.web import Document
from audio_edition.languages.sentences import word_count
from audio_edition.models import Article, Removal, Script
from audio_edition.settings import AUTO, DEDUPE_MODES, DEFAULT_RATE, Settings
from audio_edition.speech.engine import Engine
from audio_edition.storage.cache import DiskCache, default_cache_dir
from audio_edition.text import cleanup, language, normalize
from audio_edition.text.lexicon import lexicon_for, load_lexicon
from audio_edition.text.script import Pauses, build_script

MAX_PARAGRAPHS = 20_000  # a long book's worth; far past any article, and a bound on the work


@dataclass(frozen=True)
class Prepared:
    """An article read and turned into a script, ready to synthesize."""

    article: Article
    script: Script
    engine: Engine
    voice: str


def read(source: str, settings: Settings, stdin: bytes | None = None, document: Document | None = None) -> Article:
    """Read an article (fetching it when ``source`` is a URL and ``document`` is not given) and
    apply the title/author overrides."""
    article = ingest.read_article(source, stdin, document, settings.timeout_s, settings.allow_private)
    changes: dict[str, Any] = {"source": settings.source_name} if settings.source_name else {}
    title, markup = sanitize.title_line(settings.title or "")
    if title:
        changes["title"] = title
        changes["removed"] = article.removed + ((Removal("markup", " ".join(markup)),) if markup else ())
        changes["title_spoken"] = True  # a title the user names is read out
        changes["notes"] = tuple(n for n in article.notes if n != titles.DERIVED_NOTE)
    if settings.author and sanitize.clean_line(settings.author):
        changes["author"] = sanitize.clean_line(settings.author)
    if changes:
        article = replace(article, **changes)
    return article


def prepare(source: str, settings: Settings, stdin: bytes | None = None,
            document: Document | None = None) -> Prepared:
    """Read and clean ``source`` and build the script the engine will speak, without synthesizing."""
    if settings.dedupe not in DEDUPE_MODES:
        raise InputError(f"--dedupe {settings.dedupe} is not a mode", hint="Use off, exact or paraphrase.")
    engine = None if settings.engine == AUTO else speech.get(settings.engine)  # an unknown engine fails first
    lexicon = load_lexicon(settings.lexicon) if settings.lexicon else None
    article = read(source, settings, stdin, document)
    if len(article.paragraphs) > MAX_PARAGRAPHS:
        raise InputError(f"{ingest.label(source)} has {len(article.paragraphs):,} paragraphs, "
                         f"more than the {MAX_PARAGRAPHS:,} we read in one episode",
                         hint="Split it into several articles.")
    cache = DiskCache(settings.cache_dir or default_cache_dir())
    detected, others, note = language.article_language(article, settings.language, cache)
    notes = [note] if note else []  # what the build says it decided, and the report keeps
    if engine is None:  # --engine auto: the natural voice when there is one for this language
        engine, voice, why = speech.choose(detected, settings.voice)
        lang = detected
        notes += [why] if why else []
    else:
        voice, lang = speech.voice_for(engine, settings.voice, settings.language, detected, others)
    article = cleanup.report_emoji(cleanup.clean(article, lang, settings.dedupe))
    if not article.paragraphs:
        raise _nothing_left(source, article)
    length = sum(word_count(p) for p in article.paragraphs)
    if length > settings.max_words:
        raise InputError(f"{ingest.label(source)} has {length:,} words, more than the {settings.max_words:,} "
                         f"an episode may have ({_listening_time(settings.max_words)})",
                         hint="Split it into several articles, or allow more with --max-words N.")
    pauses = Pauses(between_paragraphs=settings.pause_ms, before_section=settings.section_pause_ms)
    if settings.rate != DEFAULT_RATE and not engine.set_rate(settings.rate):
        notes.append(f"{engine.name} cannot change its speed: --rate ignored")
    words = None
    if lexicon:
        words, unused = lexicon_for(lexicon, engine.phonemes)
        if unused:
            notes.append(f"{engine.name} takes no phonemes: the lexicon's phoneme-only entries are read as written "
                         f"({', '.join(unused[:5])})")
    if notes:
        article = replace(article, notes=(*article.notes, *notes))
    script = build_script(article, lang, engine.max_chars, normalize.normalizer(lang, words), pauses)
    return Prepared(article, script, engine, voice)


WORDS_PER_MINUTE = 150  # a voice's pace, near enough, for saying how long an episode would be


def _listening_time(words: int) -> str:
    minutes = max(1, round(words / WORDS_PER_MINUTE))
    return f"about {minutes / 60:.0f} hours" if minutes >= 90 else f"about {minutes} minute{'s' * (minutes != 1)}"


def _nothing_left(source: str, article: Article) -> InputError:
    """The error for an article that cleanup emptied, naming what took its text out."""
    reasons = Counter(r.reason for r in article.removed if r.reason in cleanup.PARAGRAPH_REASONS)
    took = ", ".join(f"{n} as {reason}" for reason, n in reasons.most_common())
    hint = "Check the report of what was removed with 'audio-edition prepare --json'"
    hint += ", or use --dedupe off." if "duplicate" in reasons else "."
    return InputError(f"{ingest.label(source)}: nothing left to speak after cleanup removed "
                      f"{sum(reasons.values())} paragraph{'s' * (sum(reasons.values()) != 1)} ({took})", hint=hint)
