"""The tagger, the only module that uses mutagen: ID3v2.3 frames from a table, chapters, and reading back.

Written as ID3v2.3 (more players read it; FFmpeg 5.x drops long v2.4 chapter titles), with
``update_to_v23()`` before saving so the date becomes TYER/TDAT rather than a v2.4 TDRC.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio_edition.episode.sidecars import clock
from audio_edition.errors import InputError, OutputError
from audio_edition.models import Chapter, EpisodeMeta
from audio_edition.storage import files

if TYPE_CHECKING:
    from mutagen.id3 import ID3, TextFrame
    from mutagen.id3._util import ID3SaveConfig

# ID3 text frames written from EpisodeMeta: frame id -> attribute. A test pins this table.
TEXT_FRAMES: dict[str, str] = {
    "TIT2": "title",
    "TPE1": "author",
    "TALB": "show_name",
    "TCON": "genre",
    "TDRC": "date",  # becomes TYER + TDAT in v2.3
    "TLAN": "language",  # as ISO 639-2, e.g. "eng"
    "TDES": "long_description",  # iTunes' podcast description
    "TGID": "guid",  # iTunes' podcast episode id
}
NO_OFFSET = 0xFFFFFFFF  # "byte offsets not given" (ID3v2 chapter addendum)
TOC_ID = "toc"


@lru_cache(maxsize=32)
def iso639_2(language: str) -> str:
    """The ISO 639-2 (bibliographic) code ID3 wants for a BCP 47 tag: "en-US" -> "eng"."""
    import langcodes

    try:
        return langcodes.Language.get(language).to_alpha3(variant="B")
    except (LookupError, ValueError):
        return "und"


def _id3_class() -> type[ID3]:
    from mutagen.id3 import ID3
    from mutagen.id3._tags import save_frame

    class OrderedID3(ID3):
        """ID3 that stores CHAP frames in time order.

        mutagen sorts frames by size when saving, and FFmpeg-based players list chapters in
        the order their frames are stored, so a size-sorted file shows chapters shuffled.
        """

        def _write(self, config: ID3SaveConfig) -> bytearray:
            frames = list(self.values())
            rank = {"TIT2": 0, "TPE1": 1, "TALB": 2, "TDRC": 3, "TYER": 3, "TDAT": 4, "TCON": 5}
            plain = [f for f in frames if f.FrameID not in ("CHAP", "CTOC", "APIC")]
            plain.sort(key=lambda f: rank.get(f.FrameID, len(rank)))
            toc = [f for f in frames if f.FrameID == "CTOC"]
            chapters = sorted((f for f in frames if f.FrameID == "CHAP"), key=lambda f: f.start_time)
            pictures = [f for f in frames if f.FrameID == "APIC"]
            return bytearray().join(save_frame(f, config=config) for f in plain + toc + chapters + pictures)

    return OrderedID3


_READERS = {".mp3": "mutagen.mp3:MP3", ".m4a": "mutagen.mp4:MP4", ".opus": "mutagen.oggopus:OggOpus"}


def _open(path: Path, suffix: str) -> Any:  # Any: mutagen declares a file's info and tags as None
    import importlib

    from mutagen import MutagenError

    module, _, name = _READERS[suffix].partition(":")
    try:
        return getattr(importlib.import_module(module), name)(str(path))
    except (MutagenError, OSError) as exc:
        raise OutputError(f"the encoded file {path} cannot be read back: {exc}") from exc


def get_ready(language: str, suffix: str) -> None:
    """Load the tagger's libraries and tables (a tenth of a second or more) ahead of time; a build
    runs this while the audio is being encoded. Only a head start: any failure shows when tagging."""
    import importlib

    try:
        iso639_2(language)
        importlib.import_module(_READERS[suffix].partition(":")[0])
        importlib.import_module("mutagen.id3")
    except Exception:  # noqa: BLE001 - tagging itself reports it, as ours
        pass


def audio_length_ms(path: Path, suffix: str = ".mp3") -> int:
    """The file's length as players and ffprobe report it (for MP3: whole frames, less the encoder delay)."""
    return round(_open(path, suffix).info.length * 1000)


