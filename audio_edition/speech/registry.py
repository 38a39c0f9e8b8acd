"""The engine registry, fed by the ``audio_edition.engines`` entry points, and the choice of an
engine and a voice for an article.

Built-in engines register through the same entry-point group a third-party package uses, so
adding an engine never touches this module.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING

from audio_edition.errors import EngineError
from audio_edition.settings import AUTO, DEFAULT_ENGINE, DEFAULT_LANGUAGE
from audio_edition.speech.engine import Engine, completed, missing_members

__all__ = ["AUTO", "AUTO_ORDER", "DEFAULT_ENGINE", "ENTRY_POINT_GROUP", "choose", "get", "names", "register",
           "unregister", "voice_for"]
ENTRY_POINT_GROUP = "audio_edition.engines"

if TYPE_CHECKING:  # mypy checks that each built-in engine implements the protocol it registers under
    from audio_edition.speech.engines.espeak import EspeakEngine
    from audio_edition.speech.engines.fake import FakeEngine
    from audio_edition.speech.engines.gtts import GttsEngine
    from audio_edition.speech.engines.piper import PiperEngine

    BUILT_IN: tuple[Callable[[], Engine], ...] = (EspeakEngine, FakeEngine, GttsEngine, PiperEngine)
AUTO_ORDER = ("piper", "espeak")  # natural first; espeak has a voice for almost every language


EngineFactory = Callable[[], Engine]
_extra: dict[str, EngineFactory] = {}


def register(name: str, factory: EngineFactory) -> None:
    """Register an engine at run time (for tests and embedding; packages use entry points)."""
    _extra[name] = factory


def unregister(name: str) -> None:
    _extra.pop(name, None)


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def names() -> list[str]:
    """Every registered engine name, sorted."""
    return sorted(set(_entry_points()) | set(_extra))


def get(name: str) -> Engine:
    """Create the engine called ``name``, checked against the protocol (and, written before 0.2.0,
    completed: see ``engine.completed``)."""
    if name in _extra:
        return _checked(name, _extra[name]())
    ep = _entry_points().get(name)
    if ep is None:
        raise EngineError(
            f"unknown engine '{name}'",
            hint=f"Known engines: {', '.join(names())}. Run 'audio-edition engines' for details.",
        )
    try:
        factory = ep.load()
        engine: Engine = factory()
    except EngineError:
        raise
    except Exception as exc:  # a third-party plugin that fails to import
        raise EngineError(f"engine '{name}' failed to load: {exc}") from exc
    return _checked(name, engine)


def _checked(name: str, engine: Engine) -> Engine:
    lacking = missing_members(engine)
    if lacking:
        raise EngineError(f"engine '{name}' is not a speech engine: it has no {', '.join(lacking)}",
                          hint="An engine implements audio_edition.speech.Engine; subclass "
                               "audio_edition.speech.EngineBase (see the README's 'Adding an engine').")
    return completed(engine)


def choose(language: str, voice: str | None = None) -> tuple[Engine, str, str | None]:
    """For ``--engine auto``: the first engine of AUTO_ORDER that works here and has a voice for
    ``language`` (or has ``voice``), with that voice, and a note saying why an earlier one was
    passed over (None when the first was used)."""
    passed: list[str] = []
    last: EngineError | None = None
    hints: list[str] = []
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
            hints.append(exc.hint or "")
            last = exc
            continue
        note = f"{'; '.join(passed)}: {name} used" if passed else None
        return engine, chosen, note
    if voice and last is not None:  # no engine has it: say what each one has, and how to add a Piper voice
        raise EngineError(f"no engine here has the voice '{voice}' ({'; '.join(passed)})",
                          hint=" ".join(h for h in hints if h)) from None
    raise last or EngineError(f"no engine here can speak '{language}': " + "; ".join(passed),
                              hint="Run 'audio-edition engines' to see what works here.")


def voice_for(engine: Engine, voice: str | None, forced_language: str | None, language: str,
              others: list[str]) -> tuple[str, str]:
    """(voice, language): the engine's voice for ``language``; for a detected language it has no
    voice for (``forced_language`` unset), the next language detection found (``others``: mixed-script
    text), else a clear error. An offline engine that cannot run here says so first (the real cause,
    not "no voice"); an online one is not asked here, which would cost a request to its server."""
    if engine.offline:
        status = engine.availability()
        if not status.available:
            raise EngineError(f"{engine.name} is not usable here: {status.reason}",
                              hint="Install what it needs, or choose another engine (audio-edition engines).")
    try:
        return engine.resolve_voice(voice, language), language
    except EngineError as exc:
        if voice or forced_language or not (others or language != DEFAULT_LANGUAGE):
            raise
        for other in others:
            try:
                return engine.resolve_voice(None, other), other
            except EngineError:
                continue
        raise EngineError(f"the article's language was detected as '{language}', and {engine.name} has no voice "
                          f"for it ({exc.message})",
                          hint=f"{exc.hint + ' ' if exc.hint else ''}If the article is in another language, "
                               "give --lang with it, e.g. --lang en.") from None
