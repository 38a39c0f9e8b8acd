"""The audio half of a build: a script and its engine in, a mastered, encoded episode and its
timeline out, with as little work as the cache allows.

- A finished episode is cached under a key made of its inputs alone (the takes' keys and pauses,
  the clips' contents, the settings and the toolchain), so an unchanged rebuild copies it: no
  synthesis, no mixing, no encoding.
- Otherwise missing takes are spoken, and each new take is measured (loudness profile, trim) as it
  arrives; profiles are cached with the takes, so an edited sentence costs one take's measurement.
- The mix is planned from the profiles, its mastering gain computed, and then it is rendered
  once, straight into the limiter and the encoder.
"""

from __future__ import annotations

import json
import os
import threading
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audio_edition.audio import encode, loudness, mix, segments, toolchain
from audio_edition.audio.loudness import Profile
from audio_edition.errors import InputError
from audio_edition.models import Progress, Script, Stage, Take, Timeline
from audio_edition.settings import Settings
from audio_edition.speech import synthesis
from audio_edition.speech.engine import Engine
from audio_edition.storage import files
from audio_edition.storage.cache import DiskCache, digest

PROFILES, CLIPS, EPISODES = "profiles", "clips", "episodes"


@dataclass(frozen=True)
class Produced:
    """What the audio stages made: the episode's timeline, and how much work it took."""

    timeline: Timeline
    synthesized: int
    cached: int
    from_cache: bool  # the whole episode was in the cache
    loudness: dict[str, float]


def _clip_files(settings: Settings) -> dict[str, Path]:
    roles = {"intro": settings.intro, "outro": settings.outro, "bed": settings.bed}
    return {role: path for role, path in roles.items() if path is not None}


def _clip_digest(path: Path, role: str) -> str:
    hint = f"Check the path, or pass --no-{role}."
    files.check_regular(path, f"{role} file", hint)
    if path.suffix.lower() not in segments.CLIP_FORMATS:
        raise InputError(f"{role} file {path} has an unsupported type '{path.suffix}'",
                         hint=f"Use one of {', '.join(segments.CLIP_FORMATS)}.")
    return digest("clip", files.read(path, f"{role} file", hint, limit_mb=200))


def episode_key(script: Script, keys: list[str], clips: dict[str, str], settings: Settings, suffix: str,
                chain: toolchain.Toolchain) -> str:
    """The key of the finished audio: everything it is made from, nothing computed from samples."""
    takes = [f"{k}:{u.pause_after_ms}" for k, u in zip(keys, script.utterances)]
    chapters = ([f"{m.title}@{m.first_utterance}" for m in script.chapters]
                if encode.FORMATS[suffix].chapters_by_ffmpeg else [])
    return digest(encode.VERSION, loudness.VERSION, mix.VERSION, chain.identity, suffix, str(settings.bitrate_kbps),
                  f"{settings.loudness_lufs:.2f}", str(settings.crossfade_ms), json.dumps(sorted(clips.items())),
                  "\n".join(takes), "\n".join(chapters))


