"""A build, end to end: article in, tagged episode and its sidecars out, whole or not at all."""

from __future__ import annotations

import errno
import os
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from audio_edition.audio import encode, toolchain
from audio_edition.episode import cover, sidecars, tags
from audio_edition.episode.meta import episode_meta, transcript
from audio_edition.errors import AudioEditionError, OutputError
from audio_edition.ingest import images
from audio_edition.ingest.web import Document
from audio_edition.models import Article, Progress, Script, Stage, Timeline
from audio_edition.pipeline.preparation import prepare
from audio_edition.pipeline.production import produce
from audio_edition.settings import DEFAULT_LANGUAGE, Settings
from audio_edition.storage.cache import DiskCache, default_cache_dir
from audio_edition.storage.staging import Staging, unwritable

ART_TIMEOUT_S = 20.0  # the most a lead image may take to fetch: art is not worth a long wait


@dataclass(frozen=True)
class BuildResult:
    """What a build made and how."""

    output: Path
    sidecars: tuple[Path, ...]
    article: Article
    timeline: Timeline
    synthesized: int
    cached: int
    seconds: float
    language: str = DEFAULT_LANGUAGE
    engine: str = ""
    voice: str = ""
    script: Script | None = None
    art: bytes | None = None  # the episode's own cover (JPEG) from its article's lead image, if any


def episode_art(article: Article, settings: Settings, page: str | None) -> tuple[bytes | None, Article]:
    """The article's lead image fitted as episode art, or None; a lead image that cannot be used
    is a note in the report (the show's cover stands in), never a failed build. ``page``: the
    address the page was fetched from (not the one it names itself), whose host alone may be private."""
    if not settings.episode_art or not article.image:
        return None, article
    try:
        data = images.read_image(article.image, page, min(settings.timeout_s, ART_TIMEOUT_S),
                                 settings.allow_private)
        return cover.fit_square(data, article.image), article
    except AudioEditionError as exc:
        note = f"No episode art: {exc.message}; the cover is used instead"
        return None, replace(article, notes=(*article.notes, note))


def check_output(out: Path, bitrate_kbps: int) -> None:
    """Refuse an output path or bitrate we cannot write, before any synthesis."""
    fmt = encode.format_for(out)
    if out.is_dir():
        raise OutputError(f"output {out} is a folder", hint="Give a file name, or use --out-dir for a folder.")
    encode.check_bitrate(fmt, bitrate_kbps)


def build(
    source: str,
    out: Path,
    settings: Settings,
    stdin: bytes | None = None,
    on_progress: Progress | None = None,
    on_stage: Stage | None = None,
    document: Document | None = None,
) -> BuildResult:
    """Build one episode: read, script, synthesize (cached, parallel), mix, master, tag, sidecars.

    The format follows ``out``'s extension (.mp3, .m4a, .opus). Nothing is written at ``out``
    (or beside it) unless the whole build succeeds; an older good episode there is replaced
    only by a complete new one.
    """
    started = time.monotonic()
    check_output(out, settings.bitrate_kbps)
    suffix = out.suffix.lower()
    chain = toolchain.current(settings.cache_dir).require(suffix)  # a lacking ffmpeg fails before any work
    prepared = prepare(source, settings, stdin, document)
    article, script, engine = prepared.article, prepared.script, prepared.engine
    art, article = episode_art(article, settings, document.url if document is not None else source)
    meta = episode_meta(article, settings, script.language)
    if art is not None:
        meta = replace(meta, cover=art, cover_mime="image/jpeg")
    staging = Staging()
    with ExitStack() as cleanup:
        cleanup.callback(staging.discard)
        audio_tmp = staging.reserve(out)
        if settings.use_cache:
            cache = DiskCache(settings.cache_dir or default_cache_dir())
        else:  # nothing kept: a cache for this build alone
            cache = DiskCache(Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="audio-edition-"))))
        cache.ensure()
        tagger = threading.Thread(target=tags.get_ready, args=(script.language, suffix), daemon=True)
        tagger.start()  # while the audio is made
        try:
            made = produce(script, engine, prepared.voice, settings, cache, audio_tmp, suffix, chain, on_progress,
                           on_stage)
            tagger.join()
            timeline = made.timeline.ending_at(tags.audio_length_ms(audio_tmp, suffix))
            (on_stage or (lambda name: None))("Tagging")
            tags.write_tags(audio_tmp, meta, timeline.chapters, suffix, transcript(article))
        except OSError as exc:  # writing the episode (its temporary name is ours, not the user's)
            raise unwritable(out, exc) from exc
        except toolchain.DiskFull as exc:
            if exc.path == str(audio_tmp):
                raise unwritable(out, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))) from None
            raise
        details = {
            "format": suffix.lstrip("."), "engine": engine.name, "voice": prepared.voice, "language": script.language,
            "utterances": len(script.utterances), "synthesized": made.synthesized, "cached": made.cached,
            "episode_from_cache": made.from_cache, "duration_s": timeline.duration_ms / 1000,
            "loudness_lufs": settings.loudness_lufs, "mastering": made.loudness, "ffmpeg": chain.identity,
        }
        texts = sidecars.render(timeline, article, details)
        placement = sidecars.placed(out, texts, tuple(encode.FORMATS))
        sidecar_paths = placement.paths
        writes = [(target, text.encode("utf-8")) for text, target in zip(texts, sidecar_paths)]
        for target, data in [*writes, *((copy, shared.read_bytes()) for shared, copy in placement.kept)]:
            try:
                staging.reserve(target).write_bytes(data)
            except OSError as exc:
                raise unwritable(target, exc) from exc
        staging.commit()
        for path in placement.stale:  # this output's own sidecars, now under the shared names
            path.unlink(missing_ok=True)
    return BuildResult(
        output=out, sidecars=tuple(sidecar_paths), article=article, timeline=timeline,
        synthesized=made.synthesized, cached=made.cached, seconds=time.monotonic() - started,
        language=script.language, engine=engine.name, voice=prepared.voice, script=script, art=art,
    )
