"""Sidecar files read from the timeline: WebVTT and SRT transcripts, JSON chapters, the report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from audio_edition.models import Article, Removal, Script, Timeline
from audio_edition.text import escapes

CHAPTERS_VERSION = "1.2.0"  # Podcasting 2.0 JSON chapters
# The files beside every episode, with its stem: transcripts, chapters and the report. A test pins it.
SUFFIXES = (".vtt", ".srt", ".chapters.json", ".report.json")


def paths_for(episode: Path) -> list[Path]:
    """The sidecar files of the episode at ``episode``, in the order of SUFFIXES."""
    stem = episode.with_suffix("")
    return [Path(f"{stem}{suffix}") for suffix in SUFFIXES]


def owner(episode: Path) -> str | None:
    """The format ("mp3") of the episode whose sidecars have ``episode``'s stem (x.vtt), as its
    report says; None when there is no report, or one from before reports said it."""
    try:
        found = json.loads(Path(f"{episode.with_suffix('')}.report.json").read_text(encoding="utf-8")).get("format")
    except (OSError, ValueError, AttributeError):
        return None
    return str(found) if found else None


@dataclass(frozen=True)
class Placement:
    """Where a build's sidecars go (sidecars.placed)."""

    paths: list[Path]  # in the order of SUFFIXES
    stale: list[Path]  # this output's own, left from before: removed once the build is in place
    kept: list[tuple[Path, Path]]  # (shared, copy): a sibling's text that the shared name no longer holds


def placed(episode: Path, texts: list[str], formats: tuple[str, ...]) -> Placement:
    """Where each sidecar of the episode at ``episode`` goes. Beside it with its stem (x.vtt),
    unless an episode of the same stem in another of ``formats`` (x.m4a beside x.mp3) owns those
    names (its report says so, or says nothing, being older than this): then a text the same as
    the owner's is shared, and any other is named for this output (x.mp3.vtt). When the owner
    rewrites a shared text that a sibling shared, the sibling keeps the old one under its own name
    (x.m4a.vtt). Neither ever overwrites the other's."""
    stem, mine = episode.with_suffix(""), episode.suffix.lower().lstrip(".")
    siblings = [f for f in formats if f != episode.suffix.lower() and Path(f"{stem}{f}").exists()]
    named = [Path(f"{episode}{suffix}") for suffix in SUFFIXES]
    shared_names = [Path(f"{stem}{suffix}") for suffix in SUFFIXES]
    if not siblings or owner(episode) == mine or not any(p.exists() for p in shared_names):
        kept = [(shared, Path(f"{stem}{f}{suffix}")) for suffix, shared, text in zip(SUFFIXES, shared_names, texts)
                if suffix != ".report.json" and not _holds(shared, text) and shared.exists()
                for f in siblings if not Path(f"{stem}{f}{suffix}").exists()]
        return Placement(shared_names, [p for p in named if p.exists()], kept)
    out = [shared if _holds(shared, text) else own for shared, text, own in zip(shared_names, texts, named)]
    return Placement(out, [p for p in named if p.exists() and p not in out], [])


def _holds(path: Path, text: str) -> bool:
    try:
        return path.exists() and path.read_bytes() == text.encode("utf-8")
    except OSError:
        return False


def render(timeline: Timeline, article: Article, details: dict[str, object]) -> list[str]:
    """The text of each sidecar, in the order of SUFFIXES."""
    return [webvtt(timeline), srt(timeline), chapters_json(timeline), report_json(article, details)]


def clock(ms: int, sep: str = ".") -> str:
    """HH:MM:SS.mmm (WebVTT, Vorbis chapters) or, with sep=",", HH:MM:SS,mmm (SRT)."""
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{milli:03d}"


def _cues(timeline: Timeline) -> list[tuple[int, int, str]]:
    """One cue per sentence, at its real place in the audio: the pieces of a sentence too long
    for one engine request are merged back into it (they carry the same written text)."""
    cues: list[tuple[int, int, str]] = []
    previous_sentence = None
    for span in timeline.spans:
        if not span.text or span.end_ms <= span.start_ms:
            continue
        if span.sentence is not None and span.sentence == previous_sentence and cues:
            start, _, text = cues[-1]
            cues[-1] = (start, span.end_ms, text)
        else:
            cues.append((span.start_ms, span.end_ms, span.text))
        previous_sentence = span.sentence
    return cues


