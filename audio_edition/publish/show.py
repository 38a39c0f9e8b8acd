"""A show: its show.toml (what the feed says about it, and its build settings)."""

from __future__ import annotations

import re
import shutil
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlparse

from audio_edition.episode.cover import read_cover
from audio_edition.errors import InputError, OutputError, SettingError
from audio_edition.ingest.sanitize import clean, clean_line
from audio_edition.settings import (
    DEFAULT_BITRATE_KBPS,
    DEFAULT_CATEGORY,
    DEFAULT_LOUDNESS_LUFS,
    DEFAULT_SHOW_LANGUAGE,
    media_dir,
)

SHOW_FILE = "show.toml"
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")  # Podcasting 2.0

# Apple Podcasts categories: top level -> subcategories. --category takes "News" or "News/Daily News".
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies", "Home & Garden",
                "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary", "Politics", "Sports News",
             "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics", "Natural Sciences",
                "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey", "Rugby",
               "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}
# Build settings a show may fix: show.toml [build] key -> (Settings field, type).
BUILD_KEYS: dict[str, tuple[str, type]] = {
    "engine": ("engine", str), "voice": ("voice", str), "language": ("language", str), "intro": ("intro", Path),
    "outro": ("outro", Path), "loudness": ("loudness_lufs", float), "bitrate": ("bitrate_kbps", int),
    "dedupe": ("dedupe", str), "lexicon": ("lexicon", Path), "bed": ("bed", Path), "episode_art": ("episode_art", bool),
}
DESCRIPTION_MAX_BYTES = 4000  # Apple's limit for the channel description


def check_category(category: str) -> tuple[str, str | None]:
    """("News", "Daily News") from "News/Daily News" (or "News > Daily News"), checked against Apple's list."""
    parts = [p.strip() for p in re.split(r"\s*[/>]\s*", category) if p.strip()]
    top = next((name for name in APPLE_CATEGORIES if parts and name.lower() == parts[0].lower()), None)
    if top is None or len(parts) > 2:
        raise SettingError(f"'{category}' is not an Apple Podcasts category",
                         hint=f"Use one of: {', '.join(APPLE_CATEGORIES)} (or 'Parent/Subcategory').")
    if len(parts) == 1:
        return top, None
    sub = next((s for s in APPLE_CATEGORIES[top] if s.lower() == parts[1].lower()), None)
    if sub is None:
        raise SettingError(f"'{parts[1]}' is not a subcategory of {top}",
                         hint=f"{top} has: {', '.join(APPLE_CATEGORIES[top]) or 'no subcategories'}.")
    return top, sub


@dataclass(frozen=True)
class Show:
    """A show as its show.toml describes it; ``root`` is the site's folder."""

    root: Path
    title: str
    author: str
    email: str
    base_url: str  # ends with "/"
    language: str = DEFAULT_SHOW_LANGUAGE
    category: str = DEFAULT_CATEGORY
    description: str = ""
    explicit: bool = False
    locked: bool = True
    cover: str | None = "cover.jpg"  # relative to root
    build: dict[str, object] = field(default_factory=dict)
    feeds: tuple[str, ...] = ()  # [sources] feeds: what 'publish --show DIR' with no input keeps up with
    feed_limit: int | None = None  # [sources] limit: the newest N entries of each feed
    allow_private: bool = False  # [fetch] allow_private: fetches may reach private and local addresses

    @property
    def feed_url(self) -> str:
        return self.base_url + "feed.xml"

    @property
    def podcast_guid(self) -> str:
        """Podcasting 2.0 podcast:guid: UUIDv5 of the feed URL without its scheme."""
        bare = re.sub(r"^[a-z]+://", "", self.feed_url).rstrip("/")
        return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))

    def url(self, relative: str) -> str:
        """The public URL of a file in the show folder, percent-encoded (RFC 3986) should its name
        hold anything but ASCII letters, digits and '-._~/' (episodes published before slugs were ASCII)."""
        return self.base_url + quote(relative, safe="/")

    def settings_changes(self) -> dict[str, object]:
        """The show's build settings as Settings fields (paths resolved against the show folder)."""
        changes: dict[str, object] = {}
        for key, value in self.build.items():
            name, kind = BUILD_KEYS[key]
            if kind is Path:
                changes[name] = None if value in ("", "none", False) else (self.root / str(value)).resolve()
            else:
                changes[name] = kind(value)
        if self.allow_private:
            changes["allow_private"] = True
        return changes


