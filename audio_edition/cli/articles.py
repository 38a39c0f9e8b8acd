"""Commands on one article or episode: build, prepare, inspect."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from audio_edition.cli.common import (UsageError, app, check_flags, duration, err, error_line, given, option_changes,
                                      removed_summary)


@app.command()
def build(
    ctx: typer.Context,
    inputs: list[str] = typer.Argument(..., metavar="INPUT...", help="Article files (.txt, .md, .html), article URLs (http/https), or - for standard input."),
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="The episode to write, .mp3, .m4a or .opus (one input only)."),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", help="Folder for the episodes (required with several inputs)."),
    engine: str = typer.Option("auto", "--engine", help="Speech engine: auto (the best offline one with a voice for the language), or see 'audio-edition engines'.", envvar="AUDIO_EDITION_ENGINE"),
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
    rate: float = typer.Option(1.0, "--rate", metavar="FACTOR", help="Speaking speed: 1.0 is the voice's own, 1.2 a fifth faster (0.5-2; espeak and piper)."),
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
    timeout: float = typer.Option(30.0, "--timeout", metavar="SECONDS", min=0.1, max=600.0, envvar="AUDIO_EDITION_TIMEOUT",
                                  help="For a URL: the longest a page may take to arrive, all of it."),
    cluster: Optional[str] = typer.Option(None, "--cluster", metavar="ADDRESS", envvar="AUDIO_EDITION_CLUSTER",
                                          help="Build on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786) instead of here."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary; errors only."),
) -> None:
    """Build one MP3 episode per article, with .vtt, .srt, .chapters.json and .report.json beside it."""
    from audio_edition.pipeline import build as pipeline
    from audio_edition.settings import Settings

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

    changes = option_changes(
        ctx,
        {"engine": "engine", "voice": "voice", "lang": "language", "intro": "intro", "outro": "outro",
         "cover": "cover", "title": "title", "author": "author", "show_name": "show_name",
         "bitrate": "bitrate_kbps", "jobs": "jobs", "cache_dir": "cache_dir", "dedupe": "dedupe",
         "lexicon": "lexicon", "loudness": "loudness_lufs", "bed": "bed", "rate": "rate",
         "timeout": "timeout_s"},
        {"pause": "pause_ms", "section_pause": "section_pause_ms", "crossfade": "crossfade_ms"},
    )
    settings = Settings().with_changes(**changes)

    stdin = sys.stdin.buffer.read() if "-" in inputs else None
    if out_dir is not None:
        pipeline.make_folder(out_dir)
    targets = [pipeline.output_for(src, output, out_dir) if src != "-" else None for src in inputs]
    named = [t for t in targets if t is not None]
    if len(set(named)) != len(named):
        raise UsageError("two inputs would write the same episode file; rename one.")

    import os

    if cluster or (len(inputs) > 1 and (settings.jobs or os.cpu_count() or 1) > 1):
        targets = [t if t is not None else pipeline.output_for(src, output, out_dir, pipeline.read(src, settings, stdin).title)
                   for src, t in zip(inputs, targets)]
        if _build_batch(cluster, inputs, targets, settings, stdin, quiet):
            raise typer.Exit(1)
        return

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
            _summarize(result, label)
        print(result.output)


def _summarize(result, label: str, where: str = "") -> None:  # type: ignore[no-untyped-def]
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


def _build_batch(address: Optional[str], inputs: list[str], targets: list[Path], settings, stdin: Optional[bytes],
                 quiet: bool) -> bool:  # type: ignore[no-untyped-def]
    """Build several inputs side by side: on the cluster at ``address``, else here, one process
    per article and at most --jobs at once (each article's speech then in its own process). Each
    episode is committed as it arrives; a failed article is reported and the rest go on. True if
    any failed."""
    from audio_edition.runners import jobs as batch
    from audio_edition.pipeline import build as pipeline
    from audio_edition.cli.common import progress_bar
    from audio_edition.errors import AudioEditionError

    if address:
        from audio_edition.runners.dask import Cluster

        runner = Cluster(address)
    else:
        runner = batch.LocalPool(settings.jobs)
    failed = False
    with runner as cluster, progress_bar(quiet) as bar:
        where_to = f"on {cluster.workers} workers" if address else f"{cluster.workers} at a time"
        task = bar.add_task(f"Building {where_to}", total=len(inputs))
        jobs, where = [], []
        for n, (src, target) in enumerate(zip(inputs, targets)):
            try:
                pipeline.check_output(target, settings.bitrate_kbps)
                jobs.append(batch.job_for(src, target.suffix.lower(), settings.with_changes(jobs=1), stdin,
                                          here=not address))
                where.append(n)
            except AudioEditionError as exc:
                failed = True
                error_line(exc, src)
                bar.advance(task)
        for k, built in cluster.run(jobs):
            n = where[k]
            src, target = inputs[n], targets[n]
            bar.advance(task)
            label = "standard input" if src == "-" else src
            if isinstance(built, AudioEditionError):
                failed = True
                error_line(built, label)
                continue
            try:
                pipeline.commit_files(batch.local_paths(built, target))
            except AudioEditionError as exc:
                failed = True
                error_line(exc, label)
                continue
            if not quiet:
                _summarize(batch.with_output(built, target), label, f" on {built.worker}" if address else "")
            print(target)
    return failed


@app.command()
def prepare(
    ctx: typer.Context,
    source: str = typer.Argument(..., metavar="INPUT", help="An article file (.txt, .md, .html), an article URL, or - for standard input."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    engine: str = typer.Option("auto", "--engine", help="As for build: the engine whose request size shapes the utterances.",
                               envvar="AUDIO_EDITION_ENGINE"),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language code (default: declared, else detected)."),
    title: Optional[str] = typer.Option(None, "--title", help="Episode title (default: the article's)."),
    author: Optional[str] = typer.Option(None, "--author", help="Author (default: the article's)."),
    dedupe: str = typer.Option("paraphrase", "--dedupe", metavar="off|exact|paraphrase", help="As for build."),
    lexicon: Optional[Path] = typer.Option(None, "--lexicon", help="As for build."),
    timeout: float = typer.Option(30.0, "--timeout", metavar="SECONDS", min=0.1, max=600.0, envvar="AUDIO_EDITION_TIMEOUT",
                                  help="As for build."),
) -> None:
    """Show exactly what would be spoken, and what was removed, without synthesizing."""
    from audio_edition.pipeline import build as pipeline
    from audio_edition.settings import Settings
    from audio_edition.episode.sidecars import prepare_json

    check_flags(ctx)
    changes = option_changes(ctx, {"engine": "engine", "lang": "language", "title": "title", "author": "author",
                             "dedupe": "dedupe", "lexicon": "lexicon", "timeout": "timeout_s"})
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
        print(f"  {duration(float(chapter['start_s'])):>8}  {chapter['title']}")  # type: ignore[arg-type]
