"""The one error tree: every error we raise is an AudioEditionError with a hint for the user."""

from __future__ import annotations


class AudioEditionError(Exception):
    """An error the user can act on. ``message`` says what went wrong, ``hint`` what to do."""

    hint: str = ""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type[AudioEditionError], tuple[str, str]]:
        """Keep the hint when an error crosses from a worker process."""
        return (type(self), (self.message, self.hint))


class InputError(AudioEditionError):
    """The article (or a clip, cover or lexicon) cannot be read or holds nothing to speak."""

    hint = "Check the path and that the file is UTF-8 text (.txt, .md or .html)."


class MissingFileError(InputError):
    """A file the user named (an article, a clip, a cover, a lexicon) does not exist."""


class FetchError(InputError):
    """An article page or feed could not be fetched: the network, the server, or what it sent."""

    hint = "Check the address, and that the site is up."


class SettingError(InputError):
    """A flag's or a setting's value is not one we can use (show.toml, show init, limits)."""

    hint = "See the command's --help for the values it takes."


class EngineError(AudioEditionError):
    """A speech engine is unknown, unavailable, or failed while synthesizing."""

    hint = "Run 'audio-edition engines' to see which engines work here."


class AudioError(AudioEditionError):
    """Decoding, mixing or encoding audio failed."""

    hint = "Run 'audio-edition doctor' to check the audio toolchain."


class ToolchainError(AudioError):
    """The ffmpeg binary cannot be found or run, or lacks a filter, codec or format we need."""

    hint = "Run 'audio-edition doctor' to see which ffmpeg is used and what it lacks."


class ClusterError(AudioEditionError):
    """The Dask cluster cannot be reached, has no workers, runs another version, or lost a build."""

    hint = "Check the scheduler's address and its workers ('dask worker ADDRESS')."


class OutputError(AudioEditionError):
    """An output file or folder cannot be written."""

    hint = "Check that the output folder exists and is writable."
