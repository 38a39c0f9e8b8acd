#!/usr/bin/env python3
"""How our reading and cleanup do on real pages: ../shared/realworld (990 annotated pages).

    python scripts/eval_realworld.py [--dedupe MODE] [--limit N] [--every K] [--json] [--list]

For each page it runs what `prepare` runs (extraction, cleanup, duplicate removal, the script) and
checks the page's annotations against what we would speak:
  - `with` passages (belong to the article) missing from the spoken text, and those missing that
    trafilatura alone keeps (our own losses);
  - `without` passages (menus, footers) that are spoken, and those of them trafilatura alone drops;
  - every paragraph removed as a duplicate or as furniture, and the false removals among them
    (a removed paragraph that holds a `with` passage);
  - suspicious utterances: digits glued to letters, symbols left in, zero-width characters;
  - time per page.
--json prints the figures as one object (the test compares them with the last known ones).
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import re
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REALWORLD = Path(os.environ.get("AUDIO_EDITION_REALWORLD", ROOT.parent / "shared" / "realworld"))

GLUED = re.compile(r"\d[^\W\d_]|[^\W\d_]\d")  # "two.6GHz", "dollars5": a digit touching a letter
def odd_symbols(text: str) -> list[str]:
    """Symbols (Unicode's S categories) and replacement characters: what an engine reads oddly or drops."""
    return [c for c in text if c == "\ufffd" or (unicodedata.category(c).startswith("S") and c not in "+%&/")]
ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")


def squash(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass
class PageResult:
    name: str
    url: str
    seconds: float
    error: str | None = None
    with_total: int = 0
    with_missing: list[str] = field(default_factory=list)
    with_missing_ours: list[str] = field(default_factory=list)  # trafilatura alone has them
    without_spoken: list[str] = field(default_factory=list)
    without_spoken_ours: list[str] = field(default_factory=list)  # trafilatura alone drops them
    duplicates: list[str] = field(default_factory=list)
    furniture: list[str] = field(default_factory=list)
    false_removals: list[str] = field(default_factory=list)
    glued: list[str] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)
    zero_width: int = 0
    utterances: int = 0


def trafilatura_text(page: bytes) -> str:
    """What trafilatura alone makes of the saved page: its title and text, from the page's bytes
    (so it decodes the page itself, as it would be used on its own), precise, without tables."""
    import trafilatura

    found = trafilatura.bare_extraction(page, include_comments=False, include_tables=False, favor_precision=True,
                                        with_metadata=True)
    return squash(f"{found.title or ''} {found.text or ''}") if found is not None else ""


def evaluate(job: tuple[str, dict, str]) -> PageResult:
    url, entry, dedupe = job
    from audio_edition import pipeline
    from audio_edition.errors import AudioEditionError
    from audio_edition.settings import Settings

    name = entry["file"]
    started = time.monotonic()
    raw = gzip.decompress((REALWORLD / "pages" / f"{name}.gz").read_bytes())
    result = PageResult(name, url, 0.0)
    folder = Path(tempfile.mkdtemp(prefix="eval-"))
    page = folder / (Path(name).stem + ".html")
    page.write_bytes(raw)  # as saved: our reader finds the page's encoding itself
    try:
        prepared = pipeline.prepare(str(page), Settings(dedupe=dedupe, cache_dir=folder / "cache", use_cache=False))
    except AudioEditionError as exc:
        result.error = exc.message
        prepared = None
    except Exception as exc:  # a bug: counted apart, and listed with --list
        result.error = f"TRACEBACK {type(exc).__name__}: {exc}"
        prepared = None
    finally:
        result.seconds = time.monotonic() - started
    alone = trafilatura_text(raw)
    if prepared is None:
        spoken = ""
    else:
        article = prepared.article
        parts = [article.title, *(s.title or "" for s in article.sections), *article.paragraphs]
        spoken = squash(" ".join(parts))
        extracted = set(pipeline.read(str(page), Settings()).paragraphs)  # before cleanup
        for removal in article.removed:
            if removal.reason == "duplicate":
                result.duplicates.append(removal.text)
            elif removal.text in extracted:
                result.furniture.append(f"[{removal.reason}] {removal.text}")
        for utterance in prepared.script.utterances:
            result.utterances += 1
            if GLUED.search(utterance.text):
                result.glued.append(utterance.text)
            if odd_symbols(utterance.text):
                result.symbols.append(utterance.text)
            result.zero_width += len(ZERO_WIDTH.findall(utterance.text))
        removed_texts = [squash(r.text) for r in article.removed if r.text in extracted]
    for passage in entry.get("with", []):
        wanted = squash(passage)
        if not wanted:
            continue
        result.with_total += 1
        if wanted not in spoken:
            result.with_missing.append(passage)
            if wanted in alone:
                result.with_missing_ours.append(passage)
                if prepared is not None and any(wanted in r for r in removed_texts):
                    result.false_removals.append(passage)
    for passage in entry.get("without", []):
        unwanted = squash(passage)
        if unwanted and unwanted in spoken:
            result.without_spoken.append(passage)
            if unwanted not in alone:
                result.without_spoken_ours.append(passage)
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    return result


def summarize(results: list[PageResult]) -> dict[str, object]:
    pages = len(results)
    return {
        "pages": pages,
        "errors": sum(1 for r in results if r.error),
        "tracebacks": sum(1 for r in results if r.error and r.error.startswith("TRACEBACK")),
        "with_total": sum(r.with_total for r in results),
        "with_missing": sum(len(r.with_missing) for r in results),
        "with_missing_ours": sum(len(r.with_missing_ours) for r in results),
        "without_spoken": sum(len(r.without_spoken) for r in results),
        "without_spoken_ours": sum(len(r.without_spoken_ours) for r in results),
        "duplicates_removed": sum(len(r.duplicates) for r in results),
        "pages_with_duplicates": sum(1 for r in results if r.duplicates),
        "false_removals": sum(len(r.false_removals) for r in results),
        "utterances": sum(r.utterances for r in results),
        "glued": sum(len(r.glued) for r in results),
        "symbols": sum(len(r.symbols) for r in results),
        "zero_width": sum(r.zero_width for r in results),
        "seconds_per_page": round(sum(r.seconds for r in results) / max(1, pages), 3),
    }


def jobs(dedupe: str, limit: int | None, every: int) -> list[tuple[str, dict, str]]:
    data = json.loads((REALWORLD / "evaldata.json").read_text())
    chosen = sorted(data.items(), key=lambda kv: kv[1]["file"])[::every]
    return [(url, entry, dedupe) for url, entry in chosen[:limit]]


def run(dedupe: str = "paraphrase", limit: int | None = None, every: int = 1,
        processes: int | None = None) -> list[PageResult]:
    todo = jobs(dedupe, limit, every)
    with multiprocessing.get_context("spawn").Pool(processes or os.cpu_count() or 1) as pool:
        return pool.map(evaluate, todo, chunksize=4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dedupe", default="paraphrase", choices=["off", "exact", "paraphrase"])
    parser.add_argument("--limit", type=int, default=None, help="at most this many pages")
    parser.add_argument("--every", type=int, default=1, help="every K-th page (a fixed sample)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--list", action="store_true", help="list every loss, removal and odd utterance")
    args = parser.parse_args()
    if not (REALWORLD / "evaldata.json").is_file():
        sys.exit(f"no annotated pages at {REALWORLD} (set AUDIO_EDITION_REALWORLD)")
    results = run(args.dedupe, args.limit, args.every)
    figures = summarize(results)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:22} {value}")
    if args.list:
        for r in results:
            for kind in ("error", "false_removals", "duplicates", "furniture", "with_missing", "with_missing_ours",
                         "without_spoken_ours", "glued", "symbols"):
                value = getattr(r, kind)
                items = [value] if isinstance(value, str) else value or []
                for item in items:
                    print(f"{r.name}\t{kind}\t{item[:200]}")


if __name__ == "__main__":
    main()
