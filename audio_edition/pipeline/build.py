"""The pipeline end to end: article in, tagged MP3 episode and its sidecars out."""

from __future__ import annotations

import errno
import fcntl
import glob
import os
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from audio_edition.speech import registry as engines
from audio_edition import ingest
from audio_edition.storage import scratch
from audio_edition.episode import sidecars
from audio_edition.episode import tags
from audio_edition.audio import encode, toolchain
from audio_edition.pipeline.produce import produce
from audio_edition.ingest import web
from audio_edition.ingest import sanitize
from audio_edition.text import cleanup, language, normalize
from audio_edition.text.script import Pauses, build_script
from audio_edition.storage.cache import DiskCache, default_cache_dir, digest
from audio_edition.settings import Settings
from audio_edition.errors import EngineError, InputError, OutputError
from audio_edition.models import Article, EpisodeMeta, Script, Timeline

Progress = Callable[[int, int], None]
Stage = Callable[[str], None]
DEFAULT_LANGUAGE = "en"
MAX_PARAGRAPHS = 20_000  # a long book's worth; far past any article, and a bound on the work
SIDECAR_SUFFIXES = (".vtt", ".srt", ".chapters.json", ".report.json")
EPISODE_NAMESPACE = uuid.UUID("6f0e1a6c-3c2b-5d53-9f0e-6a7564696f65")  # audio-edition episode GUIDs


@dataclass(frozen=True)
class Prepared:
    """An article read and turned into a script, ready to synthesize."""

    article: Article
    script: Script
    engine: engines.Engine
    voice: str


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


def read(source: str, settings: Settings, stdin: bytes | None = None, document: web.Document | None = None) -> Article:
    """Read an article (fetching it when ``source`` is a URL and ``document`` is not given) and
    apply the title/author overrides."""
    article = ingest.read_article(source, stdin, document, settings.timeout_s)
    changes: dict[str, object] = {"source": settings.source_name} if settings.source_name else {}
    if settings.title and sanitize.clean_line(settings.title):
        changes["title"] = sanitize.clean_line(settings.title)
    if settings.author and sanitize.clean_line(settings.author):
        changes["author"] = sanitize.clean_line(settings.author)
    if changes:
        article = replace(article, **changes)  # type: ignore[arg-type]
    return article


def article_language(article: Article, settings: Settings) -> tuple[str, list[str], str | None]:
    """--lang, else what the document declares unless its text clearly is in another language,
    else detection on its text, else English; with the other languages detection found (most of the
    text first), for when the engine has no voice for the first; and a note when the text overruled
    the page's declaration.

    A detection is cached by the text, so a rebuild does not pay for it again."""
    if settings.language:
        return settings.language, [], None
    text = " ".join([article.title, *article.paragraphs])
    words = len(text.split())
    if words < 5 or (article.language and words < language.OVERRULE_WORDS):
        return article.language or DEFAULT_LANGUAGE, [], None  # too short to tell, or to doubt the page
    cache = DiskCache(settings.cache_dir or default_cache_dir())
    key = digest("language", language.DETECTOR, text)
    known = cache.get("language", key, "txt")  # "": detection could not tell
    if known is not None:
        shares = [(code, int(percent)) for code, _, percent in
                  (item.partition(":") for item in known.decode(errors="replace").split(",") if item)
                  if percent.isdigit()]
    else:
        shares = language.detect_shares(text)
        cache.put("language", key, "txt", ",".join(f"{code}:{percent}" for code, percent in shares).encode())
    found = [code for code, _ in shares]
    if article.language:
        other = language.disagrees(article.language, shares, words)
        if other is None:
            return article.language, [], None
        note = (f"the page declares the language '{article.language}', but {shares[0][1]}% of its text is "
                f"'{other}': read as '{other}' (give --lang {article.language} to keep the declared one)")
        return other, [], note
    return (found[0], found[1:], None) if found else (DEFAULT_LANGUAGE, [], None)


