"""The cache is checked, not trusted and kept in bounds (`cache info|prune|clear`).

Each test damages the cache the way a full disk, a killed process or a failing drive does, then
builds again and compares the episode with ffmpeg's own decoding of a clean build."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import SAMPLE, Cli
from readers import decoded_samples

from audio_edition.storage.cache import TRAILER, DiskCache, parse_size

Built = tuple[int, Path]  # the clean episode's decoded length, the cache


def entries(cache: Path, namespace: str) -> list[Path]:
    return sorted((cache / namespace).rglob("*.*"))


@pytest.fixture
def built(cli: Cli, tmp_path: Path, isolated_cache: Path) -> Built:
    """The sample built once into a fresh cache: (the clean episode's decoded length, the cache)."""
    run = cli("build", str(SAMPLE), "-o", "clean.mp3")
    assert run.code == 0, run.stderr
    return decoded_samples(tmp_path / "clean.mp3"), isolated_cache


def rebuild(cli: Cli, tmp_path: Path) -> tuple[int, str]:
    run = cli("build", str(SAMPLE), "-o", "again.mp3")
    assert run.code == 0, run.stderr
    return decoded_samples(tmp_path / "again.mp3"), run.stderr


def test_a_truncated_cached_episode_is_built_again_not_copied(cli: Cli, tmp_path: Path, built: Built) -> None:
    clean, cache = built
    [episode] = [p for p in entries(cache, "episodes") if p.suffix == ".mp3"]
    size = episode.stat().st_size
    with open(episode, "r+b") as fh:
        fh.truncate(size // 10)
    samples, _ = rebuild(cli, tmp_path)
    assert samples == clean and episode.stat().st_size == size  # mixed again from the takes, and stored whole


def test_a_half_truncated_take_is_spoken_again(cli: Cli, tmp_path: Path, built: Built) -> None:
    clean, cache = built
    for path in entries(cache, "episodes"):
        path.unlink()  # so the rebuild mixes from the takes
    take = max(entries(cache, "takes"), key=lambda p: p.stat().st_size)
    with open(take, "r+b") as fh:
        fh.truncate(take.stat().st_size // 2)
    samples, said = rebuild(cli, tmp_path)
    assert samples == clean and "1 synthesized" in said


def test_a_take_garbled_in_place_is_spoken_again(cli: Cli, tmp_path: Path, built: Built) -> None:
    """Same size, wrong bytes: only the checksum can tell. The episode is rebuilt from takes."""
    clean, cache = built
    for path in entries(cache, "episodes"):
        path.unlink()  # so the rebuild mixes from the takes
    take = max(entries(cache, "takes"), key=lambda p: p.stat().st_size)
    data = bytearray(take.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 400] = os.urandom(400)
    take.write_bytes(bytes(data))
    samples, _ = rebuild(cli, tmp_path)
    assert samples == clean and not take.exists() or take.read_bytes() != bytes(data)


@pytest.mark.parametrize("damage", ["garble", "truncate", "empty"])
def test_damaged_loudness_profiles_are_measured_again(cli: Cli, tmp_path: Path, built: Built, damage: str) -> None:
    clean, cache = built
    for path in entries(cache, "episodes"):
        path.unlink()
    profiles = entries(cache, "profiles")
    assert len(profiles) > 10
    for profile in profiles:
        size = profile.stat().st_size
        profile.write_bytes({"garble": b"{not json" + bytes(size), "truncate": profile.read_bytes()[: size // 3],
                             "empty": b""}[damage])
    samples, _ = rebuild(cli, tmp_path)
    assert samples == clean


def test_entries_written_before_checksums_are_dropped_and_rebuilt(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.put("language", "ab" * 32, "txt", b"en")
    path = cache.path("language", "ab" * 32, "txt")
    assert cache.get("language", "ab" * 32, "txt") == b"en"
    path.write_bytes(b"en")  # the old format: no trailer
    assert not cache.has("language", "ab" * 32, "txt") and not path.exists()
    cache.put("language", "ab" * 32, "txt", b"en")
    path.write_bytes(path.read_bytes()[:-TRAILER.size] + b"\x00" * TRAILER.size)
    assert cache.get("language", "ab" * 32, "txt") is None and not path.exists()


def test_leftover_temporary_files_of_killed_runs_are_swept(cli: Cli, tmp_path: Path, isolated_cache: Path) -> None:
    folder = isolated_cache / ".tmp"
    folder.mkdir(parents=True, exist_ok=True)
    from audio_edition.storage.cache import _HOST

    dead = folder / f"{_HOST}-4194303-abandoned"  # above any pid this machine hands out
    dead.write_bytes(bytes(1 << 20))
    live = folder / f"{_HOST}-{os.getpid()}-being-written"  # a writer that is still running
    elsewhere = folder / "0123abcd-4194303-another-machine"  # sharing the folder: its pids mean nothing here
    stale = folder / "0123abcd-17-another-machine-long-ago"
    for path in (live, elsewhere, stale):
        path.write_bytes(b"x")
    old = time.time() - 2 * 86400
    os.utime(stale, (old, old))
    run = cli("build", str(SAMPLE), "-o", "a.mp3", "--engine", "fake")
    assert run.code == 0, run.stderr
    assert not dead.exists() and not stale.exists() and live.exists() and elsewhere.exists()


def test_cache_info_prune_and_clear(cli: Cli, built: Built) -> None:
    _, cache = built
    info = json.loads(cli("cache", "info", "--json").stdout)
    on_disk = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file() and ".tmp" not in p.parts
                  and p.name != ".last-prune")
    assert info["path"] == str(cache) and info["size_bytes"] == on_disk
    assert info["entries"] == sum(k["entries"] for k in info["kinds"].values())
    assert {"takes", "episodes", "profiles", "clips"} <= info["kinds"].keys()
    text = cli("cache", "info").stdout
    assert str(cache) in text and "takes" in text

    # prune: the least recently used go first; what was just used stays
    takes = entries(cache, "takes")
    old = time.time() - 86400
    for path in takes[:-1]:
        os.utime(path, (old, old))
    keep = info["size_bytes"] - sum(p.stat().st_size for p in takes[:-1])
    run = cli("cache", "prune", "--max-size", f"{keep}B")
    assert run.code == 0 and run.stderr.startswith(f"Removed {len(takes) - 1} entries")
    assert entries(cache, "takes") == takes[-1:]
    assert json.loads(cli("cache", "info", "--json").stdout)["size_bytes"] <= keep

    run = cli("cache", "clear")
    assert run.code == 0 and json.loads(cli("cache", "info", "--json").stdout)["entries"] == 0
    rebuilt = cli("build", str(SAMPLE), "-o", "after-clear.mp3")
    assert rebuilt.code == 0 and "0 from cache" in rebuilt.stderr


@pytest.mark.parametrize("text, size", [("2GB", 2 * 10**9), ("500 MB", 5 * 10**8), ("1.5GiB", 1610612736),
                                        ("0", 0), ("10k", 10**4), ("7b", 7)])
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_a_bad_size_is_one_error_line(cli: Cli) -> None:
    run = cli("cache", "prune", "--max-size", "lots")
    assert run.code == 1 and run.stderr.startswith("Error: 'lots' is not a size") and "Traceback" not in run.stderr


def test_the_cache_keeps_itself_under_its_limit(cli: Cli, built: Built) -> None:
    """$AUDIO_EDITION_CACHE_MAX_SIZE bounds it without anyone running prune (checked hourly, before a build)."""
    _, cache = built
    before = {p: p.stat().st_size for p in cache.rglob("*.*") if p.is_file() and ".tmp" not in p.parts}
    assert sum(before.values()) > 500_000
    (cache / ".last-prune").unlink(missing_ok=True)
    run = cli("build", str(SAMPLE), "-o", "b.mp3", "--engine", "fake", env={"AUDIO_EDITION_CACHE_MAX_SIZE": "100kB"})
    assert run.code == 0, run.stderr
    survivors = [p for p in before if p.exists()]
    assert not any(p.parent.parent.name in ("takes", "episodes") and p.suffix != ".json" for p in survivors)
    assert any(p.parent.parent.name == "clips" for p in survivors)  # used again by this build: kept
    (cache / ".last-prune").unlink()
    run = cli("build", str(SAMPLE), "-o", "c.mp3", "--engine", "fake", env={"AUDIO_EDITION_CACHE_MAX_SIZE": "0"})
    assert run.code == 0 and not (cache / ".last-prune").exists()  # 0: no limit, nothing checked
