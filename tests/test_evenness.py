"""Even sentences and a rhythm that ends them: each take is levelled to the takes' common loudness
(gently: one gain a take, at most mix.LEVEL_MAX_DB), and a sentence's end is given a pause clearly
longer than the voice's own pauses at commas, measured inside its takes. Checked with ffmpeg's
meter and silence detector on what the mix renders, and on a real Piper episode."""

from __future__ import annotations

import io
import json
import re
import statistics
import subprocess
import wave
from pathlib import Path

import pytest
from conftest import Cli
from readers import FFMPEG, vtt_cues
from test_mix import Mixable, ffmpeg_lufs

from audio_edition.audio import mix
from audio_edition.models import Article, Section, Take
from audio_edition.speech.engines.fake import tone_wav
from audio_edition.text.script import build_script

RATE = 22050


def take(*pieces: tuple[int, float]) -> Take:
    """A take of tones (ms, amplitude; amplitude 0 is silence), joined."""
    frames = b""
    for ms, amplitude in pieces:
        if amplitude:
            with wave.open(io.BytesIO(tone_wav(ms, 330.0, RATE, amplitude))) as w:
                frames += w.readframes(w.getnframes())
        else:
            frames += bytes(2 * (RATE * ms // 1000))  # whole samples
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(RATE)
        w.writeframes(frames)
    return Take(out.getvalue(), "wav")


def script_of(sentences: int) -> Article:
    return Article("A title", (Section(None, (" ".join(f"Sentence {n} is here." for n in range(sentences)),)),))


def span_lufs(pcm: bytes, plan: mix.Plan) -> list[float]:
    return [ffmpeg_lufs(pcm[start * 2 : end * 2]) for start, end in plan.positions.utterances]


def test_takes_read_louder_or_softer_are_levelled_to_their_common_loudness() -> None:
    script = build_script(script_of(6), "en", 400)
    amplitudes = (0.3, 0.22, 0.4, 0.25, 0.3, 0.35, 0.3)  # 5.2 dB apart, as Piper's sentences can be
    ready = Mixable(script, [take((1500, a)) for a in amplitudes])
    plan = ready.plan(mix.Layout(crossfade_ms=0))
    levels = span_lufs(ready.render(plan), plan)
    assert max(levels) - min(levels) < 0.3, levels  # were 5.2 dB apart


def test_levelling_is_gentle_a_take_far_off_is_moved_only_so_far() -> None:
    script = build_script(script_of(3), "en", 400)
    ready = Mixable(script, [take((1500, a)) for a in (0.3, 0.3, 0.3, 0.03)])  # the last 20 dB softer
    plan = ready.plan(mix.Layout(crossfade_ms=0))
    levels = span_lufs(ready.render(plan), plan)
    assert levels[3] - levels[0] == pytest.approx(-20 + mix.LEVEL_MAX_DB, abs=0.3)
    gains = {p.key: p.gain_db for p in plan.parts}
    assert gains["t3"] - gains["t0"] == pytest.approx(mix.LEVEL_MAX_DB, abs=0.01)  # one gain for the whole take


def silences(pcm: bytes, shortest_s: float = 0.15) -> list[tuple[float, float]]:
    """(start, end) of each silence ffmpeg's silencedetect finds in mix PCM (44.1 kHz mono)."""
    proc = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-f", "s16le", "-ar", "44100", "-ac", "1", "-i", "-",
                           "-af", f"silencedetect=noise=-50dB:d={shortest_s}", "-f", "null", "-"],
                          input=pcm, capture_output=True, check=True)
    starts = [float(x) for x in re.findall(rb"silence_start: (-?[\d.]+)", proc.stderr)]
    ends = [float(x) for x in re.findall(rb"silence_end: (-?[\d.]+)", proc.stderr)]
    return list(zip(starts, ends))


def test_a_sentences_end_pauses_longer_than_the_voices_commas() -> None:
    script = build_script(script_of(4), "en", 400)
    comma = 400  # a voice that pauses 0.4 s at each comma, longer than our 0.38 s between sentences
    takes = [take((700, 0.3), (comma, 0), (700, 0.3), (comma, 0), (600, 0.3)) for _ in script.utterances]
    ready = Mixable(script, takes)
    plan = ready.plan(mix.Layout(crossfade_ms=0))
    heard = [end - start for start, end in silences(ready.render(plan))]
    commas = [s for s in heard if s < 0.45]
    between = [s for s in heard if s >= 0.45]
    assert len(commas) == 2 * len(takes) and statistics.median(commas) == pytest.approx(0.4, abs=0.03)
    assert min(between) >= 1.5 * statistics.median(commas), (between, commas)


