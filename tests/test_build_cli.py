"""The build, inspect and engines commands end to end, run as a user runs them, with no ffmpeg,
ffprobe or espeak-ng on PATH; every output checked with readers we did not write."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE, Cli, CliHere, require_tool
from readers import decode_errors, ffmetadata, probe_duration, walk_mp3

FRAME_S = 1152 / 44100

SampleEpisode = tuple[Path, subprocess.CompletedProcess[str]]  # the MP3 and the build that made it


@pytest.fixture(scope="module")
def sample_episode(tmp_path_factory: pytest.TempPathFactory, ffmpeg_choice: str | None) -> SampleEpisode:
    """The README's first command, once for the module: the sample article built with espeak-ng,
    with the wheel's ffmpeg and with Debian's."""
    folder = tmp_path_factory.mktemp("sample")
    env = {"AUDIO_EDITION_CACHE_DIR": str(folder / "cache")}
    from conftest import bare_path_env

    proc = subprocess.run([sys.executable, "-m", "audio_edition", "build", str(SAMPLE), "-o", "sample.mp3"],
                          cwd=folder, env=bare_path_env(env), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return folder / "sample.mp3", proc


@pytest.mark.system  # mp3val
def test_sample_episode_is_a_valid_cbr_mp3(sample_episode: SampleEpisode) -> None:
    mp3, proc = sample_episode
    assert proc.stdout.strip().endswith("sample.mp3")
    frames = walk_mp3(mp3)
    assert frames.bitrates == {96} and frames.sample_rates == {44100} and frames.mono
    assert frames.info_frames == frames.frames
    assert decode_errors(mp3) == ""
    mp3val = require_tool("mp3val", "mp3val")
    report = subprocess.run([mp3val, str(mp3)], capture_output=True, text=True).stdout
    assert "WARNING" not in report and "ERROR" not in report and "CBR" in report, report


def test_sample_episode_tags_as_ffmpeg_reads_them(sample_episode: SampleEpisode) -> None:
    mp3, _ = sample_episode
    read = ffmetadata(mp3)
    assert read.tags["title"] == "Why a Town Library Started Lending Sound"
    assert read.tags["artist"] == "Mara Quinlan"
    assert read.tags["album"] == "Audio Edition"
    assert read.tags["genre"] == "Podcast"
    assert read.tags["date"].startswith("2026")


def test_sample_episode_chapters_are_titled_contiguous_and_ordered(sample_episode: SampleEpisode) -> None:
    mp3, _ = sample_episode
    chapters = ffmetadata(mp3).chapters
    assert [c["title"] for c in chapters] == ["Intro", "Why a Town Library Started Lending Sound",
                                              "What the listeners said", "What comes next", "Outro"]
    assert abs(chapters[0]["start_s"]) <= 0.03
    for a, b in zip(chapters, chapters[1:]):
        assert a["end_s"] == b["start_s"] and a["start_s"] < a["end_s"]
    assert abs(chapters[-1]["end_s"] - probe_duration(mp3)) <= 2 * FRAME_S + 0.01


def test_sidecars_agree_with_the_tags(sample_episode: SampleEpisode) -> None:
    mp3, _ = sample_episode
    stem = mp3.with_suffix("")
    data = json.loads(Path(f"{stem}.chapters.json").read_text())
    info = json.loads(subprocess.run([sys.executable, "-m", "audio_edition", "inspect", str(mp3), "--json"],
                                     capture_output=True, text=True, check=True).stdout)
    assert data["version"] == "1.2.0"
    assert [(c["title"], c["startTime"]) for c in data["chapters"]] == [
        (c["title"], c["start_s"]) for c in info["chapters"]]
    vtt = Path(f"{stem}.vtt").read_text()
    assert vtt.startswith("WEBVTT\n") and "What the listeners said" in vtt
    srt = Path(f"{stem}.srt").read_text()
    assert srt.startswith("1\n00:00:0") and srt.count(" --> ") == vtt.count(" --> ")
    report = json.loads(Path(f"{stem}.report.json").read_text())
    assert report["removed"] == [] and report["synthesized"] == report["utterances"] > 0


def test_inspect_json_has_the_documented_shape(sample_episode: SampleEpisode) -> None:
    mp3, _ = sample_episode
    info = json.loads(subprocess.run([sys.executable, "-m", "audio_edition", "inspect", str(mp3), "--json"],
                                     capture_output=True, text=True, check=True).stdout)
    assert set(info) == {"duration_s", "bitrate_kbps", "sample_rate", "channels", "id3_version", "tags",
                         "podcast", "has_cover", "chapters"}
    assert isinstance(info["duration_s"], float) and abs(info["duration_s"] - probe_duration(mp3)) < 2 * FRAME_S
    assert (info["bitrate_kbps"], info["sample_rate"], info["channels"], info["id3_version"]) == (96, 44100, 1, "2.3")
    assert info["tags"] == {"title": "Why a Town Library Started Lending Sound", "artist": "Mara Quinlan",
                            "album": "Audio Edition", "genre": "Podcast", "date": "2026-10-02",
                            "language": "eng", "comment": info["tags"]["comment"]}
    assert info["tags"]["comment"].startswith("When the reading room in Eastbrook")
    assert info["podcast"] is True and info["has_cover"] is True
    assert all(set(c) == {"title", "start_s", "end_s"} for c in info["chapters"])


def test_rebuild_synthesizes_nothing_and_says_so(cli: Cli, tmp_path: Path) -> None:
    first = cli("build", str(SAMPLE), "-o", "a.mp3")
    assert first.code == 0 and "synthesized, 0 from cache" in first.stderr
    second = cli("build", str(SAMPLE), "-o", "a.mp3")
    assert second.code == 0 and "nothing synthesized, all from cache" in second.stderr
    edited = tmp_path / "edited.md"
    edited.write_text(SAMPLE.read_text().replace("So the library tried an experiment.",
                                                 "So the library tried something."))
    third = cli("build", str(edited), "-o", "b.mp3")
    assert third.code == 0 and "1 synthesized" in third.stderr


def test_stdin_and_several_inputs(cli: Cli, tmp_path: Path) -> None:
    run = cli("build", "-", "-o", "piped.mp3", "--engine", "fake", stdin=b"Piped Title\n\nA paragraph.\n")
    assert run.code == 0 and (tmp_path / "piped.mp3").is_file()
    (tmp_path / "one.txt").write_text("One\n\nFirst.\n")
    (tmp_path / "two.md").write_text("# Two\n\nSecond.\n")
    (tmp_path / "out").mkdir()
    run = cli("build", "one.txt", "two.md", "--out-dir", "out", "--engine", "fake", "--no-intro", "--no-outro", "-q")
    assert run.code == 0 and run.stderr == ""
    assert sorted(p.name for p in (tmp_path / "out").glob("*.mp3")) == ["one.mp3", "two.mp3"]
    assert len(list((tmp_path / "out").iterdir())) == 10  # each MP3 with its four sidecars


def test_options_reach_the_episode(cli: Cli, tmp_path: Path, clips: dict[str, Path]) -> None:
    (tmp_path / "a.txt").write_text("Original Title\n\nSome text.\n")
    run = cli("build", "a.txt", "-o", "a.mp3", "--engine", "fake", "--title", "New Title", "--author", "Sam Reed",
              "--show-name", "Evening Reads", "--bitrate", "64", "--intro", str(clips["loud_mp3"]), "--no-outro",
              "--lang", "de", "--jobs", "1")
    assert run.code == 0, run.stderr
    read = ffmetadata(tmp_path / "a.mp3")
    assert (read.tags["title"], read.tags["artist"], read.tags["album"], read.tags["language"]) == (
        "New Title", "Sam Reed", "Evening Reads", "ger")
    assert walk_mp3(tmp_path / "a.mp3").bitrates == {64}
    assert [c["title"] for c in read.chapters] == ["Intro", "New Title", "Some text"]


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.mark.parametrize("setup, args, message", [
    (None, ["missing.txt"], "no such file"),
    ({"empty.txt": b""}, ["empty.txt"], "empty"),
    ({"blank.txt": b"  \n\n \t \n"}, ["blank.txt"], "empty"),
    ({"bin.txt": b"\x00\x01\x02binary\x00"}, ["bin.txt"], "binary"),
    ({"latin.txt": b"Caf\xe9\n\nText."}, ["latin.txt"], "not valid UTF-8"),
    ({"a.txt": b"T\n\nx"}, ["a.txt", "--engine", "nosuch"], "unknown engine 'nosuch'"),
    ({"a.txt": b"T\n\nx"}, ["a.txt", "--intro", "nope.mp3"], "intro file not found"),
    ({"a.txt": b"T\n\nx", "bad.mp3": b"garbage" * 50}, ["a.txt", "--intro", "bad.mp3"], "cannot decode intro"),
    ({"a.txt": b"T\n\nx", "bad.wav": b"RIFF0000WAVE"}, ["a.txt", "--outro", "bad.wav"], "cannot decode outro"),
    ({"a.txt": b"T\n\nx"}, ["a.txt", "--cover", "nope.jpg"], "cover image not found"),
    ({"a.txt": b"T\n\nx", "c.jpg": b"not an image"}, ["a.txt", "--cover", "c.jpg"], "not a readable JPEG or PNG"),
    ({"a.txt": b"T\n\nx", "music.mp3": b"ID3\x04\x00" + bytes(300)}, ["a.txt", "--cover", "music.mp3"],
     "cover image music.mp3 is not a readable JPEG or PNG file."),  # not Pillow's "<_io.BytesIO object at 0x…>"
    ({"a.txt": b"T\n\nFAIL"}, ["a.txt", "--engine", "fake", "-o", "new/folder/a.mp3"], "asked to fail"),
    ({"a.txt": b"T\n\nx", "file": b""}, ["a.txt", "-o", "file/a.mp3"], "cannot write"),
    ({"a.txt": b"T\n\nx"}, ["a.txt", "-o", "a.wav"], "must end in .mp3"),
    ({"a.txt": b"T\n\nx"}, ["a.txt", "--bitrate", "100"], "not an MP3 bitrate"),
    ({"a.txt": b"T\n\nx"}, ["a.txt", "--voice", "klingon"], "no voice 'klingon'"),
    (None, ["ftp://example.com/a.html"], "only http and https addresses are fetched"),
    ({"a.txt": b"T\n\nFAIL"}, ["a.txt", "--engine", "fake"], "asked to fail"),
])
def test_bad_input_gives_one_error_line_exit_1_and_no_files(cli_here: CliHere, tmp_path: Path,
                                                            setup: dict[str, bytes] | None, args: list[str],
                                                            message: str) -> None:
    for name, content in (setup or {}).items():
        (tmp_path / name).write_bytes(content)
    before = _files(tmp_path)
    run = cli_here("build", *args)
    assert run.code == 1, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], run.stderr
    assert "Hint:" in lines[0]
    assert _files(tmp_path) == before  # no MP3, no sidecar, no temporary file left behind


def test_a_failed_build_leaves_the_older_good_episode_alone(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Title\n\nGood words.\n")
    assert cli("build", "a.txt", "--engine", "fake").code == 0
    good = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    (tmp_path / "a.txt").write_text("Title\n\nNow it will FAIL here.\n")
    assert cli("build", "a.txt", "--engine", "fake").code == 1
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name != "a.txt"} == {
        k: v for k, v in good.items() if k != "a.txt"}


@pytest.mark.parametrize("args", [
    ["a.txt", "b.txt"],
    ["a.txt", "b.txt", "-o", "x.mp3"],
    ["a.txt", "--intro", "x.mp3", "--no-intro"],
    ["a.txt", "--jobs", "0"],
    [],
])
def test_usage_errors_exit_2(cli_here: CliHere, tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "a.txt").write_text("T\n\nx\n")
    (tmp_path / "b.txt").write_text("T\n\nx\n")
    run = cli_here("build", *args)
    assert run.code == 2 and "Traceback" not in run.stderr


def test_debug_shows_the_traceback(cli: Cli) -> None:
    run = cli("build", "missing.txt", env={"AUDIO_EDITION_DEBUG": "1"})
    last = run.stderr.strip().splitlines()[-1]
    assert (run.code == 1 and "Traceback" in run.stderr
            and last.startswith("audio_edition.errors.MissingFileError: ")), last


def test_inspect_errors(cli_here: CliHere, tmp_path: Path) -> None:
    (tmp_path / "x.mp3").write_bytes(b"nope" * 100)
    for target in ("x.mp3", "missing.mp3"):
        run = cli_here("inspect", target, "--json")
        assert run.code == 1 and run.stderr.startswith("Error: ") and run.stdout == ""


def test_engines_json(cli: Cli) -> None:
    """Offline by default: the online engine is listed as not checked; --check-network asks (here
    through a proxy that refuses, so it is unreachable)."""
    proxy = {"HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    run = cli("engines", "--json", env=proxy)
    rows = {r["name"]: r for r in json.loads(run.stdout)}
    assert run.code == 0
    assert all(set(r) == {"name", "available", "reason", "offline"} for r in rows.values())
    assert rows["espeak"] == {"name": "espeak", "available": True, "reason": None, "offline": True}
    assert rows["gtts"]["offline"] is False and "--check-network" in rows["gtts"]["reason"]
    assert rows["fake"]["available"] is True
    checked = {r["name"]: r for r in json.loads(cli("engines", "--json", "--check-network", env=proxy).stdout)}
    assert checked["gtts"]["available"] is False and "cannot reach" in checked["gtts"]["reason"]


def test_help_does_not_import_heavy_libraries() -> None:
    code = ("import sys, audio_edition.cli; "
            "heavy = [m for m in ('pydub', 'mutagen', 'gtts', 'requests', 'espeakng_loader') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_two_formats_of_one_article_keep_their_own_sidecars(cli_here: CliHere, tmp_path: Path) -> None:
    """An .m4a built beside an .mp3 of the same article shares a sidecar only when it is the same
    text (the captions are); the chapters end with each file's own length, so the .m4a's go beside
    it as x.m4a.chapters.json, and the .mp3's are left as they were."""
    (tmp_path / "a.md").write_text("# Ferry times\n\nThe first boat leaves at six.\n\n## Fares\n\n"
                                   "Fares stay the same this year.\n", encoding="utf-8")
    assert cli_here("build", "a.md", "--engine", "fake", "-o", "out/a.mp3").code == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    run = cli_here("build", "a.md", "--engine", "fake", "-o", "out/a.m4a")
    assert run.code == 0, run.stderr
    after = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert {name: after[name] for name in before} == before  # nothing of the .mp3's was overwritten
    own = sorted(set(after) - set(before))
    assert "a.m4a" in own and "a.m4a.chapters.json" in own and "a.m4a.vtt" not in own, own
    m4a_chapters = json.loads(after["a.m4a.chapters.json"])["chapters"]
    mp3_chapters = json.loads(after["a.chapters.json"])["chapters"]
    assert [c["title"] for c in m4a_chapters] == [c["title"] for c in mp3_chapters]
    from mutagen.mp4 import MP4

    assert abs(m4a_chapters[-1]["endTime"] - MP4(tmp_path / "out" / "a.m4a").info.length) < 0.05
    # The article changes and the .mp3 is built again: it owns the shared names (its report says
    # so) and rewrites them; the .m4a keeps the captions it shared, now under its own name.
    (tmp_path / "a.md").write_text("# Ferry times\n\nThe first boat now leaves at half past five.\n\n## Fares\n\n"
                                   "Fares stay the same this year.\n", encoding="utf-8")
    assert cli_here("build", "a.md", "--engine", "fake", "-o", "out/a.mp3").code == 0
    final = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert b"half past five" in final["a.vtt"] and b"half past five" in final["a.srt"]
    assert final["a.m4a.vtt"] == after["a.vtt"] and final["a.m4a.srt"] == after["a.srt"]
    assert final["a.m4a.chapters.json"] == after["a.m4a.chapters.json"] and final["a.m4a"] == after["a.m4a"]
    assert json.loads(final["a.report.json"])["format"] == "mp3"
    assert not [name for name in final if name.startswith("a.mp3.")]
