"""MP3 decoding in this process, the only module that uses miniaudio.

Network engines return MP3 (gTTS: 24 kHz mono at 32 kbps), many small files per article; one
ffmpeg process per file costs more than the decoding itself. miniaudio's dr_mp3 decodes them here.
"""

from __future__ import annotations

from audio_edition.errors import AudioError


def decode(data: bytes) -> tuple[bytes, int, int]:
    """16-bit PCM of an MP3, with its sample rate and channel count."""
    import miniaudio

    try:
        decoded = miniaudio.mp3_read_s16(data)
    except miniaudio.DecodeError as exc:
        raise AudioError("the engine returned MP3 audio that cannot be decoded",
                         hint="Try the build again; if it repeats, the engine's output is broken.") from exc
    if not decoded.samples:
        raise AudioError("the engine returned an MP3 with no audio in it",
                         hint="Try the build again; if it repeats, the engine's output is broken.")
    return decoded.samples.tobytes(), decoded.sample_rate, decoded.nchannels
