"""Cover art, the only module that uses Pillow: a whole, square JPEG or PNG of 1400 to 3000 pixels,
RGB without transparency, as Apple's podcast directory and the players that follow it require."""

from __future__ import annotations

import io
from pathlib import Path

from audio_edition.storage import files
from audio_edition.errors import InputError

MIN_PX, MAX_PX = 1400, 3000
HINT = "Use a square JPEG or PNG of 1400 to 3000 pixels, RGB without transparency, or leave --cover out."
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


def read_cover(path: Path) -> tuple[bytes, str]:
    """The cover's bytes and MIME type, or an InputError saying what is wrong with it."""
    data = files.read(path, "cover image", HINT, limit_mb=20)
    from PIL import Image, UnidentifiedImageError

    # Our own size check below runs on the header, before any decoding; Pillow's bomb check would
    # only turn a 20,000-pixel image into a less clear message.
    Image.MAX_IMAGE_PIXELS = None
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height), mode = image.format, image.size, image.mode
            if kind not in FORMATS:
                raise InputError(f"cover image {path} is {kind or 'not an image'}, not a JPEG or PNG file", hint=HINT)
            # The header is enough to refuse the size: a 20000-pixel image is never decoded.
            if width != height or not MIN_PX <= width <= MAX_PX:
                raise InputError(f"cover image {path} is {width}x{height} pixels", hint=HINT)
            if mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                raise InputError(f"cover image {path} has transparency", hint=HINT)
            if mode not in ("RGB", "L", "P"):
                raise InputError(f"cover image {path} is in {mode} colour, not RGB", hint=HINT)
            image.load()  # the whole image: a damaged or cut-off file fails here
    except InputError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"cover image {path} is not a readable JPEG or PNG file ({exc})", hint=HINT) from exc
    return data, FORMATS[kind]
