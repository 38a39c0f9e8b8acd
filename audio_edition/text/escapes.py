"""One escaper per output format, for text that comes from an article or a server: what is text
there stays text, and cannot become markup, a cue's timing or a terminal's control sequence."""

from __future__ import annotations

import html
import unicodedata


def rss_description(text: str) -> str:
    """Plain text for an RSS ``<description>``: readers take its value as HTML, so ``<`` is written
    ``&lt;`` in the value (and the XML writer escapes that again)."""
    return html.escape(text, quote=False)


def vtt_cue(text: str) -> str:
    """A WebVTT cue's text: one line, no "-->", and &, < and > as character references."""
    text = " ".join(text.split()).replace("-->", "->")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def srt_cue(text: str) -> str:
    """A SubRip cue's text: one line, and no angle brackets or ASS override braces, which players
    take as formatting (SubRip has no character references: "&lt;" is shown as written), so they
    become the look-alike ‹ › and (; a "-->" (which would start a new cue) becomes "--›" with them."""
    text = " ".join(text.split())
    return text.replace("<", "‹").replace(">", "›").replace("{\\", "(\\")


def terminal(text: str) -> str:
    """A line for the terminal: control characters (escape sequences, carriage returns, bells)
    shown as \\xNN, so that a server's words cannot move the cursor or recolour the screen."""
    return "".join(c if c == "\n" or unicodedata.category(c) not in ("Cc", "Cf") or c == "\u200d"
                   else f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}" for c in text)
