"""The command line: parse arguments, call one library function, render the result or the error."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Optional

import typer

from audio_edition.errors import AudioEditionError

try:  # typer 0.20+ carries its own copy of click, and its UsageError is the one it renders
    from typer._click.exceptions import UsageError
except ImportError:  # pragma: no cover - older typer on plain click
    from click import UsageError

app = typer.Typer(
    name="audio-edition",
    help="Turn written articles into podcast-ready audio editions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _version(value: bool) -> None:
    if value:
        from audio_edition import __version__

        print(f"audio-edition {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Turn written articles into podcast-ready audio editions."""


def _passed(ctx: typer.Context, name: str) -> bool:
    """True when the user gave this option (flag or environment), not its default."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


PATH_FIELDS = {"intro", "outro", "cover", "bed", "lexicon", "cache_dir"}


def _changes(ctx: typer.Context, names: dict[str, str], seconds: dict[str, str] | None = None) -> dict[str, object]:
    """Settings fields for the options the user gave: ``names`` maps option -> field, ``seconds``
    option -> field in milliseconds; --no-intro and --no-outro clear their clip."""
    changes: dict[str, object] = {field: ctx.params[option] for option, field in names.items() if _passed(ctx, option)}
    for field in PATH_FIELDS & changes.keys():  # a value from the environment arrives as a string
        if isinstance(changes[field], str):
            changes[field] = Path(changes[field])  # type: ignore[arg-type]
    for option, field in (seconds or {}).items():
        if _passed(ctx, option):
            changes[field] = round(ctx.params[option] * 1000)
    if ctx.params.get("no_intro"):
        changes["intro"] = None
    if ctx.params.get("no_outro"):
        changes["outro"] = None
    return changes


def _check_flags(ctx: typer.Context) -> None:
    """Usage rules shared by the commands that take these options."""
    params = ctx.params
    if params.get("intro") is not None and params.get("no_intro"):
        raise UsageError("give --intro or --no-intro, not both.")
    if params.get("outro") is not None and params.get("no_outro"):
        raise UsageError("give --outro or --no-outro, not both.")
    dedupe = params.get("dedupe")
    if dedupe is not None and dedupe not in ("off", "exact", "paraphrase"):
        raise UsageError(f"--dedupe must be off, exact or paraphrase, not {dedupe!r}.")


def _duration(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@app.command()
def build(
    ctx: typer.Context,
    inputs: list[str] = typer.Argument(..., metavar="INPUT...", help="Article files (.txt, .md), or - for standard input."),
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="The episode to write, .mp3, .m4a or .opus (one input only)."),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", help="Folder for the episodes (required with several inputs)."),
    engine: str = typer.Option("espeak", "--engine", help="Speech engine; see 'audio-edition engines'.", envvar="AUDIO_EDITION_ENGINE"),
    voice: Optional[str] = typer.Option(None, "--voice", help="Engine voice (espeak: e.g. en-gb, en-us+f3; gtts: accent tld such as co.uk)."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language code, e.g. en, de, pt-BR (default: what the article declares, else en)."),
    intro: Optional[Path] = typer.Option(None, "--intro", help="Intro clip (mp3, wav, flac, ogg, opus, m4a)."),
    no_intro: bool = typer.Option(False, "--no-intro", help="No intro clip."),
    outro: Optional[Path] = typer.Option(None, "--outro", help="Outro clip."),
    no_outro: bool = typer.Option(False, "--no-outro", help="No outro clip."),
    cover: Optional[Path] = typer.Option(None, "--cover", help="Cover image (square JPEG or PNG)."),
    title: Optional[str] = typer.Option(None, "--title", help="Episode title (default: the article's)."),
    author: Optional[str] = typer.Option(None, "--author", help="Author (default: the article's)."),
    show_name: Optional[str] = typer.Option(None, "--show-name", help="Show (album) name."),
    bitrate: int = typer.Option(96, "--bitrate", metavar="KBPS", help="Constant MP3 bitrate in kbps."),
    loudness: float = typer.Option(-16.0, "--loudness", metavar="LUFS", min=-40.0, max=-6.0,
                                   help="Integrated loudness target, as heard (true peak stays under -1 dBTP)."),
    pause: float = typer.Option(0.8, "--pause", metavar="SECONDS", min=0.0, max=10.0, help="Silence between paragraphs."),
    section_pause: float = typer.Option(1.6, "--section-pause", metavar="SECONDS", min=0.0, max=10.0,
                                        help="Silence before a new section."),
    crossfade: float = typer.Option(0.8, "--crossfade", metavar="SECONDS", min=0.0, max=10.0,
                                    help="Intro fading out under the speech, outro fading in (0: none)."),
    bed: Optional[Path] = typer.Option(None, "--bed", help="Music under the opening title, ducked under the voice."),
    dedupe: str = typer.Option("paraphrase", "--dedupe", metavar="off|exact|paraphrase",
                               help="Remove repeated paragraphs: none, exact copies, or reworded copies too."),
    lexicon: Optional[Path] = typer.Option(None, "--lexicon", help='TOML file of "word" = "how to say it" pairs.'),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, show_default=False,
                                       help="At most this many synthesis jobs at once (default: the cores for a local engine, the engine's own limit for a network one)."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Where synthesized speech is cached.", envvar="AUDIO_EDITION_CACHE_DIR"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary; errors only."),
) -> None:
    """Build one MP3 episode per article, with .vtt, .srt, .chapters.json and .report.json beside it."""
    from audio_edition import build as pipeline
    from audio_edition.config import Settings

    if len(inputs) > 1 and output is not None:
        raise UsageError("-o names one file; with several inputs use --out-dir.")
    if len(inputs) > 1 and out_dir is None:
        raise UsageError("several inputs need --out-dir.")
    if output is not None and out_dir is not None:
        raise UsageError("give -o or --out-dir, not both.")
    _check_flags(ctx)
    if inputs.count("-") > 1:
        raise UsageError("standard input (-) can be read only once.")
    if len(inputs) > 1 and (_passed(ctx, "title")):
        raise UsageError("--title names one episode; give it with one input.")

    changes = _changes(
        ctx,
        {"engine": "engine", "voice": "voice", "lang": "language", "intro": "intro", "outro": "outro",
         "cover": "cover", "title": "title", "author": "author", "show_name": "show_name",
         "bitrate": "bitrate_kbps", "jobs": "jobs", "cache_dir": "cache_dir", "dedupe": "dedupe",
         "lexicon": "lexicon", "loudness": "loudness_lufs", "bed": "bed"},
        {"pause": "pause_ms", "section_pause": "section_pause_ms", "crossfade": "crossfade_ms"},
    )
    settings = Settings().with_changes(**changes)

    stdin = sys.stdin.buffer.read() if "-" in inputs else None
    if out_dir is not None and not out_dir.is_dir():
        raise UsageError(f"--out-dir {out_dir} is not a folder.")
    targets = [pipeline.output_for(src, output, out_dir) if src != "-" else None for src in inputs]
    named = [t for t in targets if t is not None]
    if len(set(named)) != len(named):
        raise UsageError("two inputs would write the same episode file; rename one.")

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    for src, target in zip(inputs, targets):
        if target is None:  # stdin: named after the article's title
            article = pipeline.read(src, settings, stdin)
            target = pipeline.output_for(src, output, out_dir, article.title)
        label = "standard input" if src == "-" else src
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True,
                      disable=quiet or not console.is_terminal) as bar:
            task = bar.add_task(f"Speaking {Path(label).name}", total=None)

            current = [task]

            def progress(done: int, total: int) -> None:
                bar.update(current[0], completed=done, total=total)

            def stage(name: str) -> None:
                if name != "Speaking":  # sentences spoken, then seconds mixed, then a pulse while tagging
                    bar.update(current[0], visible=False)
                    current[0] = bar.add_task(f"{name} {Path(label).name}", total=None)

            result = pipeline.build(src, target, settings, stdin=stdin, on_progress=progress, on_stage=stage)
        if not quiet:
            summary = _removed_summary(result.article.removed)
            if summary:
                _err(f"Removed from {label}: {summary} (listed in {result.sidecars[-1].name})")
            made = "nothing synthesized, all from cache" if result.synthesized == 0 else (
                f"{result.synthesized} synthesized, {result.cached} from cache")
            _err(f"Built {result.output} ({_duration(result.timeline.duration_ms / 1000)}, "
                 f"{len(result.timeline.chapters)} chapters): {made}, in {result.seconds:.1f} s")
        print(result.output)


def _removed_summary(removed) -> str:  # type: ignore[no-untyped-def]
    counts = Counter(r.reason for r in removed)
    return ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@app.command()
def prepare(
    ctx: typer.Context,
    source: str = typer.Argument(..., metavar="INPUT", help="An article file (.txt, .md, .html), or - for standard input."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    engine: str = typer.Option("espeak", "--engine", help="The engine whose request size shapes the utterances.",
                               envvar="AUDIO_EDITION_ENGINE"),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language code (default: declared, else detected)."),
    title: Optional[str] = typer.Option(None, "--title", help="Episode title (default: the article's)."),
    author: Optional[str] = typer.Option(None, "--author", help="Author (default: the article's)."),
    dedupe: str = typer.Option("paraphrase", "--dedupe", metavar="off|exact|paraphrase", help="As for build."),
    lexicon: Optional[Path] = typer.Option(None, "--lexicon", help="As for build."),
) -> None:
    """Show exactly what would be spoken, and what was removed, without synthesizing."""
    from audio_edition import build as pipeline
    from audio_edition.config import Settings
    from audio_edition.sidecars import prepare_json

    _check_flags(ctx)
    changes = _changes(ctx, {"engine": "engine", "lang": "language", "title": "title", "author": "author",
                             "dedupe": "dedupe", "lexicon": "lexicon"})
    settings = Settings().with_changes(**changes)
    stdin = sys.stdin.buffer.read() if source == "-" else None
    prepared = pipeline.prepare(source, settings, stdin)
    if as_json:
        print(json.dumps(prepare_json(prepared.article, prepared.script), ensure_ascii=False, indent=2))
        return
    article = prepared.article
    print(f"# {article.title}")
    meta = [f"by {article.author}" if article.author else "", article.date or "", f"language {prepared.script.language}"]
    print("  " + " · ".join(m for m in meta if m))
    for utterance in prepared.script.utterances:
        marker = {"title": "T", "heading": "#", "paragraph": " ", "text": "-"}[utterance.kind]
        print(f"{marker} {utterance.text}")
    if article.removed:
        print(f"\nRemoved: {_removed_summary(article.removed)}")
        for r in article.removed:
            extra = f" (kept: {r.kept[:60]}…, score {r.score})" if r.kept else ""
            print(f"  [{r.reason}] {r.text[:100]}{'…' if len(r.text) > 100 else ''}{extra}")


@app.command()
def inspect(
    episode: Path = typer.Argument(..., metavar="EPISODE.mp3", help="An episode MP3."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Read an episode back: audio properties, tags and chapters."""
    from audio_edition.tags import read_episode

    info = read_episode(episode)
    if as_json:
        print(json.dumps(info.as_json(), ensure_ascii=False, indent=2))
        return
    print(f"{episode}: {_duration(info.duration_s)}, {info.bitrate_kbps} kbps, {info.sample_rate} Hz, "
          f"{'mono' if info.channels == 1 else f'{info.channels} channels'}, ID3v{info.id3_version}")
    for key, value in info.tags.items():
        if value:
            print(f"  {key:9} {value}")
    print(f"  {'podcast':9} {'yes' if info.podcast else 'no'}; cover: {'yes' if info.has_cover else 'no'}")
    for chapter in info.chapters:
        print(f"  {_duration(float(chapter['start_s'])):>8}  {chapter['title']}")  # type: ignore[arg-type]


