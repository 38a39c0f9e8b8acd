"""An article's lead image, for its episode art: where the page says it is (its og:image or
twitter:image, else the first picture in a <figure>), and its bytes, read under the same rules as
the page: from the web only for a page that came from the web (through the fetch policy), and for
a saved page only from its own folder. A build of a local file never reaches the network for it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from audio_edition.errors import InputError
from audio_edition.ingest import web
from audio_edition.ingest.policy import Reach
from audio_edition.storage import files

if TYPE_CHECKING:
    from lxml.html import HtmlElement

MAX_IMAGE_MB = 10  # a lead image is rarely over 2 MB
HINT = "The show's cover is used instead."


def _picture(img: HtmlElement) -> str | None:
    """The address an <img> shows: src, unless that is a lazy-loading placeholder (data:), then
    data-src or the first candidate of srcset."""
    for value in (img.get("src"), img.get("data-src"), (img.get("srcset") or "").split(",")[0].split(" ")[0]):
        if value and value.strip() and not value.strip().lower().startswith("data:"):
            return value.strip()
    return None


def lead_image(root: HtmlElement, declared: str | None, base: str | None) -> str | None:
    """The page's lead image as an absolute URL (a page from the web) or a path (a saved page,
    only inside its folder); None when it has none we may read."""
    found = declared
    if not found:
        for meta in root.iter("meta"):
            key = (meta.get("property") or meta.get("name") or "").lower()
            if key in ("og:image", "og:image:url", "og:image:secure_url", "twitter:image") and meta.get("content"):
                found = meta.get("content")
                break
    if not found:
        found = next((p for img in root.xpath("//figure//img") if (p := _picture(img))), None)
    if not found or not base:
        return None
    found = found.strip()
    if web.is_url(base):
        address = urljoin(base, found)
        return address if urlsplit(address).scheme in ("http", "https") else None
    if urlsplit(found).scheme or found.startswith(("/", "\\")):
        return None  # a saved page's absolute or remote address: not read (no network for a local file)
    folder = Path(base).resolve().parent
    path = (folder / unquote(urlsplit(found).path)).resolve()
    return str(path) if path.is_relative_to(folder) else None


def read_image(image: str, page: str | None, timeout_s: float, allow_private: bool) -> bytes:
    """The image's bytes (InputError or FetchError, with the cause, when it cannot be read).
    ``page`` is the address the page was fetched from (the user's, or its feed's link), never
    the one the page gives itself: only its host may be at a private address, unless allow_private."""
    if not web.is_url(image):
        return files.read(Path(image), "lead image", HINT, limit_mb=MAX_IMAGE_MB)
    if not page or not web.is_url(page):
        raise InputError(f"lead image {image}: not fetched for an article that did not come from the web", hint=HINT)
    got = web.fetch(image, timeout_s, max_bytes=MAX_IMAGE_MB * 1024 * 1024,
                    reach=Reach.of(page, allow_private=allow_private))
    assert isinstance(got, web.Document)  # an unconditional request never gets a 304
    return got.data


def beside_page(page: Path, data: bytes) -> tuple[str, bytes] | None:
    """A saved page's lead image, as a build elsewhere needs it next to the page: its path
    relative to the page's folder, and its bytes; None when it has none that can be read."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(data)
    except Exception:  # noqa: BLE001 - an unparsable page fails with a clear error where it is built
        return None
    found = lead_image(root, None, str(page))
    if found is None or web.is_url(found):
        return None
    try:
        relative = Path(found).relative_to(page.resolve().parent)
        return relative.as_posix(), files.read(Path(found), "lead image", HINT, limit_mb=MAX_IMAGE_MB)
    except (ValueError, InputError):
        return None
