"""A finished episode: loudness, transcripts that follow the audio, chapters every reader agrees on,
and the other output formats. Checked with ffmpeg, eyeD3, mutagen and the W3C WebVTT parser.

Every test here runs twice: with the ffmpeg from the imageio-ffmpeg wheel and with Debian's 5.1."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import eyed3
import pytest
from conftest import SAMPLE, Cli, require_seed
from readers import (
    FFMPEG,
    decode_errors,
    decoded_pcm,
    decoded_samples,
    ebur128,
    ffmetadata,
    id3v2_frames,
    srt_cues,
    walk_mp3,
    webvtt_parse,
)

from audio_edition import pipeline
from audio_edition.settings import Settings

FRAME = 1152
# builds, masters and encodes with both ffmpegs
pytestmark = [pytest.mark.usefixtures("ffmpeg_choice"), pytest.mark.slow]

Episodes = dict[str, pipeline.BuildResult]


@pytest.fixture(scope="module")
def episodes(tmp_path_factory: pytest.TempPathFactory, clips: dict[str, Path], ffmpeg_choice: str | None) -> Episodes:
    """The sample with the default engine, and a build with a loud 48 kHz stereo intro."""
    folder = tmp_path_factory.mktemp("episodes")
    settings = Settings(cache_dir=folder / "cache")
    return {
        "sample": pipeline.build(str(SAMPLE), folder / "sample.mp3", settings),
        "loud": pipeline.build(str(SAMPLE), folder / "loud.mp3", settings.with_changes(intro=clips["loud_mp3"])),
    }


@pytest.fixture(scope="module")
def seed_episode(tmp_path_factory: pytest.TempPathFactory, ffmpeg_choice: str | None) -> pipeline.BuildResult:
    folder = tmp_path_factory.mktemp("seed")
    return pipeline.build(str(require_seed()), folder / "seed.mp3", Settings(cache_dir=folder / "cache"))


@pytest.mark.parametrize("name", ["sample", "loud"])
def test_loudness_as_heard(episodes: Episodes, name: str) -> None:
    integrated, true_peak = ebur128(episodes[name].output)
    assert abs(integrated - -16.0) <= 0.5, integrated
    assert true_peak <= -1.0, true_peak
    assert decode_errors(episodes[name].output) == ""


def test_seed_episode(seed_episode: pipeline.BuildResult) -> None:
    integrated, true_peak = ebur128(seed_episode.output)
    assert abs(integrated - -16.0) <= 0.5 and true_peak <= -1.0
    assert decode_errors(seed_episode.output) == ""
    stem = seed_episode.output.with_suffix("")
    assert webvtt_parse(Path(f"{stem}.vtt"))["errors"] == []
    chapters = json.loads(Path(f"{stem}.chapters.json").read_text())["chapters"]
    assert [(c.title, c.times.start / 1000) for c in eyed3.load(str(seed_episode.output)).tag.chapters] == [
        (c["title"], c["startTime"]) for c in chapters]
    assert ffmetadata(seed_episode.output).tags["title"] == (
        "Putin’s opportunity to address peace concerns before Trump encounter")


@pytest.mark.parametrize("target", [-23.0, -19.0, -14.0])
def test_loudness_target_is_configurable(tmp_path: Path, target: float) -> None:
    """From broadcast's -23 to the -14 some apps play at: at -14 the limiter works 6 dB deeper."""
    (tmp_path / "a.md").write_text(SAMPLE.read_text())
    result = pipeline.build(str(tmp_path / "a.md"), tmp_path / "a.mp3",
                            Settings(loudness_lufs=target, cache_dir=tmp_path / "c"))
    integrated, true_peak = ebur128(result.output)
    assert abs(integrated - target) <= 0.5 and true_peak <= -1.0


def test_webvtt_is_valid_for_the_w3c_parser_and_matches_the_srt(episodes: Episodes) -> None:
    for result in episodes.values():
        stem = result.output.with_suffix("")
        parsed = webvtt_parse(Path(f"{stem}.vtt"))
        assert parsed["errors"] == []
        srt = srt_cues(Path(f"{stem}.srt"))
        assert [(round(c["start"], 3), round(c["end"], 3), c["text"]) for c in parsed["cues"]] == [
            (round(s, 3), round(e, 3), t) for s, e, t in srt]
        starts = [c["start"] for c in parsed["cues"]]
        assert starts == sorted(starts) and all(c["end"] > c["start"] for c in parsed["cues"])


def test_cues_are_sentences_at_the_times_the_mix_placed_them(episodes: Episodes) -> None:
    result = episodes["sample"]
    cues = webvtt_parse(Path(f"{result.output.with_suffix('')}.vtt"))["cues"]
    sentence_starts: dict[int, int] = {}
    for span in result.timeline.spans:
        if span.sentence is not None:
            sentence_starts.setdefault(span.sentence, span.start_ms)
    assert len(cues) == len(sentence_starts)
    for cue, start_ms in zip(cues, sentence_starts.values()):
        assert abs(cue["start"] * 1000 - start_ms) <= 50
    assert cues[2]["text"] == ("When the reading room in Eastbrook closed for repairs last spring, "
                               "the staff noticed something odd.")


