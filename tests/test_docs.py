"""The docs say what the commands do: docs/CLI.md is what ``--help`` says, every command the
README shows parses against the real command line, and the notes the layout keeps exist."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from audio_edition import __version__
from audio_edition.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PROGRAMS = (("audio-edition",), ("python3", "-m", "audio_edition"), ("python", "-m", "audio_edition"))


def _cli_docs() -> Any:
    spec = importlib.util.spec_from_file_location("cli_docs", ROOT / "scripts" / "cli_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_page_is_what_the_commands_say() -> None:
    docs = _cli_docs()
    assert docs.DOC.read_text(encoding="utf-8") == docs.render(), "run python scripts/cli_docs.py"


def test_cli_page_names_every_command_and_option() -> None:
    """Independent of the generator: each command's heading, and each of its options, are on the page."""
    text = (ROOT / "docs" / "CLI.md").read_text(encoding="utf-8")
    for name, command in _cli_docs().commands():
        assert f"## `audio-edition {name}`" in text
        section = text.split(f"## `audio-edition {name}`", 1)[1].split("\n## ", 1)[0]
        for param in command.params:
            for flag in getattr(param, "opts", []) if param.param_type_name == "option" else []:
                assert f"`{flag}`" in section, f"{name}: {flag} is not on the page"


def readme_commands() -> list[tuple[int, list[str]]]:
    """(line, arguments) of every audio-edition command in the README's shell blocks."""
    found = []
    in_shell = False
    lines = README.read_text(encoding="utf-8").splitlines()
    joined: list[tuple[int, str]] = []
    for number, line in enumerate(lines, 1):
        if line.startswith("```"):
            in_shell = line.strip() in ("```sh", "```bash", "```console")
            continue
        if not in_shell:
            continue
        if joined and joined[-1][1].endswith("\\"):
            joined[-1] = (joined[-1][0], joined[-1][1][:-1] + " " + line.strip())
        else:
            joined.append((number, line.strip()))
    for number, line in joined:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        for token in [*lexer, ";"]:
            if token in ("|", "||", "&&", ";", ">", ">>", "<", "&"):
                words = [w for w in words if not re.fullmatch(r"[A-Z_]+=.*", w)]  # VAR=value before it
                for program in PROGRAMS:
                    if tuple(words[: len(program)]) == program:
                        found.append((number, words[len(program):]))
                words = [] if token != ">" else ["(redirect)"]
            elif words != ["(redirect)"]:
                words.append(token)
            else:
                words = []
    return found


def test_the_readme_shows_commands() -> None:
    commands = readme_commands()
    assert len(commands) >= 30 and any(args[:1] == ["build"] for _, args in commands)


@pytest.mark.parametrize("line,args", readme_commands(),
                         ids=lambda v: str(v) if isinstance(v, int) else " ".join(v)[:60])
def test_readme_command_parses(line: int, args: list[str]) -> None:
    """Each command as the README writes it names a real command and real options with values
    they take (placeholders stand for files; nothing is run)."""
    group = typer.main.get_command(app)
    if args in (["--version"], ["--help"]):
        return
    command, rest, name = group, list(args), "audio-edition"
    while hasattr(command, "list_commands") and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        command = command.get_command(command.make_context("audio-edition", [], resilient_parsing=True), name)
        assert command is not None, f"README line {line}: no command '{name}' in: audio-edition {' '.join(args)}"
    try:
        command.make_context(name, rest)
    except typer.Exit:
        pass  # --help
    except Exception as exc:  # click's usage errors, from typer's own copy of click
        pytest.fail(f"README line {line}: audio-edition {' '.join(args)}: {exc}")


def test_changelog_has_this_version() -> None:
    assert f"## {__version__} " in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_architecture_note_names_every_stage() -> None:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    stages = sorted(p.name for p in (ROOT / "audio_edition").iterdir() if (p / "__init__.py").is_file())
    assert all(f"`{stage}/`" in text for stage in stages), stages
