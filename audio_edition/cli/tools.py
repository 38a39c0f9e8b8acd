"""Commands about this machine: engines, doctor, cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from audio_edition.cli.common import app, err

if TYPE_CHECKING:
    from audio_edition.storage.cache import DiskCache

MAX_VOICES_LISTED = 20  # engines with more (espeak's hundred) are summed up


@app.command("engines")
def list_engines(as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
                 check_network: bool = typer.Option(False, "--check-network",
                                                    help="Ask online engines' servers whether they answer.")) -> None:
    """List the speech engines, whether each works here and, if not, why (offline, unless asked)."""
    from audio_edition.pipeline.doctor import engine_statuses
    from audio_edition.speech import AUTO_ORDER

    statuses = engine_statuses(voices_of_online=False, check_network=check_network)
    if as_json:
        print(json.dumps([status.as_json() for status in statuses], indent=2))
        return
    for status in statuses:
        mark = "yes" if status.available else "no "
        where = "offline" if status.offline else "online "
        print(f"{status.name:10} available: {mark}  {where}" + (f"  {status.reason}" if status.reason else ""))
        listed = status.voices
        if 0 < len(listed) <= MAX_VOICES_LISTED:
            for voice in listed:
                print(f"           {voice.name}  {', '.join(voice.languages)}  {voice.quality or ''}".rstrip())
        elif listed:
            languages = {lang for voice in listed for lang in voice.languages}
            print(f"           {len(listed)} voices in {len(languages)} languages ({listed[0].quality or 'various'})")
    order = [name for name in AUTO_ORDER if any(s.name == name and s.available for s in statuses)]
    print(f"auto       (default) the first of {', '.join(order) or 'none'} with a voice for the article's language")


@app.command()
def doctor(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    cache_dir: Path | None = typer.Option(None, "--cache-dir", help="The cache folder to report on.",
                                          envvar="AUDIO_EDITION_CACHE_DIR"),
    check_network: bool = typer.Option(False, "--check-network",
                                       help="Ask online engines' servers whether they answer."),
) -> None:
    """Check what a build would use here: ffmpeg and what it lacks, the engines and their voices, the cache."""
    from audio_edition.pipeline import doctor as checks

    found = checks.report(cache_dir, check_network)
    problems = checks.problems(found)
    print(json.dumps(found, indent=2, ensure_ascii=False) if as_json else "\n".join(checks.describe(found)))
    if problems:
        err(f"Error: {problems[0]}")
        raise typer.Exit(1)


cache_app = typer.Typer(help="See, prune or clear the cache of speech, loudness profiles and episodes.",
                        no_args_is_help=True)
app.add_typer(cache_app, name="cache")
CACHE_DIR_OPTION = typer.Option(None, "--cache-dir", help="The cache folder (default: the user cache folder).",
                                envvar="AUDIO_EDITION_CACHE_DIR")


def _cache(cache_dir: Path | None) -> DiskCache:
    from audio_edition.storage.cache import DiskCache, default_cache_dir

    return DiskCache(cache_dir or default_cache_dir())


def _size(count: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if count < 1000 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return ""


@cache_app.command("info")
def cache_info(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    cache_dir: Path | None = CACHE_DIR_OPTION,
) -> None:
    """Show the cache folder, its size and its entries, per kind."""
    cache = _cache(cache_dir)
    usage = cache.usage()
    if as_json:
        print(json.dumps({"path": str(cache.root), "size_bytes": usage.size, "entries": usage.entries,
                          "kinds": {name: {"entries": n, "size_bytes": size}
                                    for name, (n, size) in sorted(usage.namespaces.items())}}, indent=2))
        return
    print(f"{cache.root}: {_size(usage.size)} in {usage.entries} entries")
    for name, (count, size) in sorted(usage.namespaces.items(), key=lambda kv: -kv[1][1]):
        print(f"  {name:10} {_size(size):>9}  {count} entries")


@cache_app.command("prune")
def cache_prune(
    max_size: str = typer.Option(..., "--max-size", metavar="SIZE",
                                 help="Keep at most this much, e.g. 2GB or 500MB; the least recently used go first."),
    cache_dir: Path | None = CACHE_DIR_OPTION,
) -> None:
    """Remove the least recently used entries until the cache fits in SIZE."""
    from audio_edition.storage.cache import parse_size

    limit = parse_size(max_size)
    cache = _cache(cache_dir)
    removed, freed = cache.prune(limit)
    err(f"Removed {removed} entries ({_size(freed)}); {cache.root} now holds {_size(cache.usage().size)}")


@cache_app.command("clear")
def cache_clear(cache_dir: Path | None = CACHE_DIR_OPTION) -> None:
    """Empty the cache (later builds speak everything again)."""
    cache = _cache(cache_dir)
    removed, freed = cache.clear()
    err(f"Removed {removed} entries ({_size(freed)}) from {cache.root}")
