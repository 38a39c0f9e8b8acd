"""The fault suite: real `build` and `publish` processes killed with SIGKILL at each stage.

Only the main process is killed, as the kernel's OOM killer or a lost session would: its worker
processes and ffmpeg children must go by themselves. After each kill:
- nothing the user can see is partial: every public file is whole (old or new), and a good older
  episode is never replaced by a broken one;
- no process of the killed run is left;
- the next run cleans what the killed one left (hidden .part files, build folders, cache
  temporaries), and for a show, `feed --show` alone brings feed, pages, catalog and files back into
  agreement;
- a rerun completes with the same GUIDs and URLs as a run that was never killed.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import feedparser
import pytest
from conftest import bare_path_env, processes_mentioning
from readers import decode_errors

pytestmark = pytest.mark.slow  # kills real builds and publishes mid-way

ARTICLE = """# {title}

{body}
"""
PARAGRAPH = ("Paragraph {n} of the piece tells how the ferry crossing changed the town, with a second "
             "sentence so that it takes a while to speak, and a third one that ends it.")


def write_article(path: Path, title: str, paragraphs: int, salt: str = "") -> Path:
    body = "\n\n".join(PARAGRAPH.format(n=n) + salt for n in range(paragraphs))
    path.write_text(ARTICLE.format(title=title, body=body))
    return path


def no_process_left(folder: Path) -> None:
    """Every process of the killed run (workers, the resource tracker, ffmpeg) goes within 2 seconds."""
    deadline = time.monotonic() + 2
    while (left := processes_mentioning(str(folder), by_folder=True)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == [], left


def start(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "audio_edition", *args], cwd=cwd, env=bare_path_env(env),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool], timeout: float = 120) -> bool:
    """SIGKILL the process as soon as ``ready()`` (polled every 2 ms); False if it finished first."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if ready():
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.002)
    proc.wait()
    return False


def more_takes(cache: Path) -> Callable[[], bool]:
    """True once the cache holds more spoken takes than now: the build is speaking."""
    def takes() -> int:
        return sum(1 for p in (cache / "takes").rglob("*") if p.suffix in (".wav", ".mp3"))

    before = takes()
    return lambda: takes() > before


def grown(folder: Path, pattern: str) -> Callable[[], bool]:
    """True once a file matching ``pattern`` in ``folder`` has data in it."""
    def check() -> bool:
        return any(p.stat().st_size > 0 for p in folder.glob(pattern) if p.is_file())
    return check


def exists(path_glob: Callable[[], list[Path]]) -> Callable[[], bool]:
    return lambda: bool(path_glob())


# --- build --------------------------------------------------------------------------------------

BuildCase = tuple[Path, Path]  # the folder with the old episode and its cache, the edited article