def transcript_cues(timeline: Timeline, script: Script) -> list[dict[str, object]]:
    """The transcript as heard, for the listening page's player: sections (a heading's text, or
    null) of paragraphs, each a list of [start_ms, end_ms, sentence as written], and "items": the
    indices of the paragraphs that are list items. The title and the byline are left out: the
    page shows them above the player."""
    sections: list[dict[str, object]] = []
    last_block = last_sentence = None
    for span in timeline.spans:
        if span.utterance is None or not span.text or span.end_ms <= span.start_ms:
            continue
        utterance = script.utterances[span.utterance]
        if utterance.kind in ("title", "text"):
            continue
        if utterance.kind == "heading":
            if utterance.block != last_block:
                sections.append({"title": span.text, "paragraphs": []})
                last_block = utterance.block
            continue
        if not sections:
            sections.append({"title": None, "paragraphs": []})
        paragraphs = cast("list[list[list[object]]]", sections[-1]["paragraphs"])
        if utterance.block != last_block:
            paragraphs.append([])
            last_block, last_sentence = utterance.block, None
            section, index = utterance.section, utterance.paragraph
            if section is not None and index is not None and script.article.sections[section].kind(index) == "item":
                cast("list[int]", sections[-1].setdefault("items", [])).append(len(paragraphs) - 1)
        if span.sentence is not None and span.sentence == last_sentence and paragraphs[-1]:
            paragraphs[-1][-1][1] = span.end_ms  # the next piece of a sentence too long for one request
        else:
            paragraphs[-1].append([span.start_ms, span.end_ms, span.text])
        last_sentence = span.sentence
    return sections


def webvtt(timeline: Timeline) -> str:
    """A WebVTT transcript: one cue per spoken piece, at its real time in the final audio."""
    lines = ["WEBVTT", ""]
    for start, end, text in _cues(timeline):
        lines += [f"{clock(start, '.')} --> {clock(end, '.')}", escapes.vtt_cue(text), ""]
    return "\n".join(lines)


def srt(timeline: Timeline) -> str:
    """The same cues as SubRip: numbered, comma before the milliseconds, blank line between."""
    blocks = []
    for n, (start, end, text) in enumerate(_cues(timeline), 1):
        blocks.append(f"{n}\n{clock(start, ',')} --> {clock(end, ',')}\n{escapes.srt_cue(text)}\n")
    return "\n".join(blocks)


def chapters_json(timeline: Timeline) -> str:
    """Podcasting 2.0 chapters: the same titles and times as the ID3 chapters."""
    chapters = [
        {"startTime": c.start_ms / 1000, "endTime": c.end_ms / 1000, "title": c.title}
        for c in timeline.chapters
    ]
    return json.dumps({"version": CHAPTERS_VERSION, "chapters": chapters}, ensure_ascii=False, indent=2) + "\n"


def removal_json(removal: Removal) -> dict[str, object]:
    return {"reason": removal.reason, "text": removal.text, "kept": removal.kept, "score": removal.score}


def report_json(article: Article, details: dict[str, object]) -> str:
    """What was removed from the text and why, with the build's numbers."""
    report = {
        "source": article.source,
        "title": article.title,
        "removed": [removal_json(r) for r in article.removed],
        "notes": list(article.notes),
        **details,
    }
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def prepare_json(article: Article, script: Script) -> dict[str, object]:
    """What ``prepare --json`` prints: the cleaned article, the utterances, what was removed."""
    return {
        "title": article.title,
        "author": article.author,
        "date": article.date,
        "language": script.language,
        "source": article.source,
        "sections": [{"title": s.title, "paragraphs": list(s.paragraphs)} for s in article.sections],
        "utterances": [{"kind": u.kind, "text": u.text} for u in script.utterances],
        "removed": [removal_json(r) for r in article.removed],
    }
