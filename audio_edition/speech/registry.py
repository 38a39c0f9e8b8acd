"""Speech engines: a small protocol and a registry fed by the ``audio_edition.engines`` entry points.

Built-in engines register through the same entry-point group a third-party package uses, so
adding an engine never touches this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Callable, Literal, Protocol, runtime_checkable

from audio_edition.errors import EngineError
from audio_edition.models import Take

ENTRY_POINT_GROUP = "audio_edition.engines"
AUTO = "auto"  # the best offline engine installed with a voice for the article's language
DEFAULT_ENGINE = AUTO
AUTO_ORDER = ("piper", "espeak")  # natural first; espeak has a voice for almost every language


@dataclass(frozen=True)
class Availability:
    """Whether an engine can synthesize here, and if not, why."""

    available: bool
    reason: str | None = None


@dataclass(frozen=True)
class Voice:
    """One voice an engine offers: the name --voice takes, its languages, and its quality if known."""

    name: str
    languages: tuple[str, ...]
    quality: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "languages": list(self.languages), "quality": self.quality}


@runtime_checkable
class Engine(Protocol):
    """What every engine provides.

    ``concurrency`` says how the synthesizer may run it in parallel: ``"process"`` for engines
    whose native library keeps global state (one worker process each), ``"thread"`` for engines
    that wait on the network. ``max_jobs`` caps parallel requests (None: the core count).
    Engines must be picklable: process workers receive a copy.
    """

    name: str
    offline: bool
    max_chars: int
    concurrency: Literal["process", "thread"]
    max_jobs: int | None

    def version(self) -> str:
        """A version string that changes whenever the same text would sound different."""
        ...

    def availability(self) -> Availability:
        """Whether the engine can synthesize on this machine now."""
        ...

    def resolve_voice(self, voice: str | None, language: str) -> str:
        """The concrete voice to use for ``language`` (raising EngineError for an unknown voice)."""
        ...

    def voices(self) -> list[Voice]:
        """Every voice the engine offers here (for ``engines`` and ``doctor``)."""
        ...

    def synthesize(self, text: str, voice: str, language: str) -> Take:
        """Speak ``text``; raise EngineError (never a foreign exception) on failure."""
        ...


EngineFactory = Callable[[], Engine]
_extra: dict[str, EngineFactory] = {}


def register(name: str, factory: EngineFactory) -> None:
    """Register an engine at run time (for tests and embedding; packages use entry points)."""
    _extra[name] = factory


def unregister(name: str) -> None:
    _extra.pop(name, None)


def _entry_points() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def names() -> list[str]:
    """Every registered engine name, sorted."""
    return sorted(set(_entry_points()) | set(_extra))


def get(name: str) -> Engine:
    """Create the engine called ``name``."""
    if name in _extra:
        return _extra[name]()
    ep = _entry_points().get(name)
    if ep is None:
        raise EngineError(
            f"unknown engine '{name}'",
            hint=f"Known engines: {', '.join(names())}. Run 'audio-edition engines' for details.",
        )
    try:
        factory = ep.load()  # type: ignore[attr-defined]
        return factory()
    except EngineError:
        raise
    except Exception as exc:  # a third-party plugin that fails to import
        raise EngineError(f"engine '{name}' failed to load: {exc}") from exc


def choose(language: str, voice: str | None = None) -> tuple[Engine, str, str | None]:
    """For ``--engine auto``: the first engine of AUTO_ORDER that works here and has a voice for
    ``language`` (or has ``voice``), with that voice, and a note saying why an earlier one was
    passed over (None when the first was used)."""
    passed: list[str] = []
    last: EngineError | None = None
    for name in AUTO_ORDER:
        try:
            engine = get(name)
        except EngineError as exc:
            passed.append(f"{name}: {exc.message}")
            continue
        status = engine.availability()
        if not status.available:
            passed.append(f"{name} is not available ({status.reason})")
            continue
        try:
            chosen = engine.resolve_voice(voice, language)
        except EngineError as exc:
            passed.append(f"{name}: {exc.message}")
            last = exc
            continue
        note = f"{'; '.join(passed)}: {name} used" if passed else None
        return engine, chosen, note
    raise last or EngineError(f"no engine here can speak '{language}': " + "; ".join(passed),
                              hint="Run 'audio-edition engines' to see what works here.")
