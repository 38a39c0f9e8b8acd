"""Reading articles: one reader per input (text, Markdown, HTML, a URL, a feed), each giving an Article."""

from audio_edition.ingest.read import (
    MAX_ARTICLE_MB,
    READERS,
    STDIN,
    decode,
    fetch,
    label,
    read_article,
    read_document,
    source_address,
)

__all__ = ["MAX_ARTICLE_MB", "READERS", "STDIN", "decode", "fetch", "label", "read_article", "read_document",
           "source_address"]
