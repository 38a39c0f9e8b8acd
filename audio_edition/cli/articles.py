"""Commands on one article or episode: build, prepare, inspect."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from audio_edition import settings as defaults
from audio_edition.cli.common import (
    DEDUPE_METAVAR,
    UsageError,
    app,
    check_flags,
    duration,
    err,
    error_line,
    given,
    option_changes,
    progress_bar,
    removed_summary,
)

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from audio_edition.errors import AudioEditionError
    from audio_edition.pipeline import BuildResult


@app.command()
def build(
    ctx: typer.Context,
    inputs: list[str] = typer.Argument(..., metavar="INPUT...",
                                       help="Article files (.txt, .md, .html), article URLs (http/https), "
                                            "or - for standard input."),
    output: Path | None = typer.Option(None, "-o", "--output",
                                       help="The episode to write, .mp3, .m4a or .opus (one input only)."),
    out_dir: Path | None = typer.Option(None, "--out-dir",
                                        help="Folder for the episodes (required with several inputs)."),
    engine: str = typer.Option(defaults.DEFAULT_ENGINE, "--engine",
                               help="Speech engine: auto (the best offline one with a voice for the language), "
                                    "or see 'audio-edition engines'.", envvar="AUDIO_EDITION_ENGINE"),
    voice: str | None = typer.Option(None, "--voice",
                                     help="Voice (piper: a voice name such as en_US-joe-medium, or a language "
                                          "tag such as en-gb for that region's best voice; espeak: e.g. en-gb, "
                                          "en-us+f3; gtts: accent tld such as co.uk)."),
    lang: str | None = typer.Option(None, "--lang",
                                    help="Language code, e.g. en, de, pt-BR (default: what the article declares, "
                                         "else detected from its text)."),
    intro: Path | None = typer.Option(None, "--intro", help="Intro clip (mp3, wav, flac, ogg, opus, m4a)."),
    no_intro: bool = typer.Option(False, "--no-intro", help="No intro clip."),
    outro: Path | None = typer.Option(None, "--outro", help="Outro clip."),
    no_outro: bool = typer.Option(False, "--no-outro", help="No outro clip."),
    cover: Path | None = typer.Option(None, "--cover", help="Cover image (square JPEG or PNG)."),
    episode_art: bool = typer.Option(True, "--episode-art/--no-episode-art",
                                     help="Use the article's lead image (og:image, else its first figure), "
                                          "fitted to a square, as the episode's cover."),
    title: str | None = typer.Option(None, "--title", help="Episode title (default: the article's)."),
    author: str | None = typer.Option(None, "--author", help="Author (default: the article's)."),
    show_name: str | None = typer.Option(None, "--show-name", help="Show (album) name."),
    bitrate: int = typer.Option(defaults.DEFAULT_BITRATE_KBPS, "--bitrate", metavar="KBPS",
                                help="Constant MP3 bitrate in kbps."),
    loudness: float = typer.Option(defaults.DEFAULT_LOUDNESS_LUFS, "--loudness", metavar="LUFS",
                                   min=defaults.LOUDNESS_RANGE[0], max=defaults.LOUDNESS_RANGE[1],
                                   help="Integrated loudness target, as heard (true peak stays under -1 dBTP)."),
    rate: float = typer.Option(defaults.DEFAULT_RATE, "--rate", metavar="FACTOR",
                               help="Speaking speed: 1.0 is the voice's own, 1.2 a fifth faster "
                                    "(0.5-2; espeak and piper)."),
    pause: float = typer.Option(defaults.DEFAULT_PAUSE_MS / 1000, "--pause", metavar="SECONDS", min=0.0,
                                max=defaults.MAX_PAUSE_MS / 1000, help="Silence between paragraphs."),
    section_pause: float = typer.Option(defaults.DEFAULT_SECTION_PAUSE_MS / 1000, "--section-pause", metavar="SECONDS",
                                        min=0.0, max=defaults.MAX_PAUSE_MS / 1000,
                                        help="Silence before a new section."),
    crossfade: float = typer.Option(defaults.DEFAULT_CROSSFADE_MS / 1000, "--crossfade", metavar="SECONDS", min=0.0,
                                    max=defaults.MAX_PAUSE_MS / 1000,
                                    help="Intro fading out under the speech, outro fading in (0: none)."),
    bed: Path | None = typer.Option(None, "--bed", help="Music under the opening title, ducked under the voice."),
    dedupe: str = typer.Option(defaults.DEFAULT_DEDUPE, "--dedupe", metavar=DEDUPE_METAVAR,
                               help="Remove repeated paragraphs: none, exact copies, or reworded copies too."),
    lexicon: Path | None = typer.Option(None, "--lexicon", help='TOML file of "word" = "how to say it" pairs.'),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, show_default=False,
                                    help="At most this many synthesis jobs at once (default: the cores for a local "
                                         "engine, the engine's own limit for a network one)."),
    cache_dir: Path | None = typer.Option(None, "--cache-dir", help="Where synthesized speech is cached.",
                                          envvar="AUDIO_EDITION_CACHE_DIR"),
    timeout: float = typer.Option(defaults.DEFAULT_TIMEOUT_S, "--timeout", metavar="SECONDS",
                                  min=defaults.TIMEOUT_RANGE[0], max=defaults.TIMEOUT_RANGE[1],
                                  envvar="AUDIO_EDITION_TIMEOUT",
                                  help="For a URL: the longest a page may take to arrive, all of it."),
    allow_private: bool = typer.Option(False, "--allow-private",
                                       help="For a URL: let redirects lead to private and local addresses "
                                            "(the address you give may always be one)."),
    max_words: int = typer.Option(defaults.DEFAULT_MAX_WORDS, "--max-words", metavar="N", min=1,
                                  envvar="AUDIO_EDITION_MAX_WORDS",
                                  help="The longest article to build, in words (the default is about 17 hours)."),
    cluster: str | None = typer.Option(None, "--cluster", metavar="ADDRESS", envvar="AUDIO_EDITION_CLUSTER",
                                       help="Build on the Dask cluster whose scheduler is at ADDRESS "
                                            "(tcp://host:8786) instead of here."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary; errors only."),
) -> None:
    """Build one MP3 episode per article, with .vtt, .srt, .chapters.json and .report.json beside it."""
    from audio_edition.runners.batch import build_articles, targets_for
    from audio_edition.settings import Settings
    from audio_edition.storage.staging import make_folder, remove_empty

    if len(inputs) > 1 and output is not None:
        raise UsageError("-o names one file; with several inputs use --out-dir.")
    if len(inputs) > 1 and out_dir is None:
        raise UsageError("several inputs need --out-dir.")
    if output is not None and out_dir is not None:
        raise UsageError("give -o or --out-dir, not both.")
    check_flags(ctx)
    if inputs.count("-") > 1:
        raise UsageError("standard input (-) can be read only once.")
    if len(inputs) > 1 and (given(ctx, "title")):
        raise UsageError("--title names one episode; give it with one input.")
    settings = Settings().with_changes(**option_changes(ctx, BUILD_OPTIONS, BUILD_SECONDS))
    stdin = sys.stdin.buffer.read() if "-" in inputs else None
    named = [t for t in targets_for(inputs, output, out_dir) if t is not None]
    if len(set(named)) != len(named):
        raise UsageError("two inputs would write the same episode file; rename one.")
    created = (make_folder(out_dir) if out_dir is not None
               else make_folder(output.parent, f"cannot write {output}: {output.parent}") if output is not None
               else [])
    failed = True
    try:
        with BuildView(quiet) as view:
            failed = build_articles(inputs, settings, view, output=output, out_dir=out_dir, stdin=stdin,
                                    cluster=cluster)
    finally:
        if failed:
            remove_empty(created)  # a failed build leaves no folder it made behind
    if failed:
        raise typer.Exit(1)


# build's options -> Settings fields; and those given in seconds -> fields in milliseconds.
BUILD_OPTIONS = {"engine": "engine", "voice": "voice", "lang": "language", "intro": "intro", "outro": "outro",
                 "cover": "cover", "title": "title", "author": "author", "show_name": "show_name",
                 "bitrate": "bitrate_kbps", "jobs": "jobs", "cache_dir": "cache_dir", "dedupe": "dedupe",
                 "lexicon": "lexicon", "loudness": "loudness_lufs", "bed": "bed", "rate": "rate",
                 "timeout": "timeout_s", "allow_private": "allow_private", "max_words": "max_words",
                 "episode_art": "episode_art"}
BUILD_SECONDS = {"pause": "pause_ms", "section_pause": "section_pause_ms", "crossfade": "crossfade_ms"}


class BuildView:
    """What ``build`` shows on the terminal as it goes (a runners.batch.Listener): a progress bar
    per article, or one for a batch; a summary of each episode; the episode's path on stdout."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        self.label = ""
        self.one_at_a_time = False  # each article built here with a bar of its own, not one bar for a batch

    def __enter__(self) -> BuildView:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _start(self, description: str, total: int | None) -> None:
        self._stop()
        self.bar = progress_bar(self.quiet)
        self.bar.start()
        self.task = self.bar.add_task(description, total=total)

    def _stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def batch(self, total: int, workers: int, remote: bool) -> None:
        where_to = f"on {workers} workers" if remote else f"{workers} at a time"
        self._start(f"Building {where_to}", total)

    def article(self, label: str) -> None:
        self.label, self.one_at_a_time = Path(label).name, True
        self._start(f"Speaking {self.label}", None)

    def progress(self, done: int, total: int) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, completed=done, total=total)

    def stage(self, name: str) -> None:
        if self.bar is not None and self.task is not None and name != "Speaking":
            # sentences spoken, then seconds mixed, then a pulse while tagging
            self.bar.update(self.task, visible=False)
            self.task = self.bar.add_task(f"{name} {self.label}", total=None)

    def built(self, label: str, result: BuildResult, worker: str | None) -> None:
        if self.one_at_a_time:  # its bar goes before its summary
            self._stop()
        elif self.bar is not None and self.task is not None:
            self.bar.advance(self.task)
        if not self.quiet:
            _summarize(result, label, f" on {worker}" if worker else "")
        print(result.output)

    def failed(self, label: str, error: AudioEditionError) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.advance(self.task)
        error_line(error, label)


