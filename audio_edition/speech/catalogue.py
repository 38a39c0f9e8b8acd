"""Piper's voice catalogue: ``voices.json`` at the root of the official voice repository, each
voice's files (its model, its config, its model card) at their paths relative to that root, with
their sizes and MD5 digests. A mirror, or a copy of the repository in a local folder (for
machines without the internet), is laid out the same way.

Reading it needs no piper-tts: the catalogue is JSON, and nothing here runs a voice.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from audio_edition.errors import EngineError, FetchError
from audio_edition.ingest import web

DEFAULT_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/main/"
URL_ENV = "AUDIO_EDITION_VOICES_URL"
INDEX = "voices.json"
MODEL_CARD = "MODEL_CARD"
_MD5 = re.compile(r"[0-9a-f]{32}")
WHERE_HINT = f"--from or ${URL_ENV} names the address or folder that holds {INDEX}."
_NAME = re.compile(r"[^\W_][\w.-]{0,119}")  # "de_DE-thorsten-medium", "pt_PT-tugão-medium": no path, no control


@dataclass(frozen=True)
class VoiceFile:
    """One of a voice's files, as the catalogue lists it."""

    path: str  # relative to the catalogue's root: "de/de_DE/thorsten/medium/de_DE-thorsten-medium.onnx"
    size_bytes: int
    md5: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class CatalogueVoice:
    """One voice of the catalogue."""

    name: str  # "de_DE-thorsten-medium"
    language: str  # BCP 47: "de-DE"
    language_name: str  # "German, Germany"
    quality: str | None
    speakers: int
    files: tuple[VoiceFile, ...]
    aliases: tuple[str, ...] = ()

    @property
    def size_bytes(self) -> int:
        return sum(f.size_bytes for f in self.files)

    def file(self, suffix: str) -> VoiceFile | None:
        """The file whose name ends with ``suffix`` (".onnx", ".onnx.json", "MODEL_CARD")."""
        return next((f for f in self.files if f.name.endswith(suffix)), None)


@dataclass(frozen=True)
class Catalogue:
    """The voices of one catalogue, and where it is: an http(s) address ending in "/", or a folder."""

    root: str
    voices: Mapping[str, CatalogueVoice]

    @property
    def local(self) -> bool:
        return not web.is_url(self.root)

    def where(self, file: VoiceFile | str) -> str:
        """The address (or the path, for a folder) of a file of the catalogue."""
        path = file if isinstance(file, str) else file.path
        return self.root + quote(path) if not self.local else str(Path(self.root, *path.split("/")))

    def find(self, names: list[str]) -> list[CatalogueVoice]:
        """The voices named (by name, or by one of their old names), in order; an EngineError names
        every name the catalogue does not know, with the closest it does."""
        aliases = {alias: voice for voice in self.voices.values() for alias in voice.aliases}
        found = [self.voices.get(name) or aliases.get(name) for name in names]
        unknown = [name for name, voice in zip(names, found) if voice is None]
        if unknown:
            close = [m for name in unknown for m in difflib.get_close_matches(name, list(self.voices), n=3, cutoff=0.6)]
            said = ", ".join(f"'{name}'" for name in unknown)
            raise EngineError(f"the voice catalogue ({self.root}) has no voice {said}",
                              hint=(f"Did you mean {' or '.join(dict.fromkeys(close))}? " if close else "")
                              + "See 'audio-edition voices list --available' for the voices it has.")
        return [voice for voice in found if voice is not None]


def root_of(given: str | None) -> str:
    """The catalogue's root: ``given`` (--from), else $AUDIO_EDITION_VOICES_URL, else Piper's own
    repository. An address gets its trailing "/"; one that names voices.json itself, its folder;
    a folder (or a file:// address) becomes its path."""
    root = (given or os.environ.get(URL_ENV) or DEFAULT_URL).strip()
    if root.lower().startswith("file://"):
        root = unquote(urlsplit(root).path)
    if web.is_url(root):
        root = root.split("?", 1)[0].split("#", 1)[0]
        root = root.removesuffix(INDEX) if root.endswith("/" + INDEX) else root
        return root if root.endswith("/") else root + "/"
    path = Path(root).expanduser()
    return str(path.parent if path.name == INDEX else path)


