"""--engine auto with voices installed from a catalogue: the best voice for the article's language
and region is used and named; a language with no natural voice names the one to install; --voice
takes a Piper voice, an espeak voice or a language tag, and an unknown one lists what is here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli
from voicecatalogue import BRITISH, GERMAN, Mirror

pytestmark = pytest.mark.slow  # the real Piper voice speaks

JOE = "en_US-joe-medium"
GERMAN_ARTICLE = """---
title: Der Hafen im Sommer
author: Jana Feld
---

Die Stadt am Hafen hatte den heißesten Juni seit Beginn der Messungen. Der Rat öffnete drei kühle Räume
für ältere Menschen, und die Bibliothek blieb bis zum Abend offen.
"""
ENGLISH = "Heat in the harbour town\n\nThe council opened three cooling rooms. They stay open until August.\n"


def test_auto_speaks_a_german_article_with_the_german_voice_installed_from_the_catalogue(
        cli: Cli, tmp_path: Path, voice_catalogue: Mirror) -> None:
    env = {"AUDIO_EDITION_VOICES_DIR": str(tmp_path / "voices"), "AUDIO_EDITION_ENGINE": "auto"}
    (tmp_path / "hafen.md").write_text(GERMAN_ARTICLE, encoding="utf-8")
    before = cli("build", "hafen.md", "--no-intro", "--no-outro", "-o", "before.mp3", env=env)
    assert before.code == 0, before.stderr
    assert ("Piper has no voice for 'de' here (for one: audio-edition voices install de_DE-thorsten-medium): "
            "espeak used") in before.stderr  # the note names the voice to install
    installed = cli("voices", "install", GERMAN, "--from", voice_catalogue.url, env=env)
    assert installed.code == 0, installed.stderr
    run = cli("build", "hafen.md", "--no-intro", "--no-outro", env=env)
    assert run.code == 0, run.stderr
    assert f"with piper ({GERMAN})" in run.stderr and "Note:" not in run.stderr
    report = json.loads((tmp_path / "hafen.report.json").read_text())
    assert (report["engine"], report["voice"], report["language"], report["notes"]) == ("piper", GERMAN, "de", [])


def test_voice_as_a_language_tag_picks_that_region_and_says_what_to_install_when_it_is_missing(
        cli: Cli, tmp_path: Path, install_voice) -> None:  # type: ignore[no-untyped-def]
    env = {"AUDIO_EDITION_VOICES_DIR": str(tmp_path / "voices"), "AUDIO_EDITION_ENGINE": "auto"}
    (tmp_path / "a.txt").write_text(ENGLISH)
    espeak = cli("build", "a.txt", "--voice", "en-gb", "--no-intro", "--no-outro", "-o", "espeak.mp3", env=env)
    assert espeak.code == 0, espeak.stderr
    assert ("Piper has no voice for 'en-gb' here (for one: audio-edition voices install en_GB-alan-medium): "
            "espeak used") in espeak.stderr  # not the US voice: the user asked for British English
    assert json.loads((tmp_path / "espeak.report.json").read_text())["engine"] == "espeak"
    install_voice(BRITISH, tmp_path / "voices")
    british = cli("build", "a.txt", "--voice", "en-gb", "--no-intro", "--no-outro", "-o", "british.mp3", env=env)
    assert british.code == 0 and f"with piper ({BRITISH})" in british.stderr, british.stderr
    auto = cli("build", "a.txt", "--lang", "en-GB", "--no-intro", "--no-outro", "-o", "auto.mp3", env=env)
    assert auto.code == 0 and f"with piper ({BRITISH})" in auto.stderr, auto.stderr  # region before quality
    us = cli("build", "a.txt", "--lang", "en-US", "--no-intro", "--no-outro", "-o", "us.mp3", env=env)
    assert us.code == 0 and f"with piper ({JOE})" in us.stderr, us.stderr
    named = cli("build", "a.txt", "--voice", JOE, "--no-intro", "--no-outro", "-o", "named.mp3", env=env)
    assert named.code == 0 and f"with piper ({JOE})" in named.stderr, named.stderr


def test_an_unknown_voice_lists_the_voices_here_and_how_to_install_one(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ENGLISH)
    run = cli("build", "a.txt", "--voice", "en_GB-nobody-medium", "--no-intro", "--no-outro",
              env={"AUDIO_EDITION_ENGINE": "auto"})
    assert run.code == 1
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: no engine here has the voice 'en_GB-nobody-medium'")
    assert f"Piper voices here: {JOE}" in lines[0] and "audio-edition voices install NAME" in lines[0]
    assert "audio-edition voices list --available" in lines[0]
    assert not list(tmp_path.glob("*.mp3"))


def test_piper_without_a_voice_for_the_language_names_the_one_to_install(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: Port\nlang: fr\n---\n\nLe port a connu son mois le plus chaud.\n")
    run = cli("build", "a.md", "--engine", "piper", "--no-intro", "--no-outro")
    assert run.code == 1
    assert "audio-edition voices install fr_FR-siwis-medium" in run.stderr
    assert not list(tmp_path.glob("*.mp3"))