def _voice(engine: engines.Engine, settings: Settings, lang: str, others: list[str]) -> tuple[str, str]:
    """(voice, language): the engine's voice for ``lang``; for a detected language it has no voice
    for, the next language detection found (mixed-script text), else a clear error."""
    try:
        return engine.resolve_voice(settings.voice, lang), lang
    except EngineError as exc:
        if settings.voice or settings.language or not (others or lang != DEFAULT_LANGUAGE):
            raise
        for other in others:
            try:
                return engine.resolve_voice(None, other), other
            except EngineError:
                continue
        raise EngineError(f"the article's language was detected as '{lang}', and {engine.name} has no voice for it "
                          f"({exc.message})", hint="Give --lang with the language to read it in, e.g. --lang en.") from None


def prepare(source: str, settings: Settings, stdin: bytes | None = None,
            document: web.Document | None = None) -> Prepared:
    """Read and clean ``source`` and build the script the engine will speak, without synthesizing."""
    if settings.dedupe not in dedupe_modes():
        raise InputError(f"--dedupe {settings.dedupe} is not a mode", hint="Use off, exact or paraphrase.")
    auto = settings.engine == engines.AUTO
    engine = None if auto else engines.get(settings.engine)  # first: an unknown engine fails before any reading
    lexicon = normalize.load_lexicon(settings.lexicon) if settings.lexicon else None
    article = read(source, settings, stdin, document)
    if len(article.paragraphs) > MAX_PARAGRAPHS:
        raise InputError(f"{source if source != '-' else 'standard input'} has {len(article.paragraphs):,} paragraphs, "
                         f"more than the {MAX_PARAGRAPHS:,} we read in one episode",
                         hint="Split it into several articles.")
    detected, others, note = article_language(article, settings)
    notes = [note] if note else []  # what the build says it decided, and the report keeps
    if engine is None:  # --engine auto: the natural voice when there is one for this language
        engine, voice, why = engines.choose(detected, settings.voice)
        lang = detected
        notes += [why] if why else []
    else:
        voice, lang = _voice(engine, settings, detected, others)
    article = cleanup.clean(article, lang, settings.dedupe)  # type: ignore[arg-type]
    article = _report_emoji(article)
    if not article.paragraphs:
        raise InputError(f"{source if source != '-' else 'standard input'}: nothing left to speak after cleanup",
                         hint="Check the report of what was removed with 'audio-edition prepare --json', or use --dedupe off.")
    pauses = Pauses(between_paragraphs=settings.pause_ms, before_section=settings.section_pause_ms)
    if settings.rate != 1.0:
        setter = getattr(engine, "set_rate", None)
        if setter is None:
            notes.append(f"{engine.name} cannot change its speed: --rate ignored")
        else:
            setter(settings.rate)
    words = None
    if lexicon:
        words, unused = normalize.lexicon_for(lexicon, bool(getattr(engine, "phonemes", False)))
        if unused:
            notes.append(f"{engine.name} takes no phonemes: the lexicon's phoneme-only entries are read as written "
                         f"({', '.join(unused[:5])})")
    if notes:
        article = replace(article, notes=(*article.notes, *notes))
    script = build_script(article, lang, engine.max_chars, normalize.normalizer(lang, words), pauses)
    return Prepared(article, script, engine, voice)


def _report_emoji(article: Article) -> Article:
    """Emoji stay in the written text (the transcript, the page) but are not spoken: say so."""
    from audio_edition.models import Removal
    from audio_edition.text.tokens import emoji_in

    found = [e for text in (article.title, *(s.title or "" for s in article.sections), *article.paragraphs)
             for e in emoji_in(text)]
    if not found:
        return article
    listed = " ".join(dict.fromkeys(found))
    return replace(article, removed=article.removed + (Removal("emoji", f"{len(found)} emoji, not spoken: {listed}"),))


def dedupe_modes() -> tuple[str, ...]:
    from audio_edition.text.dedupe import MODES

    return MODES


def output_for(source: str, out: Path | None, out_dir: Path | None, article_title: str | None = None) -> Path:
    """Where an input's episode goes: -o, else --out-dir or the current folder, named after the input (.mp3)."""
    if out is not None:
        return out
    if web.is_url(source):
        stem = url_stem(source)
    else:
        stem = Path(source).stem if source != ingest.STDIN else slug(article_title or "episode")
    return (out_dir or Path.cwd()) / f"{stem}.mp3"


