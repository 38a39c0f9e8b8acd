"""An episode's tag values, from its article and the build's settings."""

from __future__ import annotations

from pathlib import Path

from audio_edition.episode.cover import read_cover
from audio_edition.episode.naming import episode_guid
from audio_edition.models import Article, EpisodeMeta
from audio_edition.settings import Settings

DESCRIPTION_CHARS = 300  # the ID3 comment players show in a list
LONG_DESCRIPTION_CHARS = 4000  # Apple's limit for an episode's description


def summary(article: Article, limit: int) -> str:
    """The article's opening paragraphs, whole, up to ``limit`` characters (cut at a word if the
    first paragraph alone is longer)."""
    text = ""
    for paragraph in article.paragraphs:
        candidate = f"{text} {paragraph}".strip()
        if len(candidate) > limit:
            if not text:
                text = paragraph[: limit - 1].rsplit(" ", 1)[0] + "…"
            break
        text = candidate
    return text


def transcript(article: Article) -> str:
    """The article's full text, as written: for the tag players show as lyrics or transcript."""
    parts = [article.title]
    for section in article.sections:
        parts += ([section.title] if section.title else []) + list(section.paragraphs)
    return "\n\n".join(parts)


def _cover(path: Path | None) -> tuple[bytes | None, str | None]:
    if path is None:
        return None, None
    return read_cover(path)


def episode_meta(article: Article, settings: Settings, language: str) -> EpisodeMeta:
    """The tag values for an article."""
    cover, mime = _cover(settings.cover)
    return EpisodeMeta(
        title=article.title,
        author=article.author or settings.default_author or settings.show_name,  # never leave the artist blank
        show_name=settings.show_name,
        date=article.date,  # none when the article has none: the build date is not its date
        language=language,
        description=summary(article, DESCRIPTION_CHARS),
        long_description=summary(article, LONG_DESCRIPTION_CHARS),
        guid=settings.guid or episode_guid(article.source, article.title),
        cover=cover,
        cover_mime=mime,
    )
