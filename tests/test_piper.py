"""The Piper engine with the real voice the [piper] extra installs (en_US-joe-medium), and
--engine auto choosing it, or espeak, by the article's language."""

from __future__ import annotations

import io
import json
import shutil
import wave
from pathlib import Path

import pytest
from conftest import Cli

from audio_edition.audio.takecheck import check_wav
from audio_edition.speech import registry as engines
from audio_edition.speech.engines import piper
from audio_edition.storage.cache import DiskCache

pytestmark = pytest.mark.slow  # the real Piper voice

JOE = "en_US-joe-medium"
SENTENCES = ["The harbour town had its hottest June on record.",
             "The council opened three cooling rooms for older residents.",
             "They will stay open until the end of August."]


def test_the_packaged_voice_is_found_with_its_language_and_quality() -> None:
    engine = engines.get("piper")
    assert engine.availability().available
    joe = next(v for v in engine.voices() if v.name == JOE)
    assert joe.languages == ("en-US",) and joe.quality == "medium"
    assert engine.resolve_voice(None, "en") == JOE and engine.resolve_voice(None, "en-GB") == JOE


def test_real_takes_are_speech_at_the_voices_rate_and_fit_their_text() -> None:
    engine = engines.get("piper")
    for text in SENTENCES:
        take = engine.synthesize(text, JOE, "en-US")
        report = check_wav(take.audio, text)
        assert report.sample_rate == 22050
        assert report.problems == (), (text, report)
        assert report.rms_dbfs > -35  # speech, not near-silence


def test_the_checks_catch_silence_clipping_and_a_take_that_cannot_hold_its_text() -> None:
    def wav(samples: list[int]) -> bytes:
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(22050)
            w.writeframes(b"".join(s.to_bytes(2, "little", signed=True) for s in samples))
        return out.getvalue()

    long_text = " ".join(SENTENCES)
    assert any("silent" in p for p in check_wav(wav([0] * 22050 * 3), SENTENCES[0]).problems)
    assert any("clipped" in p for p in check_wav(wav([32767, -32768] * 22050), SENTENCES[0]).problems)
    assert any("too short" in p for p in check_wav(wav([3000, -3000] * 2000), long_text).problems)
    assert any("too long" in p for p in check_wav(wav([3000, -3000] * 22050 * 10), "Short.").problems)


def test_a_build_speaks_with_piper_caches_each_sentence_and_rebuilds_from_the_cache(
        cli: Cli, tmp_path: Path, isolated_cache: Path) -> None:
    (tmp_path / "a.txt").write_text("Heat in the harbour town\n\n" + " ".join(SENTENCES) + "\n")
    run = cli("build", "a.txt", "--engine", "auto", "--no-intro", "--no-outro",
              env={"AUDIO_EDITION_CACHE_DIR": str(isolated_cache)})
    assert run.code == 0, run.stderr
    assert f"with piper ({JOE}): 4 synthesized, 0 from cache" in run.stderr  # the title and three sentences
    report = json.loads((tmp_path / "a.report.json").read_text())
    assert (report["engine"], report["voice"], report["notes"]) == ("piper", JOE, [])
    takes = list((isolated_cache / "takes").rglob("*.wav"))
    assert len(takes) == 4
    cache = DiskCache(isolated_cache)
    for path in takes:
        audio = cache.get("takes", path.stem, "wav")
        assert audio is not None and check_wav(audio, SENTENCES[0]).sample_rate == 22050
    (tmp_path / "a.mp3").unlink()
    again = cli("build", "a.txt", "--engine", "auto", "--no-intro", "--no-outro",
                env={"AUDIO_EDITION_CACHE_DIR": str(isolated_cache)})
    assert again.code == 0 and "nothing synthesized, all from cache" in again.stderr


@pytest.mark.parametrize("lang, text", [
    ("fr", "Le port de la ville a connu son mois de juin le plus chaud. La mairie a ouvert trois salles."),
    ("de", "Die Stadt am Hafen hatte den heißesten Juni seit Beginn der Messungen. Der Rat öffnete drei Räume."),
])
def test_auto_falls_back_to_espeak_for_a_language_piper_has_no_voice_for(
        cli: Cli, tmp_path: Path, lang: str, text: str) -> None:
    (tmp_path / "a.md").write_text(f"---\ntitle: Hafen\nlang: {lang}\n---\n\n{text}\n")
    run = cli("build", "a.md", "--engine", "auto", "--no-intro", "--no-outro")
    assert run.code == 0, run.stderr
    suggested = {"fr": "fr_FR-siwis-medium", "de": "de_DE-thorsten-medium"}[lang]
    assert (f"Piper has no voice for '{lang}' here (for one: audio-edition voices install {suggested}): "
            "espeak used") in run.stderr
    report = json.loads((tmp_path / "a.report.json").read_text())
    assert report["engine"] == "espeak" and report["voice"].startswith(lang)


def test_without_piper_auto_uses_espeak_and_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(piper, "find_voices", lambda: [])  # as on a machine without the extra's voice
    engine, voice, why = engines.choose("en")
    assert engine.name == "espeak" and voice.lower() == "en-us"
    assert (why is not None and why.startswith("piper is not available (no Piper voice found")
            and why.endswith("espeak used"))


