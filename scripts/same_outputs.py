#!/usr/bin/env python3
"""Check that two checkouts make the same outputs: for refactors that must change nothing.

    python scripts/same_outputs.py OLD_CHECKOUT [NEW_CHECKOUT]   (NEW defaults to this one)

Each checkout's code runs as a user runs it (``python -m audio_edition``), installed in a virtual
environment of its own (made on first use, over this Python's packages, so that each checkout's
entry points are its own), on the same copies of the project's sample and test articles in the same folder
(so that GUIDs, which come from absolute paths, agree), with the same empty cache, and espeak as
the engine. Compared byte for byte:

- ``prepare --json`` of every article (the sample, tests/corpus, tests/pages, and the seed when
  it is beside the checkout), and of a note piped to standard input;
- ``build`` of each of them: the MP3 and its .vtt, .srt, .chapters.json and .report.json; the
  sample also as .m4a and .opus; ``inspect --json`` of each MP3;
- ``engines --json``, ``doctor --json`` (with the cache's size taken out), ``--help`` of every
  command, and error lines for bad input;
  (an Opus file's Ogg serial numbers, which ffmpeg draws at random, are masked);
- a show: ``show init``, ``publish`` of two articles (one a run), ``feed``: show.toml, feed.xml, every page
  and episode file (publication times, which are the clock's, are masked).

Prints one line per difference and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = Path(os.environ.get("AUDIO_EDITION_SEED", ROOT.parent / "shared" / "samples" / "seed-article.txt"))
COMMANDS = ["build", "prepare", "inspect", "engines", "doctor", "cache", "show", "publish", "feed", "serve"]
NOTE = b"The quick brown fox jumps over the lazy dog near the river bank. It was a sunny day.\n"
# What differs between two runs of the same code: the clock, and the cache's running size.
TIMES = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?"
                   rb"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}")


def ogg_unserialized(data: bytes) -> bytes:
    """An Ogg file with each page's stream serial number and checksum masked: ffmpeg picks the
    serial at random, so two encodes of the same audio differ there and only there."""
    out = bytearray(data)
    at = out.find(b"OggS")
    while at != -1 and at + 27 <= len(out):
        out[at + 14:at + 18] = b"SSSS"
        out[at + 22:at + 26] = b"CCCC"
        at = out.find(b"OggS", at + 27)
    return bytes(out)


def articles(root: Path) -> list[Path]:
    corpus = root / "tests" / "corpus" / "tuning"
    found = [root / "media" / "sample-article.md", *sorted(corpus.glob("*.txt")), *sorted(corpus.glob("*.md")),
             *sorted((root / "tests" / "pages").glob("*.html"))]
    return found + ([SEED] if SEED.is_file() else [])


def python_for(checkout: Path) -> Path:
    """A virtual environment with ``checkout`` installed (editable, without its dependencies, which
    come from this Python's packages): its Python."""
    import hashlib

    venv = Path(tempfile.gettempdir()) / "same-outputs-venvs" / hashlib.sha256(str(checkout).encode()).hexdigest()[:12]
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(checkout)], check=True)
    return python


def run(checkout: Path, work: Path, args: list[str], stdin: bytes | None = None) -> bytes:
    """The command's exit status, standard output and standard error, as one record."""
    env = dict(os.environ, AUDIO_EDITION_ENGINE="espeak", AUDIO_EDITION_CACHE_DIR=str(work / "cache"), COLUMNS="100")
    env.pop("AUDIO_EDITION_FFMPEG", None)
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([str(python_for(checkout)), "-m", "audio_edition", *args], cwd=work, env=env, input=stdin,
                          capture_output=True, timeout=600)
    return b"exit %d\n--- stdout\n%s\n--- stderr\n%s" % (proc.returncode, proc.stdout, proc.stderr)


def untimed(record: bytes) -> bytes:
    """A build's record without its running time ("in 2.3 s"), which no two runs share."""
    return re.sub(rb"in \d+\.\d s", b"in N s", record)