def write_tags(path: Path, meta: EpisodeMeta, chapters: tuple[Chapter, ...], suffix: str = ".mp3",
               transcript: str = "") -> None:
    """Tag the episode at ``path`` (its format given by ``suffix``) with ``meta``, chapters and the
    full text."""
    writers = {".mp3": _write_id3, ".m4a": _write_mp4, ".opus": _write_vorbis}
    try:
        writers[suffix](path, meta, chapters, transcript)
    except OutputError:
        raise
    except OSError:
        raise  # the caller names the file the user asked for
    except Exception as exc:  # mutagen.MutagenError, which wraps the OSError of a full disk
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, OSError):
            raise cause from None
        raise OutputError(f"cannot write tags to {path}: {exc}") from exc


def _xdor() -> type[TextFrame]:
    from mutagen.id3 import TextFrame

    class XDOR(TextFrame):
        """The full release date in a v2.3 tag (as MusicBrainz writes it). v2.3 keeps the date in
        TYER and TDAT (DDMM), and eyeD3 reads TDAT through its year parser, losing days 01-09;
        eyeD3 reads XDOR whole, and prefers it."""

    return XDOR


def _write_id3(path: Path, meta: EpisodeMeta, chapters: tuple[Chapter, ...], transcript: str) -> None:
    """Replace any tag in the MP3 with our ID3v2.3 tag, chapters and transcript."""
    from mutagen.id3 import (
        APIC,
        CHAP,
        COMM,
        CTOC,
        PCST,
        TIT2,
        TORY,
        USLT,
        CTOCFlags,
        Frames,
    )

    tags = _id3_class()()
    values = {attr: getattr(meta, attr) for attr in TEXT_FRAMES.values()}
    values["language"] = iso639_2(meta.language)
    for frame_id, attr in TEXT_FRAMES.items():
        value = values[attr]
        if value:
            tags.add(Frames[frame_id](encoding=3, text=[value]))
    if meta.date:
        tags.add(TORY(encoding=3, text=[meta.date[:4]]))
        tags.add(_xdor()(encoding=3, text=[meta.date]))
    if meta.description:
        tags.add(COMM(encoding=3, lang=values["language"], desc="", text=[meta.description]))
    if transcript:
        tags.add(USLT(encoding=3, lang=values["language"], desc="", text=transcript))
    tags.add(PCST(value=0))  # four zero bytes, as iTunes writes it
    if meta.cover:
        tags.add(APIC(encoding=3, mime=meta.cover_mime or "image/jpeg", type=3, desc="Cover", data=meta.cover))
    ids = [f"chp{i}" for i in range(len(chapters))]
    if chapters:
        tags.add(CTOC(element_id=TOC_ID, flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                      child_element_ids=ids, sub_frames=[TIT2(encoding=3, text=["Chapters"])]))
        for element_id, chapter in zip(ids, chapters):
            tags.add(CHAP(element_id=element_id, start_time=chapter.start_ms, end_time=chapter.end_ms,
                          start_offset=NO_OFFSET, end_offset=NO_OFFSET,
                          sub_frames=[TIT2(encoding=3, text=[chapter.title])]))
    tags.update_to_v23()
    tags.save(str(path), v1=0, v2_version=3)


# MP4 atoms written from EpisodeMeta: atom -> attribute. Chapters are a track ffmpeg writes.
MP4_ATOMS: dict[str, str] = {"\xa9nam": "title", "\xa9ART": "author", "\xa9alb": "show_name",
                             "\xa9gen": "genre", "\xa9day": "date", "desc": "description",
                             "ldes": "long_description", "egid": "guid"}


def _write_mp4(path: Path, meta: EpisodeMeta, chapters: tuple[Chapter, ...], transcript: str) -> None:
    from mutagen.mp4 import MP4, MP4Cover

    audio: Any = MP4(str(path))  # Any: mutagen declares a file's info and tags as None
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    for atom, attr in MP4_ATOMS.items():
        value = getattr(meta, attr)
        if value:
            tags[atom] = [value]
    tags["pcst"] = True
    if transcript:
        tags["\xa9lyr"] = [transcript]
    if meta.cover:
        kind = MP4Cover.FORMAT_PNG if meta.cover_mime == "image/png" else MP4Cover.FORMAT_JPEG
        tags["covr"] = [MP4Cover(meta.cover, imageformat=kind)]
    audio.save()


