"""Shared fixtures: an isolated cache per test, the CLI run as a user runs it, generated clips."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "media" / "sample-article.md"
# The shared real-world sample (not ours to copy into the repo); CI clones the repo beside shared/.
SEED = Path(os.environ.get("AUDIO_EDITION_SEED", ROOT.parent / "shared" / "samples" / "seed-article.txt"))


def require_seed() -> Path:
    """The seed article, or a skip naming where it was looked for when this checkout has none beside it."""
    if not SEED.is_file():
        pytest.skip(f"the shared seed sample is not at {SEED} (set AUDIO_EDITION_SEED)")
    return SEED
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _load_script(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_fixtures = _load_script("make_fixtures")


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty take cache, so none depends on another's leftovers."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("AUDIO_EDITION_CACHE_DIR", str(cache))
    monkeypatch.delenv("AUDIO_EDITION_ENGINE", raising=False)
    monkeypatch.delenv("AUDIO_EDITION_DEBUG", raising=False)
    return cache


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


def bare_path_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment with PATH cut down to Python's own folder: no system ffmpeg, ffprobe or espeak-ng."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent)
    env.update(extra or {})
    return env


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run ``audio-edition ARGS`` in a subprocess, as a user would, with no ffmpeg on PATH."""

    def run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 120) -> Run:
        proc = subprocess.run(
            [sys.executable, "-m", "audio_edition", *args], input=stdin, capture_output=True,
            env=bare_path_env(env), cwd=cwd or tmp_path, timeout=timeout,
        )
        return Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode())

    return run
