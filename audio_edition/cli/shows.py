"""Commands on a show: show init, publish, feed, serve."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    option_changes,
    progress_bar,
)
from audio_edition.errors import AudioEditionError

if TYPE_CHECKING:
    from rich.progress import Progress

    from audio_edition.publish import Failure, Published
    from audio_edition.publish.sync import Outcome
    from audio_edition.runners.base import Runner

show_app = typer.Typer(help="Create and manage a show (a podcast and its listening site).", no_args_is_help=True)
app.add_typer(show_app, name="show")


@show_app.command("init")
def show_init(
    folder: Path = typer.Argument(..., metavar="DIR", help="The show folder (the site root)."),
    title: str = typer.Option(..., "--title", help="The show's name."),
    author: str = typer.Option(..., "--author", help="Who makes it."),
    email: str = typer.Option(..., "--email", help="The owner's e-mail (in the feed, for directories)."),
    base_url: str = typer.Option(..., "--base-url", help="Where DIR will be served from, e.g. https://example.com/podcast/."),
    language: str = typer.Option(defaults.DEFAULT_SHOW_LANGUAGE, "--language", help="The show's language (ISO 639)."),
    category: str = typer.Option(defaults.DEFAULT_CATEGORY, "--category",
                                 help="An Apple Podcasts category, e.g. 'News' or 'News/Daily News'."),
    cover: Path | None = typer.Option(None, "--cover",
                                      help="Square JPEG or PNG, 1400-3000 px (default: the project's)."),
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
    inputs: list[str] | None = typer.Argument(None, metavar="[INPUT]...",
                                              help="Article files or URLs (none: the show's \\[sources] feeds)."),
    show_dir: Path = typer.Option(..., "--show", metavar="DIR", help="The show folder."),
    from_feed: list[str] | None = typer.Option(None, "--from-feed", metavar="URL",
                                               help="A site's RSS or Atom feed: publish what it links to that is "
                                                    "new or changed (repeatable)."),
    limit: int | None = typer.Option(None, "--limit", metavar="N", min=1, show_default=False,
                                     help=f"With feeds: the newest N entries of each (default: show.toml's "
                                          f"\\[sources] limit, else {defaults.DEFAULT_FEED_LIMIT})."),
    engine: str | None = typer.Option(None, "--engine", help="Overrides the show's engine.",
                                      envvar="AUDIO_EDITION_ENGINE"),
    voice: str | None = typer.Option(None, "--voice", help="Overrides the show's voice."),
    lang: str | None = typer.Option(None, "--lang", help="The articles' language (default: declared or detected)."),
    intro: Path | None = typer.Option(None, "--intro", help="Overrides the show's intro."),
    no_intro: bool = typer.Option(False, "--no-intro", help="No intro clip."),
    outro: Path | None = typer.Option(None, "--outro", help="Overrides the show's outro."),
    no_outro: bool = typer.Option(False, "--no-outro", help="No outro clip."),
    loudness: float | None = typer.Option(None, "--loudness", metavar="LUFS",
                                          min=defaults.LOUDNESS_RANGE[0], max=defaults.LOUDNESS_RANGE[1],
                                          help="Overrides the show's loudness target."),
    bitrate: int | None = typer.Option(None, "--bitrate", metavar="KBPS", help="Overrides the show's bitrate."),
    dedupe: str | None = typer.Option(None, "--dedupe", metavar=DEDUPE_METAVAR, help="As for build."),
    lexicon: Path | None = typer.Option(None, "--lexicon", help="As for build."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, show_default=False,
                                    help="At most this many synthesis jobs at once (as for build)."),
    timeout: float = typer.Option(defaults.DEFAULT_TIMEOUT_S, "--timeout", metavar="SECONDS",
                                  min=defaults.TIMEOUT_RANGE[0], max=defaults.TIMEOUT_RANGE[1],
                                  envvar="AUDIO_EDITION_TIMEOUT",
                                  help="For URLs and feeds: the longest one page may take to arrive."),
    allow_private: bool = typer.Option(False, "--allow-private",
                                       help="Let feeds, their links and redirects lead to private and local "
                                            "addresses (the hosts you name may always be)."),
    max_words: int = typer.Option(defaults.DEFAULT_MAX_WORDS, "--max-words", metavar="N", min=1,
                                  envvar="AUDIO_EDITION_MAX_WORDS",
                                  help="The longest article to publish, in words (as for build)."),
    cluster: str | None = typer.Option(None, "--cluster", metavar="ADDRESS", envvar="AUDIO_EDITION_CLUSTER",
                                       help="Build on the Dask cluster whose scheduler is at ADDRESS; "
                                            "the show is still written here."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary lines; errors only."),
) -> None:
    """Build each article as an episode of the show and regenerate its feed and site.

    With --from-feed, or with no INPUT and feeds listed in show.toml's \\[sources], publish what the
    feeds link to that is new or changed since the last run (a cron job's whole command)."""
    from audio_edition.publish.show import load_show
    from audio_edition.runners.batch import runner_for

    check_flags(ctx)
    changes = option_changes(ctx, {"engine": "engine", "voice": "voice", "lang": "language", "intro": "intro",
                                   "outro": "outro", "loudness": "loudness_lufs", "bitrate": "bitrate_kbps",
                                   "dedupe": "dedupe", "lexicon": "lexicon", "jobs": "jobs", "timeout": "timeout_s",
                                   "allow_private": "allow_private", "max_words": "max_words"})
    inputs, feeds = list(inputs or []), list(from_feed or [])
    if not inputs and not feeds:
        show = load_show(show_dir)
        feeds = list(show.feeds)
        limit = limit or show.feed_limit
        if not feeds:
            raise UsageError("give articles to publish, --from-feed URL, or list feeds in the show's "
                             "show.toml ([sources] feeds = [\"https://…/feed.xml\"]).")
    with ExitStack() as stack:
        runner = stack.enter_context(runner_for(cluster, None)) if cluster else None
        bar = stack.enter_context(progress_bar(quiet))
        failed = _publish_inputs(show_dir, inputs, changes, quiet, bar, runner) if inputs else False
        if feeds:
            failed = _publish_feeds(show_dir, feeds, changes, limit or defaults.DEFAULT_FEED_LIMIT, quiet, bar,
                                    runner) or failed
    if failed:
        raise typer.Exit(1)


def _said(item: Published) -> None:
    episode = item.episode
    if item.unchanged:
        err(f"Unchanged '{episode.title}' (episodes/{episode.slug}.mp3): the same episode again, nothing written")
        return
    err(f"{'Published' if item.new else 'Updated'} '{episode.title}' as episodes/{episode.slug}.mp3 "
        f"({duration(episode.duration_ms / 1000)}; {item.synthesized} synthesized, {item.cached} from cache)")


def _publish_inputs(show_dir: Path, inputs: list[str], changes: dict[str, Any], quiet: bool, bar: Progress,
                    runner: Runner | None) -> bool:
    """Publish the given files and URLs; a failure is reported and the rest go on. True if any failed."""
    from audio_edition.publish import Failure, publish_each

    task = bar.add_task("Publishing", total=len(inputs))
    failed = False

    def done(source: str, outcome: Published | Failure) -> None:
        nonlocal failed
        bar.advance(task)
        if isinstance(outcome, Failure):
            failed = True
            error_line(outcome.error, source)
            return
        if not quiet:
            _said(outcome)
        print(show_dir / "episodes" / f"{outcome.episode.slug}.mp3")

    publish_each(show_dir, inputs, changes, on_done=done, runner=runner)
    return failed


def _publish_feeds(show_dir: Path, feeds: list[str], changes: dict[str, Any], limit: int, quiet: bool,
                   bar: Progress, runner: Runner | None) -> bool:
    """Bring the show up to date with the feeds. True if a feed or an article failed."""
    from urllib.parse import urlsplit

    from audio_edition.publish.publisher import Failure, Published, Publisher
    from audio_edition.publish.sync import Unchanged, Waiting, sync

    task = bar.add_task("Checking the feeds", total=None)

    def step(done: int, total: int, current: str | None, outcome: Outcome | None) -> None:
        name = urlsplit(current).path.rstrip("/").rsplit("/", 1)[-1] if current else ""
        bar.update(task, completed=done, total=total, description=f"Articles{f' ({name})' if name else ''}")
        if isinstance(outcome, Published):
            if not quiet:
                _said(outcome)
            print(show_dir / "episodes" / f"{outcome.episode.slug}.mp3")
        elif isinstance(outcome, Failure):
            error_line(outcome.error, outcome.source)

    report = sync(show_dir, feeds, changes, limit, on_step=step, publisher=Publisher(show_dir, changes, runner))
    for failure in report.feed_failures:
        error_line(failure.error, failure.source)
    waiting = report.of(Waiting)
    if not quiet:
        published = report.of(Published)
        new = sum(1 for p in published if p.new)
        err(f"Feeds: {len(report.outcomes)} articles: {new} new, {len(published) - new} updated, "
            f"{len(report.of(Unchanged))} unchanged, {len(report.of(Failure))} failed"
            + (f", {len(waiting)} failed within the hour, not tried again yet" if waiting else ""))
        for item in waiting:
            err(f"Note: {item.url} failed at {item.since}, and is tried again an hour after that: {item.error}")
        for url, more in report.beyond_limit:
            err(f"Note: {url} lists {limit + more} entries; the newest {limit} were taken (--limit N takes more)")
    return report.failed


@app.command()
def feed(show_dir: Path = typer.Option(..., "--show", metavar="DIR", help="The show folder.")) -> None:
    """Regenerate DIR/feed.xml, DIR/index.html and the episode pages from what was published."""
    from audio_edition.publish import regenerate_site

    episodes = regenerate_site(show_dir)
    err(f"Wrote {show_dir / 'feed.xml'} and {len(episodes) + 1} pages ({len(episodes)} episodes)")
    print(show_dir / "feed.xml")


@app.command()
def serve(
    show_dir: Path = typer.Option(..., "--show", metavar="DIR", help="The show folder."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on (0: any free one)."),
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Address to listen on: this machine only by default; "
                                  "0.0.0.0 to let a phone on your network subscribe."),
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
    err(f"Serving {show.root} at http://127.0.0.1:{actual}/ (Ctrl-C to stop)")
    if host in ("0.0.0.0", "::", ""):
        lan = lan_address()
        if lan:
            err(f"On your network: http://{lan}:{actual}/ (feed: http://{lan}:{actual}/feed.xml)")
    elif host.startswith("127.") or host == "localhost":
        err("Only this machine can reach it; add --host 0.0.0.0 to subscribe from a phone on your network.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        err("Stopped.")
    finally:
        server.server_close()
