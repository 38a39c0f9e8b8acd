"""The address an article is known by: a fetched page's canonical URL, when it may claim it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.etree import _Element


def _site(host: str) -> str:
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def canonical(root: _Element, address: str | None) -> str | None:
    """The page's ``<link rel=canonical>`` made absolute, when the page was fetched from ``address``
    and the canonical address is on the same site: a page may not claim another site's article
    (and with it, that article's episode)."""
    from urllib.parse import urljoin, urlsplit

    if not address or not address.lower().startswith(("http://", "https://")):
        return None
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and (link.get("href") or "").strip():
            url = urljoin(address, link.get("href").strip())
            parts, origin = urlsplit(url), urlsplit(address)
            if parts.scheme in ("http", "https") and parts.hostname and origin.hostname \
                    and _site(parts.hostname) == _site(origin.hostname):
                return parts._replace(fragment="").geturl()
            return None
    return None
