"""Cover art, the only module that uses Pillow: a whole, square JPEG or PNG of 1400 to 3000 pixels,
RGB without transparency, as Apple's podcast directory and the players that follow it require."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from audio_edition.errors import InputError
from audio_edition.storage import files

MIN_PX, MAX_PX = 1400, 3000
HINT = "Use a square JPEG or PNG of 1400 to 3000 pixels, RGB without transparency, or leave --cover out."
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}

def _format_of(data: bytes) -> str | None:
    """The format Pillow recognises from the file's first bytes, as ``Image.open`` does, without
    opening it (so without its size check); None when no format claims them."""
    from PIL import Image

    Image.init()
    prefix = data[:16]  # what Image.open shows each format's accept function
    for name in Image.ID:
        accept = Image.OPEN[name][1]
        if accept is not None and accept(prefix):
            return name
    return None


def _header_size(data: bytes, kind: str) -> tuple[int, int]:
    """Width and height from a PNG's or JPEG's header, nothing decoded."""
    from PIL import JpegImagePlugin, PngImagePlugin

    reader = PngImagePlugin.PngImageFile if kind == "PNG" else JpegImagePlugin.JpegImageFile
    with reader(io.BytesIO(data)) as header:
        width, height = header.size
    return width, height


def read_cover(path: Path) -> tuple[bytes, str]:
    """The cover's bytes and MIME type, or an InputError saying what is wrong with it."""
    data = files.read(path, "cover image", HINT, limit_mb=20)
    from PIL import Image, UnidentifiedImageError

    kind = _format_of(data)
    if kind is not None and kind not in FORMATS:
        raise InputError(f"cover image {path} is {kind}, not a JPEG or PNG file", hint=HINT)
    try:
        if kind is not None:
            # The header is enough to refuse the size: a 20000-pixel image is never decoded, and
            # Pillow's guard against decompression bombs (on, for every image) only sees sizes we take.
            width, height = _header_size(data, kind)
            if width != height or not MIN_PX <= width <= MAX_PX:
                raise InputError(f"cover image {path} is {width}x{height} pixels", hint=HINT)
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
            mime, mode = FORMATS[str(image.format)], image.mode
            if mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                raise InputError(f"cover image {path} has transparency", hint=HINT)
            if mode not in ("RGB", "L", "P"):
                raise InputError(f"cover image {path} is in {mode} colour, not RGB", hint=HINT)
            image.load()  # the whole image: a damaged or cut-off file fails here
    except InputError:
        raise
    except UnidentifiedImageError as exc:  # its message names an in-memory buffer, not the file
        raise InputError(f"cover image {path} is not a readable JPEG or PNG file", hint=HINT) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"cover image {path} is not a readable JPEG or PNG file ({exc})", hint=HINT) from exc
    return data, mime


ICON_ACCENT = (11, 92, 173)  # the site's accent colour: the icon of a show without a cover


def icons(cover: bytes | None, title: str) -> dict[str, bytes]:
    """The site's icons from the show's cover: favicon.ico (16, 32 and 48 px), a 180 px
    apple-touch-icon.png, and icon.svg (the cover at 64 px, embedded). A show without a cover
    gets a plain square in the site's accent colour with the title's first letter (SVG text)."""
    import base64

    from PIL import Image

    image = _square(cover)
    ico, touch, small = io.BytesIO(), io.BytesIO(), io.BytesIO()
    image.resize((48, 48), Image.Resampling.LANCZOS).save(ico, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    image.resize((180, 180), Image.Resampling.LANCZOS).save(touch, format="PNG", optimize=True)
    image.resize((64, 64), Image.Resampling.LANCZOS).save(small, format="PNG", optimize=True)
    if cover is not None:
        body = (f'<image width="64" height="64" href="data:image/png;base64,'
                f'{base64.b64encode(small.getvalue()).decode("ascii")}"/>')
    else:
        from html import escape

        letter = escape((title.strip() or "?")[0].upper())
        body = ('<rect width="64" height="64" rx="12" fill="#0b5cad"/><text x="32" y="44" font-size="36" '
                'font-family="system-ui,sans-serif" font-weight="700" text-anchor="middle" '
                f'fill="#fff">{letter}</text>')
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">{body}</svg>\n'
    return {"favicon.ico": ico.getvalue(), "apple-touch-icon.png": touch.getvalue(), "icon.svg": svg.encode("utf-8")}


def _square(cover: bytes | None) -> Any:
    """The cover as an RGB image cut to its centre square, or the accent colour's square."""
    from PIL import Image

    if cover is not None:
        with Image.open(io.BytesIO(cover)) as opened:
            image = opened.convert("RGB")
    else:
        image = Image.new("RGB", (512, 512), ICON_ACCENT)
    side = min(image.size)  # a cover is square; anything else is cut to its centre
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))


APP_ICON_PX = (192, 512)  # what a browser asks of an installable web app's icons


def app_icons(cover: bytes | None) -> dict[str, bytes]:
    """PNG icons for a web app manifest (icon-192.png, icon-512.png) from the show's cover."""
    from PIL import Image

    image = _square(cover)
    out = {}
    for px in APP_ICON_PX:
        buffer = io.BytesIO()
        image.resize((px, px), Image.Resampling.LANCZOS).save(buffer, format="PNG", optimize=True)
        out[f"icon-{px}.png"] = buffer.getvalue()
    return out


ART_MIN_PX = 600  # a lead image narrower than this would be a blur at a player's size
ART_MAX_PIXELS = 40_000_000  # larger than any photograph a page leads with: refused before decoding
ART_QUALITY = 88


def fit_square(data: bytes, name: str) -> bytes:
    """An article's lead image as episode art: checked (a whole JPEG, PNG, WebP or GIF of at least
    ART_MIN_PX on its short side), cut to its centre square, and made an RGB JPEG of MIN_PX to
    MAX_PX pixels, as directories ask of a cover. InputError, with the reason, when it cannot be used."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    hint = "The show's cover is used instead."
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP", "GIF"]) as opened:
            width, height = opened.size
            if width * height > ART_MAX_PIXELS:
                raise InputError(f"lead image {name} is {width}x{height} pixels, too large to take", hint=hint)
            if min(width, height) < ART_MIN_PX:
                raise InputError(f"lead image {name} is {width}x{height} pixels, under {ART_MIN_PX} on a side",
                                 hint=hint)
            opened.load()
            upright = ImageOps.exif_transpose(opened)  # a phone's photo, turned as its camera says
            image = upright.convert("RGBA") if upright.mode in ("RGBA", "LA", "PA", "P") else upright.convert("RGB")
    except InputError:
        raise
    except UnidentifiedImageError as exc:
        raise InputError(f"lead image {name} is not a JPEG, PNG, WebP or GIF image", hint=hint) from exc
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(f"lead image {name} cannot be read ({exc})", hint=hint) from exc
    if image.mode == "RGBA":  # transparency, on white: a cover has none
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    target = max(MIN_PX, min(MAX_PX, side))
    square = image.crop((left, top, left + side, top + side)).resize((target, target), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, format="JPEG", quality=ART_QUALITY, optimize=True)
    return out.getvalue()
