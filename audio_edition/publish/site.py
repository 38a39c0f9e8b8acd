"""The listening site: index.html and one page per episode, from Jinja2 templates with autoescaping."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from audio_edition.errors import OutputError
from audio_edition.publish.catalog import Catalog, Episode
from audio_edition.publish.feed import build_feed
from audio_edition.publish.show import Show

if TYPE_CHECKING:
    from jinja2 import Environment

PLAYER = "player.js"  # the site's one script: the listening player (progressive enhancement)


def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("audio_edition.publish", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def _duration(ms: int) -> str:
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def _view(episode: Episode) -> dict[str, object]:
    published = dt.datetime.fromisoformat(episode.published)
    date = episode.article_date or published.date().isoformat()
    day = dt.date.fromisoformat(date)
    return {
        "slug": episode.slug, "href": quote(episode.slug), "title": episode.title, "author": episode.author,
        "description": episode.description,
        "language": episode.language, "date": date, "date_text": f"{day.day} {day:%B %Y}",
        "duration_text": _duration(episode.duration_ms), "size_text": f"{episode.audio_bytes / 1e6:.1f} MB",
        "sections": json.loads(episode.sections), "cues": json.loads(episode.cues or "[]"), "guid": episode.guid,
    }


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that a reader never sees it half-written."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_site(show: Show, episodes: list[Episode]) -> dict[Path, bytes]:
    """Every page of the site: path -> HTML."""
    env = _environment()
    views = [_view(e) for e in episodes]
    pages = {show.root / "index.html": env.get_template("index.html").render(
        show=show, episodes=views, lang=show.language, root="")}
    for view in views:
        embed_url = show.url(f"episodes/{view['slug']}.embed.html")
        snippet = (f'<iframe src="{embed_url}" title="Listen: {escape(str(view["title"]))}" width="100%" height="200" '
                   f'style="border:0;max-width:40rem" loading="lazy" allow="autoplay"></iframe>')
        pages[show.root / "episodes" / f"{view['slug']}.html"] = env.get_template("episode.html").render(
            show=show, e=view, lang=show.language, root="../", embed_snippet=snippet)
        pages[show.root / "episodes" / f"{view['slug']}.embed.html"] = env.get_template("embed.html").render(
            show=show, e=view, lang=show.language, root="../")
    out = {path: html.encode("utf-8") for path, html in pages.items()}
    out[show.root / PLAYER] = files("audio_edition.publish").joinpath("static", PLAYER).read_bytes()
    return out


def regenerate(show: Show, catalog: Catalog | None = None) -> list[Episode]:
    """Rewrite feed.xml, index.html and the episode pages from the catalog."""
    episodes = (catalog or Catalog(show.root)).episodes()
    try:
        for path, html in render_site(show, episodes).items():
            write_atomic(path, html)
        write_atomic(show.root / "feed.xml", build_feed(show, episodes))
    except OSError as exc:
        raise OutputError(f"cannot write the site in {show.root}: {exc.strerror}") from exc
    return episodes
