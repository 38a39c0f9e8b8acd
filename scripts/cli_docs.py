#!/usr/bin/env python3
"""Write docs/CLI.md from the command line itself: every command, its arguments and options,
their defaults and environment variables, as ``--help`` knows them.

    python scripts/cli_docs.py          # rewrite docs/CLI.md
    python scripts/cli_docs.py --check  # exit 1 if docs/CLI.md is not what the commands say

tests/test_docs.py runs the check, so the page cannot fall behind the commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "CLI.md"
HEADER = """# The command line

Every command and option of `audio-edition`, written from the commands themselves by
`scripts/cli_docs.py` (a test fails when this page and `--help` disagree). What each command
prints, and its `--json` shapes, are in the README; exit status is 0 on success, 1 for an error
you can act on (one `Error:` line with a hint), 2 for a usage error.
"""


FOOTER = """## JSON outputs

What scripts rely on; each shape is pinned by a test.

`prepare --json` prints one object:
```
{
  "title": str, "author": str | null, "date": "YYYY-MM-DD" | null, "language": str,
  "source": str | null,                       # URL or path the article came from
  "sections": [{"title": str | null, "paragraphs": [str, ...]}],   # cleaned text, as written
  "utterances": [{"kind": "title"|"heading"|"paragraph"|"text", "text": str}],  # as sent to the engine, in order
  "removed": [{"reason": str, "text": str, "kept": str | null, "score": float | null}]
}
```
`reason` is `duplicate`, `boilerplate`, `url`, `byline`, `caption`, `code` or another short word;
`kept` is the paragraph kept in place of a removed duplicate.

`inspect --json` prints one object:
```
{
  "duration_s": float, "bitrate_kbps": int, "sample_rate": int, "channels": int,
  "id3_version": "2.3" | "2.4" | null,        # null for .m4a and .opus
  "tags": {"title": str, "artist": str, "album": str, "genre": str, "date": str,
           "language": str, "comment": str},
  "podcast": bool, "has_cover": bool,
  "chapters": [{"title": str, "start_s": float, "end_s": float}]
}
```

`engines --json` prints a list of `{"name": str, "available": bool, "reason": str | null, "offline": bool}`.

`voices list --json` prints a list, one object per voice:
```
{
  "name": str, "engine": "piper", "language": str,          # BCP 47: "de-DE"
  "quality": "x_low" | "low" | "medium" | "high" | null, "size_bytes": int,
  "installed": bool, "licence": str | null,                 # from its MODEL_CARD, once installed
  # installed voices: "origin" ("voices folder" or "package NAME") and "path" (its .onnx)
  # --available: "language_name", "speakers", "model_card" (its address) and "files" (paths in the catalogue)
}
```

`doctor --json` prints one object with the keys `ffmpeg` (path, version, source, whether it has
every filter and encoder we need, what it lacks, the formats it can make), `engines` (each with
its availability, voices, and whether `--engine auto` tries it first) and `cache` (path, size,
entries).
"""


def commands() -> list[tuple[str, Any]]:
    """(full name, click command) of every command, in the order ``--help`` lists them."""
    import typer.main

    from audio_edition.cli import app

    root = typer.main.get_command(app)
    found: list[tuple[str, Any]] = []

    def walk(prefix: str, group: Any) -> None:
        context = group.make_context(prefix or "audio-edition", [], resilient_parsing=True)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            full = f"{prefix} {name}".strip()
            if hasattr(command, "list_commands"):
                walk(full, command)
            else:
                found.append((full, command))

    walk("", root)
    return found


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _metavar(param: Any) -> str:
    """What a value looks like: the option's own metavar, else its type's name (PATH, TEXT, INTEGER)."""
    return str(param.metavar or param.type.name.upper())


def _default(param: Any) -> str:
    if getattr(param, "is_flag", False) or param.required or param.default in (None, (), []):
        return ""
    return f"`{param.default}`"


def render() -> str:
    """docs/CLI.md as the commands describe themselves."""
    out = [HEADER]
    for name, command in commands():
        context = command.context_class(command, info_name=name)  # typer carries its own click
        out.append(f"## `audio-edition {name}`\n")
        usage = " ".join(command.collect_usage_pieces(context))
        out.append(f"```\naudio-edition {name} {usage}\n```\n")
        help_text = (command.help or "").strip()
        if help_text:
            out.append("\n".join(line.strip() for line in help_text.splitlines()) + "\n")
        arguments = [p for p in command.params if p.param_type_name == "argument"]
        options = [p for p in command.params if p.param_type_name == "option" and not p.hidden]
        for argument in arguments:
            what = getattr(argument, "help", None) or ""
            out.append(f"- `{_metavar(argument)}`{' (required)' if argument.required else ''}: "
                       f"{_cell(what)}")
        if arguments:
            out.append("")
        if options:
            out.append("| option | value | default | environment | what it does |")
            out.append("| --- | --- | --- | --- | --- |")
            for option in options:
                flags = ", ".join(f"`{flag}`" for flag in [*option.opts, *option.secondary_opts])
                value = "" if option.is_flag else _cell(_metavar(option))
                env = f"`{option.envvar}`" if option.envvar else ""
                required = " (required)" if option.required else ""
                out.append(f"| {flags}{required} | {value} | {_default(option)} | {env} | {_cell(option.help or '')} |")
            out.append("")
    return "\n".join(out).rstrip() + "\n\n" + FOOTER


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="Compare instead of writing.")
    args = parser.parse_args()
    text = render()
    if args.check:
        if DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} differs from the commands: run python scripts/cli_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text, encoding="utf-8")
    print(DOC)
    return 0


if __name__ == "__main__":
    sys.exit(main())
