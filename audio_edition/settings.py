"""Settings for a build: defaults, then the environment, then flags the user gave.

Every default and bound a user can meet is stated here once; the command line, show.toml and
the stages read them from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from audio_edition.errors import SettingError

AUTO = "auto"  # --engine auto: the best offline engine installed with a voice for the article's language
DEFAULT_ENGINE = AUTO
DEFAULT_LANGUAGE = "en"  # when an article declares none and is too short to tell
DEFAULT_BITRATE_KBPS = 96
DEFAULT_LOUDNESS_LUFS = -16.0  # Apple's and most podcast hosts' target, as heard (mono as dual mono)
DEFAULT_SHOW_NAME = "Audio Edition"
DEFAULT_SHOW_LANGUAGE = "en"  # show init's --language
DEFAULT_CATEGORY = "News"  # show init's --category (an Apple Podcasts category)
DEFAULT_PAUSE_MS = 800  # between paragraphs
DEFAULT_SECTION_PAUSE_MS = 1600  # before a new section
DEFAULT_CROSSFADE_MS = 800  # intro tail under the speech, outro fading in over the last pause
DedupeMode = Literal["off", "exact", "paraphrase"]  # none, exact copies, or reworded copies too
DEDUPE_MODES: tuple[DedupeMode, ...] = ("off", "exact", "paraphrase")
DEFAULT_DEDUPE: DedupeMode = "paraphrase"
DEFAULT_RATE = 1.0  # the voice's own speed
DEFAULT_TIMEOUT_S = 30.0  # fetching a page: the whole fetch, connecting to the last byte
DOWNLOAD_TIMEOUT_S = 3600.0  # downloading one file (a voice's 60 MB model): 50 minutes at 20 kB/s
DOWNLOAD_STALL_S = DEFAULT_TIMEOUT_S  # a download with no byte for this long is resumed, or given up
DEFAULT_MAX_WORDS = 150_000  # an article's length cap: about 17 hours at 150 words a minute (--max-words)
INBOX_PORT = 8040  # audio-edition inbox --port
INBOX_MAX_WAITING = 50  # articles queued or building at once (--max-waiting); more get 429
INBOX_ADDS_PER_MINUTE = 20  # articles added in any minute (--adds-per-minute); more get 429
DEFAULT_FEED_LIMIT = 50  # entries of each feed a publish run takes, newest first (--limit, [sources] limit)
RATE_RANGE = (0.5, 2.0)
LOUDNESS_RANGE = (-40.0, -6.0)  # quieter is lost in a car; louder cannot keep a true peak under -1 dBTP
MAX_PAUSE_MS = 10_000
TIMEOUT_RANGE = (0.1, 600.0)
DOWNLOAD_TIMEOUT_RANGE = (1.0, 86_400.0)


def media_dir() -> Path:
    """The project's media: inside the installed package, or media/ at the top of a source checkout."""
    packaged = Path(__file__).resolve().parent / "media"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "media"


def _env_engine() -> str:
    return os.environ.get("AUDIO_EDITION_ENGINE") or DEFAULT_ENGINE


@dataclass(frozen=True)
class Settings:
    """Everything a build needs to know besides its input and output.

    ``intro``/``outro``/``cover`` of None mean "none"; the defaults are the project's media.
    """

    engine: str = field(default_factory=_env_engine)
    voice: str | None = None
    language: str | None = None  # None: what the article declares, else English
    intro: Path | None = field(default_factory=lambda: media_dir() / "intro.mp3")
    outro: Path | None = field(default_factory=lambda: media_dir() / "outro.mp3")
    cover: Path | None = field(default_factory=lambda: media_dir() / "cover.jpg")
    title: str | None = None
    author: str | None = None  # replaces the article's author
    default_author: str | None = None  # used when the article names none (else the show name)
    show_name: str = DEFAULT_SHOW_NAME
    guid: str | None = None  # the episode's GUID (TGID); None: derived from the source
    bitrate_kbps: int = DEFAULT_BITRATE_KBPS
    loudness_lufs: float = DEFAULT_LOUDNESS_LUFS
    pause_ms: int = DEFAULT_PAUSE_MS
    section_pause_ms: int = DEFAULT_SECTION_PAUSE_MS
    crossfade_ms: int = DEFAULT_CROSSFADE_MS
    bed: Path | None = None  # music under the opening title, ducked under the voice
    dedupe: DedupeMode = DEFAULT_DEDUPE
    lexicon: Path | None = None  # TOML: "word or phrase" = "how to say it"
    jobs: int | None = None  # at most this many requests at once; None: the engine's fit (see synthesis.workers)
    rate: float = DEFAULT_RATE  # speaking speed factor, for engines that can change it
    source_name: str | None = None  # the article's source as the user named it, when it is read elsewhere (a cluster)
    timeout_s: float = DEFAULT_TIMEOUT_S
    allow_private: bool = False  # fetches may reach private and local addresses (ingest/policy.py)
    episode_art: bool = True  # the article's lead image, fitted to a square, is its episode's cover
    max_words: int = DEFAULT_MAX_WORDS  # a longer article is an error, not a day-long episode
    cache_dir: Path | None = None  # None: storage.cache.default_cache_dir()
    use_cache: bool = True

    def __post_init__(self) -> None:
        """The same bounds for every way in: build's flags, publish's flags, show.toml, the library."""
        if not LOUDNESS_RANGE[0] <= self.loudness_lufs <= LOUDNESS_RANGE[1]:
            raise SettingError(f"a loudness target of {self.loudness_lufs:g} LUFS is outside {LOUDNESS_RANGE[0]:g} "
                             f"to {LOUDNESS_RANGE[1]:g}",
                             hint="Podcasts aim for -16 LUFS (Apple's target; -19 for mono in some guides).")
        for name in ("pause_ms", "section_pause_ms", "crossfade_ms"):
            value = getattr(self, name)
            if not 0 <= value <= MAX_PAUSE_MS:
                raise SettingError(f"--{name[:-3].replace('_', '-')} of {value / 1000:g} s is outside 0 to "
                                 f"{MAX_PAUSE_MS // 1000} s")
        if self.dedupe not in DEDUPE_MODES:
            raise SettingError(f"dedupe must be off, exact or paraphrase, not '{self.dedupe}'")
        if self.jobs is not None and self.jobs < 1:
            raise SettingError(f"jobs must be at least 1, not {self.jobs}")
        if not RATE_RANGE[0] <= self.rate <= RATE_RANGE[1]:
            raise SettingError(f"a rate of {self.rate:g} is outside {RATE_RANGE[0]:g} to {RATE_RANGE[1]:g}",
                               hint="1.0 is the voice's own speed; 1.2 is a fifth faster.")
        if self.max_words < 1:
            raise SettingError(f"--max-words must be at least 1, not {self.max_words}")
        if not 0 < self.timeout_s <= TIMEOUT_RANGE[1]:
            raise SettingError(f"a timeout of {self.timeout_s:g} s is outside 0 to {TIMEOUT_RANGE[1]:g} s",
                               hint="30 s suits most sites; allow longer for a slow one.")

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with the given fields replaced (for flags the user actually passed)."""
        return replace(self, **changes)
