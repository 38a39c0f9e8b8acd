"""The mix: where every part goes (the plan and its timeline), and the audio written as a stream.

Takes are placed one after another with our pauses between them; the intro, outro and an
optional music bed are placed around and under them. The plan is made from the parts' lengths
and loudness profiles alone, so the timeline (read by tags, chapters and transcripts) and the
mix's loudness are known before any audio is written. Rendering then walks the plan in time
order and writes the mix window by window, loading each part only while it sounds: memory stays
the same whatever the length of the article.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from audio_edition.audio import loudness, segments
from audio_edition.audio.loudness import Canvas, Profile
from audio_edition.models import Chapter, Script, Span, Timeline
from audio_edition.settings import DEFAULT_CROSSFADE_MS

RATE = segments.RATE
WIDTH = segments.WIDTH
SPEECH_REFERENCE_LUFS = -26.0  # speech is levelled here (well below any target); mastering raises the mix
MUSIC_UNDER_SPEECH_LU = 3.0  # intro and outro sit this far under the voice
BED_DUCK_LU = 18.0  # a music bed this far under the voice while it speaks
WINDOW = RATE  # samples written at a time
LEVEL_MAX_DB = 4.0  # the most a take is moved towards the others' loudness
SENTENCE_OVER_COMMA = 1.6  # a sentence's end is heard as one when its pause is this much longer than a comma's
MIN_COMMAS = 3
MAX_SENTENCE_PAUSE_MS = 1000
VERSION = "levelled-1"  # bump when the same parts would be placed or levelled differently


@dataclass(frozen=True)
class Layout:
    """How the parts are placed, in milliseconds.

    ``crossfade_ms``: the intro's last part fades out under the start of the speech, and the
    outro fades in over the pause after it; 0 plays them one after the other.
    """

    gap_after_intro_ms: int = 500
    gap_before_outro_ms: int = 1000
    crossfade_ms: int = DEFAULT_CROSSFADE_MS


@dataclass(frozen=True)
class Part:
    """One piece of the mix: a take (``key`` is its cache key) or a clip (``key`` is its role), where
    it starts and how long it plays (samples), its gain and its fades (milliseconds)."""

    kind: str  # "take" or "clip"
    key: str
    start: int
    length: int
    gain_db: float = 0.0
    fade_in_ms: int = 0
    fade_out_ms: int = 0

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class Positions:
    """Where things are, in samples: what a cached episode keeps to rebuild its timeline."""

    utterances: tuple[tuple[int, int], ...]
    intro: tuple[int, int] | None
    outro: tuple[int, int] | None
    total: int

    def as_json(self) -> dict[str, object]:
        return {"utterances": [list(u) for u in self.utterances], "intro": self.intro and list(self.intro),
                "outro": self.outro and list(self.outro), "total": self.total}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Positions:
        return cls(tuple((int(a), int(b)) for a, b in data["utterances"]),
                   tuple(data["intro"]) if data["intro"] else None,
                   tuple(data["outro"]) if data["outro"] else None,
                   int(data["total"]))


@dataclass(frozen=True)
class Plan:
    """The whole mix before it is rendered: its parts, positions, timeline and loudness bins."""

    parts: tuple[Part, ...]
    positions: Positions
    timeline: Timeline
    canvas: Canvas  # K-weighted energy and peaks of the mix, per 10 ms bin
    script: Script

    @property
    def lufs(self) -> float:
        return loudness.integrated(self.canvas.energy)

    def quiet_points(self, count: int, min_gap_ms: int = 300) -> list[int]:
        """Up to ``count`` samples, in order, where the mix may be cut into parts that are mastered
        and encoded apart: each in the middle of a silence of at least ``min_gap_ms`` where no part
        sounds, near an equal share of the length."""
        gaps, reach = [], 0
        for part in self.parts:  # in order of start
            if part.start - reach >= _samples(min_gap_ms):
                gaps.append((reach + part.start) // 2)
            reach = max(reach, part.end)
        chosen: list[int] = []
        total = self.positions.total
        for k in range(1, count + 1):
            ideal = total * k // (count + 1)
            later = [g for g in gaps if not chosen or g > chosen[-1]]
            if later:
                best = min(later, key=lambda g: abs(g - ideal))
                if abs(best - ideal) < total // (2 * (count + 1)):
                    chosen.append(best)
        return chosen

    def with_silence(self, inserted: list[tuple[int, int]]) -> Plan:
        """This plan's positions and timeline after ``(at, samples)`` of silence were put in at the
        given points of the mix (as joining separately encoded parts does)."""
        def moved(sample: int) -> int:
            return sample + sum(n for at, n in inserted if at <= sample)

        old = self.positions
        positions = Positions(tuple((moved(a), moved(b)) for a, b in old.utterances),
                              (moved(old.intro[0]), moved(old.intro[1])) if old.intro else None,
                              (moved(old.outro[0]), moved(old.outro[1])) if old.outro else None,
                              old.total + sum(n for _, n in inserted))
        return Plan(self.parts, positions, timeline(self.script, positions), self.canvas, self.script)


def _samples(ms: int) -> int:
    return RATE * ms // 1000


def _ms(samples: int) -> int:
    return round(samples * 1000 / RATE)


def plan(script: Script, takes: Sequence[tuple[str, Profile]], clips: dict[str, Profile],
         layout: Layout = Layout()) -> Plan:
    """Place the takes (one per utterance, with its cache key) and the clips ("intro", "outro",
    "bed"), and level them: the speech at the reference level, the music under it."""
    intro, outro, bed = clips.get("intro"), clips.get("outro"), clips.get("bed")
    xf = _samples(layout.crossfade_ms)
    intro_len = intro.samples if intro else 0
    body_start = max(0, intro_len + _samples(layout.gap_after_intro_ms) - min(xf, intro_len)) if intro else 0
    spans, position = [], body_start
    for (_, take), pause in zip(takes, pauses_after(script, [t for _, t in takes]), strict=True):
        spans.append((position, position + take.samples))
        position += take.samples + _samples(pause)
    body_end = position
    outro_start = body_end + max(0, _samples(layout.gap_before_outro_ms) - xf) if outro else body_end
    total = max(body_end, outro_start + (outro.samples if outro else 0))
    positions = Positions(tuple(spans), (0, intro_len) if intro else None,
                          (outro_start, outro_start + outro.samples) if outro else None, total)

    levels = level_gains([take for _, take in takes])
    speech = Canvas.empty(total)
    for (start, _), (_, take), level in zip(spans, takes, levels):
        speech.place(take, start, level)
    speech_lufs = loudness.integrated(speech.energy)
    speech_peak = max(speech.peak, default=0.0)
    speech_gain = loudness.gain_to(speech_lufs, SPEECH_REFERENCE_LUFS, _dbfs(speech_peak))
    music_level = (speech_lufs + speech_gain if speech_lufs > loudness.SILENCE_LUFS else SPEECH_REFERENCE_LUFS) \
        - MUSIC_UNDER_SPEECH_LU

    parts = [Part("take", key, start, take.samples, speech_gain + level)
             for (start, _), (key, take), level in zip(spans, takes, levels)]
    canvas = speech.scaled(speech_gain)
    if intro:
        parts.insert(0, _clip("intro", intro, 0, intro.samples, music_level, fade_out_ms=layout.crossfade_ms))
    if bed:
        parts.append(_bed(bed, script, spans, body_start, music_level - BED_DUCK_LU, total))
    if outro:
        parts.append(_clip("outro", outro, outro_start, outro.samples, music_level, fade_in_ms=layout.crossfade_ms))
    for part in parts:
        if part.kind == "clip":
            clip = clips[part.key]
            canvas.place(clip, part.start, part.gain_db, part.length, _samples(part.fade_in_ms),
                         _samples(part.fade_out_ms))
    parts.sort(key=lambda p: p.start)
    return Plan(tuple(parts), positions, timeline(script, positions), canvas, script)


def pauses_after(script: Script, takes: Sequence[Profile]) -> list[int]:
    """The silence after each utterance (ms): the script's, but a sentence's end never shorter than
    SENTENCE_OVER_COMMA times the voice's own pause at a comma, as measured inside these takes
    (Piper pauses 0.3-0.5 s at a comma: a shorter gap between sentences makes an end sound like a
    comma). Too few pauses to measure (under MIN_COMMAS), the script's pauses stand."""
    heard = [p for take in takes for p in loudness.inner_pauses(take)]
    floor = 0
    if len(heard) >= MIN_COMMAS:
        floor = min(MAX_SENTENCE_PAUSE_MS, round(SENTENCE_OVER_COMMA * statistics.median(heard) / 10) * 10)
    out = []
    for utterance, after in zip(script.utterances, [*script.utterances[1:], None]):
        ends_sentence = after is not None and after.sentence != utterance.sentence
        out.append(max(utterance.pause_after_ms, floor) if ends_sentence else utterance.pause_after_ms)
    return out


