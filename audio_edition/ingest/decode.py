"""Article bytes to text: as a byte-order mark, the server or the page says, else UTF-8, and for
a web page that says nothing and is not UTF-8, as detected (charset-normalizer)."""

from __future__ import annotations

import codecs
import re

from audio_edition.errors import InputError

# Byte-order marks: a file that starts with one says its encoding (UTF-32's before UTF-16's: they
# begin alike).
BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"), (b"\xef\xbb\xbf", "utf-8-sig"))


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _declared_charset(data: bytes) -> str | None:
    """The charset a web page declares in its first 4 KB (<meta charset> or http-equiv), if Python knows it."""
    match = _META_CHARSET.search(data[:4096])
    return _known(match.group(1).decode("ascii", "replace")) if match else None


def _known(name: str | None) -> str | None:
    if not name:
        return None
    name = {"iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252"}.get(name.lower(), name.lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(data: bytes, name: str, page: bool = False, declared: str | None = None) -> str:
    """Decode article bytes: as its byte-order mark says, else as the server's Content-Type header
    declares (``declared``), else (a web page) as the page declares, else UTF-8; a web page that
    declares nothing and is not UTF-8 is detected (charset-normalizer). Binary files are refused."""
    encoding = next((enc for bom, enc in BOMS if data.startswith(bom)), None) or _known(declared)
    if page and encoding is None:
        encoding = _declared_charset(data)
        if encoding is None:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                from charset_normalizer import from_bytes

                best = from_bytes(data[:200_000]).best()
                encoding = best.encoding if best is not None else None
    if encoding is None and b"\x00" in data[:8192]:
        raise InputError(f"{name} is a binary file, not text",
                         hint="Give a text, Markdown or HTML file (UTF-8, or UTF-16 with a byte-order mark).")
    try:
        # A web page is read as a browser reads it: a stray bad byte does not stop the page.
        text = data.decode(encoding or "utf-8", errors="replace" if page else "strict")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name} is not valid {(encoding or 'utf-8').upper().replace('-SIG', '')} text "
            f"(byte {exc.start} cannot be decoded)",
            hint="Convert it to UTF-8, e.g. with 'iconv -t UTF-8'.",
        ) from exc
    if not text.strip():
        raise InputError(f"{name} is empty: there is nothing to speak")
    return text