# Vorbis comments written from EpisodeMeta (Ogg Opus): field -> attribute.
VORBIS_FIELDS: dict[str, str] = {"TITLE": "title", "ARTIST": "author", "ALBUM": "show_name", "GENRE": "genre",
                                 "DATE": "date", "DESCRIPTION": "description", "LANGUAGE": "language"}


def _write_vorbis(path: Path, meta: EpisodeMeta, chapters: tuple[Chapter, ...], transcript: str) -> None:
    """Vorbis comments, with chapters as CHAPTERnnn / CHAPTERnnnNAME (the Ogg chapter convention,
    which ffmpeg reads; ffmpeg's own writer shifts every chapter after the first)."""
    import base64

    from mutagen.flac import Picture
    from mutagen.oggopus import OggOpus

    audio: Any = OggOpus(str(path))  # Any: mutagen declares a file's info and tags as None
    audio.tags.clear()
    for field, attr in VORBIS_FIELDS.items():
        value = getattr(meta, attr)
        if value:
            audio.tags[field] = [value]
    if transcript:
        audio.tags["LYRICS"] = [transcript]
    for n, chapter in enumerate(chapters):
        audio.tags[f"CHAPTER{n:03d}"] = [clock(chapter.start_ms)]
        audio.tags[f"CHAPTER{n:03d}NAME"] = [chapter.title]
    if meta.cover:
        picture = Picture()
        picture.type, picture.mime, picture.desc, picture.data = 3, meta.cover_mime or "image/jpeg", "Cover", meta.cover
        audio.tags["METADATA_BLOCK_PICTURE"] = [base64.b64encode(picture.write()).decode("ascii")]
    audio.save(padding=lambda info: 0)  # ffmpeg warns about padding after the comments


@dataclass(frozen=True)
class EpisodeInfo:
    """An episode as read back from its file, shaped like ``inspect --json``."""

    duration_s: float
    bitrate_kbps: int
    sample_rate: int
    channels: int
    id3_version: str | None  # None for M4A and Opus, which carry no ID3 tag
    tags: dict[str, str]
    podcast: bool
    has_cover: bool
    chapters: list[dict[str, object]]

    def as_json(self) -> dict[str, object]:
        return {
            "duration_s": self.duration_s, "bitrate_kbps": self.bitrate_kbps,
            "sample_rate": self.sample_rate, "channels": self.channels,
            "id3_version": self.id3_version, "tags": self.tags, "podcast": self.podcast,
            "has_cover": self.has_cover, "chapters": self.chapters,
        }


def read_episode(path: Path) -> EpisodeInfo:
    """Read an episode's audio properties, tags and chapters with mutagen: MP3 (ID3), M4A (MP4
    atoms and Nero chapters) or Opus (Vorbis comments and CHAPTERnnn), as ``build`` writes them."""
    from mutagen import MutagenError


    hint = "Give the path of an episode: .mp3, .m4a or .opus."
    files.check_regular(path, "episode", hint)
    readers = {".mp3": _read_mp3, ".m4a": _read_mp4, ".opus": _read_opus}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise InputError(f"{path} is not an episode file we read ({path.suffix or 'no extension'})", hint=hint)
    try:
        return reader(path)
    except (MutagenError, OSError, ValueError, KeyError, IndexError) as exc:
        raise InputError(f"{path} is not a readable {path.suffix.lstrip('.').upper()} file ({exc})", hint=hint) from exc


def _following_ends(starts: list[tuple[float, str]], length: float) -> list[dict[str, object]]:
    """Chapters from (start, title) pairs: each ends where the next begins, the last at the end."""
    ends = [s for s, _ in starts[1:]] + [length]
    return [{"title": title, "start_s": round(start, 3), "end_s": round(end, 3)}
            for (start, title), end in zip(starts, ends)]


