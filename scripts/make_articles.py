#!/usr/bin/env python3
"""Write long test articles of a given number of words, for benchmarks and scaling checks.

    python scripts/make_articles.py WORDS OUT.md [--seed N]

The text is generated from our own word lists and sentence patterns (no one else's writing):
sections of a few paragraphs, sentences of varied shape with numbers, money, dates and names,
so that the text pipeline has real work to do and no two paragraphs are near-copies (duplicate
removal must keep them all).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

PLACES = ("Eastbrook", "Marlow Bay", "Quarry Hill", "Stonebridge", "Ashcombe", "Riverside", "Kettering Flats",
          "Northgate", "Pellham", "Wrenfield", "Oldhaven", "Larchmont", "Cobble End", "Saltmarsh", "Highmoor")
PEOPLE = ("Nadia Osei", "Tomas Reyes", "Helen Park", "Ivo Brandt", "Ruth Calloway", "Samir Haddad", "Leona Fitch",
          "Oskar Lind", "Grace Mbeki", "Daniel Ferrante", "Yuki Tanabe", "Marta Kowal", "Ben Achterberg")
GROUPS = ("the council", "the harbour board", "the library trust", "the rail operator", "the school governors",
          "the water company", "the farmers' union", "the museum", "the hospital board", "the cycling club",
          "the chamber of commerce", "the housing association", "the weather service", "the ferry company")
THINGS = ("bridge", "timetable", "budget", "reservoir", "archive", "orchard", "footpath", "tram line", "market hall",
          "solar roof", "flood barrier", "reading room", "bus depot", "sea wall", "allotment", "clinic", "pier",
          "sports ground", "heat pump", "cycle lane", "bakery", "warehouse", "lighthouse", "ferry", "choir")
VERBS = ("approved", "postponed", "questioned", "rebuilt", "measured", "expanded", "inspected", "funded",
         "redesigned", "opened", "closed", "repaired", "surveyed", "debated", "doubled", "replaced", "welcomed")
ADJECTIVES = ("careful", "costly", "overdue", "modest", "ambitious", "temporary", "popular", "narrow", "quiet",
              "crowded", "unexpected", "gradual", "cautious", "generous", "fragile", "sturdy", "familiar")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
LINKS = ("However", "Meanwhile", "Even so", "By contrast", "In the end", "For now", "Still", "At first",
         "Later", "As a result", "In practice", "On balance")


def sentence(rng: random.Random) -> str:
    """One sentence from one of several shapes."""
    place, person, group = rng.choice(PLACES), rng.choice(PEOPLE), rng.choice(GROUPS)
    thing, other = rng.sample(THINGS, 2)
    verb, adjective = rng.choice(VERBS), rng.choice(ADJECTIVES)
    shapes = (
        lambda: f"In {place}, {group} {verb} the {adjective} {thing} after {rng.randint(2, 40)} months of talks.",
        lambda: f"{person} said the {thing} had cost ${rng.randint(2, 900)}.{rng.randint(1, 9)} million so far.",
        lambda: f"{rng.choice(LINKS)}, the {other} near {place} was {verb} on {rng.choice(MONTHS)} "
                f"{rng.randint(1, 28)}, {rng.randint(1990, 2026)}.",
        lambda: f"About {rng.randint(12, 96)}% of residents asked whether the {thing} could wait another year.",
        lambda: f"\u201cWe {verb} what we could,\u201d {person} told {group}, "
                f"\u201cbut the {other} is still {adjective}.\u201d",
        lambda: f"The {adjective} {thing} stretches {rng.randint(2, 60)} km from {place} to {rng.choice(PLACES)}.",
        lambda: f"{group.capitalize()} expects {rng.randint(150, 9000):,} visitors before the {other} is {verb}.",
        lambda: f"By {rng.randint(5, 11)}:{rng.choice(('00', '15', '30', '45'))}am the queue outside the {thing} "
                f"had reached the {other}.",
    )
    return rng.choice(shapes)()


def article(words: int, seed: int = 1) -> str:
    """A Markdown article of about ``words`` words, with a title and a heading every few paragraphs."""
    rng = random.Random(seed)
    lines = [f"# What changed in {rng.choice(PLACES)} this year", ""]
    count, paragraph_no = 0, 0
    while count < words:
        if paragraph_no and paragraph_no % 5 == 0:
            lines += [f"## The {rng.choice(ADJECTIVES)} {rng.choice(THINGS)} of {rng.choice(PLACES)}", ""]
        text = " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))
        lines += [text, ""]
        count += len(text.split())
        paragraph_no += 1
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("words", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv[1:])
    args.out.write_text(article(args.words, args.seed), encoding="utf-8")
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