def level_gains(takes: Sequence[Profile]) -> list[float]:
    """A gain (dB) for each take that brings it to the takes' common loudness (their median): a
    voice that reads one sentence louder than the next (Piper normalizes each sentence's peak, not
    its loudness) is heard level. Gentle: one gain per take, at most LEVEL_MAX_DB either way, so the
    voice itself (its rise and fall within a sentence) is untouched; a take too short or too quiet
    to measure keeps its level."""
    loud = [loudness.speech_lufs(take) for take in takes]
    measured = sorted(v for v in loud if v > loudness.SILENCE_LUFS)
    if not measured:
        return [0.0] * len(takes)
    common = statistics.median(measured)
    return [max(-LEVEL_MAX_DB, min(LEVEL_MAX_DB, common - v)) if v > loudness.SILENCE_LUFS else 0.0 for v in loud]


def _dbfs(peak: float) -> float:
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def _clip(role: str, clip: Profile, start: int, length: int, level: float, fade_in_ms: int = 0,
          fade_out_ms: int = 0) -> Part:
    gain = loudness.gain_to(clip.lufs, level, clip.peak_dbfs)
    cap = _ms(length)
    return Part("clip", role, start, length, gain, min(fade_in_ms, cap), min(fade_out_ms, cap))


def _bed(bed: Profile, script: Script, spans: list[tuple[int, int]], body_start: int, level: float,
         total: int) -> Part:
    """The music bed under the opening (title and author): looped to length, ducked under the voice."""
    opening = [i for i, u in enumerate(script.utterances) if u.kind in ("title", "text") and u.section is None]
    last = opening[-1] if opening else 0
    start = max(0, body_start - _samples(1500))
    end = min(total, spans[last][1] + _samples(1200))
    length_ms = _ms(end - start)
    return Part("clip", "bed", start, end - start, loudness.gain_to(bed.lufs, level, bed.peak_dbfs),
                min(500, length_ms // 3), min(1200, length_ms // 2))


def timeline(script: Script, positions: Positions) -> Timeline:
    """The timeline of a mix from where its parts are: spans, then contiguous chapters."""
    spans: list[Span] = []
    if positions.intro:
        spans.append(Span("intro", 0, _ms(positions.intro[1])))
    for index, (utterance, (start, end)) in enumerate(zip(script.utterances, positions.utterances, strict=True)):
        spans.append(Span(utterance.kind, _ms(start), _ms(end), utterance=index,
                          text=utterance.written or utterance.text, sentence=utterance.sentence))
    if positions.outro:
        spans.append(Span("outro", _ms(positions.outro[0]), _ms(positions.outro[1])))
    duration = _ms(positions.total)
    return Timeline(tuple(spans), _chapters(script, spans, duration), duration)


def _chapters(script: Script, spans: list[Span], duration_ms: int) -> tuple[Chapter, ...]:
    """Contiguous chapters from 0 to the end: intro, the script's chapters, outro."""
    starts: list[tuple[str, int]] = []
    by_utterance = {s.utterance: s for s in spans if s.utterance is not None}
    if spans and spans[0].kind == "intro":
        starts.append(("Intro", 0))
    for mark in script.chapters:
        span = by_utterance.get(mark.first_utterance)
        if span is not None:
            starts.append((mark.title, 0 if not starts else span.start_ms))
    if spans and spans[-1].kind == "outro":
        starts.append(("Outro", spans[-1].start_ms))
    chapters = []
    for i, (title, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else duration_ms
        if end > start:
            chapters.append(Chapter(title, start, end))
    return tuple(chapters)


# Loads a part's audio at its final gain and fades: (part) -> mix-format PCM of part.length samples.
PartLoader = Callable[[Part], bytes]


def render(mix: Plan, load: PartLoader, write: Callable[[bytes], object],
           on_written: Callable[[int], None] | None = None, start: int = 0, end: int | None = None) -> None:
    """Write the mix (or its samples from ``start`` to ``end``) in time order, a window at a time;
    each part is loaded when it starts to sound and let go when it ends."""
    total = mix.positions.total if end is None else end
    parts = [p for p in mix.parts if p.end > start and p.start < total]
    active: list[tuple[Part, bytes]] = []
    next_part = 0
    for window_start in range(start, total, WINDOW):
        window_end = min(total, window_start + WINDOW)
        while next_part < len(parts) and parts[next_part].start < window_end:
            part = parts[next_part]
            active.append((part, load(part)))
            next_part += 1
        buffer = bytearray((window_end - window_start) * WIDTH)
        for part, data in active:
            a, b = max(part.start, window_start), min(part.end, window_end)
            if a < b:
                segments.add_into(buffer, (a - window_start) * WIDTH,
                                  data[(a - part.start) * WIDTH : (b - part.start) * WIDTH])
        active = [(p, d) for p, d in active if p.end > window_end]
        write(bytes(buffer))
        if on_written:
            on_written(window_end - window_start)