def _read_mp3(path: Path) -> EpisodeInfo:
    from mutagen.mp3 import MP3

    audio: Any = MP3(str(path))  # Any: mutagen declares a file's info and tags as None
    tags = audio.tags
    if tags is None:
        raise InputError(f"{path} has no ID3 tag", hint="Build it with 'audio-edition build' first.")

    def text(frame_id: str) -> str:
        frame = tags.get(frame_id)
        return str(frame.text[0]) if frame is not None and frame.text else ""

    comments = tags.getall("COMM")
    chaps = {f.element_id: f for f in tags.getall("CHAP")}
    tocs = [t for t in tags.getall("CTOC") if t.flags & 1] or tags.getall("CTOC")  # top-level first
    order = [cid for cid in tocs[0].child_element_ids if cid in chaps] if tocs else list(chaps)
    chapters = []
    for cid in order:
        chap = chaps[cid]
        title = chap.sub_frames.get("TIT2")
        chapters.append({
            "title": str(title.text[0]) if title is not None and title.text else "",
            "start_s": chap.start_time / 1000, "end_s": chap.end_time / 1000,
        })
    return EpisodeInfo(
        duration_s=round(audio.info.length, 3),
        bitrate_kbps=round(audio.info.bitrate / 1000),
        sample_rate=audio.info.sample_rate,
        channels=audio.info.channels,
        id3_version=f"2.{tags.version[1]}",
        tags={
            "title": text("TIT2"), "artist": text("TPE1"), "album": text("TALB"),
            "genre": text("TCON"), "date": text("TDRC"), "language": text("TLAN"),
            "comment": str(comments[0].text[0]) if comments and comments[0].text else "",
        },
        podcast="PCST" in tags,
        has_cover=bool(tags.getall("APIC")),
        chapters=chapters,
    )


def _read_mp4(path: Path) -> EpisodeInfo:
    from mutagen.mp4 import MP4

    audio: Any = MP4(str(path))  # Any: mutagen declares a file's info and tags as None
    tags = audio.tags or {}

    def text(atom: str) -> str:
        value = tags.get(atom)
        return str(value[0]) if value else ""

    length = audio.info.length
    starts = [(float(c.start), str(c.title)) for c in (audio.chapters or [])]
    return EpisodeInfo(
        duration_s=round(length, 3), bitrate_kbps=round(audio.info.bitrate / 1000),
        sample_rate=audio.info.sample_rate, channels=audio.info.channels, id3_version=None,
        tags={"title": text("\xa9nam"), "artist": text("\xa9ART"), "album": text("\xa9alb"),
              "genre": text("\xa9gen"), "date": text("\xa9day"), "language": "", "comment": text("desc")},
        podcast=bool(tags.get("pcst")), has_cover=bool(tags.get("covr")),
        chapters=_following_ends(starts, length),
    )


def _read_opus(path: Path) -> EpisodeInfo:
    from mutagen.oggopus import OggOpus

    audio: Any = OggOpus(str(path))  # Any: mutagen declares a file's info and tags as None
    tags = audio.tags

    def text(field: str) -> str:
        value = tags.get(field)
        return str(value[0]) if value else ""

    length = audio.info.length
    starts = []
    for n in range(1000):
        stamp = text(f"CHAPTER{n:03d}")
        if not stamp:
            break
        hours, minutes, seconds = stamp.split(":")
        starts.append((int(hours) * 3600 + int(minutes) * 60 + float(seconds), text(f"CHAPTER{n:03d}NAME")))
    return EpisodeInfo(
        duration_s=round(length, 3), bitrate_kbps=round(_ogg_audio_bytes(path) * 8 / length / 1000) if length else 0,
        sample_rate=48000, channels=audio.info.channels, id3_version=None,  # Opus always decodes at 48 kHz
        tags={"title": text("TITLE"), "artist": text("ARTIST"), "album": text("ALBUM"), "genre": text("GENRE"),
              "date": text("DATE"), "language": text("LANGUAGE"), "comment": text("DESCRIPTION")},
        podcast=False, has_cover=bool(tags.get("METADATA_BLOCK_PICTURE")),
        chapters=_following_ends(starts, length),
    )


def _ogg_audio_bytes(path: Path) -> int:
    """The bytes of an Ogg file's audio pages (granule position past 0): its bitrate without the
    headers and tags, which a cover makes large."""
    from mutagen.ogg import OggPage

    total = 0
    with open(path, "rb") as fh:
        while True:
            try:
                page = OggPage(fh)
            except EOFError:
                break
            if page.position > 0:
                total += page.size
    return total