def outputs(checkout: Path, work: Path, inputs: list[Path]) -> dict[str, bytes]:
    """Every output of the checkout's code, by a name that says what made it."""
    for leftover in ("out", "show", "cache"):
        shutil.rmtree(work / leftover, ignore_errors=True)
    (work / "out").mkdir()
    got: dict[str, bytes] = {}
    got["--version"] = run(checkout, work, ["--version"])
    got["--help"] = run(checkout, work, ["--help"])
    for command in COMMANDS:
        got[f"{command} --help"] = run(checkout, work, [command, "--help"])
    got["engines --json"] = run(checkout, work, ["engines", "--json"])
    doctor = run(checkout, work, ["doctor", "--json"])
    got["doctor --json"] = re.sub(rb'"(size_bytes|entries)": \d+', rb'"\1": N', doctor)
    for path in inputs:
        got[f"prepare {path.name}"] = run(checkout, work, ["prepare", "--json", str(path)])
        mp3 = work / "out" / f"{path.stem}.mp3"
        got[f"build {path.name}"] = untimed(run(checkout, work, ["build", str(path), "-o", str(mp3)]))
        got[f"inspect {path.name}"] = run(checkout, work, ["inspect", "--json", str(mp3)])
    got["prepare -"] = run(checkout, work, ["prepare", "--json", "-"], stdin=NOTE)
    got["build -"] = untimed(run(checkout, work, ["build", "-", "--out-dir", "out/stdin"], stdin=NOTE))
    sample = inputs[0]
    for suffix in (".m4a", ".opus"):
        target = work / "out" / f"sample{suffix}"
        got[f"build sample{suffix}"] = untimed(run(checkout, work, ["build", str(sample), "-o", str(target)]))
        got[f"inspect sample{suffix}"] = run(checkout, work, ["inspect", "--json", str(target)])
    bad = work / "bad.xyz"
    bad.write_text("hello")
    for args in (["build", str(bad)], ["build", "missing.txt"], ["build", str(sample), "--engine", "nope"],
                 ["build", str(sample), "--dedupe", "wrong"], ["inspect", str(sample)], ["prepare", str(work)]):
        got["error " + " ".join(a.replace(str(work), "W") for a in args)] = run(checkout, work, args)
    show = work / "show"
    got["show init"] = run(checkout, work, ["show", "init", str(show), "--title", "Same", "--author", "A. Writer",
                                            "--email", "a@example.org", "--base-url", "https://example.org/same/"])
    # One article a run: publication times (to the second) order the site, so two in one second
    # would be ordered by GUID in one run and by time in another.
    got["publish 1"] = run(checkout, work, ["publish", str(inputs[1]), "--show", str(show)])
    got["publish 2"] = run(checkout, work, ["publish", str(inputs[2]), "--show", str(show)])
    got["feed"] = run(checkout, work, ["feed", "--show", str(show)])
    for folder in (work / "out", show):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if path.name in ("catalog.sqlite", "catalog.sqlite.bak", ".publish.lock") or ".bak" in path.name:
                continue  # SQLite's bytes hold page layout; the catalog's content shows in the pages and feed
            data = path.read_bytes()
            got[str(path.relative_to(work))] = ogg_unserialized(data) if path.suffix == ".opus" else data
    return {name: TIMES.sub(b"TIME", data) for name, data in got.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path, nargs="?", default=ROOT)
    parser.add_argument("--keep", type=Path, help="Leave both sets of outputs in this folder.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="same-outputs-"))
    inputs = []
    for source in articles(ROOT):
        copy = work / "articles" / source.name
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, copy)
        inputs.append(copy)
    old = outputs(args.old.resolve(), work, inputs)
    if args.keep:
        shutil.copytree(work / "out", args.keep / "old", dirs_exist_ok=True)
    new = outputs(args.new.resolve(), work, inputs)
    if args.keep:
        shutil.copytree(work / "out", args.keep / "new", dirs_exist_ok=True)
    differ = 0
    for name in sorted(old.keys() | new.keys()):
        if old.get(name) != new.get(name):
            differ += 1
            if name not in old or name not in new:
                print(f"only in {'new' if name in new else 'old'}: {name}")
                continue
            a, b = old[name], new[name]
            at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            print(f"differs: {name} (at byte {at}: old {a[max(0, at - 40):at + 60]!r} "
                  f"new {b[max(0, at - 40):at + 60]!r})")
    shutil.rmtree(work, ignore_errors=True)
    print(f"{len(old.keys() | new.keys())} outputs compared, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
