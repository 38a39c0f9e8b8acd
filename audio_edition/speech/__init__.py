"""Speaking: the Engine protocol and its registry, the engines, and synthesis in worker processes."""

from audio_edition.speech.engine import Availability, Engine, EngineBase, Voice
from audio_edition.speech.registry import (
    AUTO,
    AUTO_ORDER,
    DEFAULT_ENGINE,
    ENTRY_POINT_GROUP,
    choose,
    get,
    names,
    register,
    unregister,
    voice_for,
)

__all__ = ["AUTO", "AUTO_ORDER", "DEFAULT_ENGINE", "ENTRY_POINT_GROUP", "Availability", "Engine", "EngineBase",
           "Voice", "choose", "get", "names", "register", "unregister", "voice_for"]
