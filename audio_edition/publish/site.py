"""The listening site: index.html and one page per episode, from Jinja2 templates with autoescaping."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import tempfile
from html import escape
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import quote

from audio_edition.episode.cover import icons
from audio_edition.errors import OutputError
from audio_edition.languages.sentences import sentences
from audio_edition.publish.catalog import Catalog, Episode
from audio_edition.publish.feed import build_feed
from audio_edition.publish.show import Show

if TYPE_CHECKING:
    from jinja2 import Environment

PLAYER = "player.js"  # the site's one script: the listening player (progressive enhancement)


@functools.lru_cache(maxsize=1)
def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("audio_edition.publish", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


PAGE_SIZE = 20  # episodes per page of the home page; the feed lists them all
EXCERPT_CHARS = 240  # about two sentences, cut at a sentence's end
EMBED_HEIGHT_PX = 260  # the snippet's iframe height: every control of the embed fits at 320 px wide
PAGES_DIR = "pages"  # the home page's later pages: pages/2.html, pages/3.html, ...


def _duration(ms: int) -> str:
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def _clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _excerpt(sentences: list[str], fallback: str) -> str:
    """The first sentences of the article, up to EXCERPT_CHARS and at most two, cut at a sentence's
    end; a first sentence longer than that is cut at a word, with an ellipsis."""
    chosen: list[str] = []
    for sentence in sentences:
        if len(chosen) == 2 or (chosen and len(" ".join([*chosen, sentence])) > EXCERPT_CHARS):
            break
        chosen.append(sentence)
    text = " ".join(chosen) or fallback
    if len(text) > EXCERPT_CHARS:
        text = text[:EXCERPT_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def _blocks(paragraphs: list[object], items: set[int]) -> list[dict[str, object]]:
    """Paragraphs grouped for the page: runs of list items as one list, the rest one by one."""
    blocks: list[dict[str, object]] = []
    for n, paragraph in enumerate(paragraphs):
        if n in items and blocks and blocks[-1]["list"]:
            cast("list[object]", blocks[-1]["paragraphs"]).append(paragraph)
        else:
            blocks.append({"list": n in items, "paragraphs": [paragraph]})
    return blocks


def _chapters(show: Show, slug: str) -> list[dict[str, object]]:
    """The episode's chapters from its published chapters file (the same as its ID3 chapters)."""
    try:
        data = json.loads((show.root / "episodes" / f"{slug}.chapters.json").read_text(encoding="utf-8"))
        chapters = [(float(c["startTime"]), str(c["title"])) for c in data["chapters"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [{"start": f"{start:.3f}".rstrip("0").rstrip("."), "clock": _clock(start), "title": title}
            for start, title in chapters] if len(chapters) > 1 else []


def _view(show: Show, episode: Episode) -> dict[str, object]:
    published = dt.datetime.fromisoformat(episode.published)
    date = episode.article_date or published.date().isoformat()
    day = dt.date.fromisoformat(date)
    cues = json.loads(episode.cues or "[]")
    sections = json.loads(episode.sections)
    if cues:
        spoken = [str(cue[2]) for section in cues for paragraph in section["paragraphs"] for cue in paragraph]
        for section in cues:
            section["blocks"] = _blocks(section["paragraphs"], set(section.get("items", [])))
    else:
        spoken = [sentence for section in sections for paragraph in section["paragraphs"]
                  for sentence in sentences(paragraph, episode.language)]
    for section in sections:
        kinds = section.get("kinds") or []
        section["blocks"] = _blocks(section["paragraphs"], {n for n, kind in enumerate(kinds) if kind == "item"})
    return {
        "slug": episode.slug, "href": quote(episode.slug), "title": episode.title, "author": episode.author,
        "description": episode.description, "excerpt": _excerpt(spoken, episode.description),
        "language": episode.language, "date": date, "date_text": f"{day.day} {day:%B %Y}",
        "duration_text": _duration(episode.duration_ms), "size_text": f"{episode.audio_bytes / 1e6:.1f} MB",
        "sections": sections, "cues": cues, "guid": episode.guid, "chapters": _chapters(show, episode.slug),
        "image": episode.image,
    }


def subscribe_links(feed_url: str) -> list[tuple[str, str]]:
    """(app, link) that opens the show's feed in common podcast apps, each by its documented scheme."""
    bare = re.sub(r"^https?://", "", feed_url)
    encoded = quote(feed_url, safe="")
    return [
        ("Apple Podcasts", f"podcast://{bare}"),
        ("Overcast", f"overcast://x-callback-url/add?url={encoded}"),
        ("Pocket Casts", f"pktc://subscribe/{bare}"),
        ("AntennaPod", f"https://antennapod.org/deeplink/subscribe?url={encoded}"),
        ("Castro", f"castros://subscribe/{bare}"),
        ("Podcast Addict", f"podcastaddict://{bare}"),
    ]


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


def _paging(count: int) -> list[str]:
    """The home page's pages by number: index.html, then pages/2.html, ..."""
    return ["index.html", *(f"{PAGES_DIR}/{n}.html" for n in range(2, -(-count // PAGE_SIZE) + 1))]


def embed_snippet(show: Show, slug: str, title: str) -> str:
    """What a publisher pastes into a page: the iframe, sized to show every control at 320 px, and
    the few lines that let it take its content's height (without them it still fits). Only the
    iframe's own window can resize it, and only within 120 to 1000 px."""
    embed_url = show.url(f"episodes/{slug}.embed.html")
    return (f'<iframe src="{embed_url}" title="Listen: {escape(title)}" width="100%" height="{EMBED_HEIGHT_PX}" '
            f'style="border:0;max-width:40rem;display:block" loading="lazy" allow="autoplay" '
            f'data-audio-edition-embed></iframe>\n'
            '<script>addEventListener("message",function(e){var d=e.data;'
            'if(!d||d.type!=="audio-edition:height")return;'
            'document.querySelectorAll("iframe[data-audio-edition-embed]").forEach(function(f){'
            'if(f.contentWindow===e.source)f.style.height=Math.min(1000,Math.max(120,Math.ceil(d.height)))+"px"})})'
            '</script>')


def render_site(show: Show, episodes: list[Episode]) -> dict[Path, bytes]:
    """Every page of the site: path -> HTML (and the script and icons)."""
    env = _environment()
    views = [_view(show, e) for e in episodes]
    pages: dict[Path, str] = {}
    paging = _paging(len(views))
    links = subscribe_links(show.feed_url)
    for number, name in enumerate(paging, 1):
        root = "../" if "/" in name else ""
        pages[show.root / name] = env.get_template("index.html").render(
            show=show, episodes=views[(number - 1) * PAGE_SIZE:number * PAGE_SIZE], lang=show.language, root=root,
            page=number, pages=[(n, root + page) for n, page in enumerate(paging, 1)], subscribe=links,
            count=len(views))
    for view in views:
        snippet = embed_snippet(show, str(view["slug"]), str(view["title"]))
        pages[show.root / "episodes" / f"{view['slug']}.html"] = env.get_template("episode.html").render(
            show=show, e=view, lang=show.language, root="../", embed_snippet=snippet)
        pages[show.root / "episodes" / f"{view['slug']}.embed.html"] = env.get_template("embed.html").render(
            show=show, e=view, lang=show.language, root="../")
    out = {path: html.encode("utf-8") for path, html in pages.items()}
    out[show.root / PLAYER] = files("audio_edition.publish").joinpath("static", PLAYER).read_bytes()
    cover = show.root / show.cover if show.cover else None
    for name, data in icons(cover.read_bytes() if cover and cover.is_file() else None, show.title).items():
        out[show.root / name] = data
    return out


def render_page(template: str, show: Show, **context: object) -> str:
    """One page from the site's templates and look (the inbox's pages), for ``show`` as served."""
    return _environment().get_template(template).render(show=show, lang=show.language, **context)


def _stale_pages(show: Show, keep: set[Path]) -> list[Path]:
    """Later home pages left from when the show had more episodes."""
    folder = show.root / PAGES_DIR
    return [p for p in folder.glob("*.html") if p not in keep] if folder.is_dir() else []


def regenerate(show: Show, catalog: Catalog | None = None) -> list[Episode]:
    """Rewrite feed.xml, index.html and the episode pages from the catalog."""
    episodes = (catalog or Catalog(show.root)).episodes()
    try:
        site = render_site(show, episodes)
        for path, html in site.items():
            path.parent.mkdir(exist_ok=True)
            write_atomic(path, html)
        for stale in _stale_pages(show, set(site)):
            stale.unlink(missing_ok=True)
        write_atomic(show.root / "feed.xml", build_feed(show, episodes))
    except OSError as exc:
        raise OutputError(f"cannot write the site in {show.root}: {exc.strerror}") from exc
    return episodes