def test_cues_start_where_the_speech_in_the_file_starts(tmp_path: Path) -> None:
    """Independent of the timeline: in the decoded file, each cue's start is where sound begins after a pause."""
    (tmp_path / "a.txt").write_text("A Title\n\nOne sentence here. Another one follows it.\n\n"
                                    "A second paragraph now.\n")
    result = pipeline.build(str(tmp_path / "a.txt"), tmp_path / "a.mp3",
                         Settings(engine="fake", intro=None, outro=None, cache_dir=tmp_path / "c"))
    pcm = decoded_pcm(result.output)

    def peak(start_ms: float, end_ms: float) -> int:
        a, b = int(start_ms * 44.1) * 2, int(end_ms * 44.1) * 2
        chunk = pcm[a:b]
        return max((abs(int.from_bytes(chunk[i:i + 2], "little", signed=True)) for i in range(0, len(chunk), 2)),
                   default=0)

    cues = webvtt_parse(Path(f"{result.output.with_suffix('')}.vtt"))["cues"]
    assert [c["text"] for c in cues] == ["A Title", "One sentence here.", "Another one follows it.",
                                         "A second paragraph now."]
    for cue in cues:
        start = cue["start"] * 1000
        assert peak(start + 10, start + 50) > 2000  # speech within 50 ms of the cue
        if start > 200:
            assert peak(start - 150, start - 50) < 300  # and a pause before it


def test_chapters_agree_across_readers_and_the_json(episodes: Episodes) -> None:
    for result in episodes.values():
        mp3 = result.output
        json_chapters = json.loads(Path(f"{mp3.with_suffix('')}.chapters.json").read_text())["chapters"]
        from_json = [(c["title"], c["startTime"]) for c in json_chapters]
        from_eyed3 = [(c.title, c.times.start / 1000) for c in eyed3.load(str(mp3)).tag.chapters]
        from mutagen.id3 import ID3

        tags = ID3(str(mp3))
        toc = tags.getall("CTOC")[0].child_element_ids
        chaps = {c.element_id: c for c in tags.getall("CHAP")}
        from_mutagen = [(chaps[i].sub_frames["TIT2"].text[0], chaps[i].start_time / 1000) for i in toc]
        from_ffmpeg = ffmetadata(mp3).chapters
        assert from_json == from_eyed3 == from_mutagen
        assert [c["title"] for c in from_ffmpeg] == [t for t, _ in from_json]
        assert all(abs(c["start_s"] - s) <= 0.03 for c, (_, s) in zip(from_ffmpeg, from_json))
        assert [s for _, s in from_json] == sorted(s for _, s in from_json)