def test_voices_come_from_the_voices_folder_and_a_path_and_change_the_cache_key(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from audio_edition.speech.synthesis import _identity

    joe = next(v for v in piper.find_voices() if v.name == JOE)
    folder = tmp_path / "voices"
    folder.mkdir()
    (folder / "en_GB-test-low.onnx").write_bytes(b"not the same model")
    config = json.loads(joe.config.read_text())
    config["language"]["code"] = "en_GB"
    config["audio"]["quality"] = "low"
    (folder / "en_GB-test-low.onnx.json").write_text(json.dumps(config))
    (folder / "orphan.onnx").write_bytes(b"no config beside it")  # not a voice
    monkeypatch.setenv("AUDIO_EDITION_VOICES", str(folder))
    engine = engines.get("piper")
    found = {v.name: v for v in engine.voices()}
    assert set(found) == {JOE, "en_GB-test-low"} and found["en_GB-test-low"].quality == "low"
    assert engine.resolve_voice(None, "en-GB") == "en_GB-test-low"  # its region first
    assert engine.resolve_voice(None, "en-US") == JOE
    copy = tmp_path / "mine.onnx"
    shutil.copy(joe.model, copy)
    shutil.copy(joe.config, tmp_path / "mine.onnx.json")
    assert engine.resolve_voice(str(copy), "en") == str(copy)
    assert _identity(engine, "en_GB-test-low") != _identity(engine, JOE)  # the file's digest is in the key
    with pytest.raises(Exception, match="no Piper voice at"):
        engine.resolve_voice(str(tmp_path / "missing.onnx"), "en")


def test_rate_speeds_up_piper_and_espeak(cli: Cli, tmp_path: Path) -> None:
    from audio_edition.episode.tags import read_episode

    (tmp_path / "a.txt").write_text("Rate\n\n" + " ".join(SENTENCES) + "\n")
    for engine in ("piper", "espeak"):
        lengths = []
        for rate in ("1.0", "1.6"):
            out = f"{engine}-{rate}.mp3"
            run = cli("build", "a.txt", "-o", out, "--engine", engine, "--rate", rate, "--no-intro", "--no-outro", "-q")
            assert run.code == 0, run.stderr
            lengths.append(read_episode(tmp_path / out).duration_s)
        assert lengths[1] < lengths[0] * 0.85, (engine, lengths)
    bad = cli("build", "a.txt", "--rate", "3")
    assert bad.code != 0 and "Error: a rate of 3 is outside 0.5 to 2" in bad.stderr


def test_a_phoneme_lexicon_entry_reaches_piper_as_phonemes(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "lexicon.toml").write_text('"Nguyen" = { say = "win", phonemes = "ŋwˈiən" }\n')
    (tmp_path / "a.txt").write_text("Names\n\nThe mayor, Anh Nguyen, opened the rooms.\n")
    data = json.loads(cli("prepare", "a.txt", "--json", "--engine", "piper", "--lexicon", "lexicon.toml").stdout)
    said = data["utterances"][1]["text"]
    assert said == "The mayor, Anh [[ ŋwˈiən ]], opened the rooms."
    voice = piper._load(next(v for v in piper.find_voices() if v.name == JOE))
    heard = "".join(p for sentence in voice.phonemize(said) for p in sentence)  # Piper's own reading
    assert "ŋwˈiən" in heard and "nˈuːjɛn" not in heard
    plain = json.loads(cli("prepare", "a.txt", "--json", "--engine", "espeak", "--lexicon", "lexicon.toml").stdout)
    assert plain["utterances"][1]["text"] == "The mayor, Anh win, opened the rooms."


def test_a_damaged_voice_file_is_one_clear_error_and_leaves_no_episode(cli: Cli, tmp_path: Path) -> None:
    joe = next(v for v in piper.find_voices() if v.name == JOE)
    folder = tmp_path / "voices"
    folder.mkdir()
    (folder / "en_GB-broken-low.onnx").write_bytes(b"not a model at all")
    shutil.copy(joe.config, folder / "en_GB-broken-low.onnx.json")
    (tmp_path / "a.txt").write_text("Title\n\nA sentence to speak.\n")
    run = cli("build", "a.txt", "--engine", "piper", "--voice", "en_GB-broken-low", "--no-intro", "--no-outro",
              env={"AUDIO_EDITION_VOICES": str(folder)})
    assert run.code != 0
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "the Piper voice en_GB-broken-low" in errors[0] and "could not be loaded" in errors[0]
    assert "Traceback" not in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "voices"]


def test_one_sentence_runs_on_every_core_alone_and_on_one_beside_other_builds() -> None:
    """One model per process: alone, a sentence is spread over the cores (ONNX Runtime's intra-op
    threads); in a worker building beside others, on one. Each in a fresh process (the model and
    the setting are per process)."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from audio_edition.speech import registry, workers\n"
            "from audio_edition.speech.engines import piper\n"
            "if sys.argv[1] == 'beside': workers.building_side_by_side()\n"
            "engine = registry.get('piper')\n"
            "engine.synthesize('One.', 'en_US-joe-medium', 'en-US')\n"
            "model = next(iter(piper._loaded.values()))\n"
            "print(model.session.get_session_options().intra_op_num_threads)\n")
    threads = {how: int(subprocess.run([sys.executable, "-c", code, how], capture_output=True, text=True,
                                       check=True).stdout) for how in ("alone", "beside")}
    assert threads == {"alone": min(piper._CORES, 4), "beside": 1}