def _check_url(base_url: str) -> str:
    """An absolute http(s) URL ending in '/', in ASCII: the host in IDNA, the path percent-encoded."""
    parsed = urlparse(base_url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise SettingError(f"--base-url {base_url!r} is not an absolute http(s) URL",
                           hint="Give the address the show folder will be served from, e.g. https://example.com/podcast/.")
    try:
        host = parsed.hostname.encode("idna").decode("ascii")
        port = f":{parsed.port}" if parsed.port else ""
    except (UnicodeError, ValueError):
        raise SettingError(f"--base-url {base_url!r} has a host name that cannot be used",
                           hint="Give the address the show folder will be served from, "
                                "e.g. https://example.com/podcast/.") from None
    path = quote(parsed.path, safe="/%:@!$&'()*+,;=~")
    url = parsed._replace(netloc=host + port, path=path if path.endswith("/") else path + "/", params="",
                          query="", fragment="").geturl()
    return url


def _check_email(email: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise SettingError(f"--email {email!r} is not an e-mail address",
                           hint="Give the address directories write to, like audio@example.org.")
    return email


def init_show(root: Path, title: str, author: str, email: str, base_url: str, language: str = DEFAULT_SHOW_LANGUAGE,
              category: str = DEFAULT_CATEGORY, cover: Path | None = None, description: str = "") -> Show:
    """Create ``root/show.toml`` (and copy the cover in); refuse to overwrite an existing show."""
    import tomli_w

    if (root / SHOW_FILE).exists():
        raise OutputError(f"{root / SHOW_FILE} already exists", hint="Edit it, or choose another folder.")
    top, sub = check_category(category)
    show = Show(root=root, title=title.strip(), author=author.strip(), email=_check_email(email),
                base_url=_check_url(base_url), language=language, category=f"{top}/{sub}" if sub else top,
                description=description.strip() or f"{title.strip()}: articles, read aloud.",
                build={"loudness": DEFAULT_LOUDNESS_LUFS, "bitrate": DEFAULT_BITRATE_KBPS})
    if not show.title or not show.author:
        raise SettingError("a show needs a --title and an --author")
    if len(show.description.encode()) > DESCRIPTION_MAX_BYTES:
        raise SettingError(f"the description is over {DESCRIPTION_MAX_BYTES} bytes, Apple's limit")
    source = cover or media_dir() / "cover.jpg"
    data = _read_cover(source)
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / "episodes").mkdir(exist_ok=True)
        target = root / ("cover.png" if data.startswith(b"\x89PNG") else "cover.jpg")
        target.write_bytes(data)
        show = Show(**{**show.__dict__, "cover": target.name})
        text = tomli_w.dumps(dict(_as_toml(show)))
        (root / SHOW_FILE).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot create the show in {root}: {exc.strerror}") from exc
    return show


def _read_cover(path: Path) -> bytes:
    return read_cover(path)[0]


def _as_toml(show: Show) -> dict[str, object]:
    data: dict[str, object] = {
        "title": show.title, "author": show.author, "email": show.email, "base_url": show.base_url,
        "language": show.language, "category": show.category, "description": show.description,
        "explicit": show.explicit, "locked": show.locked,
    }
    if show.cover:
        data["cover"] = show.cover
    data["build"] = dict(show.build)
    return data


def load_show(root: Path) -> Show:
    """Read ``root/show.toml``, with a clear error for anything missing or wrong."""
    path = root / SHOW_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{root} is not a show: no {SHOW_FILE}",
                         hint="Create one with 'audio-edition show init DIR --title ... --base-url ...'.") from exc
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    missing = [k for k in ("title", "author", "email", "base_url") if not data.get(k)]
    if missing:
        raise InputError(f"{path} lacks {', '.join(missing)}")
    build = data.get("build", {})
    unknown = sorted(set(build) - set(BUILD_KEYS))
    if unknown:
        raise InputError(f"{path}: unknown [build] setting {unknown[0]!r}", hint=f"Known: {', '.join(BUILD_KEYS)}.")
    for key, value in build.items():
        if BUILD_KEYS[key][1] is bool and not isinstance(value, bool):  # bool("false") would be True
            raise InputError(f"{path}: [build] {key} must be true or false, not {value!r}", hint=f"e.g. {key} = false")
    category = str(data.get("category", DEFAULT_CATEGORY))
    check_category(category)
    feeds, feed_limit = _sources(path, data.get("sources", {}))
    fetch = data.get("fetch", {})
    if not isinstance(fetch, dict) or set(fetch) - {"allow_private"} or not isinstance(
            fetch.get("allow_private", False), bool):
        raise InputError(f"{path}: [fetch] takes one setting, allow_private = true or false",
                         hint="e.g. [fetch] allow_private = true, to fetch feeds and pages on a private network.")
    return Show(
        root=root, title=clean_line(str(data["title"])), author=clean_line(str(data["author"])),
        email=_check_email(str(data["email"])), base_url=_check_url(str(data["base_url"])),
        language=str(data.get("language", DEFAULT_SHOW_LANGUAGE)), category=category,
        description=clean(str(data.get("description", "")))[0], explicit=bool(data.get("explicit", False)),
        locked=bool(data.get("locked", True)), cover=data.get("cover"), build=dict(build),
        feeds=feeds, feed_limit=feed_limit, allow_private=bool(fetch.get("allow_private", False)),
    )


SOURCES_KEYS = ("feeds", "limit")


def _sources(path: Path, sources: object) -> tuple[tuple[str, ...], int | None]:
    """The [sources] table: feeds = ["https://…/feed.xml", …], limit = N."""
    example = 'e.g. [sources] feeds = ["https://example.com/feed.xml"]'
    if not isinstance(sources, dict):
        raise InputError(f"{path}: [sources] must be a table", hint=example)
    unknown = sorted(set(sources) - set(SOURCES_KEYS))
    if unknown:
        raise InputError(f"{path}: unknown [sources] setting {unknown[0]!r}", hint=f"Known: {', '.join(SOURCES_KEYS)}.")
    feeds = sources.get("feeds", [])
    if not isinstance(feeds, list) or not all(isinstance(f, str) and re.match(r"https?://[^/\s]+", f) for f in feeds):
        raise InputError(f"{path}: [sources] feeds must be a list of http(s) feed addresses", hint=example)
    limit = sources.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise InputError(f"{path}: [sources] limit must be a whole number of at least 1", hint="e.g. limit = 20")
    return tuple(feeds), limit


def copy_into(show: Show, path: Path, name: str) -> str:
    """Copy a file into the show folder (for a cover given later); return its relative name."""
    shutil.copyfile(path, show.root / name)
    return name
