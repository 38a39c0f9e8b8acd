"""The default engine: espeak-ng through ctypes, from the espeakng-loader wheel (no system package).

libespeak-ng keeps global state (one voice, one callback), so each worker process holds its own
initialized copy; the synthesizer runs this engine in processes, never threads.
"""

from __future__ import annotations

import ctypes
import io
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

from audio_edition.errors import EngineError
from audio_edition.models import Take
from audio_edition.speech.engine import Availability, EngineBase, Voice

# From speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PARAM_RATE = 1
_PARAM_VOLUME = 2
_EE_OK = 0

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # priority byte + name + NUL, repeated, ending in a NUL
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


@dataclass(frozen=True)
class VoiceInfo:
    """One espeak-ng voice: its file identifier (what --voice takes) and its languages."""

    identifier: str
    name: str
    languages: tuple[str, ...]


class _Library:
    """The loaded, initialized libespeak-ng of this process."""

    def __init__(self) -> None:
        import espeakng_loader  # imported here: loading the library is the slow part

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data_path = Path(espeakng_loader.get_data_path())
        lib = self.lib
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.POINTER(ctypes.c_uint), ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int
        lib.espeak_Info.restype = ctypes.c_char_p
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        # The path is the folder that holds espeak-ng-data.
        self.rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, str(data_path.parent).encode(), _INITIALIZE_DONT_EXIT
        )
        if self.rate <= 0:
            raise EngineError(f"espeak-ng could not load its voice data from {data_path}")
        self.version = (lib.espeak_Info(None) or b"unknown").decode()
        self._chunks: list[bytes] = []
        self._callback = _SYNTH_CALLBACK(self._collect)  # kept referenced for the C side
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: str | None = None

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], numsamples: int, events: int | None) -> int:
        if numsamples > 0:
            self._chunks.append(ctypes.string_at(wav, numsamples * 2))
        return 0

    def voices(self) -> list[VoiceInfo]:
        out: list[VoiceInfo] = []
        array = self.lib.espeak_ListVoices(None)
        i = 0
        while array[i]:
            v = array[i].contents
            langs: list[str] = []
            addr = v.languages
            while addr and ctypes.string_at(addr, 1) != b"\x00":
                name = ctypes.string_at(addr + 1)  # skip the priority byte
                langs.append(name.decode())
                addr += 1 + len(name) + 1
            out.append(VoiceInfo(v.identifier.decode(), v.name.decode(), tuple(langs)))
            i += 1
        return out

    def speak(self, text: str, voice: str, rate_wpm: int) -> bytes:
        if voice != self._voice:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
                raise EngineError(f"espeak-ng has no voice '{voice}'",
                                  hint="Run 'audio-edition engines' and pick a voice from the espeak list.")
            self._voice = voice
        self.lib.espeak_SetParameter(_PARAM_RATE, rate_wpm, 0)
        self._chunks = []
        data = text.encode("utf-8") + b"\x00"
        status = self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if status != _EE_OK:
            raise EngineError(f"espeak-ng failed to synthesize (status {status})")
        self.lib.espeak_Synchronize()
        pcm = b"".join(self._chunks)
        self._chunks = []
        return pcm


_library: _Library | None = None
_lock = threading.Lock()


def _lib() -> _Library:
    global _library
    with _lock:
        if _library is None:
            _library = _Library()
        return _library


class EspeakEngine(EngineBase):
    """espeak-ng: offline, many languages, robotic but always there."""

    name = "espeak"
    offline = True
    max_chars = 1000
    concurrency = "process"
    max_jobs = None

    def __init__(self, rate_wpm: int = 165) -> None:
        self.rate_wpm = rate_wpm

    def set_rate(self, rate: float) -> bool:
        """Speak ``rate`` times as fast as the default 165 words a minute."""
        self.rate_wpm = round(165 * rate)
        return True

    def version(self) -> str:
        return f"espeak-ng {_lib().version} rate={self.rate_wpm}"

    def availability(self) -> Availability:
        try:
            _lib()
        except (OSError, ImportError, EngineError) as exc:
            return Availability(False, f"libespeak-ng could not be loaded: {exc}")
        return Availability(True)

    def voices(self) -> list[Voice]:
        """Every voice the bundled espeak-ng data provides (its formant synthesis: quality "robotic")."""
        return [Voice(v.identifier.split("/")[-1], v.languages, "robotic") for v in _lib().voices()]

    def resolve_voice(self, voice: str | None, language: str) -> str:
        """``voice`` as given (checked), else the best voice for ``language`` (e.g. en-US -> en-us)."""
        known = _lib().voices()
        ids = {v.identifier.split("/")[-1].lower(): v.identifier.split("/")[-1] for v in known}
        by_language: dict[str, str] = {}
        for v in known:
            for lang in v.languages:
                by_language.setdefault(lang.lower(), v.identifier.split("/")[-1])
        if voice:
            base, plus, variant = voice.partition("+")  # "en-gb+f3": voice en-gb, variant f3
            found = ids.get(base.lower()) or by_language.get(base.lower())
            if found is None:
                raise EngineError(
                    f"espeak-ng has no voice '{voice}'",
                    hint=f"espeak-ng voices for {language}: {', '.join(_voices_for(known, language)) or 'none'}.",
                )
            if plus:
                variants = _variants()
                if variant not in variants:
                    raise EngineError(
                        f"espeak-ng has no voice variant '{variant}' (in --voice {voice})",
                        hint=f"Try f1 to f5 or m1 to m8, e.g. --voice {found}+f3; there are {len(variants)} "
                             f"variants in all, such as {', '.join(variants[-5:])}.",
                    )
            return found + plus + variant
        for candidate in _language_candidates(language):
            if candidate in ids:
                return ids[candidate]
        matches = _voices_for(known, language)
        if matches:
            return matches[0]
        raise EngineError(
            f"espeak-ng has no voice for language '{language}'",
            hint="Pass --lang with an ISO 639-1 code espeak-ng knows, or choose --voice.",
        )

    def synthesize(self, text: str, voice: str, language: str) -> Take:
        lib = _lib()
        pcm = lib.speak(text, voice, self.rate_wpm)
        if not pcm:
            raise EngineError(f"espeak-ng produced no audio for: {text[:60]!r}")
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(lib.rate)
            w.writeframes(pcm)
        return Take(buf.getvalue(), "wav")


def _variants() -> list[str]:
    """The voice variants (the part after '+', e.g. f3, m1, klatt) in the bundled espeak-ng data."""
    import espeakng_loader

    folder = Path(espeakng_loader.get_data_path()) / "voices" / "!v"
    return sorted((p.name for p in folder.iterdir() if p.is_file()), key=str.lower)


def _language_candidates(language: str) -> list[str]:
    tag = language.lower().replace("_", "-")
    out = [tag]
    if "-" in tag:
        out.append(tag.split("-")[0])
    if tag == "en":
        out.insert(0, "en-us")
    return out


def _voices_for(voices: list[VoiceInfo], language: str) -> list[str]:
    base = language.lower().split("-")[0]
    return sorted(
        v.identifier.split("/")[-1] for v in voices if any(lang.lower().split("-")[0] == base for lang in v.languages)
    )
