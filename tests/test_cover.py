"""Cover art is checked without loosening Pillow's guard against decompression bombs."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from audio_edition.episode.cover import read_cover
from audio_edition.errors import InputError

MEDIA = Path(__file__).resolve().parent.parent / "media"


def png_header(width: int, height: int) -> bytes:
    """A PNG with only its header: its size is all a reader can know, and all we need to refuse it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + \
        chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [20000, 10000, 5000])  # past Pillow's error limit, past its warning, under both
def test_a_huge_cover_is_refused_by_its_size_and_pillows_guard_stays_on(tmp_path: Path, side: int) -> None:
    from PIL import Image

    guard = Image.MAX_IMAGE_PIXELS
    path = tmp_path / "big.png"
    path.write_bytes(png_header(side, side))
    with pytest.raises(InputError, match=f"is {side}x{side} pixels"):
        read_cover(path)
    assert guard == Image.MAX_IMAGE_PIXELS and guard is not None  # on for every other image in the process


def test_the_projects_cover_reads(tmp_path: Path) -> None:
    from PIL import Image

    guard = Image.MAX_IMAGE_PIXELS
    data, mime = read_cover(MEDIA / "cover.jpg")
    assert mime == "image/jpeg" and data == (MEDIA / "cover.jpg").read_bytes()
    assert guard == Image.MAX_IMAGE_PIXELS


def test_a_cover_that_is_not_jpeg_or_png_is_named_by_its_format_however_big(tmp_path: Path) -> None:
    """A 20,000-pixel BMP: refused as a BMP before anything reads its size."""
    bmp = b"BM" + struct.pack("<IHHI", 0, 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, 20000, 20000, 1, 24, 0, 0, 0, 0,
                                                                   0, 0)
    (tmp_path / "big.bmp").write_bytes(bmp)
    with pytest.raises(InputError, match="is BMP, not a JPEG or PNG file"):
        read_cover(tmp_path / "big.bmp")


def test_a_jpeg_of_the_wrong_shape_is_refused_from_its_header(tmp_path: Path) -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (3000, 1500)).save(buffer, "JPEG")
    (tmp_path / "wide.jpg").write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match="is 3000x1500 pixels"):
        read_cover(tmp_path / "wide.jpg")