@pytest.fixture(scope="module")
def build_case(tmp_path_factory: pytest.TempPathFactory) -> BuildCase:
    """An old good episode, and the edited article the killed builds make over it (espeak, with
    worker processes: long enough for the pool)."""
    folder = tmp_path_factory.mktemp("build-case")
    cache = folder / "cache"
    old = write_article(folder / "old.md", "The Ferry Crossing", 60)
    run = subprocess.run([sys.executable, "-m", "audio_edition", "build", str(old), "-o", str(folder / "ep.mp3")],
                         env=bare_path_env({"AUDIO_EDITION_CACHE_DIR": str(cache)}), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    new = write_article(folder / "new.md", "The Ferry Crossing", 60, salt=" It was rebuilt in spring.")
    return folder, new


BUILD_STAGES: dict[str, Callable[[Path, Path, Path], Callable[[], bool]]] = {  # (output folder, TMPDIR, cache) -> when
    # read, scripted, outputs reserved
    "staged": lambda out, tmp, cache: exists(lambda: list(out.glob(".ep.mp3.*.part"))),
    "speaking": lambda out, tmp, cache: more_takes(cache),
    "encoding-parts": lambda out, tmp, cache: grown(tmp, "audio-edition-parts-*/part*.mp3"),
    "joining": lambda out, tmp, cache: grown(out, ".ep.mp3.*.part"),
}


@pytest.mark.parametrize("stage", list(BUILD_STAGES))
def test_a_killed_build_never_replaces_a_good_episode_and_leaves_nothing_after_a_rerun(
        build_case: BuildCase, tmp_path: Path, stage: str) -> None:
    source, article = build_case
    work = tmp_path / "out"
    work.mkdir()
    for name in ("ep.mp3", "ep.vtt", "ep.srt", "ep.chapters.json", "ep.report.json"):
        shutil.copy(source / name, work / name)
    before = {p.name: p.read_bytes() for p in work.iterdir()}
    cache = tmp_path / "cache"
    shutil.copytree(source / "cache", cache)
    env = {"AUDIO_EDITION_CACHE_DIR": str(cache), "TMPDIR": str(tmp_path)}
    shutil.rmtree(cache / "episodes")  # so the build really mixes and encodes
    ready = BUILD_STAGES[stage](work, tmp_path, cache)
    proc = start(["build", str(article), "-o", "ep.mp3"], work, env)
    killed = kill_when(proc, ready)
    assert killed, f"the build finished before the stage '{stage}'"
    no_process_left(tmp_path)
    visible = {p.name: p.read_bytes() for p in work.iterdir() if not p.name.startswith(".")}
    assert visible == before, "a killed build changed the finished episode"
    assert decode_errors(work / "ep.mp3") == ""

    rerun = start(["build", str(article), "-o", "ep.mp3"], work, env)
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read() if rerun.stderr else ""
    assert sorted(p.name for p in work.iterdir()) == sorted(before)  # the .part files are gone
    assert (work / "ep.mp3").read_bytes() != before["ep.mp3"] and decode_errors(work / "ep.mp3") == ""
    assert not list((cache / ".tmp").iterdir())  # no cache temporaries either
    assert not list(tmp_path.glob("audio-edition-*"))  # nor parts in the temporary folder


# --- publish ------------------------------------------------------------------------------------

SHOW = ["--title", "Ferry Town", "--author", "Desk", "--email", "desk@example.org", "--base-url",
        "https://example.org/ferry/"]
ShowCase = tuple[Path, list[str]]  # the folder with the base and reference shows, the two articles


@pytest.fixture(scope="module")
def show_case(tmp_path_factory: pytest.TempPathFactory) -> ShowCase:
    """A show with one episode; the run under test updates it and adds a second. The reference is
    the same run, never killed."""
    folder = tmp_path_factory.mktemp("show-case")
    env = bare_path_env({"AUDIO_EDITION_CACHE_DIR": str(folder / "cache")})

    def run(*args: str) -> None:
        proc = subprocess.run([sys.executable, "-m", "audio_edition", *args], cwd=folder, env=env,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr

    first = write_article(folder / "first.md", "Ferry Times Change", 12)
    run("show", "init", "base", *SHOW)
    run("publish", str(first), "--show", "base", "--engine", "fake")
    shutil.copytree(folder / "base", folder / "reference")
    first.write_text(first.read_text().replace("Paragraph 3 of", "Paragraph three of"))  # an update in place
    second = write_article(folder / "second.md", "A Second Crossing", 12)
    run("publish", str(first), str(second), "--show", "reference", "--engine", "fake")
    return folder, [str(first), str(second)]


def feed_items(show: Path) -> list[tuple[str, str, int]]:
    parsed = feedparser.parse((show / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    return sorted((e.id, e.enclosures[0].href, int(e.enclosures[0].length)) for e in parsed.entries)


def catalog_rows(show: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(show / ".catalog.sqlite") as conn:
        return sorted(conn.execute("SELECT guid, slug, audio_bytes FROM episodes").fetchall())


def public_files_are_whole(show: Path) -> None:
    """What a listener or a host can fetch right after the kill: nothing partial."""
    items = feed_items(show)
    for _, url, _ in items:
        assert (show / url.removeprefix("https://example.org/ferry/")).is_file(), url
    for mp3 in (show / "episodes").glob("*.mp3"):
        assert decode_errors(mp3) == "", mp3
    for page in [show / "index.html", *(show / "episodes").glob("*.html")]:
        assert page.read_text().rstrip().endswith("</html>"), page
    for data in (show / "episodes").glob("*.json"):
        json.loads(data.read_text())


def show_agrees_with_itself(show: Path) -> None:
    """Feed, pages, catalog and files tell the same story, and nothing hidden is left over."""
    rows = catalog_rows(show)
    slugs = {slug for _, slug, _ in rows}
    episodes = show / "episodes"
    assert {p.stem for p in episodes.glob("*.mp3")} == slugs
    assert {p.name.split(".")[0] for p in episodes.iterdir() if not p.name.startswith(".")} == slugs
    for _, slug, size in rows:
        for suffix in (".mp3", ".vtt", ".srt", ".chapters.json", ".report.json", ".html"):
            assert (episodes / f"{slug}{suffix}").is_file(), (slug, suffix)
        assert (episodes / f"{slug}.mp3").stat().st_size == size
    assert [(guid, size) for guid, _, size in feed_items(show)] == sorted((g, s) for g, _, s in rows)
    index = (show / "index.html").read_text()
    assert all(f'href="episodes/{slug}.html"' in index for slug in slugs)
    hidden = [p.name for p in [*show.iterdir(), *episodes.iterdir()] if p.name.startswith(".")]
    assert sorted(hidden) == sorted({".catalog.sqlite", ".catalog.sqlite.bak", ".publish.lock"} & set(hidden)), hidden


def second_build_started(show: Path) -> Callable[[], bool]:
    """The first article's publish has committed (its journal came and went) and a build folder
    other than the first's is in use: the second article's."""
    journal = show / ".publish-journal.json"
    first: set[str] = set()
    seen = {"journal": False}

    def check() -> bool:
        folders = {p.parent.name for p in (show / "episodes").glob(".build-*/.owner")}
        if journal.exists():  # the first article's files are moving out of its build folder
            seen["journal"] = True
            first.update(folders)
            return False
        return seen["journal"] and bool(folders - first)
    return check


PUBLISH_STAGES: dict[str, Callable[[Path, Path], Callable[[], bool]]] = {  # (show, cache) -> when
    "building-first": lambda show, cache: exists(lambda: list((show / "episodes").glob(".build-*/.owner"))),
    "speaking-first": lambda show, cache: more_takes(cache),
    "encoding-first": lambda show, cache: grown(show / "episodes", ".build-*/.episode.mp3.*.part"),
    "journal-written": lambda show, cache: exists(lambda: [p for p in [show / ".publish-journal.json"] if p.exists()]),
    "building-second": lambda show, cache: second_build_started(show),
}


@pytest.mark.parametrize("stage", list(PUBLISH_STAGES))
def test_a_killed_publish_is_finished_by_the_next_run_with_the_same_guids_and_urls(
        show_case: ShowCase, tmp_path: Path, stage: str) -> None:
    folder, sources = show_case
    show = tmp_path / "show"
    shutil.copytree(folder / "base", show)
    env = {"AUDIO_EDITION_CACHE_DIR": str(tmp_path / "cache"), "TMPDIR": str(tmp_path)}
    ready = PUBLISH_STAGES[stage](show, tmp_path / "cache")
    proc = start(["publish", *sources, "--show", str(show), "--engine", "fake"], tmp_path, env)
    killed = kill_when(proc, ready)
    assert killed, f"the publish finished before the stage '{stage}'"
    no_process_left(tmp_path)
    public_files_are_whole(show)

    feed = subprocess.run([sys.executable, "-m", "audio_edition", "feed", "--show", str(show)],
                          env=bare_path_env(env), capture_output=True, text=True)
    assert feed.returncode == 0, feed.stderr
    show_agrees_with_itself(show)

    rerun = start(["publish", *sources, "--show", str(show), "--engine", "fake"], tmp_path, env)
    assert rerun.wait(timeout=120) == 0, rerun.stderr.read() if rerun.stderr else ""
    show_agrees_with_itself(show)
    assert [(guid, url) for guid, url, _ in feed_items(show)] == \
        [(guid, url) for guid, url, _ in feed_items(folder / "reference")]
    assert [(g, s) for g, s, _ in catalog_rows(show)] == [(g, s) for g, s, _ in catalog_rows(folder / "reference")]


def test_idle_synthesis_workers_and_the_resource_tracker_die_with_their_parent(tmp_path: Path) -> None:
    """Workers waiting for work hold their queue's write end, so no EOF ever tells them the parent is
    gone: without the kernel's parent-death signal they would live on (as the tester found)."""
    program = """
import os, sys, time, multiprocessing
from audio_edition.speech import registry as engines
from audio_edition.speech import synthesis as synth
executor = synth._executor(engines.get("espeak"), 2)
list(executor.map(len, ["a", "bb"]))  # the workers are up, and now idle
tracker = multiprocessing.resource_tracker._resource_tracker._pid
print(" ".join(str(p) for p in [*executor._processes, tracker] if p), flush=True)
time.sleep(600)
"""
    proc = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True, env=bare_path_env())
    assert proc.stdout is not None
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) >= 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    def running(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # a zombie has exited
        except OSError:
            return False

    deadline = time.monotonic() + 3
    while (alive := [p for p in pids if running(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive == [], f"still running after their parent was killed: {alive}"