def test_duration_is_the_sum_of_its_parts_within_one_frame(episodes: Episodes) -> None:
    from audio_edition.audio import mix, segments
    from audio_edition.speech import synthesis as synth
    from audio_edition.storage.cache import DiskCache

    result = episodes["sample"]
    settings = Settings()
    prepared = pipeline.prepare(str(SAMPLE), settings)
    takes = synth.TakeCache(DiskCache(result.output.parent / "cache"))
    take_samples = 0
    for u in prepared.script.utterances:
        take = takes.get(synth.TakeCache.key(prepared.engine, prepared.voice, "en", u.text))
        assert take is not None
        pcm = segments.take_pcm(take.audio, take.format)
        take_samples += len(segments.finish_take(pcm, segments.trim_bounds(pcm))) // 2
    clip = lambda path: len(segments.decode_clip(path, "intro")) // 2  # noqa: E731
    layout = mix.Layout()
    pauses = sum(44100 * u.pause_after_ms // 1000 for u in prepared.script.utterances)
    expected = (clip(settings.intro) + 44100 * layout.gap_after_intro_ms // 1000 + take_samples + pauses
                + 44100 * layout.gap_before_outro_ms // 1000 + clip(settings.outro)
                - 2 * (44100 * layout.crossfade_ms // 1000))
    assert abs(decoded_samples(result.output) - expected) <= FRAME


def test_tag_details_that_break_players(episodes: Episodes) -> None:
    result = episodes["sample"]
    major, frames = id3v2_frames(result.output)
    frame = dict(frames)
    assert major == 3 and "TDRC" not in frame and frame["PCST"] == b"\x00\x00\x00\x00"
    assert str(eyed3.load(str(result.output)).tag.getBestDate()) == "2026-10-02"  # a day before the 10th
    lyrics = eyed3.load(str(result.output)).tag.lyrics[0].text
    assert lyrics.startswith("Why a Town Library Started Lending Sound\n\nWhen the reading room")
    assert "What comes next" in lyrics
    assert walk_mp3(result.output).bitrates == {96}


def test_long_chapter_titles_are_shortened_at_a_word(tmp_path: Path) -> None:
    long = "A heading that goes on and on and on about many things, far longer than any player can show"
    (tmp_path / "a.md").write_text(f"# Title\n\nIntro text.\n\n## {long}\n\nBody text.\n")
    result = pipeline.build(str(tmp_path / "a.md"), tmp_path / "a.mp3",
                         Settings(engine="fake", cache_dir=tmp_path / "c"))
    titles = [c.title for c in eyed3.load(str(result.output)).tag.chapters]
    shortened = titles[2]
    assert shortened.endswith("…") and len(shortened) <= 60 and long.startswith(shortened[:-1])
    assert len(shortened.encode("utf-16")) < 128 * 2


@pytest.mark.parametrize("suffix, codec", [(".m4a", "aac"), (".opus", "opus")])
def test_other_formats_decode_and_show_chapters(cli: Cli, tmp_path: Path, suffix: str, codec: str) -> None:
    run = cli("build", str(SAMPLE), "-o", f"ep{suffix}")
    assert run.code == 0, run.stderr
    out = tmp_path / f"ep{suffix}"
    assert decode_errors(out) == ""
    meta = ffmetadata(out)
    json_chapters = json.loads((tmp_path / "ep.chapters.json").read_text())["chapters"]
    assert [c["title"] for c in meta.chapters] == [c["title"] for c in json_chapters]
    assert all(abs(c["start_s"] - j["startTime"]) <= 0.03 for c, j in zip(meta.chapters, json_chapters))
    described = subprocess.run([FFMPEG, "-hide_banner", "-i", str(out)], capture_output=True, text=True).stderr
    # MP4 tags are the file's; Ogg's Vorbis comments are the stream's: ffmpeg shows both.
    assert re.search(r"title\s+: Why a Town Library Started Lending Sound", described, re.IGNORECASE)
    assert re.search(r"artist\s+: Mara Quinlan", described, re.IGNORECASE)
    assert "comment header remain" not in described
    integrated, peak = ebur128(out)
    assert abs(integrated - -16.0) <= 0.5 and peak <= -1.0
    import mutagen

    tags = mutagen.File(str(out)).tags
    if suffix == ".m4a":
        assert tags["pcst"] is True and tags["covr"] and tags["\xa9lyr"][0].startswith("Why a Town")
    else:
        assert tags["METADATA_BLOCK_PICTURE"] and tags["LYRICS"][0].startswith("Why a Town")


def test_unknown_output_format_and_bitrates(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("T\n\nx\n")
    run = cli("build", "a.txt", "-o", "a.wav")
    assert run.code == 1 and "must end in .mp3, .m4a, .opus" in run.stderr
    run = cli("build", "a.txt", "-o", "a.opus", "--bitrate", "400")
    assert run.code == 1 and "not an Opus bitrate" in run.stderr
    run = cli("build", "a.txt", "-o", "a.m4a", "--bitrate", "64")  # ffmpeg's AAC overshoots its peaks there
    assert run.code == 1 and "not an AAC bitrate we write" in run.stderr and "Opus goes lower" in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_layout_options(cli: Cli, tmp_path: Path, clips: dict[str, Path]) -> None:
    (tmp_path / "a.txt").write_text("A Title\n\nFirst paragraph.\n\nSecond paragraph.\n")
    base = ["build", "a.txt", "--engine", "fake", "--no-outro", "--intro", str(clips["loud_mp3"])]
    assert cli(*base, "-o", "x.mp3", "--crossfade", "0", "--pause", "0.5").code == 0
    assert cli(*base, "-o", "y.mp3", "--crossfade", "1", "--pause", "2", "--bed", str(clips["loud_wav"])).code == 0
    vtt = {n: webvtt_parse(tmp_path / f"{n}.vtt")["cues"] for n in ("x", "y")}
    # The title starts a second earlier under the intro with --crossfade 1 ...
    assert abs((vtt["x"][0]["start"] - vtt["y"][0]["start"]) - 1.0) < 0.01
    # ... and the pause between the paragraphs is 1.5 s longer with --pause 2.
    gap = {n: vtt[n][2]["start"] - vtt[n][1]["end"] for n in vtt}
    assert abs((gap["y"] - gap["x"]) - 1.5) < 0.01


@pytest.mark.parametrize("suffix, kbps", [(".mp3", 32), (".mp3", 192), (".mp3", 320), (".m4a", 96),
                                          (".m4a", 128), (".m4a", 256), (".opus", 16), (".opus", 48), (".opus", 96)])
def test_loudness_and_true_peak_hold_at_every_bitrate(tmp_path: Path, suffix: str, kbps: int) -> None:
    """The codec's loudness loss and peak overshoot come from a table (encode.CODEC_TABLE): an episode
    at each kind of bitrate measures on target, as heard, without a second round."""
    result = pipeline.build(str(SAMPLE), tmp_path / f"ep{suffix}",
                            Settings(bitrate_kbps=kbps, cache_dir=tmp_path / "c"))
    integrated, true_peak = ebur128(result.output)
    assert abs(integrated - -16.0) <= 0.5, integrated
    assert true_peak <= -1.0, true_peak
