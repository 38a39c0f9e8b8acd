"""The user's lexicon: a TOML file of how to say words and phrases an engine gets wrong, in words
or, for neural voices, in phonemes."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from audio_edition.errors import InputError
from audio_edition.storage import files

Lexicon = dict[str, str]  # written -> what the engine reads instead


@dataclass(frozen=True)
class Pronunciation:
    """A lexicon entry: words to say instead, phonemes (IPA, as espeak-ng writes them) for engines
    that take them (Piper), or both."""

    say: str | None = None
    phonemes: str | None = None


_PHONEMES = re.compile(r"^\s*\[\[(.*)\]\]\s*$", re.DOTALL)
LEXICON_HINT = ('A lexicon is a TOML file of pairs, one per line: "Nguyen" = "win", or with phonemes for '
                'neural voices: "Nguyen" = { say = "win", phonemes = "ŋwˈiən" } (or "[[ ŋwˈiən ]]").')


def load_lexicon(path: Path) -> dict[str, Pronunciation]:
    """A TOML file of ``"word or phrase" = "how to say it"`` pairs; a value may instead be phonemes,
    ``"[[ ŋwˈiən ]]"``, or a table ``{ say = "win", phonemes = "ŋwˈiən" }``."""
    raw = files.read(path, "lexicon file", LEXICON_HINT, limit_mb=5)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"lexicon {path} is not UTF-8 text (byte {exc.start})", hint=LEXICON_HINT) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"lexicon {path} is not valid TOML: {exc}", hint=LEXICON_HINT) from exc
    entries: dict[str, Pronunciation] = {}
    for key, value in data.items():
        if not key.strip():
            continue
        if isinstance(value, str):
            phonemes = _PHONEMES.match(value)
            entries[key] = Pronunciation(phonemes=phonemes.group(1).strip()) if phonemes else Pronunciation(say=value)
        elif isinstance(value, dict) and set(value) <= {"say", "phonemes"} and value \
                and all(isinstance(v, str) for v in value.values()):
            entries[key] = Pronunciation(value.get("say"), value.get("phonemes"))
        else:
            raise InputError(f"lexicon {path}: the entry for {key!r} is neither words nor {{ say, phonemes }}",
                             hint=LEXICON_HINT)
    return entries


def lexicon_for(entries: dict[str, Pronunciation], phonemes: bool) -> tuple[Lexicon, list[str]]:
    """What an engine reads for each entry: phonemes as ``[[ … ]]`` when it takes them, else the
    words; and the entries it cannot use (phonemes only, for an engine without phonemes)."""
    out: Lexicon = {}
    unused: list[str] = []
    for key, entry in entries.items():
        if phonemes and entry.phonemes:
            out[key] = f"[[ {entry.phonemes} ]]"
        elif entry.say is not None:
            out[key] = entry.say
        else:
            unused.append(key)
    return out, unused