@app.command("engines")
def list_engines(as_json: bool = typer.Option(False, "--json", help="Print a JSON list.")) -> None:
    """List the speech engines, whether each works here and, if not, why."""
    from audio_edition import engines

    rows = []
    for name in engines.names():
        try:
            engine = engines.get(name)
            status = engine.availability()
            rows.append({"name": name, "available": status.available, "reason": status.reason,
                         "offline": bool(engine.offline)})
        except AudioEditionError as exc:
            rows.append({"name": name, "available": False, "reason": exc.message, "offline": False})
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    for row in rows:
        mark = "yes" if row["available"] else "no "
        where = "offline" if row["offline"] else "online "
        default = " (default)" if row["name"] == engines.DEFAULT_ENGINE else ""
        print(f"{row['name']:10} available: {mark}  {where}{default}" + (f"  {row['reason']}" if row["reason"] else ""))


@app.command()
def doctor(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="The cache folder to report on.",
                                             envvar="AUDIO_EDITION_CACHE_DIR"),
) -> None:
    """Check what a build would use here: ffmpeg and what it lacks, the engines and their voices, the cache."""
    from audio_edition import doctor as checks

    found = checks.report(cache_dir)
    problems = checks.problems(found)
    print(json.dumps(found, indent=2, ensure_ascii=False) if as_json else "\n".join(checks.describe(found)))
    if problems:
        _err(f"Error: {problems[0]}")
        raise typer.Exit(1)