def test_a_voice_with_short_commas_keeps_the_scripts_pauses() -> None:
    script = build_script(script_of(4), "en", 400)
    ready = Mixable(script, [take((700, 0.3), (160, 0), (700, 0.3)) for _ in script.utterances])  # espeak-like
    plan = ready.plan(mix.Layout(crossfade_ms=0))
    gaps = [b[0] - a[1] for a, b in zip(plan.positions.utterances, plan.positions.utterances[1:])]
    assert gaps == [round(u.pause_after_ms * 44.1) for u in script.utterances[:-1]]


@pytest.mark.slow  # the real Piper voice
def test_a_piper_episode_has_even_sentences_and_sentence_ends_longer_than_its_commas(
        cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: The ferry that came back\nauthor: Mara Quinlan\n---\n\n"
        "After two winters in the yard, the old ferry is back on the river, and the town has turned out to see it. "
        "Its engines are new, its benches are the old ones, and its bell, polished for the day, rang twice.\n\n"
        "## What changed\n\n"
        "The crossing now takes nine minutes. Tickets cost the same, though a season pass is cheaper, "
        "and children under twelve ride free.\n\n"
        "Not everyone is pleased. Some residents, who had grown used to the bridge, say the ferry's horn "
        "starts too early, and the council has promised to listen.\n", encoding="utf-8")
    run = cli("build", "a.md", "--engine", "piper", "--no-intro", "--no-outro", timeout=300)
    assert run.code == 0, run.stderr
    mp3 = tmp_path / "a.mp3"
    pcm = subprocess.run([FFMPEG, "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-ar", "44100", "-"],
                         capture_output=True, check=True).stdout
    cues = vtt_cues((tmp_path / "a.vtt").read_text())
    levels = [ffmpeg_lufs(pcm[int(s * 44100) * 2 : int(e * 44100) * 2]) for s, e, _ in cues if e - s >= 1.5]
    jumps = [abs(b - a) for a, b in zip(levels, levels[1:])]
    assert statistics.pstdev(levels) <= 0.8 and max(jumps) <= 3.0, levels
    quiet = silences(pcm)
    commas = [e - s for s, e in quiet if any(cs < s and e < ce for cs, ce, _ in cues)]  # inside a sentence
    gaps = [b[0] - a[1] for a, b in zip(cues, cues[1:])]
    assert len(commas) >= 3, quiet
    # The mix sets sentence ends to 1.6x its own median comma pause; silencedetect measures commas
    # independently, and the two medians differ by up to ~7% on Piper's varying takes (one CI run:
    # 0.48 s ends against a 0.322 s silencedetect median, 1.49x). 1.4x keeps the claim, with room.
    assert min(gaps) >= 1.4 * statistics.median(commas), (gaps, commas)
    report = json.loads((tmp_path / "a.report.json").read_text())
    assert report["voice"] == "en_US-joe-medium"


def test_a_take_too_short_for_a_loudness_block_is_measured_as_one_block_would() -> None:
    """Under 400 ms (a two-word sentence) BS.1770 has no block to gate; the take is measured over
    its sounding span, gaps included, so it is levelled like its longer neighbours."""
    from audio_edition.audio import loudness, segments, toolchain

    takes = {"short": take((100, 0.3), (50, 0), (100, 0.3)),  # sounding 80% of its span
             "long": take(*[(100, 0.3), (25, 0)] * 16, (100, 0.3))}  # the same, 2.1 s of it
    pcm = {name: segments.take_pcm(t.audio, t.format) for name, t in takes.items()}
    profiles = loudness.profiles(pcm.items(), toolchain.current())
    assert profiles["short"].lufs == loudness.SILENCE_LUFS  # too short for BS.1770 itself
    assert loudness.speech_lufs(profiles["short"]) == pytest.approx(loudness.speech_lufs(profiles["long"]), abs=0.5)
