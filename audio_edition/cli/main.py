"""The entry point: the app with every command, our errors as one 'Error:' line."""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

from audio_edition.cli import articles, inbox, shows, tools, voices  # noqa: F401  (they add their commands to app)
from audio_edition.cli.common import app, err, error_line
from audio_edition.errors import AudioEditionError


class Terminated(KeyboardInterrupt):
    """SIGTERM (systemd stopping a service, timeout, kill): handled as Ctrl-C is, so every cleanup
    that Ctrl-C runs (workers stopped, staging removed) runs for it too."""


_terminated = False


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _terminated
    if not _terminated:  # a second SIGTERM while cleaning up is not a second interruption
        _terminated = True
        raise Terminated


def main() -> None:
    """Entry point: run the app, turning our errors into one 'Error:' line and exit status 1;
    Ctrl-C and SIGTERM into "Interrupted." and exit status 130 and 143."""
    debug = os.environ.get("AUDIO_EDITION_DEBUG") == "1"
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app()  # typer renders usage errors itself (exit 2); ours come out of it
    except AudioEditionError as exc:
        if debug:
            raise
        error_line(exc)
        sys.exit(1)
    except SystemExit as exc:
        if exc.code == 130:  # typer turns Ctrl-C (KeyboardInterrupt) into a silent exit 130
            err("Interrupted.")
            if _terminated:
                sys.exit(128 + signal.SIGTERM)
        raise
    except KeyboardInterrupt:  # Ctrl-C outside typer's own handling
        err("Interrupted.")
        sys.exit(128 + signal.SIGTERM if _terminated else 130)