def load(given: str | None = None, timeout_s: float = web.DEFAULT_TIMEOUT_S) -> Catalogue:
    """The catalogue at ``root_of(given)``: its voices.json fetched (under the fetch policy, the
    address's host being the user's choice) or read from the folder."""
    root = root_of(given)
    catalogue = Catalogue(root, {})
    where = catalogue.where(INDEX)
    if catalogue.local:
        try:
            data = Path(where).read_bytes()
        except OSError as exc:
            raise FetchError(f"cannot read the voice catalogue {where} ({exc.strerror or exc})",
                             hint=f"Check the folder: {WHERE_HINT}") from exc
    else:
        try:
            got = web.fetch(where, timeout_s=timeout_s)
        except FetchError as exc:
            raise FetchError(exc.message, hint=f"{exc.hint} Without the internet, give a mirror or a copy of the "
                                               f"catalogue in a folder: {WHERE_HINT}") from exc
        assert isinstance(got, web.Document)  # an unconditional request never gets a 304
        data = got.data
    return Catalogue(root, parse(data, where))


def parse(data: bytes, where: str) -> dict[str, CatalogueVoice]:
    """The voices of a voices.json, by name; entries it cannot use (no files, a path that leaves
    the catalogue, no digest) are left out. Raises FetchError when it is not a catalogue at all."""
    try:
        index = json.loads(data)
    except ValueError as exc:  # UnicodeDecodeError is one
        raise FetchError(f"{where} is not a Piper voice catalogue (not JSON: {exc})", hint=WHERE_HINT) from None
    if not isinstance(index, dict):
        raise FetchError(f"{where} is not a Piper voice catalogue (not an object of voices)", hint=WHERE_HINT)
    voices = {}
    for name, entry in index.items():
        voice = _voice(str(name), entry)
        if voice is not None:
            voices[voice.name] = voice
    return dict(sorted(voices.items()))


def _voice(name: str, entry: Any) -> CatalogueVoice | None:
    """One catalogue entry, or None when it is not usable: its name (which becomes a folder's) must
    be a plain name, and every file's path must stay inside the catalogue."""
    if not (_NAME.fullmatch(name) and isinstance(entry, dict) and isinstance(entry.get("files"), dict)):
        return None
    files = []
    for path, info in entry["files"].items():
        if not (_inside(path) and isinstance(info, dict) and isinstance(info.get("size_bytes"), int)
                and info["size_bytes"] >= 0
                and isinstance(info.get("md5_digest"), str) and _MD5.fullmatch(info["md5_digest"].lower())):
            return None
        files.append(VoiceFile(path, info["size_bytes"], info["md5_digest"].lower()))
    language = entry["language"] if isinstance(entry.get("language"), dict) else {}
    code = str(language.get("code") or name.split("-", 1)[0])
    described = [str(language[k]) for k in ("name_english", "country_english") if language.get(k)]
    speakers = entry.get("num_speakers")
    aliases = entry["aliases"] if isinstance(entry.get("aliases"), list) else []
    quality = entry.get("quality")
    return CatalogueVoice(name, code.replace("_", "-"), ", ".join(described),
                          quality if isinstance(quality, str) else None,
                          speakers if isinstance(speakers, int) else 1, tuple(files),
                          tuple(str(a) for a in aliases if isinstance(a, str) and _NAME.fullmatch(a)))


def _inside(path: object) -> bool:
    """Whether a catalogue's relative path stays inside it (no "..", no absolute path)."""
    return (isinstance(path, str) and not path.startswith("/") and "\\" not in path
            and all(part not in ("", ".", "..") for part in path.split("/")))
