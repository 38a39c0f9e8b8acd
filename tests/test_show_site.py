"""The show's pages as a listener meets them, in headless Chromium at 360 and 1280 px: nothing
scrolls sideways, the home page plays each episode from its own button, a chapter link seeks into
its chapter, the embed shows every control at its snippet's size, and axe-core finds nothing in
light or dark. The show and the browser run are scripts/screenshots.py's, so what the tests check
is what anyone can look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import _load_script, require_chromium, require_js_tools

pytestmark = [pytest.mark.slow, pytest.mark.system]  # a browser

SLUG = "the-ferry-timetable-changes-in-spring"


@pytest.fixture(scope="module")
def looked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    require_js_tools()
    browser = require_chromium()
    shots = _load_script("screenshots")
    folder = tmp_path_factory.mktemp("site")
    show = shots.demo_show(folder)
    assert shots.richest_episode(show) == SLUG
    result: dict[str, Any] = shots.look(show, SLUG, browser, folder / "shots")
    result["shots"] = sorted(p.name for p in (folder / "shots").glob("*.png"))
    return result


@pytest.mark.parametrize("width", ["360", "1280"])
def test_no_page_scrolls_sideways_and_axe_finds_nothing_in_light_or_dark(looked: dict[str, Any], width: str) -> None:
    seen = looked["widths"][width]
    assert seen["overflow"] == {"home": 0, "episode": 0, "embed": 0}
    assert sorted(seen["axe"]) == sorted(f"{page}-{scheme}" for page in ("home", "episode", "embed")
                                         for scheme in ("light", "dark"))
    assert {page: found for page, found in seen["axe"].items() if found} == {}
    assert looked["pageErrors"] == []


@pytest.mark.parametrize("width", ["360", "1280"])
def test_the_second_episodes_play_button_plays_that_episode(looked: dict[str, Any], width: str) -> None:
    seen = looked["widths"][width]
    assert [b["label"] for b in seen["playButtons"]] == [
        "Play Night buses return to the valley", "Play Allotments get a shared greenhouse",
        "Play The ferry timetable changes in spring"]  # newest first, by the articles' dates
    playing = [(Path(a["src"]).name, a["playing"]) for a in seen["homePlaying"]]
    assert playing == [("night-buses-return-to-the-valley.mp3", False),
                       ("allotments-get-a-shared-greenhouse.mp3", True),
                       ("the-ferry-timetable-changes-in-spring.mp3", False)]
    assert seen["homePlaying"][1]["t"] > 0.3 and seen["homeButtonAfter"] == "Pause"


@pytest.mark.parametrize("width", ["360", "1280"])
def test_a_chapter_link_seeks_into_its_chapter(looked: dict[str, Any], width: str) -> None:
    seen = looked["widths"][width]
    titles = [c["title"] for c in seen["chapters"]]
    assert titles == ["Intro", "The ferry timetable changes in spring", "What changes", "What stays the same", "Outro"]
    second = seen["chapters"][1]
    assert second["href"] == f"{SLUG}.mp3#t={second['start']:g}"  # without JavaScript: a media fragment
    assert second["start"] <= seen["chapterSeek"]["t"] < seen["chapters"][2]["start"]
    assert seen["chapterSeek"]["url"].endswith(f"{SLUG}.html")  # the page stayed; its player moved


def test_the_episode_page_is_built_for_a_phone(looked: dict[str, Any]) -> None:
    phone, desktop = looked["widths"]["360"], looked["widths"]["1280"]
    assert min(phone["touchTargets"]) >= 44 and min(desktop["touchTargets"]) >= 44
    assert phone["seekShare"] > 0.95  # the position slider has its own row, not squeezed beside a button
    assert phone["lists"] == desktop["lists"] == [3]  # the article's list is a list


@pytest.mark.parametrize("width", ["320", "360"])
def test_the_embed_at_its_snippets_size_shows_every_control(looked: dict[str, Any], width: str) -> None:
    fitted, bare = looked[f"embed-script-{width}"], looked[f"embed-bare-{width}"]
    for seen in (fitted, bare):
        names = [c["name"] for c in seen["controls"]]
        assert len(names) >= 6 and all(c["visible"] for c in seen["controls"]), seen["controls"]
        assert seen["overflow"] == 0
    assert abs(fitted["frame"]["height"] - fitted["content"]) <= 1  # the script fitted the frame to its content
    assert bare["frame"]["style"] == "" and bare["frame"]["height"] >= bare["content"]  # and without it, it fits


def test_the_screenshots_are_made(looked: dict[str, Any]) -> None:
    assert looked["shots"] == sorted(f"{page}-{width}.png" for page in ("home", "episode", "embed", "embed-in-page")
                                     for width in (360, 1280))
