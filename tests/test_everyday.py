"""Everyday text, built end to end as a user would: a note on standard input, one sentence, a
hard-wrapped e-mail, Markdown without a heading; titles with markup in them; dotted initials in a
compound. Each is prepared (the title rule shows) and built, and the episode is read back by ffmpeg."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli, CliHere
from readers import ffmetadata, probe_duration

NOTE = "The quick brown fox jumps over the lazy dog. It was a sunny day.\n"
WRAPPED = ("The council voted last night to keep the library open on Sundays, after a\n"
           "campaign by parents and students that gathered more than four thousand\n"
           "signatures in three weeks.\n\n"
           "The decision costs the city about ninety thousand a year, the treasurer said.\n")
EMAIL = ("Hi Sam,\n\nThe allotment meeting moved to Thursday at seven, in the\nchurch hall rather than the "
         "school.\nBring the seed list if you still have it.\n\nThanks,\nRuth\n")

CASES = {
    # name: (file name or "-", input, title, whether the title is spoken)
    "note on stdin": ("-", NOTE, "The quick brown fox jumps over the lazy dog", False),
    "one sentence": ("one.txt", "Remember to water the tomatoes before the heat comes back on Friday.\n",
                     "Remember to water the tomatoes before the heat comes back on Friday", False),
    "one short line": ("short.txt", "Buy milk\n", "Buy milk", False),
    "hard-wrapped": ("wrapped.txt", WRAPPED, "The council voted last night to keep the library open on Sundays…",
                     False),
    "e-mail": ("mail.txt", EMAIL, "The allotment meeting moved to Thursday at seven…", False),
    "markdown, no heading": ("note.md", "Pack the *blue* tent and two stoves.\n\nWe leave at six.\n",
                             "Pack the blue tent and two stoves", False),
    "title line": ("titled.txt", "Sunday opening saved\n\n" + WRAPPED, "Sunday opening saved", True),
    "question title": ("asked.txt", "Will the library open on Sundays?\n\nYes, from March.\n",
                       "Will the library open on Sundays?", True),
}


def _words(text: str) -> list[str]:
    return [w.strip(".,?!*…").casefold() for w in text.split() if w.strip(".,?!*…")]


@pytest.mark.slow  # each case starts the CLI twice and synthesizes
@pytest.mark.parametrize("case", list(CASES))
def test_everyday_text_builds_with_the_title_rule(cli: Cli, tmp_path: Path, case: str) -> None:
    name, text, title, spoken = CASES[case]
    stdin = text.encode() if name == "-" else None
    if name != "-":
        (tmp_path / name).write_text(text)
    prepared = cli("prepare", name, "--json", stdin=stdin)
    assert prepared.code == 0, prepared.stderr
    shown = json.loads(prepared.stdout)
    assert shown["title"] == title
    kinds = [u["kind"] for u in shown["utterances"]]
    assert (kinds[0] == "title") == spoken and kinds.count("title") == int(spoken)
    # Every word of the text is spoken, once the title line (if it stands alone) is set aside.
    body = text.split("\n", 2)[2] if spoken else text
    said = _words(" ".join(u["text"] for u in shown["utterances"] if u["kind"] != "title"))
    assert said == _words(body)
    plain = cli("prepare", name, stdin=stdin).stdout
    assert ("no title line" in plain) != spoken  # prepare says the title was drawn from the text

    built = cli("build", name, "-o", "out.mp3", "--engine", "espeak", stdin=stdin)
    assert built.code == 0, built.stderr
    assert ffmetadata(tmp_path / "out.mp3").tags["title"] == title
    assert probe_duration(tmp_path / "out.mp3") > 2


@pytest.mark.slow
def test_a_title_is_given_with_title_and_then_spoken(cli: Cli) -> None:
    shown = json.loads(cli("prepare", "-", "--json", "--title", "Fox facts", stdin=NOTE.encode()).stdout)
    assert shown["title"] == "Fox facts" and shown["utterances"][0] == {"kind": "title", "text": "Fox facts"}
    assert "no title line" not in cli("prepare", "-", "--title", "Fox facts", stdin=NOTE.encode()).stdout


@pytest.mark.slow
@pytest.mark.parametrize(("page_title", "heard"), [
    ('Quarterly &lt;script&gt;alert("x")&lt;/script&gt; Results', "Quarterly Results"),
    ("&lt;![CDATA[Quarterly Results]]&gt;", "Quarterly Results"),
    ("Quarterly &lt;b&gt;Results&lt;/b&gt; &lt;!-- draft --&gt;", "Quarterly Results"),
])
def test_markup_in_a_title_or_heading_is_dropped_and_reported(cli: Cli, tmp_path: Path, page_title: str,
                                                                heard: str) -> None:
    (tmp_path / "q.html").write_text(
        f"<html><head><title>{page_title}</title></head><body><article><h1>{page_title}</h1>"
        "<p>Revenue rose four percent in the quarter, the company said on Tuesday, helped by garden tools.</p>"
        f"<h2>{page_title.replace('Quarterly', 'The')}</h2>"
        "<p>The company expects another good year and will hire forty people at its plant by summer.</p>"
        "</article></body></html>")
    built = cli("build", "q.html", "-o", "q.mp3", "--engine", "espeak")
    assert built.code == 0, built.stderr
    report = json.loads((tmp_path / "q.report.json").read_text())
    assert [r["reason"] for r in report["removed"]].count("markup") == 1
    assert ffmetadata(tmp_path / "q.mp3").tags["title"] == heard
    shown = json.loads(cli("prepare", "q.html", "--json").stdout)
    spoken = " ".join(u["text"] for u in shown["utterances"])
    assert shown["utterances"][0]["text"] == heard
    assert not any(word in spoken.casefold() for word in ("script", "cdata", "alert", "<", ">", "draft"))


@pytest.mark.slow
def test_dotted_initials_in_a_compound_are_one_unit(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "talks.txt").write_text("Talks resume\n\nThe U.S.-Russia talks resume in Geneva, and a "
                                        "U.K.-based mediator will chair them.\n")
    shown = json.loads(cli("prepare", "talks.txt", "--json").stdout)
    said = shown["utterances"][1]["text"]
    assert "U S Russia talks" in said and "U K based mediator" in said
    assert shown["sections"][0]["paragraphs"][0].startswith("The U.S.-Russia talks")  # the transcript as written
    assert cli("build", "talks.txt", "--engine", "espeak").code == 0


@pytest.mark.parametrize(("text", "said"), [
    ("", "is empty"),
    ("https://example.com/a\n\nwww.example.com/b\n", "only web addresses"),
    ("Share this article\n\nBy Jane Doe\n", "removed 1 paragraph (1 as byline)"),
])
def test_nothing_to_speak_says_what_took_the_text(cli_here: CliHere, text: str, said: str) -> None:
    run = cli_here("prepare", "-", stdin=text.encode())
    assert run.code == 1 and said in run.stderr and run.stderr.count("\n") == 1, run.stderr

