"""The gTTS engine, through the real gTTS code with its HTTP layer intercepted by ``responses``."""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path

import pytest
import requests
import responses
from conftest import Cli
from readers import decode_errors, ffmetadata, walk_mp3

from audio_edition import pipeline
from audio_edition.errors import EngineError
from audio_edition.settings import Settings
from audio_edition.speech.engines.gtts import GttsEngine

ENDPOINT = re.compile(r"https://translate\.google\.[a-z.]+/_/TranslateWebserverUi/data/batchexecute")


def batchexecute_body(mp3: bytes) -> str:
    """An answer shaped as Google's batchexecute endpoint sends it, carrying ``mp3``."""
    payload = json.dumps([base64.b64encode(mp3).decode()])
    row = json.dumps([["wrb.fr", "jQ1olc", payload, None, None, None, "generic"]], separators=(",", ":"))
    return ")]}'\n\n" + row + "\n"


@pytest.fixture
def mp3_bytes(clips: dict[str, Path]) -> bytes:
    return clips["speech_mp3"].read_bytes()


@responses.activate
def test_gtts_returns_the_mp3_google_sends(mp3_bytes: bytes) -> None:
    responses.post(ENDPOINT, body=batchexecute_body(mp3_bytes))
    take = GttsEngine(backoff_s=0).synthesize("Hello there.", "com", "en")
    assert take.format == "mp3" and take.audio == mp3_bytes
    call = responses.calls[0]
    assert call.request.req_kwargs["timeout"] == (5.0, 20.0)  # gTTS's default is no timeout at all
    assert "Hello there" in requests.utils.unquote(call.request.body)


@responses.activate
def test_gtts_retries_429_and_5xx_then_succeeds(mp3_bytes: bytes) -> None:
    responses.post(ENDPOINT, status=429)
    responses.post(ENDPOINT, status=503)
    responses.post(ENDPOINT, body=batchexecute_body(mp3_bytes))
    take = GttsEngine(backoff_s=0).synthesize("Retry me.", "com", "en")
    assert take.audio == mp3_bytes
    assert len(responses.calls) == 3


@responses.activate
def test_gtts_gives_up_after_retries_with_the_status() -> None:
    responses.post(ENDPOINT, status=500)
    with pytest.raises(EngineError, match="HTTP 500"):
        GttsEngine(backoff_s=0).synthesize("Never works.", "com", "en")
    assert len(responses.calls) == 4  # one try and three retries


@responses.activate
def test_gtts_does_not_retry_a_client_error() -> None:
    responses.post(ENDPOINT, status=403)
    with pytest.raises(EngineError, match="HTTP 403"):
        GttsEngine(backoff_s=0).synthesize("Forbidden.", "com", "en")
    assert len(responses.calls) == 1


@responses.activate
def test_gtts_without_network_fails_fast_with_a_clear_message() -> None:
    responses.post(ENDPOINT, body=requests.ConnectionError("Name or service not known"))
    started = time.monotonic()
    with pytest.raises(EngineError, match="cannot reach Google") as info:
        GttsEngine(backoff_s=0).synthesize("Offline.", "com", "en")
    assert time.monotonic() - started < 5
    assert "espeak" in info.value.hint


@responses.activate
def test_gtts_answer_without_audio_is_an_error() -> None:
    responses.post(ENDPOINT, body=")]}'\n\n[[\"wrb.fr\",\"other\",null]]\n")
    with pytest.raises(EngineError):
        GttsEngine(backoff_s=0).synthesize("Odd answer.", "com", "en")


@responses.activate
def test_gtts_availability_probes_the_service() -> None:
    responses.head("https://translate.google.com/", status=200)
    assert GttsEngine().availability().available
    responses.replace(responses.HEAD, "https://translate.google.com/", body=requests.ConnectionError("down"))
    status = GttsEngine().availability()
    assert not status.available and "needs the internet" in (status.reason or "")


def test_gtts_language_check() -> None:
    engine = GttsEngine()
    assert engine.resolve_voice(None, "en") == "com"
    assert engine.resolve_voice("co.uk", "en-GB") == "co.uk"
    with pytest.raises(EngineError, match="does not speak"):
        engine.resolve_voice(None, "xx")


