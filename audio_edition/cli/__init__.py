"""The command line: parse arguments, call one library function, render the result or the error."""

from audio_edition.cli.common import app
from audio_edition.cli.main import main

__all__ = ["app", "main"]
