"""Google Translate's text-to-speech through the gTTS library (needs the internet).

gTTS sends requests with no timeout and no retry; we give every request a timeout, retry HTTP 429
and 5xx with the one retry policy of all our requests (ingest.web.retry_policy), ask again when an
answer carries no audio, and never let its ``save()`` leave an empty file behind (we never call
it: audio is collected in memory).

gTTS also opens a new ``requests.Session`` for every request: a new TLS connection, and a new
SSL context that loads the system's certificates again (28 ms of CPU each, measured), which made
our eight parallel requests CPU-bound on two cores. While one of our takes is spoken, and only on
the thread speaking it, ``requests.Session`` as gTTS sees it hands out that thread's kept-alive
session instead; other threads, and every other user of gTTS in the process, get plain requests,
and gTTS's own module is given back its ``requests`` when the last of our takes is done.
"""

from __future__ import annotations

import io
import threading
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from audio_edition.errors import EngineError
from audio_edition.ingest.web import retry_policy
from audio_edition.models import Take
from audio_edition.speech.engine import Availability, EngineBase, Voice

if TYPE_CHECKING:
    import requests

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 20.0
EMPTY_ANSWER_RETRIES = 3  # an answer in the right shape with no audio in it: a hiccup, asked again
BACKOFF_S = 1.0
PROBE_URL = "https://translate.google.com/"


class _KeptSession:
    """A session that stays open when gTTS's ``with requests.Session() as s:`` block ends."""

    def __init__(self, session: requests.Session) -> None:
        self._session = session

    def __enter__(self) -> requests.Session:
        return self._session

    def __exit__(self, *exc: object) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class _Speaking(threading.local):
    """Per thread: the kept-alive session (by backoff), and whether one of our takes is being spoken."""

    def __init__(self) -> None:
        self.sessions: dict[float, requests.Session] = {}
        self.active: requests.Session | None = None


_speaking = _Speaking()
_installed = threading.Lock()
_users = 0


class _RequestsForGtts(types.ModuleType):
    """``requests`` as gTTS's module sees it while our takes are spoken: the same module, whose
    ``Session()`` is the thread's kept-alive session on a thread speaking one of our takes, and a
    plain new session anywhere else."""

    def __init__(self, real: types.ModuleType) -> None:
        super().__init__(real.__name__)
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def Session(self) -> Any:  # noqa: N802 - the name gTTS calls
        kept = _speaking.active
        return _KeptSession(kept) if kept is not None else self.real.Session()


@contextmanager
def _kept_sessions(backoff_s: float) -> Iterator[None]:
    """While the body runs, gTTS's requests on this thread go through its kept-alive session, with
    the retry policy. gTTS's module gets its own ``requests`` back when the last such body ends."""
    global _users
    import gtts.tts
    import requests
    from requests.adapters import HTTPAdapter

    session = _speaking.sessions.get(backoff_s)
    if session is None:
        session = _speaking.sessions[backoff_s] = requests.Session()
        adapter = HTTPAdapter(max_retries=retry_policy(("POST",), backoff_s))  # gTTS asks with POST
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    with _installed:
        if _users == 0:
            gtts.tts.requests = _RequestsForGtts(gtts.tts.requests)
        _users += 1
    _speaking.active = session
    try:
        yield
    finally:
        _speaking.active = None
        with _installed:
            _users -= 1
            if _users == 0 and isinstance(gtts.tts.requests, _RequestsForGtts):
                gtts.tts.requests = gtts.tts.requests.real


class GttsEngine(EngineBase):
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
        with _kept_sessions(self.backoff_s):
            for attempt in range(EMPTY_ANSWER_RETRIES + 1):
                audio = self._ask(text, voice, language)
                if audio:
                    return Take(audio, "mp3")
                if attempt < EMPTY_ANSWER_RETRIES:  # an answer in the right shape with nothing in it: ask again
                    time.sleep(self.backoff_s * 2**attempt)
        raise EngineError(f"gTTS returned no audio for: {text[:60]!r}",
                          hint="Google answered without audio several times; try again later, or use --engine espeak.")

    def _ask(self, text: str, voice: str, language: str) -> bytes:
        """One answer's audio (possibly none); HTTP 429 and 5xx were retried below, by the policy."""
        from gtts import gTTS, gTTSError

        buf = io.BytesIO()
        try:
            gTTS(text, lang=self._lang(language), tld=voice, lang_check=False,
                 timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)).write_to_fp(buf)
        except gTTSError as exc:
            status = getattr(exc.rsp, "status_code", None)
            if status == 200:
                raise EngineError("gTTS got an answer from Google with no audio in it",
                                  hint="Google may have changed its API; upgrade gTTS, "
                                       "or use --engine espeak.") from exc
            if status is None:
                # gTTS raises its error inside requests' exception handler: the cause is the context.
                cause = exc.__context__
                detail = f"{type(cause).__name__}" if cause is not None else "no connection"
                raise EngineError(f"gTTS cannot reach Google's servers ({detail})",
                                  hint="gTTS needs the internet; use --engine espeak to work offline.") from exc
            raise EngineError(f"gTTS failed with HTTP {status}: {exc.msg or exc}",
                              hint="Google may be rate-limiting; wait and retry, or use --engine espeak.") from exc
        except (ValueError, AssertionError) as exc:
            raise EngineError(f"gTTS rejected the text {text[:40]!r}: {exc}") from exc
        return buf.getvalue()