@pytest.mark.slow  # a whole build
@responses.activate
def test_gtts_builds_a_valid_episode(tmp_path: Path, mp3_bytes: bytes) -> None:
    responses.post(ENDPOINT, body=batchexecute_body(mp3_bytes))
    article = tmp_path / "note.md"
    article.write_text("# A Short Note\n\nFirst paragraph.\n\n## Later\n\nSecond paragraph, a little longer.\n")
    out = tmp_path / "note.mp3"
    result = pipeline.build(str(article), out, Settings(engine="gtts", jobs=4))
    assert result.synthesized == 4 and len(responses.calls) == 4  # title, two paragraphs, one heading
    assert decode_errors(out) == ""
    frames = walk_mp3(out)
    assert frames.bitrates == {96} and frames.sample_rates == {44100} and frames.mono
    assert [c["title"] for c in ffmetadata(out).chapters] == ["Intro", "A Short Note", "Later", "Outro"]
    import gtts.tts

    assert gtts.tts.requests is requests  # four threads spoke; gTTS has its own requests back


def test_gtts_cli_without_network_exits_1_quickly_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text("A Title\n\nSome words to speak.\n")
    # A proxy on a closed loopback port: every request fails at once, as with no network,
    # without this test sending anything off the machine.
    proxy = {"HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}
    started = time.monotonic()
    run = cli("build", str(article), "-o", str(tmp_path / "a.mp3"), "--engine", "gtts", env=proxy)
    assert time.monotonic() - started < 20
    assert run.code == 1
    assert run.stderr.startswith("Error: gTTS cannot reach Google") and "Traceback" not in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


@pytest.fixture
def no_kept_sessions() -> None:
    """This thread's kept-alive sessions forgotten, so a test sees the sessions it makes itself."""
    from audio_edition.speech.engines import gtts as engine

    engine._speaking.sessions.clear()


@responses.activate
@pytest.mark.usefixtures("no_kept_sessions")
def test_gtts_keeps_one_session_per_thread_and_gives_gtts_back_its_requests(mp3_bytes: bytes,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """gTTS opens a session (a TLS connection, certificates loaded again) per request; while our
    takes are spoken, each speaking thread keeps one instead. Outside our calls gTTS's module has
    plain requests again, and other threads never see the kept session."""
    import threading

    import gtts.tts

    from audio_edition.speech.engines.gtts import _kept_sessions

    made: list[requests.Session] = []
    real_init = requests.Session.__init__

    def counting_init(session: requests.Session) -> None:
        made.append(session)
        real_init(session)

    monkeypatch.setattr(requests.Session, "__init__", counting_init)
    responses.post(ENDPOINT, body=batchexecute_body(mp3_bytes))
    engine = GttsEngine(backoff_s=0.25)
    for n in range(3):
        assert engine.synthesize(f"Sentence {n}.", "com", "en").audio == mp3_bytes
    assert len(responses.calls) == 3 and len(made) == 1  # three requests, one session
    assert gtts.tts.requests is requests  # given back once our takes are spoken
    with _kept_sessions(0.25):
        here = gtts.tts.requests.Session()
        with here as session:
            assert session is made[0]
        assert session.adapters  # still open after the with block, for the next request
        other: list[object] = []
        thread = threading.Thread(target=lambda: other.append(gtts.tts.requests.Session()))
        thread.start()
        thread.join()
        assert isinstance(other[0], requests.Session) and other[0] is not session
    assert gtts.tts.requests is requests and requests.Session() is not session


@responses.activate
def test_gtts_tries_again_when_an_answer_carries_no_audio(mp3_bytes: bytes) -> None:
    """Seen through the simulator under load: a well-formed answer with an empty audio payload."""
    responses.post(ENDPOINT, body=batchexecute_body(b""))
    responses.post(ENDPOINT, body=batchexecute_body(mp3_bytes))
    assert GttsEngine(backoff_s=0).synthesize("Again, please.", "com", "en").audio == mp3_bytes
    assert len(responses.calls) == 2


@responses.activate
def test_gtts_gives_up_on_answers_that_never_carry_audio() -> None:
    responses.post(ENDPOINT, body=batchexecute_body(b""))
    with pytest.raises(EngineError, match="returned no audio") as info:
        GttsEngine(backoff_s=0).synthesize("Nothing comes back.", "com", "en")
    assert len(responses.calls) == 4 and "try again later" in info.value.hint
