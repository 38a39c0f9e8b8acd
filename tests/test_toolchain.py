"""The toolchain: the wheel's ffmpeg by default whatever is on PATH, $AUDIO_EDITION_FFMPEG for another,
what a binary lacks found once and said clearly, --version and doctor, and a rebuild that runs no ffmpeg."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE, SYSTEM_FFMPEG, Cli, require_system_ffmpeg

from audio_edition import __version__
from audio_edition.audio import toolchain

pytestmark = pytest.mark.slow  # probes real ffmpeg binaries, and the CLI

WHEEL = toolchain.locate()[1] == "imageio-ffmpeg" and toolchain.locate()[0]


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def logging_ffmpeg(folder: Path, real: str, hide_filter: str | None = None) -> tuple[Path, Path]:
    """An ffmpeg that notes each call, then runs the real one; optionally hiding one filter from
    ``-filters``, as a build without it would list them."""
    folder.mkdir(exist_ok=True)
    log = folder / "calls.log"
    grep = shutil.which("grep")  # the tests run the CLI with a bare PATH
    hide = (f'case " $* " in *" -filters "*) "{real}" "$@" | "{grep}" -v " {hide_filter} "; exit 0;; esac\n'
            if hide_filter else "")
    return script(folder / "ffmpeg", f'echo "$*" >> "{log}"\n{hide}exec "{real}" "$@"\n'), log


def test_version(cli: Cli) -> None:
    run = cli("--version")
    assert run.code == 0 and run.stdout.strip() == f"audio-edition {__version__}"


def test_an_ffmpeg_on_path_is_never_picked_up(cli: Cli, tmp_path: Path) -> None:
    trap = tmp_path / "bin"
    trap.mkdir()
    marker = tmp_path / "system-ffmpeg-was-run"
    script(trap / "ffmpeg", f'touch "{marker}"\nexit 1\n')
    script(trap / "ffprobe", f'touch "{marker}"\nexit 1\n')
    path = f"{trap}{os.pathsep}{Path(sys.executable).parent}"
    run = cli("build", str(SAMPLE), "-o", "a.mp3", "--engine", "fake", env={"PATH": path})
    assert run.code == 0, run.stderr
    assert not marker.exists()
    report = json.loads((tmp_path / "a.report.json").read_text())
    assert report["ffmpeg"].endswith(f"at {WHEEL}")


@pytest.mark.system  # Debian's ffmpeg
def test_a_distribution_ffmpeg_on_path_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    """Debian's ffmpeg 5.1 on PATH (as on most Linux machines): builds use the wheel's, and work."""
    require_system_ffmpeg()
    path = f"{SYSTEM_FFMPEG.parent}{os.pathsep}{Path(sys.executable).parent}"
    run = cli("build", str(SAMPLE), "-o", "a.mp3", env={"PATH": path})
    assert run.code == 0, run.stderr
    assert json.loads((tmp_path / "a.report.json").read_text())["ffmpeg"].endswith(f"at {WHEEL}")


def test_audio_edition_ffmpeg_chooses_the_binary_and_it_is_asked_once(cli: Cli, tmp_path: Path) -> None:
    chosen, log = logging_ffmpeg(tmp_path / "bin", WHEEL)
    (tmp_path / "b.txt").write_text("Another Title\n\nOther words here.\n")
    env = {"AUDIO_EDITION_FFMPEG": str(chosen)}
    assert cli("build", str(SAMPLE), "-o", "a.mp3", "--engine", "fake", env=env).code == 0
    assert cli("build", "b.txt", "--engine", "fake", env=env).code == 0
    calls = log.read_text().splitlines()
    assert sum("-filters" in c for c in calls) == 1  # what the binary offers is asked once, then remembered
    assert any("libmp3lame" in c for c in calls)  # and it is the one that encodes
    assert json.loads((tmp_path / "a.report.json").read_text())["ffmpeg"].endswith(f"at {chosen}")


def test_a_missing_filter_is_one_clear_error_before_any_work(cli: Cli, tmp_path: Path) -> None:
    lacking, _ = logging_ffmpeg(tmp_path / "bin", WHEEL, hide_filter="alimiter")
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    before = {p.name for p in tmp_path.iterdir()}
    run = cli("build", "a.txt", env={"AUDIO_EDITION_FFMPEG": str(lacking)})
    assert run.code == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"Error: ffmpeg at {lacking} (version ")
    assert "lacks what audio-edition needs: the alimiter filter" in lines[0], lines[0]
    assert "Hint: Point AUDIO_EDITION_FFMPEG at ffmpeg 5.1 or newer" in lines[0]
    assert {p.name for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize("value, message", [
    ("/nonexistent/ffmpeg", "names /nonexistent/ffmpeg, which is not an executable"),
    ("no-such-ffmpeg-anywhere", "names no-such-ffmpeg-anywhere"),
])
def test_a_bad_audio_edition_ffmpeg_is_one_clear_error(cli: Cli, tmp_path: Path, value: str, message: str) -> None:
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    run = cli("build", "a.txt", env={"AUDIO_EDITION_FFMPEG": value})
    assert run.code == 1 and run.stderr.count("\n") == 1 and message in run.stderr and "Hint:" in run.stderr


def test_not_an_ffmpeg(cli: Cli, tmp_path: Path) -> None:
    fake = script(tmp_path / "fake-ffmpeg", "echo hello\n")
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    run = cli("build", "a.txt", env={"AUDIO_EDITION_FFMPEG": str(fake)})
    assert run.code == 1 and "does not answer like ffmpeg" in run.stderr


@pytest.mark.system  # Debian's ffmpeg
def test_debians_ffmpeg_51_has_everything_we_need() -> None:
    """Nothing newer than 5.1: asked for real, Debian 12's ffmpeg lacks none of our needs."""
    require_system_ffmpeg()
    version, features = toolchain.probe(str(SYSTEM_FFMPEG))
    chain = toolchain.Toolchain(str(SYSTEM_FFMPEG), "$AUDIO_EDITION_FFMPEG", version, features)
    assert chain.missing(toolchain.NEEDS + sum(toolchain.FORMAT_NEEDS.values(), ())) == []
    assert "filter alimiter" in features and "option alimiter.latency" in features and "encoder libmp3lame" in features