class _Measurer:
    """Loudness profiles of takes and clips, from the cache or measured in one ffmpeg process."""

    def __init__(self, cache: DiskCache, chain: toolchain.Toolchain) -> None:
        self.cache, self.chain = cache, chain
        self.profiles: dict[str, Profile] = {}
        self._pending: dict[str, tuple[int, list[float], tuple[int, int]]] = {}  # samples, peaks, bounds
        self._weighting: loudness.KWeighting | None = None

    def known(self, key: str) -> bool:
        """Whether ``key`` has a profile (cached, or being measured)."""
        if key in self.profiles or key in self._pending:
            return True
        data = self.cache.get(PROFILES, key, "bin")
        found = Profile.from_bytes(data) if data else None
        if found is not None:
            self.profiles[key] = found
        return found is not None

    def add(self, key: str, pcm: bytes, bounds: tuple[int, int] = (0, 0)) -> None:
        """Measure ``pcm`` (mix format), the finished part stored under ``key``."""
        if self._weighting is None:
            self._weighting = loudness.KWeighting(self.chain)
        self._pending[key] = (len(pcm) // segments.WIDTH, segments.bin_peaks(pcm, loudness.BIN), bounds)
        self._weighting.add(key, pcm)

    def finish(self) -> dict[str, Profile]:
        """Every profile, the measured ones stored in the cache."""
        if self._weighting is not None:
            energy = self._weighting.close()
            self._weighting = None
            for key, (samples, peaks, bounds) in self._pending.items():
                found = Profile(samples, energy[key], array("d", peaks), bounds)
                self.profiles[key] = found
                self.cache.put(PROFILES, key, "bin", found.to_bytes())
            self._pending.clear()
        return self.profiles

    def kill(self) -> None:
        if self._weighting is not None:
            self._weighting.kill()


PART_MIN_SECONDS = 20  # shorter than this, a part of an MP3 is not worth its own encoder
MAX_PARTS = 8


def _parts(samples: int) -> int:
    """How many parts to encode an MP3 in: one per core, none shorter than PART_MIN_SECONDS."""
    cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_PARTS, samples // (segments.RATE * PART_MIN_SECONDS)))


def _take_audio(takes: synthesis.TakeCache, key: str, speak: Callable[[str], Take]) -> Take:
    """The take for ``key``; spoken again when its cache entry went missing or was damaged
    since the build began (a prune, a clear, a failing disk)."""
    take = takes.get(key)
    if take is None:
        take = speak(key)
        takes.put(key, take)
    return take


def produce(script: Script, engine: Engine, voice: str, settings: Settings, cache: DiskCache, out: Path,
            suffix: str, chain: toolchain.Toolchain, on_progress: Progress | None = None,
            on_stage: Stage | None = None) -> Produced:
    """Write the episode's audio (untagged) to ``out`` in the format of ``suffix``; return its timeline."""
    stage = on_stage or (lambda name: None)
    takes = synthesis.TakeCache(cache)
    texts = [u.text for u in script.utterances]
    keys = [synthesis.TakeCache.key(engine, voice, script.language, t) for t in texts]
    clip_paths = _clip_files(settings)
    clip_ids = {role: _clip_digest(path, role) for role, path in clip_paths.items()}
    key = episode_key(script, keys, clip_ids, settings, suffix, chain)
    entry = cache.get(EPISODES, key, "json")
    if entry and cache.copy_to(EPISODES, key, suffix.lstrip("."), out):
        try:
            record = json.loads(entry)
            positions = mix.Positions.from_json(record["positions"])
            if len(positions.utterances) == len(script.utterances):
                return Produced(mix.timeline(script, positions), 0, len(set(keys)), True, record["loudness"])
        except (ValueError, KeyError, TypeError):
            pass  # a damaged entry: build it again

    clip_pcm: dict[str, bytes] = {}
    for role, path in clip_paths.items():
        stored = cache.get(CLIPS, clip_ids[role], "pcm")
        clip_pcm[role] = stored if stored else segments.decode_clip(path, role)
        if not stored:
            cache.put(CLIPS, clip_ids[role], "pcm", clip_pcm[role])

    measurer = _Measurer(cache, chain)
    text_of = dict(zip(keys, texts))

    def speak(take_key: str) -> Take:
        return synthesis.speak(engine, text_of[take_key], voice, script.language)

    def measure_take(take_key: str, take: Take) -> None:
        if measurer.known(take_key):
            return
        pcm = segments.take_pcm(take.audio, take.format)
        bounds = segments.trim_bounds(pcm)
        measurer.add(take_key, segments.finish_take(pcm, bounds), bounds)

    try:
        stage("Speaking")
        result = synthesis.synthesize(engine, texts, voice, script.language, settings.jobs, takes,
                                  on_take=measure_take, on_progress=on_progress)
        for take_key in dict.fromkeys(keys):
            if not measurer.known(take_key):
                measure_take(take_key, _take_audio(takes, take_key, speak))
        for role in clip_paths:
            if not measurer.known(clip_ids[role]):
                measurer.add(clip_ids[role], clip_pcm[role])
        profiles = measurer.finish()
    except BaseException:
        measurer.kill()
        raise

    stage("Mixing and mastering")
    plan = mix.plan(script, [(k, profiles[k]) for k in keys], {role: profiles[clip_ids[role]] for role in clip_paths},
                    mix.Layout(crossfade_ms=settings.crossfade_ms))
    gain, mix_lufs = encode.mastering_gain(plan.canvas, settings.loudness_lufs, suffix, settings.bitrate_kbps)

    def load(part: mix.Part) -> bytes:
        if part.kind == "take":
            take = _take_audio(takes, part.key, speak)
            pcm = segments.finish_take(segments.take_pcm(take.audio, take.format), profiles[part.key].bounds)
        else:
            pcm = clip_pcm[part.key]
        if len(pcm) != part.length * segments.WIDTH:
            pcm = segments.loop(pcm, part.length) if part.key == "bed" else \
                (pcm + bytes(part.length * segments.WIDTH))[: part.length * segments.WIDTH]
        return segments.level(pcm, part.gain_db, part.fade_in_ms, part.fade_out_ms)

    total, written, lock = plan.positions.total, 0, threading.Lock()

    def on_written(samples: int) -> None:  # progress in seconds of audio mixed and encoded
        nonlocal written
        with lock:
            written += samples
            if on_progress:
                on_progress(written // segments.RATE, -(-total // segments.RATE))

    splits = plan.quiet_points(_parts(total) - 1) if suffix == ".mp3" else []
    inserted = encode.encode(lambda write, a, b: mix.render(plan, load, write, on_written, a, b), total, out, suffix,
                             settings.bitrate_kbps, gain, plan.timeline.chapters, chain, splits)
    plan = plan.with_silence(inserted) if inserted else plan
    record = {"positions": plan.positions.as_json(),
              "loudness": {"target_lufs": settings.loudness_lufs, "mix_lufs": round(mix_lufs, 2),
                           "gain_db": round(gain, 2)}}
    cache.put_file(EPISODES, key, suffix.lstrip("."), out)
    cache.put(EPISODES, key, "json", json.dumps(record).encode())
    return Produced(plan.timeline, result.synthesized, result.cached, False, record["loudness"])
