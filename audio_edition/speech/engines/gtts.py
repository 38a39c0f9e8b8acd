"""Google Translate's text-to-speech through the gTTS library (needs the internet).

gTTS sends requests with no timeout and no retry; we give every request a timeout, retry
HTTP 429 and 5xx with backoff, and never let its ``save()`` leave an empty file behind (we
never call it: audio is collected in memory).

gTTS also opens a new ``requests.Session`` for every request: a new TLS connection, and a new
SSL context that loads the system's certificates again (28 ms of CPU each, measured), which made
our eight parallel requests CPU-bound on two cores. Inside gTTS only, ``requests.Session`` hands
out one kept-alive session per worker thread instead.
"""

from __future__ import annotations

import io
import threading
import time
import types

from audio_edition.speech.registry import Availability, Voice
from audio_edition.errors import EngineError
from audio_edition.models import Take

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 20.0
RETRIES = 3
BACKOFF_S = 1.0
PROBE_URL = "https://translate.google.com/"


class _KeptSession:
    """A session that stays open when gTTS's ``with requests.Session() as s:`` block ends."""

    def __init__(self, session) -> None:  # type: ignore[no-untyped-def]
        self._session = session

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self._session

    def __exit__(self, *exc: object) -> None:
        pass

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._session, name)


class _RequestsForGtts(types.ModuleType):
    """``requests`` as gTTS sees it: the same module, but one session per thread."""

    def __init__(self, real: types.ModuleType) -> None:
        super().__init__(real.__name__)
        self._real = real
        self._local = threading.local()

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._real, name)

    def Session(self) -> _KeptSession:  # noqa: N802 - the name gTTS calls
        kept = getattr(self._local, "session", None)
        if kept is None:
            kept = self._local.session = _KeptSession(self._real.Session())
        return kept


def _keep_sessions() -> None:
    import gtts.tts

    if not isinstance(gtts.tts.requests, _RequestsForGtts):
        gtts.tts.requests = _RequestsForGtts(gtts.tts.requests)


def _retryable(status: int | None) -> bool:
    return status is not None and (status == 429 or status >= 500)


class GttsEngine:
    """gTTS: natural voices from Google Translate; online only. ``--voice`` is the accent's tld."""

    name = "gtts"
    offline = False
    max_chars = 100  # gTTS splits longer text itself; we send what it sends, one request each
    concurrency = "thread"
    max_jobs = 8  # requests in flight: polite to a free service, and enough to hide its latency

    def __init__(self, backoff_s: float = BACKOFF_S) -> None:
        self.backoff_s = backoff_s

    def version(self) -> str:
        from importlib.metadata import version

        return f"gTTS {version('gTTS')}"

    def availability(self) -> Availability:
        try:
            import gtts  # noqa: F401
            import requests
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            return Availability(False, f"gTTS is not installed: {exc}")
        try:
            requests.head(PROBE_URL, timeout=(3, 3))
        except requests.RequestException as exc:
            return Availability(False, f"cannot reach {PROBE_URL} ({type(exc).__name__}); gTTS needs the internet")
        return Availability(True)

    def voices(self) -> list[Voice]:
        """One voice per language gTTS speaks (its accents are chosen with --voice as a Google domain)."""
        from gtts.lang import tts_langs

        return [Voice("com", tuple(sorted(tts_langs())), "natural")]

    def resolve_voice(self, voice: str | None, language: str) -> str:
        from gtts.lang import tts_langs

        langs = tts_langs()
        if language not in langs and language.split("-")[0] not in langs:
            raise EngineError(
                f"gTTS does not speak language '{language}'",
                hint="See 'gtts-cli --all' for its languages, or use --engine espeak.",
            )
        return voice or "com"

    def _lang(self, language: str) -> str:
        from gtts.lang import tts_langs

        return language if language in tts_langs() else language.split("-")[0]

    def synthesize(self, text: str, voice: str, language: str) -> Take:
        from gtts import gTTS, gTTSError

        _keep_sessions()
        attempt = 0
        while True:
            buf = io.BytesIO()
            try:
                tts = gTTS(
                    text, lang=self._lang(language), tld=voice, lang_check=False,
                    timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                )
                tts.write_to_fp(buf)
            except gTTSError as exc:
                status = getattr(exc.rsp, "status_code", None)
                if _retryable(status) and attempt < RETRIES:
                    time.sleep(self.backoff_s * 2**attempt)
                    attempt += 1
                    continue
                if status == 200:
                    raise EngineError(
                        "gTTS got an answer from Google with no audio in it",
                        hint="Google may have changed its API; upgrade gTTS, or use --engine espeak.",
                    ) from exc
                if status is None:
                    # gTTS raises its error inside requests' exception handler: the cause is the context.
                    cause = exc.__context__
                    detail = f"{type(cause).__name__}" if cause is not None else "no connection"
                    raise EngineError(
                        f"gTTS cannot reach Google's servers ({detail})",
                        hint="gTTS needs the internet; use --engine espeak to work offline.",
                    ) from exc
                raise EngineError(
                    f"gTTS failed with HTTP {status}: {exc.msg or exc}",
                    hint="Google may be rate-limiting; wait and retry, or use --engine espeak.",
                ) from exc
            except (ValueError, AssertionError) as exc:
                raise EngineError(f"gTTS rejected the text {text[:40]!r}: {exc}") from exc
            audio = buf.getvalue()
            if not audio:  # an answer in the right shape with nothing in it: a hiccup, so try again
                if attempt < RETRIES:
                    time.sleep(self.backoff_s * 2**attempt)
                    attempt += 1
                    continue
                raise EngineError(f"gTTS returned no audio for: {text[:60]!r}",
                                  hint="Google answered without audio several times; try again later, or use --engine espeak.")
            return Take(audio, "mp3")