def test_doctor_json(cli: Cli) -> None:
    run = cli("doctor", "--json", env={"HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"})
    assert run.code == 0, run.stderr
    found = json.loads(run.stdout)
    assert set(found) == {"ffmpeg", "engines", "cache"}
    ffmpeg = found["ffmpeg"]
    assert ffmpeg["path"] == WHEEL and ffmpeg["source"] == "imageio-ffmpeg" and ffmpeg["ok"] is True
    assert ffmpeg["version"] and ffmpeg["missing"] == [] and ffmpeg["formats"] == {".mp3": True, ".m4a": True,
                                                                                    ".opus": True}
    engines = {row["name"]: row for row in found["engines"]}
    espeak = engines["espeak"]
    assert espeak["available"] and espeak["offline"] and not espeak["default"]
    piper = engines["piper"]  # auto's first choice, with the voice the [piper] extra installs
    assert piper["default"] and {"name": "en_US-joe-medium", "languages": ["en-US"],
                                 "quality": "medium"} in piper["voices"]
    assert {"name": "en-US", "languages": ["en-us", "en"], "quality": "robotic"} in espeak["voices"]
    assert "--check-network" in engines["gtts"]["reason"]  # not asked: a listing stays offline
    assert found["cache"]["path"] == os.environ["AUDIO_EDITION_CACHE_DIR"]
    assert isinstance(found["cache"]["size_bytes"], int) and isinstance(found["cache"]["entries"], int)


def test_doctor_says_what_is_wrong(cli: Cli, tmp_path: Path) -> None:
    lacking, _ = logging_ffmpeg(tmp_path / "bin", WHEEL, hide_filter="biquad")
    run = cli("doctor", "--json", env={"AUDIO_EDITION_FFMPEG": str(lacking)})
    assert run.code == 1
    found = json.loads(run.stdout)
    assert found["ffmpeg"]["ok"] is False and found["ffmpeg"]["missing"] == ["filter biquad"]
    assert run.stderr.startswith("Error: ffmpeg at") and "the biquad filter" in run.stderr
    text = cli("doctor", env={"AUDIO_EDITION_FFMPEG": str(lacking)})
    assert text.code == 1 and "NOT USABLE" in text.stdout and "lacks: filter biquad" in text.stdout


def test_an_unchanged_rebuild_runs_no_ffmpeg_at_all(cli: Cli, tmp_path: Path) -> None:
    """The finished episode is cached under its inputs: no synthesis, no mix, no encode, no probe."""
    chosen, log = logging_ffmpeg(tmp_path / "bin", WHEEL)
    env = {"AUDIO_EDITION_FFMPEG": str(chosen)}
    first = cli("build", str(SAMPLE), "-o", "a.mp3", env=env)
    assert first.code == 0, first.stderr
    calls = len(log.read_text().splitlines())
    audio = (tmp_path / "a.mp3").read_bytes()
    again = cli("build", str(SAMPLE), "-o", "a.mp3", env=env)
    assert again.code == 0 and "nothing synthesized, all from cache" in again.stderr
    assert len(log.read_text().splitlines()) == calls
    assert (tmp_path / "a.mp3").read_bytes() == audio
    assert json.loads((tmp_path / "a.report.json").read_text())["episode_from_cache"] is True
