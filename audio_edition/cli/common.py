"""What every command shares: the app, the error line, and turning options into settings."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from audio_edition import settings as defaults
from audio_edition.text import escapes

if TYPE_CHECKING:
    from rich.progress import Progress

    from audio_edition.errors import AudioEditionError
    from audio_edition.models import Removal

if TYPE_CHECKING:
    from typer._click.exceptions import UsageError
else:
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


def err(message: str) -> None:
    print(escapes.terminal(message), file=sys.stderr, flush=True)


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


def given(ctx: typer.Context, name: str) -> bool:
    """True when the user gave this option (flag or environment), not its default."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


PATH_FIELDS = {"intro", "outro", "cover", "bed", "lexicon", "cache_dir"}


def option_changes(ctx: typer.Context, names: dict[str, str],
                   seconds: dict[str, str] | None = None) -> dict[str, object]:
    """Settings fields for the options the user gave: ``names`` maps option -> field, ``seconds``
    option -> field in milliseconds; --no-intro and --no-outro clear their clip."""
    changes: dict[str, object] = {field: ctx.params[option] for option, field in names.items() if given(ctx, option)}
    for field in PATH_FIELDS & changes.keys():  # a value from the environment arrives as a string
        value = changes[field]
        if isinstance(value, str):
            changes[field] = Path(value)
    for option, field in (seconds or {}).items():
        if given(ctx, option):
            changes[field] = round(ctx.params[option] * 1000)
    if ctx.params.get("no_intro"):
        changes["intro"] = None
    if ctx.params.get("no_outro"):
        changes["outro"] = None
    return changes


DEDUPE_METAVAR = "|".join(defaults.DEDUPE_MODES)


def check_flags(ctx: typer.Context) -> None:
    """Usage rules shared by the commands that take these options."""
    params = ctx.params
    if params.get("intro") is not None and params.get("no_intro"):
        raise UsageError("give --intro or --no-intro, not both.")
    if params.get("outro") is not None and params.get("no_outro"):
        raise UsageError("give --outro or --no-outro, not both.")
    dedupe = params.get("dedupe")
    if dedupe is not None and dedupe not in defaults.DEDUPE_MODES:
        raise UsageError(f"--dedupe must be off, exact or paraphrase, not {dedupe!r}.")


def duration(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def removed_summary(removed: Iterable[Removal]) -> str:
    counts = Counter(r.reason for r in removed)
    return ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def progress_bar(quiet: bool) -> Progress:
    """A progress display on stderr (rich), shown only on a terminal and not with --quiet; lines
    printed to stderr meanwhile go above it."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True, disable=quiet or not console.is_terminal, redirect_stderr=True)


def error_line(exc: AudioEditionError, label: str | None = None) -> None:
    """Our one line for an error the user can act on: ``Error: MESSAGE. Hint: HINT``, the message
    prefixed with ``label`` (the input it is about) unless it names it already."""
    from audio_edition.errors import InputError

    message = exc.message if label is None or label in exc.message else f"{label}: {exc.message}"
    hint_text = exc.hint
    if hint_text == InputError.hint and "://" in message.split(" ", 1)[0]:  # the generic hint is about files
        hint_text = "Check the address, and that it leads to an article's page."
    hint = f" Hint: {hint_text}" if hint_text else ""
    err(f"Error: {message}.{hint}")
