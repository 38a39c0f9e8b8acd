"""The Engine protocol: everything the pipeline asks of a speech engine, and a base class that
gives the optional capabilities their "cannot" answers.

A third-party engine implements the protocol (most simply by subclassing ``EngineBase``) and
registers under the ``audio_edition.engines`` entry point group; see ``registry``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, cast, runtime_checkable

from audio_edition.models import Take

# Below this much text, a local engine speaks in this process: starting worker processes (a Python
# each, with the engine's library) costs more than they save. Measured with espeak-ng on 2 cores:
# it speaks about 12,000 characters a second, and two spawned workers take about 0.3 s to start.
POOL_MIN_CHARS = 6000


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
    ``pool_min_chars`` is how much text pays for starting worker processes (process engines).
    ``phonemes`` says whether text may carry ``[[ phonemes ]]`` (lexicon entries).
    Engines must be picklable: process workers receive a copy.
    """

    # Read-only to the pipeline (properties here, plain class attributes in an engine).
    @property
    def name(self) -> str: ...

    @property
    def offline(self) -> bool: ...

    @property
    def max_chars(self) -> int: ...

    @property
    def concurrency(self) -> Literal["process", "thread"]: ...

    @property
    def max_jobs(self) -> int | None: ...

    @property
    def pool_min_chars(self) -> int: ...

    @property
    def phonemes(self) -> bool: ...

    def version(self) -> str:
        """A version string that changes whenever the same text would sound different."""
        ...

    def voice_version(self, voice: str) -> str:
        """What identifies the voice's sound beyond its name (a voice file's digest), or ""."""
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

    def set_rate(self, rate: float) -> bool:
        """Speak at ``rate`` times the voice's own speed; False when the engine cannot."""
        ...

    def synthesize(self, text: str, voice: str, language: str) -> Take:
        """Speak ``text``; raise EngineError (never a foreign exception) on failure."""
        ...

    def release(self) -> None:
        """Let go of working memory held for speaking (called once a build's takes are spoken);
        what was loaded to speak (a model) may stay for the next article."""
        ...


class EngineBase:
    """Defaults for the optional capabilities: no phonemes, one speed, no voice files. A subclass
    sets the attributes the protocol names (as class attributes) and the methods it has no default for."""

    name: str
    offline: bool
    max_chars: int
    concurrency: Literal["process", "thread"]
    max_jobs: int | None = None
    pool_min_chars: int = POOL_MIN_CHARS
    phonemes: bool = False

    def voice_version(self, voice: str) -> str:
        return ""

    def set_rate(self, rate: float) -> bool:
        return False

    def release(self) -> None:
        return None


REQUIRED = ("name", "offline", "max_chars", "concurrency", "version", "availability", "resolve_voice", "voices",
            "synthesize")
OPTIONAL = ("max_jobs", "pool_min_chars", "phonemes", "voice_version", "set_rate", "release")  # new since 0.1.0


def missing_members(engine: object) -> list[str]:
    """What ``engine`` lacks of what every engine must have."""
    return [name for name in REQUIRED if not hasattr(engine, name)]


def completed(engine: Engine) -> Engine:
    """``engine`` itself, or, for an engine written before 0.2.0 that lacks an optional member, the
    engine with those members answered as 0.1.0 did."""
    if all(hasattr(engine, name) for name in OPTIONAL):
        return engine
    return cast(Engine, _Completed(engine))  # the required members are the wrapped engine's own


class _Completed:
    """An engine from before 0.2.0, with the optional members it lacks answered as they were then:
    no voice files, no phonemes, the default worker threshold, and a ``set_rate`` that returns
    nothing counted as done. Picklable, as engines must be (worker processes get a copy)."""

    def __init__(self, engine: object) -> None:
        self._engine = engine

    def __getattr__(self, name: str) -> object:
        if name == "_engine":  # while unpickling, before __dict__ is filled
            raise AttributeError(name)
        return getattr(self._engine, name)

    @property
    def max_jobs(self) -> int | None:
        found: int | None = getattr(self._engine, "max_jobs", None)
        return found

    @property
    def pool_min_chars(self) -> int:
        return int(getattr(self._engine, "pool_min_chars", POOL_MIN_CHARS))

    @property
    def phonemes(self) -> bool:
        return bool(getattr(self._engine, "phonemes", False))

    def voice_version(self, voice: str) -> str:
        found = getattr(self._engine, "voice_version", None)
        return str(found(voice)) if found is not None else ""

    def set_rate(self, rate: float) -> bool:
        found = getattr(self._engine, "set_rate", None)
        return found is not None and found(rate) is not False

    def release(self) -> None:
        found = getattr(self._engine, "release", None)
        if found is not None:
            found()
