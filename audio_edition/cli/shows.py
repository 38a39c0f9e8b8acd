"""Commands on a show: show init, publish, feed, serve."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from audio_edition.cli.common import option_changes, check_flags, duration, err, app
from audio_edition.errors import AudioEditionError

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
    loudness: Optional[float] = typer.Option(None, "--loudness", metavar="LUFS", min=-40.0, max=-6.0,
                                             help="Overrides the show's loudness target."),
    bitrate: Optional[int] = typer.Option(None, "--bitrate", metavar="KBPS", help="Overrides the show's bitrate."),
    dedupe: Optional[str] = typer.Option(None, "--dedupe", metavar="off|exact|paraphrase", help="As for build."),
    lexicon: Optional[Path] = typer.Option(None, "--lexicon", help="As for build."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, show_default=False,
                                       help="At most this many synthesis jobs at once (as for build)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary lines; errors only."),
) -> None:
    """Build each article as an episode of the show and regenerate its feed and site."""
    from audio_edition import publish as publishing

    check_flags(ctx)
    changes = option_changes(ctx, {"engine": "engine", "voice": "voice", "lang": "language", "intro": "intro",
                                   "outro": "outro", "loudness": "loudness_lufs", "bitrate": "bitrate_kbps",
                                   "dedupe": "dedupe", "lexicon": "lexicon", "jobs": "jobs"})
    for item in publishing.publish(show_dir, inputs, changes):
        episode = item.episode
        if not quiet:
            what = "Published" if item.new else "Updated"
            err(f"{what} '{episode.title}' as episodes/{episode.slug}.mp3 ({duration(episode.duration_ms / 1000)}; "
                 f"{item.synthesized} synthesized, {item.cached} from cache)")
        print(show_dir / "episodes" / f"{episode.slug}.mp3")


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