show_app = typer.Typer(help="Create and manage a show (a podcast and its listening site).", no_args_is_help=True)
app.add_typer(show_app, name="show")


@show_app.command("init")
def show_init(
    folder: Path = typer.Argument(..., metavar="DIR", help="The show folder (the site root)."),
    title: str = typer.Option(..., "--title", help="The show's name."),
    author: str = typer.Option(..., "--author", help="Who makes it."),
    email: str = typer.Option(..., "--email", help="The owner's e-mail (in the feed, for directories)."),
    base_url: str = typer.Option(..., "--base-url", help="Where DIR will be served from, e.g. https://example.com/podcast/."),
    language: str = typer.Option("en", "--language", help="The show's language (ISO 639)."),
    category: str = typer.Option("News", "--category", help="An Apple Podcasts category, e.g. 'News' or 'News/Daily News'."),
    cover: Optional[Path] = typer.Option(None, "--cover", help="Square JPEG or PNG, 1400-3000 px (default: the project's)."),
    description: str = typer.Option("", "--description", help="What the show is about (up to 4000 bytes)."),
) -> None:
    """Create DIR/show.toml: the show's details and its build settings, set once."""
    from audio_edition.publish import create_show

    show = create_show(folder, title=title, author=author, email=email, base_url=base_url, language=language,
                       category=category, cover=cover, description=description)
    print(show.root / "show.toml")


