"""The entry point: the app with every command, our errors as one 'Error:' line."""

from __future__ import annotations

import os
import sys

from audio_edition.cli import articles, shows, tools  # noqa: F401  (they add their commands to app)
from audio_edition.cli.common import app, err, error_line
from audio_edition.errors import AudioEditionError


def main() -> None:
    """Entry point: run the app, turning our errors into one 'Error:' line and exit status 1."""
    debug = os.environ.get("AUDIO_EDITION_DEBUG") == "1"
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
        raise
    except KeyboardInterrupt:  # Ctrl-C outside typer's own handling
        err("Interrupted.")
        sys.exit(130)
