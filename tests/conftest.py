"""Shared fixtures: an isolated cache per test, the CLI run as a user runs it, generated clips."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Protocol

import pluggy
import pytest

# The suite speaks with espeak unless a test asks for piper or auto (tests/test_piper.py): fast, and
# the same whether or not the [piper] extra is installed. Set here, before any fixture, so that
# module-scoped fixtures (built once for many tests) use it too.
os.environ["AUDIO_EDITION_ENGINE"] = "espeak"

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "media" / "sample-article.md"
# The shared real-world data (not ours to copy into the repo): CI clones the repo beside shared/; a
# clone elsewhere names them with $AUDIO_EDITION_SEED and $AUDIO_EDITION_REALWORLD.
SEED = Path(os.environ.get("AUDIO_EDITION_SEED", ROOT.parent / "shared" / "samples" / "seed-article.txt"))
REALWORLD = Path(os.environ.get("AUDIO_EDITION_REALWORLD", ROOT.parent / "shared" / "realworld"))


# In CI nothing may skip: a missing tool or data set fails there. Elsewhere it skips, saying how
# to get it, so a contributor's loop runs on a machine without Chromium or Debian's ffmpeg.
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
INSTALL_TOOLS = "python3 scripts/install_test_tools.py"


def missing(what: str, how: str) -> None:
    """What a test needs is not here: a failure in CI, else a skip that says how to get it."""
    message = f"{what}: {how}"
    if CI:
        pytest.fail(f"{message} (in CI nothing may skip)")
    pytest.skip(message)


def require_realworld() -> Path:
    """The annotated real pages, or (see ``missing``) where they were looked for and how to name them."""
    if not (REALWORLD / "evaldata.json").is_file():
        missing(f"the real-world pages are not at {REALWORLD}",
                "clone the repo beside ../shared, or set AUDIO_EDITION_REALWORLD")
    return REALWORLD


def require_seed() -> Path:
    """The seed article, or (see ``missing``) where it was looked for."""
    if not SEED.is_file():
        missing(f"the shared seed sample is not at {SEED}",
                "clone the repo beside ../shared, or set AUDIO_EDITION_SEED")
    return SEED


def require_chromium() -> str:
    """Chromium for the browser tests."""
    found = _load_script("install_test_tools").chromium()
    if found is None:
        missing("Chromium is not installed", f"run {INSTALL_TOOLS} (Debian's chromium), or set $CHROMIUM")
    return str(found)


def require_system_ffmpeg() -> Path:
    """A distribution's ffmpeg (Debian 12's is 5.1), which the audio tests also run with."""
    if not SYSTEM_FFMPEG.is_file():
        missing(f"no distribution ffmpeg at {SYSTEM_FFMPEG}",
                f"run {INSTALL_TOOLS} (Debian's ffmpeg), or set AUDIO_EDITION_TEST_SYSTEM_FFMPEG")
    return SYSTEM_FFMPEG


def require_tool(name: str, package: str) -> str:
    """A command from the system (mp3val, unshare)."""
    import shutil

    found = shutil.which(name)
    if found is None:
        missing(f"{name} is not installed", f"run {INSTALL_TOOLS} (Debian's {package})")
    return str(found)


def require_js_tools() -> Path:
    """The npm tools in tests/js (the W3C WebVTT parser, puppeteer-core, axe-core)."""
    modules = ROOT / "tests" / "js" / "node_modules"
    if not all((modules / name / "package.json").is_file() for name in ("webvtt-parser", "puppeteer-core", "axe-core")):
        missing(f"the test tools from npm are not in {modules}", f"run {INSTALL_TOOLS} (npm ci in tests/js)")
    return modules


# Fixtures that start the CLI in a subprocess: every test that uses one is slow.
SLOW_FIXTURES = {"cli", "sample_episode"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that start the CLI in a subprocess are slow; those that run with Debian's ffmpeg need
    it from the system."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("ffmpeg_choice") == "debian":
            item.add_marker(pytest.mark.system)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    """In CI a skip is a failure: nothing may be left untested there."""
    outcome = yield
    report = outcome.get_result()
    if CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may skip: {report.longrepr}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    """Name the tests outside the slow mark that took a second or more: they belong in it."""
    slow = []
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        if report.when == "call" and report.duration >= 1.0 and "slow" not in report.keywords:
            slow.append(f"{report.duration:5.1f}s {report.nodeid}")
    if slow:
        terminalreporter.section("not marked slow, but took a second or more")
        for line in sorted(slow, reverse=True):
            terminalreporter.write_line(line)
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


make_fixtures = _load_script("make_fixtures")


# The distribution ffmpeg the audio tests also run with (Debian 12's is 5.1); scripts/install_test_tools.py
# installs it when it is missing, as it does Chromium.
SYSTEM_FFMPEG = Path(os.environ.get("AUDIO_EDITION_TEST_SYSTEM_FFMPEG", "/usr/bin/ffmpeg"))


@pytest.fixture(scope="session")
def probed_toolchains(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding only what the ffmpeg binaries answered when asked what they offer:
    copied into each test's cache, so that not every test asks again."""
    return tmp_path_factory.mktemp("probes")


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
                   probed_toolchains: Path) -> Iterator[Path]:
    """Every test gets its own empty cache, so none depends on another's leftovers (but for the
    ffmpeg probes, which describe the binaries, not our output)."""
    import shutil

    cache = tmp_path_factory.mktemp("cache")
    if (probed_toolchains / "toolchain").is_dir():
        shutil.copytree(probed_toolchains / "toolchain", cache / "toolchain")
    monkeypatch.setenv("AUDIO_EDITION_CACHE_DIR", str(cache))
    monkeypatch.setenv("AUDIO_EDITION_ENGINE", "espeak")  # see the top of this file
    monkeypatch.delenv("AUDIO_EDITION_DEBUG", raising=False)
    yield cache
    if (cache / "toolchain").is_dir():
        shutil.copytree(cache / "toolchain", probed_toolchains / "toolchain", dirs_exist_ok=True)