@app.command()
def publish(
    ctx: typer.Context,
    inputs: list[str] = typer.Argument(..., metavar="INPUT...", help="Article files to publish."),
    show_dir: Path = typer.Option(..., "--show", metavar="DIR", help="The show folder."),
    engine: Optional[str] = typer.Option(None, "--engine", help="Overrides the show's engine.",
                                         envvar="AUDIO_EDITION_ENGINE"),
    voice: Optional[str] = typer.Option(None, "--voice", help="Overrides the show's voice."),
    lang: Optional[str] = typer.Option(None, "--lang", help="The articles' language (default: declared or detected)."),
    intro: Optional[Path] = typer.Option(None, "--intro", help="Overrides the show's intro."),
    no_intro: bool = typer.Option(False, "--no-intro", help="No intro clip."),
    outro: Optional[Path] = typer.Option(None, "--outro", help="Overrides the show's outro."),
    no_outro: bool = typer.Option(False, "--no-outro", help="No outro clip."),
    loudness: Optional[float] = typer.Option(None, "--loudness", metavar="LUFS", help="Overrides the show's target."),
    bitrate: Optional[int] = typer.Option(None, "--bitrate", metavar="KBPS", help="Overrides the show's bitrate."),
    dedupe: Optional[str] = typer.Option(None, "--dedupe", metavar="off|exact|paraphrase", help="As for build."),
    lexicon: Optional[Path] = typer.Option(None, "--lexicon", help="As for build."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, show_default=False,
                                       help="At most this many synthesis jobs at once (as for build)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary lines; errors only."),
) -> None:
    """Build each article as an episode of the show and regenerate its feed and site."""
    from audio_edition import publish as publishing

    _check_flags(ctx)
    changes = _changes(ctx, {"engine": "engine", "voice": "voice", "lang": "language", "intro": "intro",
                                   "outro": "outro", "loudness": "loudness_lufs", "bitrate": "bitrate_kbps",
                                   "dedupe": "dedupe", "lexicon": "lexicon", "jobs": "jobs"})
    for item in publishing.publish(show_dir, inputs, changes):
        episode = item.episode
        if not quiet:
            what = "Published" if item.new else "Updated"
            _err(f"{what} '{episode.title}' as episodes/{episode.slug}.mp3 ({_duration(episode.duration_ms / 1000)}; "
                 f"{item.synthesized} synthesized, {item.cached} from cache)")
        print(show_dir / "episodes" / f"{episode.slug}.mp3")


