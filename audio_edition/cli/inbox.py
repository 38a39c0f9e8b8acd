"""The inbox command: a private listen-later service for one show."""

from __future__ import annotations

from pathlib import Path

import typer

from audio_edition import settings as defaults
from audio_edition.cli.common import app, err


@app.command()
def inbox(
    show_dir: Path = typer.Option(..., "--show", metavar="DIR", help="The show the articles become episodes of."),
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Address to listen on: this machine only by default (put HTTPS in front)."),
    port: int = typer.Option(defaults.INBOX_PORT, "--port", min=0, max=65535, help="Port (0: any free one)."),
    public_url: str | None = typer.Option(None, "--public-url", metavar="URL",
                                          help="The address phones reach the inbox at, e.g. "
                                               "https://listen.example.org/ (default: the address each request used)."),
    allow_private: bool = typer.Option(False, "--allow-private",
                                       help="Let articles come from private and local addresses."),
    cluster: str | None = typer.Option(None, "--cluster", metavar="ADDRESS", envvar="AUDIO_EDITION_CLUSTER",
                                       help="Build on the Dask cluster whose scheduler is at ADDRESS."),
    max_waiting: int = typer.Option(defaults.INBOX_MAX_WAITING, "--max-waiting", metavar="N", min=1,
                                    help="At most N articles queued or building; more are refused (429)."),
    adds_per_minute: int = typer.Option(defaults.INBOX_ADDS_PER_MINUTE, "--adds-per-minute", metavar="M", min=1,
                                        help="At most M articles added in any minute; more are refused (429)."),
) -> None:
    """Serve a private inbox: send it an article's address (a form, a bookmarklet, a phone's share
    sheet) and it becomes an episode in the show's private feed. Ctrl-C stops it."""
    try:
        from audio_edition.inbox.service import run_inbox
        from audio_edition.inbox.state import Limits
    except ImportError as exc:
        from audio_edition.errors import SettingError

        raise SettingError(f"the inbox needs its web stack ({exc.name or exc} is not installed)",
                           hint="Install it with: python3 -m pip install 'audio-edition[inbox]'") from None
    try:
        run_inbox(show_dir, host, port, Limits(adds_per_minute, max_waiting), public_url, allow_private, cluster, err)
    except KeyboardInterrupt:
        err("Stopped.")
