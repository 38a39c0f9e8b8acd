"""What a build would use here: the ffmpeg binary and what it lacks, each engine and its voices, and
the cache folder. The ``doctor`` command prints it; its ``--json`` shape is in the README and docs/CLI.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from audio_edition import speech
from audio_edition.audio import toolchain
from audio_edition.errors import AudioEditionError
from audio_edition.speech.engine import Availability, Voice
from audio_edition.storage.cache import DiskCache, default_cache_dir


def _ffmpeg(cache_root: Path | None) -> dict[str, object]:
    try:
        chain = toolchain.current(cache_root)
    except AudioEditionError as exc:
        return {"path": None, "version": None, "source": None, "ok": False, "missing": [],
                "formats": dict.fromkeys(toolchain.FORMAT_NEEDS, False), "problem": f"{exc.message}. Hint: {exc.hint}"}
    missing = chain.missing(toolchain.NEEDS)
    formats = {suffix: not missing and not chain.missing(needs) for suffix, needs in toolchain.FORMAT_NEEDS.items()}
    problem = None
    if missing or not formats[".mp3"]:
        try:
            chain.require(".mp3")
        except AudioEditionError as exc:
            problem = f"{exc.message}. Hint: {exc.hint}"
    return {"path": chain.path, "version": chain.version, "source": chain.source, "ok": problem is None,
            "missing": chain.missing(toolchain.NEEDS + sum(toolchain.FORMAT_NEEDS.values(), ())),
            "formats": formats, "problem": problem}


@dataclass(frozen=True)
class EngineStatus:
    """One registered engine as it is here: usable or not (and why), and its voices."""

    name: str
    available: bool
    reason: str | None
    offline: bool
    voices: tuple[Voice, ...]
    first_choice: bool  # what --engine auto tries first (when it has a voice for the language)

    def as_json(self) -> dict[str, object]:
        """The shape ``engines --json`` prints."""
        return {"name": self.name, "available": self.available, "reason": self.reason, "offline": self.offline}


UNCHECKED = "online: its server was not asked (--check-network asks)"


def engine_statuses(voices_of_online: bool = True, check_network: bool = False) -> list[EngineStatus]:
    """Every registered engine, whether it works here and why not, with its voices when it does
    (an online engine's only with ``voices_of_online``), without touching the network: an online
    engine is asked whether its server answers only with ``check_network``."""
    found: list[tuple[str, bool, str | None, bool, tuple[Voice, ...]]] = []
    for name in speech.names():
        try:
            engine = speech.get(name)
            status = engine.availability() if engine.offline or check_network else Availability(True, UNCHECKED)
            listed = status.available and (engine.offline or voices_of_online)
            found.append((name, status.available, status.reason, bool(engine.offline),
                          tuple(engine.voices()) if listed else ()))
        except AudioEditionError as exc:
            found.append((name, False, exc.message, False, ()))
    first = next((name for name in speech.AUTO_ORDER for row in found if row[0] == name and row[1]), None)
    return [EngineStatus(*row, first_choice=row[0] == first) for row in found]


def _engines(check_network: bool) -> list[dict[str, object]]:
    return [{**status.as_json(), "default": status.first_choice, "voices": [v.as_json() for v in status.voices]}
            for status in engine_statuses(check_network=check_network)]


def _cache(root: Path) -> dict[str, object]:
    usage = DiskCache(root).usage()
    return {"path": str(root), "size_bytes": usage.size, "entries": usage.entries}


def report(cache_root: Path | None = None, check_network: bool = False) -> dict[str, object]:
    """The toolchain a build would use: ``{"ffmpeg": ..., "engines": [...], "cache": ...}``."""
    root = cache_root or default_cache_dir()
    return {"ffmpeg": _ffmpeg(root), "engines": _engines(check_network), "cache": _cache(root)}


def problems(found: dict[str, object]) -> list[str]:
    """What stops a default build here, one line each (empty when nothing does)."""
    out = []
    ffmpeg = found["ffmpeg"]
    if isinstance(ffmpeg, dict) and not ffmpeg["ok"]:
        out.append(str(ffmpeg["problem"]))
    for row in cast("list[dict[str, Any]]", found["engines"]):
        if row["default"] and not row["available"]:
            out.append(f"the default engine '{row['name']}' is not usable here: {row['reason']}")
    return out


def describe(found: dict[str, object]) -> list[str]:
    """The report as lines of text, for people."""
    lines = []
    ffmpeg = found["ffmpeg"]
    assert isinstance(ffmpeg, dict)
    if ffmpeg["path"]:
        formats = ", ".join(f"{suffix} {'yes' if ok else 'no'}" for suffix, ok in ffmpeg["formats"].items())
        lines.append(f"ffmpeg   {ffmpeg['version']} at {ffmpeg['path']} (from {ffmpeg['source']})")
        lines.append(f"         {'has everything a build needs' if ffmpeg['ok'] else 'NOT USABLE'}; formats: {formats}")
        if ffmpeg["missing"]:
            lines.append(f"         lacks: {', '.join(ffmpeg['missing'])}")
    else:
        lines.append(f"ffmpeg   NOT FOUND: {ffmpeg['problem']}")
    for row in cast("list[dict[str, Any]]", found["engines"]):
        state = (("available" + (f" ({row['reason']})" if row["reason"] else "")) if row["available"]
                 else f"not available ({row['reason']})")
        voices = row["voices"]
        languages = {lang for voice in voices for lang in voice["languages"]}
        default = " (auto's first choice)" if row["default"] else ""
        count = (f"; {len(voices)} voice{'s' * (len(voices) != 1)}, "
                 f"{len(languages)} language{'s' * (len(languages) != 1)}")
        lines.append(f"engine   {row['name']}{default}: {state}, {'offline' if row['offline'] else 'online'}"
                     + (count if voices else ""))
        if 0 < len(voices) <= 20:
            lines += [f"           {v['name']}: {', '.join(v['languages'])}, {v['quality'] or 'quality unknown'}"
                      for v in voices]
    cache = found["cache"]
    assert isinstance(cache, dict)
    lines.append(f"cache    {cache['path']}: {cache['size_bytes'] / 1e6:.1f} MB in {cache['entries']} files")
    return lines
