"""Tags: ID3v2.3 frames from a table, chapters as players need them, and reading back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import eyed3
import pytest
from readers import chap_body, ffmetadata, id3v2_frames

from audio_edition.audio import encode, segments, toolchain
from audio_edition.episode import tags
from audio_edition.errors import InputError
from audio_edition.models import Chapter, EpisodeMeta
from audio_edition.speech.engines.fake import tone_wav

COVER = Path(__file__).resolve().parent.parent / "media" / "cover.jpg"


@pytest.fixture
def mp3(tmp_path: Path) -> Path:
    pcm = segments.take_pcm(tone_wav(3000, 330), "wav")
    out = tmp_path / "ep.mp3"
    encode.encode(lambda write, a, b: write(pcm[a * 2 : b * 2]), len(pcm) // 2, out, ".mp3", 96, 0.0, (),
                  toolchain.current())
    return out


def meta(**kw: Any) -> EpisodeMeta:
    values: dict[str, Any] = {
        "title": "Ünïcode & <Title>", "author": "Mara Quinlan", "show_name": "Town Listens", "date": "2026-10-02",
        "language": "en-US", "description": "Short description.", "long_description": "Longer description.",
        "guid": "guid-123", "cover": COVER.read_bytes(), "cover_mime": "image/jpeg"}
    values.update(kw)
    return EpisodeMeta(**values)


# Long titles first and short ones later, so that mutagen's size-sorting would reorder them.
CHAPTERS = (Chapter("Intro", 0, 500), Chapter("A rather long chapter title, long enough to sort late", 500, 1500),
            Chapter("B", 1500, 2000), Chapter("Outro", 2000, 3000))


def test_frame_table_is_pinned() -> None:
    assert tags.TEXT_FRAMES == {"TIT2": "title", "TPE1": "author", "TALB": "show_name", "TCON": "genre",
                                "TDRC": "date", "TLAN": "language", "TDES": "long_description", "TGID": "guid"}


def test_language_codes_for_id3() -> None:
    assert [tags.iso639_2(x) for x in ("en", "en-US", "de", "fr", "pt-BR", "zz-invalid-!")] == [
        "eng", "eng", "ger", "fre", "por", "und"]


def test_tags_read_by_eyed3(mp3: Path) -> None:
    # eyeD3 0.9 reads TDAT (DDMM) through its year parser, so it drops days 01-09 of any
    # standard v2.3 tag: the day here is past 9 so the whole date can be compared.
    tags.write_tags(mp3, meta(date="2026-10-12"), CHAPTERS)
    tag = eyed3.load(str(mp3)).tag
    assert tag.version == (2, 3, 0)
    assert tag.title == "Ünïcode & <Title>" and tag.artist == "Mara Quinlan" and tag.album == "Town Listens"
    assert tag.genre.name == "Podcast"
    assert str(tag.getBestDate()) == "2026-10-12"
    assert tag.comments.get("").text == "Short description."
    assert tag.images[0].picture_type == 3 and tag.images[0].mime_type == "image/jpeg"
    assert tag.images[0].image_data == COVER.read_bytes()
    assert [(c.element_id.decode(), c.title, c.times.start, c.times.end) for c in tag.chapters] == [
        (f"chp{i}", c.title, c.start_ms, c.end_ms) for i, c in enumerate(CHAPTERS)]
    toc = list(tag.table_of_contents)
    assert len(toc) == 1 and toc[0].toplevel and toc[0].ordered
    assert [e.decode() for e in toc[0].child_ids] == ["chp0", "chp1", "chp2", "chp3"]


def test_raw_v23_layout(mp3: Path) -> None:
    tags.write_tags(mp3, meta(), CHAPTERS)
    major, frames = id3v2_frames(mp3)
    ids = [f for f, _ in frames]
    assert major == 3
    assert "TDRC" not in ids and "TYER" in ids  # no v2.4-only date frame in a v2.3 tag
    assert dict(frames)["PCST"] == b"\x00\x00\x00\x00"  # as iTunes writes it
    assert dict(frames)["TLAN"][1:].decode("utf-16").rstrip("\x00") == "eng"
    assert "WFED" not in ids
    chaps = [chap_body(body) for f, body in frames if f == "CHAP"]
    assert [c["start"] for c in chaps] == sorted(c["start"] for c in chaps)  # stored in time order
    assert all(c["offsets"] == (0xFFFFFFFF, 0xFFFFFFFF) and c["subframes"] == ["TIT2"] for c in chaps)
    assert len({c["id"] for c in chaps}) == len(chaps)
    assert ids.count("CTOC") == 1


def test_ffmpeg_lists_chapters_in_time_order(mp3: Path) -> None:
    tags.write_tags(mp3, meta(), CHAPTERS)
    read = ffmetadata(mp3)
    assert [c["title"] for c in read.chapters] == [c.title for c in CHAPTERS]
    # Newer ffmpeg shifts chapter times by the MP3 encoder delay it skips (25 ms here).
    for got, want in zip(read.chapters, CHAPTERS):
        assert abs(got["start_s"] - want.start_ms / 1000) <= 0.03
        assert abs(got["end_s"] - want.end_ms / 1000) <= 0.03
    assert read.tags["title"] == "Ünïcode & <Title>" and read.tags["genre"] == "Podcast"


def test_rewriting_replaces_the_old_tag(mp3: Path) -> None:
    tags.write_tags(mp3, meta(title="First"), CHAPTERS)
    tags.write_tags(mp3, meta(title="Second", cover=None), CHAPTERS[:2])
    info = tags.read_episode(mp3)
    assert info.tags["title"] == "Second" and not info.has_cover and len(info.chapters) == 2


def test_read_episode_has_the_inspect_json_shape(mp3: Path) -> None:
    tags.write_tags(mp3, meta(), CHAPTERS)
    info: dict[str, Any] = tags.read_episode(mp3).as_json()  # the document inspect --json prints
    assert set(info) == {"duration_s", "bitrate_kbps", "sample_rate", "channels", "id3_version", "tags",
                         "podcast", "has_cover", "chapters"}
    assert set(info["tags"]) == {"title", "artist", "album", "genre", "date", "language", "comment"}
    assert (info["bitrate_kbps"], info["sample_rate"], info["channels"], info["id3_version"]) == (96, 44100, 1, "2.3")
    assert info["podcast"] is True and info["has_cover"] is True
    assert info["tags"]["date"] == "2026-10-02" and info["tags"]["language"] == "eng"
    assert info["chapters"][1] == {"title": CHAPTERS[1].title, "start_s": 0.5, "end_s": 1.5}


def test_read_episode_refuses_non_mp3(tmp_path: Path) -> None:
    bad = tmp_path / "x.mp3"
    bad.write_bytes(b"not an mp3 at all")
    with pytest.raises(InputError):
        tags.read_episode(bad)
    with pytest.raises(InputError, match="episode not found"):
        tags.read_episode(tmp_path / "missing.mp3")

