"""Sidecar files read from the timeline: WebVTT and SRT transcripts, JSON chapters, the report."""

from __future__ import annotations

import json
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


def placed(episode: Path, texts: list[str], formats: tuple[str, ...]) -> list[Path]:
    """Where each sidecar of the episode at ``episode`` goes, in the order of SUFFIXES: beside it
    with its stem (x.vtt), which an episode of the same stem in another of ``formats`` (x.m4a
    beside x.mp3) shares only when the text is the same; otherwise named for this output
    (x.mp3.vtt), so that neither overwrites the other's."""
    stem = episode.with_suffix("")
    siblings = [f for f in formats if f != episode.suffix.lower() and Path(f"{stem}{f}").exists()]
    out = []
    for suffix, text in zip(SUFFIXES, texts):
        shared = Path(f"{stem}{suffix}")
        try:
            differs = bool(siblings) and shared.exists() and shared.read_bytes() != text.encode("utf-8")
        except OSError:
            differs = True
        out.append(Path(f"{episode}{suffix}") if differs else shared)
    return out


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
    seen: dict[int | None, int] = {}  # per article section: paragraphs begun so far
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
            index = seen[utterance.section] = seen.get(utterance.section, -1) + 1
            if utterance.section is not None and script.article.sections[utterance.section].kind(index) == "item":
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