def url_stem(url: str) -> str:
    """A file name for a URL's episode: its last path segment without extension
    (``https://example.com/news/storm-hits.html`` -> ``storm-hits``), else its host."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s]
    last = Path(segments[-1]).stem if segments else ""
    if last.lower() in ("", "index", "default", "article", "story"):
        last = "-".join([parts.hostname or "page", *segments[:-1][-2:]])
    return slug(last)


def slug(title: str, limit: int = 60) -> str:
    """A file name from a title: lower-case ASCII words joined by hyphens, cut at a word. Titles in
    any script are transliterated ("Lyon étend son réseau" -> "lyon-etend-son-reseau",
    "Москва" -> "moskva"), so file names and URLs need no escaping anywhere."""
    from anyascii import anyascii

    keep = "".join(c.lower() if c.isascii() and c.isalnum() else "-" for c in anyascii(title))
    name = "-".join(p for p in keep.split("-") if p)
    if len(name) > limit:
        name = name[: limit + 1].rsplit("-", 1)[0]
    return name or "episode"


def _cover(path: Path | None) -> tuple[bytes | None, str | None]:
    if path is None:
        return None, None
    from audio_edition.episode.cover import read_cover

    return read_cover(path)


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


def episode_guid(source: str | None, title: str) -> str:
    """A stable GUID: the same source always gives the same episode identity (a URL as it is, a
    file by its absolute path; with neither, the title)."""
    if source and web.is_url(source):
        identity = source
    else:
        identity = str(Path(source).resolve()) if source else title
    return str(uuid.uuid5(EPISODE_NAMESPACE, identity))


def episode_meta(article: Article, settings: Settings, language: str) -> EpisodeMeta:
    """The tag values for an article."""
    cover, mime = _cover(settings.cover)
    date = article.date  # none when the article has none: the build date is not its date
    return EpisodeMeta(
        title=article.title,
        author=article.author or settings.default_author or settings.show_name,  # never leave the artist blank
        show_name=settings.show_name,
        date=date,
        language=language,
        description=summary(article, 300),
        long_description=summary(article, 4000),
        guid=settings.guid or episode_guid(article.source, article.title),
        cover=cover,
        cover_mime=mime,
    )


class _Staging:
    """Temporary files beside their targets, renamed into place only when everything worked.

    Each is a hidden ``.NAME.RANDOM.part`` file, locked (flock) by this process until it is
    renamed or deleted. A process killed mid-build cannot delete its own; the next build of the
    same target finds them unlocked and deletes them first."""

    def __init__(self) -> None:
        self.pairs: list[tuple[Path, Path]] = []
        self._locks: list[int] = []

    def reserve(self, target: Path) -> Path:
        folder = target.parent
        sweep_parts(target)
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
        except OSError as exc:
            raise _unwritable(target, exc) from exc
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._locks.append(fd)
        self.pairs.append((Path(tmp), target))
        return Path(tmp)

    def commit(self) -> None:
        try:
            for tmp, target in self.pairs:
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
        except OSError as exc:
            raise _unwritable(target, exc) from exc
        self.pairs = []
        self._release()

    def discard(self) -> None:
        for tmp, _ in self.pairs:
            tmp.unlink(missing_ok=True)
        self.pairs = []
        self._release()

    def _release(self) -> None:
        for fd in self._locks:
            os.close(fd)
        self._locks = []


def make_folder(folder: Path) -> None:
    """Create an output folder (and its parents) as ``mkdir -p`` would."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"--out-dir {folder} is a file, not a folder", hint="Name a folder.") from None
    except OSError as exc:
        raise _unwritable(folder, exc, creating=True) from exc


def sweep_parts(target: Path) -> int:
    """Delete the ``.part`` files that killed builds of ``target`` (or its sidecars) left beside it."""
    try:
        candidates = list(target.parent.glob(f".{glob.escape(target.with_suffix('').name)}.*.part"))
    except OSError:
        return 0
    return sum(scratch.remove_if_unlocked(path) for path in candidates)


def _unwritable(target: Path, exc: OSError, creating: bool = False) -> OutputError:
    """The real reason a file (or, ``creating``, a folder) cannot be written, in words."""
    folder = target.parent
    what = f"cannot create the folder {target}" if creating else f"cannot write {target}"
    if isinstance(exc, FileNotFoundError) and not folder.is_dir():
        return OutputError(f"{what}: folder {folder} does not exist",
                           hint="Create it first; --out-dir creates its folder itself.")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"{what}: the disk is full", hint=f"Free some space on the disk that holds {folder}.")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return OutputError(f"{what}: no permission to write in {folder}", hint="Choose a folder you can write to.")
    if exc.errno == errno.EROFS:
        return OutputError(f"{what}: {folder} is on a read-only file system", hint="Choose another folder.")
    return OutputError(f"{what}: {folder} does not accept new {'folders' if creating else 'files'} ({exc.strerror})",
                       hint="Choose an ordinary folder on a disk for the output.")


