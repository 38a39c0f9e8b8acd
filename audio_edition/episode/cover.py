"""Cover art, the only module that uses Pillow: a whole, square JPEG or PNG of 1400 to 3000 pixels,
RGB without transparency, as Apple's podcast directory and the players that follow it require."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from audio_edition.errors import InputError
from audio_edition.storage import files

MIN_PX, MAX_PX = 1400, 3000
HINT = "Use a square JPEG or PNG of 1400 to 3000 pixels, RGB without transparency, or leave --cover out."
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}

if TYPE_CHECKING:
    from PIL.Image import Image as PillowImage


def _opened(data: bytes, path: Path) -> PillowImage:
    """The image, opened (its header read, nothing decoded) with Pillow's guard against
    decompression bombs left on for it and every other image. An image past the guard's limit is
    refused with its size, read from its header without the guard (any size accepted here is far
    under the limit)."""
    from PIL import Image, JpegImagePlugin, PngImagePlugin

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # over the limit, not just warned of
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        for plugin in (PngImagePlugin.PngImageFile, JpegImagePlugin.JpegImageFile):
            try:
                with plugin(io.BytesIO(data)) as header:
                    width, height = header.size
            except (SyntaxError, OSError, ValueError):
                continue
            raise InputError(f"cover image {path} is {width}x{height} pixels", hint=HINT) from None
        raise InputError(f"cover image {path} is far over {MAX_PX}x{MAX_PX} pixels", hint=HINT) from None


def read_cover(path: Path) -> tuple[bytes, str]:
    """The cover's bytes and MIME type, or an InputError saying what is wrong with it."""
    data = files.read(path, "cover image", HINT, limit_mb=20)
    from PIL import UnidentifiedImageError

    try:
        with _opened(data, path) as image:
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
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"cover image {path} is not a readable JPEG or PNG file ({exc})", hint=HINT) from exc
    return data, FORMATS[kind]