@app.command()
def feed(show_dir: Path = typer.Option(..., "--show", metavar="DIR", help="The show folder.")) -> None:
    """Regenerate DIR/feed.xml, DIR/index.html and the episode pages from what was published."""
    from audio_edition.publish import regenerate_site

    episodes = regenerate_site(show_dir)
    _err(f"Wrote {show_dir / 'feed.xml'} and {len(episodes) + 1} pages ({len(episodes)} episodes)")
    print(show_dir / "feed.xml")


@app.command()
def serve(
    show_dir: Path = typer.Option(..., "--show", metavar="DIR", help="The show folder."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on (0: any free one)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on: this machine only by default; 0.0.0.0 to let a phone on your network subscribe."),
) -> None:
    """Preview the show locally, with byte ranges as podcast apps need; Ctrl-C stops it."""
    from audio_edition.publish.server import lan_address, make_server
    from audio_edition.publish.show import load_show

    show = load_show(show_dir)
    try:
        server = make_server(show, host, port)
    except OSError as exc:
        raise AudioEditionError(f"cannot listen on {host}:{port}: {exc.strerror}",
                                hint="Choose another --port.") from exc
    actual = server.server_address[1]
    _err(f"Serving {show.root} at http://127.0.0.1:{actual}/ (Ctrl-C to stop)")
    if host in ("0.0.0.0", "::", ""):
        lan = lan_address()
        if lan:
            _err(f"On your network: http://{lan}:{actual}/ (feed: http://{lan}:{actual}/feed.xml)")
    elif host.startswith("127.") or host == "localhost":
        _err("Only this machine can reach it; add --host 0.0.0.0 to subscribe from a phone on your network.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        _err("Stopped.")
    finally:
        server.server_close()


def main() -> None:
    """Entry point: run the app, turning our errors into one 'Error:' line and exit status 1."""
    debug = os.environ.get("AUDIO_EDITION_DEBUG") == "1"
    try:
        app()  # typer renders usage errors itself (exit 2); ours come out of it
    except AudioEditionError as exc:
        if debug:
            raise
        hint = f" Hint: {exc.hint}" if exc.hint else ""
        _err(f"Error: {exc.message}.{hint}")
        sys.exit(1)
    except KeyboardInterrupt:
        _err("Interrupted.")
        sys.exit(130)