@pytest.fixture(scope="module", params=["wheel", "debian"])
def ffmpeg_choice(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """Run the module with the ffmpeg in the imageio-ffmpeg wheel, then with a distribution's
    (Debian's 5.1), chosen through $AUDIO_EDITION_FFMPEG as a user would choose it."""
    from audio_edition.audio import toolchain

    value = None
    if request.param == "debian":
        value = str(require_system_ffmpeg())
    with pytest.MonkeyPatch.context() as patch:
        if value:
            patch.setenv("AUDIO_EDITION_FFMPEG", value)
        else:
            patch.delenv("AUDIO_EDITION_FFMPEG", raising=False)
        toolchain.forget()
        yield value
    toolchain.forget()


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {
        "loud_mp3": make_fixtures.loud_stereo_clip(folder / "loud-48k-stereo.mp3"),
        "loud_wav": make_fixtures.loud_stereo_clip(folder / "loud-48k-stereo.wav"),
        "speech_mp3": make_fixtures.speech_like_mp3(folder / "speech-24k.mp3"),
        "float_wav": make_fixtures.float_wav(folder / "float.wav"),
    }


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


class Cli(Protocol):
    """The ``cli`` fixture: ``audio-edition ARGS`` in a subprocess."""

    def __call__(self, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None,
                 cwd: Path | None = None, timeout: float = 120) -> Run: ...


class CliHere(Protocol):
    """The ``cli_here`` fixture: the same in this process, so with no timeout."""

    def __call__(self, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> Run: ...


def bare_path_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment with PATH cut down to Python's own folder: no system ffmpeg, ffprobe or espeak-ng."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent)
    env.update(extra or {})
    return env


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """Run ``audio-edition ARGS`` in a subprocess, as a user would, with no ffmpeg on PATH."""

    def run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 120) -> Run:
        proc = subprocess.run(
            [sys.executable, "-m", "audio_edition", *args], input=stdin, capture_output=True,
            env=bare_path_env(env), cwd=cwd or tmp_path, timeout=timeout,
        )
        return Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    return run


@pytest.fixture
def cli_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliHere:
    """Run ``audio-edition ARGS`` through its real entry point in this process: the same parsing,
    error lines and exit codes as ``cli``, without a new Python (for the many error-path tests)."""
    import contextlib
    import io

    from audio_edition.cli import main

    def run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> Run:
        monkeypatch.chdir(cwd or tmp_path)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(sys, "argv", ["audio-edition", *args])
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin or b"")))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return Run(code, out.getvalue(), err.getvalue())

    return run


def processes_mentioning(text: str, by_folder: bool = False) -> list[str]:
    """Command lines of running processes that name ``text`` (a test's private folder), or, with
    ``by_folder``, that also work in a folder under it."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                cwd = os.readlink(entry / "cwd") if by_folder else ""
            except OSError:
                continue
            if text in line or (by_folder and cwd.startswith(text)):
                found.append(line)
    return found


def children_of(pid: int) -> list[str]:
    """Command lines of the running processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parent = int(stat.rsplit(")", 1)[1].split()[1])
                line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except (OSError, ValueError, IndexError):
                continue
            if parent == pid:
                found.append(line)
    return found


@contextmanager
def serving(show: Path) -> Iterator[str]:
    """The show folder served by our preview server on a free loopback port: its base URL."""
    import threading

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


# A Piper voice catalogue served on loopback, and voices installed from it (tests/voicecatalogue.py).
from voicecatalogue import install_voice, voice_catalogue, voice_catalogue_folder  # noqa: E402, F401
