"""voices: list the natural (Piper) voices here or in the catalogue, install and remove them."""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

import typer

from audio_edition import settings as defaults
from audio_edition.cli.common import UsageError, app, err

if TYPE_CHECKING:
    from rich.progress import Progress

    from audio_edition.speech.catalogue import Catalogue, CatalogueVoice
    from audio_edition.speech.voices import InstalledVoice

voices_app = typer.Typer(help="Natural (Piper) voices: list those here or in the catalogue, install and remove them.",
                         no_args_is_help=True)
app.add_typer(voices_app, name="voices")

FROM_OPTION = typer.Option(None, "--from", metavar="URL|DIR", envvar="AUDIO_EDITION_VOICES_URL",
                           help="The voice catalogue: a mirror's address, or a folder holding a copy of it "
                                "(voices.json and the files it lists). Default: Piper's own voice repository.")
CARD = "see model card"  # a catalogue voice's licence, until it is installed


@voices_app.command("list")
def list_voices(
    ctx: typer.Context,
    available: bool = typer.Option(False, "--available",
                                   help="The catalogue's voices instead, each marked if it is installed."),
    source: str | None = FROM_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """List the installed voices: language, quality, size and licence (from each voice's model card)."""
    from audio_edition.speech import catalogue, voices

    typed = ctx.get_parameter_source("source")
    if not available and typed is not None and typed.name == "COMMANDLINE":  # not $AUDIO_EDITION_VOICES_URL
        raise UsageError("--from names the catalogue for --available (or voices install); give --available too.")
    here = voices.installed()
    if not available:
        if as_json:
            print(json.dumps([v.as_json() for v in here], indent=2, ensure_ascii=False))
            return
        _table(["NAME", "ENGINE", "LANGUAGE", "QUALITY", "SIZE", "LICENCE", "FROM"],
               [[v.name, "piper", v.language, v.quality or "", _size(v.size_bytes), v.licence or "", v.origin]
                for v in here])
        err(f"Voices folder: {voices.voices_folder()}" + ("" if here else " (no voices yet: see "
                                                          "'audio-edition voices list --available')"))
        return
    found = catalogue.load(source)
    by_name = {v.name: v for v in here}
    if as_json:
        print(json.dumps([_available_json(v, found, by_name.get(v.name)) for v in found.voices.values()],
                         indent=2, ensure_ascii=False))
        return
    _table(["NAME", "ENGINE", "LANGUAGE", "QUALITY", "SIZE", "INSTALLED", "LICENCE"],
           [[v.name, "piper", v.language, v.quality or "", _size(v.size_bytes), "yes" if v.name in by_name else "",
             (by_name[v.name].licence or "") if v.name in by_name else CARD] for v in found.voices.values()])
    err(f"{len(found.voices)} voices in {found.root}; each has its own licence, in its model card "
        "(install one to see it here, or read its MODEL_CARD).")


def _available_json(voice: CatalogueVoice, found: Catalogue, have: InstalledVoice | None) -> dict[str, Any]:
    card = voice.file("MODEL_CARD")
    return {"name": voice.name, "engine": "piper", "language": voice.language, "language_name": voice.language_name,
            "quality": voice.quality, "speakers": voice.speakers, "size_bytes": voice.size_bytes,
            "installed": have is not None, "licence": have.licence if have is not None else None,
            "model_card": found.where(card) if card is not None else None,
            "files": [f.path for f in voice.files]}


@voices_app.command("install")
def install_voices(
    names: list[str] = typer.Argument(..., metavar="NAME...", help="Voices by name, e.g. de_DE-thorsten-medium."),
    source: str | None = FROM_OPTION,
    timeout: float = typer.Option(defaults.DOWNLOAD_TIMEOUT_S, "--timeout", metavar="SECONDS",
                                  min=defaults.DOWNLOAD_TIMEOUT_RANGE[0], max=defaults.DOWNLOAD_TIMEOUT_RANGE[1],
                                  help=f"The longest one file may take to arrive, all of it; a transfer that stalls "
                                       f"for {defaults.DOWNLOAD_STALL_S:g} s is resumed where the server allows it."),
) -> None:
    """Download voices into the voices folder, each file checked against the catalogue's size and MD5."""
    import importlib.util

    from audio_edition.speech import catalogue, voices

    found = catalogue.load(source, timeout_s=min(timeout, defaults.DEFAULT_TIMEOUT_S))
    for voice in dict.fromkeys(found.find(names)):  # each once, in the order named
        have = voices.installed_voice(voice.name)
        if have is not None:
            err(f"{voice.name} is already installed ({have.origin}: {have.model.parent}).")
            continue
        with _download_bar() as bar:
            task = bar.add_task(voice.name, total=voice.size_bytes)
            done = voices.install(voice, found, timeout_s=timeout, progress=functools.partial(bar.advance, task))
        err(f"Installed {done.name} ({done.language}, {done.quality or 'quality unknown'}, {_size(done.size_bytes)}; "
            f"licence: {done.licence or 'not stated, see its model card'}) in {done.model.parent}")
    if importlib.util.find_spec("piper") is None:
        err('Note: speaking with Piper voices needs the [piper] extra: pip install "audio-edition[piper]"')


@voices_app.command("remove")
def remove_voices(
    names: list[str] = typer.Argument(..., metavar="NAME...", help="Installed voices by name."),
) -> None:
    """Delete installed voices from the voices folder."""
    from audio_edition.speech import voices

    for name in dict.fromkeys(names):
        gone = voices.remove(name)
        err(f"Removed {gone.name} ({_size(gone.size_bytes)}) from {voices.voices_folder()}")


def _table(header: list[str], rows: list[list[str]]) -> None:
    """Columns as wide as their widest cell, the last one unpadded."""
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count / 1e3:.1f} kB"


def _download_bar() -> Progress:
    """A download's progress on stderr (rich): bytes, speed and time left, on a terminal only."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    console = Console(stderr=True)
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                    TimeRemainingColumn(), console=console, transient=True, disable=not console.is_terminal)