def commit_files(placed: dict[Path, bytes]) -> None:
    """Write files made elsewhere (a cluster's worker) into place as a build does: each to a
    hidden temporary beside its target, then all renamed, so no target is ever half-written."""
    staging = _Staging()
    try:
        for target, data in placed.items():
            tmp = staging.reserve(target)
            try:
                tmp.write_bytes(data)
            except OSError as exc:
                raise _unwritable(target, exc) from exc
        staging.commit()
    finally:
        staging.discard()


def check_output(out: Path, bitrate_kbps: int) -> None:
    """Refuse an output path or bitrate we cannot write, before any synthesis."""
    fmt = encode.format_for(out)
    if out.is_dir():
        raise OutputError(f"output {out} is a folder", hint="Give a file name, or use --out-dir for a folder.")
    encode.check_bitrate(fmt, bitrate_kbps)


def transcript(article: Article) -> str:
    """The article's full text, as written: for the tag players show as lyrics or transcript."""
    parts = [article.title]
    for section in article.sections:
        parts += ([section.title] if section.title else []) + list(section.paragraphs)
    return "\n\n".join(parts)


def build(
    source: str,
    out: Path,
    settings: Settings,
    stdin: bytes | None = None,
    on_progress: Progress | None = None,
    on_stage: Stage | None = None,
    document: web.Document | None = None,
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
    meta = episode_meta(article, settings, script.language)
    staging = _Staging()
    with ExitStack() as cleanup:
        cleanup.callback(staging.discard)
        audio_tmp = staging.reserve(out)
        stem = out.with_suffix("")
        sidecar_paths = [Path(f"{stem}{sidecar}") for sidecar in SIDECAR_SUFFIXES]
        sidecar_tmps = [staging.reserve(p) for p in sidecar_paths]
        if settings.use_cache:
            cache = DiskCache(settings.cache_dir or default_cache_dir())
        else:  # nothing kept: a cache for this build alone
            cache = DiskCache(Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="audio-edition-"))))
        cache.ensure()
        tagger = threading.Thread(target=tags.get_ready, args=(script.language, suffix), daemon=True)
        tagger.start()  # while the audio is made
        try:
            made = produce(script, engine, prepared.voice, settings, cache, audio_tmp, suffix, chain, on_progress, on_stage)
            tagger.join()
            timeline = made.timeline.ending_at(tags.audio_length_ms(audio_tmp, suffix))
            (on_stage or (lambda name: None))("Tagging")
            tags.write_tags(audio_tmp, meta, timeline.chapters, suffix, transcript(article))
        except OSError as exc:  # writing the episode (its temporary name is ours, not the user's)
            raise _unwritable(out, exc) from exc
        except toolchain.DiskFull as exc:
            if exc.path == str(audio_tmp):
                raise _unwritable(out, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))) from None
            raise
        details = {
            "engine": engine.name, "voice": prepared.voice, "language": script.language,
            "utterances": len(script.utterances), "synthesized": made.synthesized, "cached": made.cached,
            "episode_from_cache": made.from_cache, "duration_s": timeline.duration_ms / 1000,
            "loudness_lufs": settings.loudness_lufs, "mastering": made.loudness, "ffmpeg": chain.identity,
        }
        texts_out = [
            sidecars.webvtt(timeline),
            sidecars.srt(timeline),
            sidecars.chapters_json(timeline),
            sidecars.report_json(article, details),
        ]
        for tmp, text, target in zip(sidecar_tmps, texts_out, sidecar_paths):
            try:
                tmp.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise _unwritable(target, exc) from exc
        staging.commit()
    return BuildResult(
        output=out, sidecars=tuple(sidecar_paths), article=article, timeline=timeline,
        synthesized=made.synthesized, cached=made.cached, seconds=time.monotonic() - started,
        language=script.language, engine=engine.name, voice=prepared.voice, script=script,
    )