def _summarize(result: BuildResult, label: str, where: str = "") -> None:
    """What a build says when it is done: its notes, what was removed, and what it made."""
    for note in result.article.notes:
        err(f"Note: {label}: {note}")
    summary = removed_summary(result.article.removed)
    if summary:
        err(f"Removed from {label}: {summary} (listed in {result.sidecars[-1].name})")
    made = "nothing synthesized, all from cache" if result.synthesized == 0 else (
        f"{result.synthesized} synthesized, {result.cached} from cache")
    err(f"Built {result.output} ({duration(result.timeline.duration_ms / 1000)}, "
        f"{len(result.timeline.chapters)} chapters) with {result.engine} ({Path(result.voice).name}): "
        f"{made}, in {result.seconds:.1f} s{where}")


@app.command()
def prepare(
    ctx: typer.Context,
    source: str = typer.Argument(..., metavar="INPUT",
                                 help="An article file (.txt, .md, .html), an article URL, or - for standard input."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    engine: str = typer.Option(defaults.DEFAULT_ENGINE, "--engine",
                               help="As for build: the engine whose request size shapes the utterances.",
                               envvar="AUDIO_EDITION_ENGINE"),
    lang: str | None = typer.Option(None, "--lang", help="Language code (default: declared, else detected)."),
    title: str | None = typer.Option(None, "--title", help="Episode title (default: the article's)."),
    author: str | None = typer.Option(None, "--author", help="Author (default: the article's)."),
    dedupe: str = typer.Option(defaults.DEFAULT_DEDUPE, "--dedupe", metavar=DEDUPE_METAVAR, help="As for build."),
    lexicon: Path | None = typer.Option(None, "--lexicon", help="As for build."),
    timeout: float = typer.Option(defaults.DEFAULT_TIMEOUT_S, "--timeout", metavar="SECONDS",
                                  min=defaults.TIMEOUT_RANGE[0], max=defaults.TIMEOUT_RANGE[1],
                                  envvar="AUDIO_EDITION_TIMEOUT", help="As for build."),
    allow_private: bool = typer.Option(False, "--allow-private", help="As for build."),
    max_words: int = typer.Option(defaults.DEFAULT_MAX_WORDS, "--max-words", metavar="N", min=1,
                                  envvar="AUDIO_EDITION_MAX_WORDS", help="As for build."),
) -> None:
    """Show exactly what would be spoken, and what was removed, without synthesizing."""
    from audio_edition import pipeline
    from audio_edition.episode.sidecars import prepare_json
    from audio_edition.settings import Settings

    check_flags(ctx)
    changes = option_changes(ctx, {"engine": "engine", "lang": "language", "title": "title", "author": "author",
                             "dedupe": "dedupe", "lexicon": "lexicon", "timeout": "timeout_s",
                             "allow_private": "allow_private", "max_words": "max_words"})
    settings = Settings().with_changes(**changes)
    stdin = sys.stdin.buffer.read() if source == "-" else None
    prepared = pipeline.prepare(source, settings, stdin)
    if as_json:
        print(json.dumps(prepare_json(prepared.article, prepared.script), ensure_ascii=False, indent=2))
        return
    article = prepared.article
    print(f"# {article.title}")
    meta = [f"by {article.author}" if article.author else "", article.date or "",
            f"language {prepared.script.language}"]
    print("  " + " · ".join(m for m in meta if m))
    for note in article.notes:
        print(f"  Note: {note}")
    for utterance in prepared.script.utterances:
        marker = {"title": "T", "heading": "#", "paragraph": " ", "text": "-"}[utterance.kind]
        print(f"{marker} {utterance.text}")
    if article.removed:
        print(f"\nRemoved: {removed_summary(article.removed)}")
        for r in article.removed:
            extra = f" (kept: {r.kept[:60]}…, score {r.score})" if r.kept else ""
            print(f"  [{r.reason}] {r.text[:100]}{'…' if len(r.text) > 100 else ''}{extra}")


@app.command()
def inspect(
    episode: Path = typer.Argument(..., metavar="EPISODE.mp3", help="An episode: .mp3, .m4a or .opus."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Read an episode back: audio properties, tags and chapters."""
    from audio_edition.episode.tags import read_episode

    info = read_episode(episode)
    if as_json:
        print(json.dumps(info.as_json(), ensure_ascii=False, indent=2))
        return
    print(f"{episode}: {duration(info.duration_s)}, {info.bitrate_kbps} kbps, {info.sample_rate} Hz, "
          f"{'mono' if info.channels == 1 else f'{info.channels} channels'}, "
          f"{f'ID3v{info.id3_version}' if info.id3_version else episode.suffix.lstrip('.').upper()}")
    for key, value in info.tags.items():
        if value:
            print(f"  {key:9} {value}")
    print(f"  {'podcast':9} {'yes' if info.podcast else 'no'}; cover: {'yes' if info.has_cover else 'no'}")
    for chapter in info.chapters:
        print(f"  {duration(float(str(chapter['start_s']))):>8}  {chapter['title']}")
