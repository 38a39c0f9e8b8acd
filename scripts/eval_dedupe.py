#!/usr/bin/env python3
"""How duplicate removal does on the labelled corpus: tests/corpus/{tuning,heldout}.

    python scripts/eval_dedupe.py [--set tuning|heldout|all] [--mode MODE] [--json] [--list]

Each article NAME.txt/.md has NAME.json: {"kind", "language", "duplicates": [[original, copy], ...]}
(each a paragraph's first words; the same words twice mean the first and second occurrence).
Copies of one original form a group; a group of k paragraphs should lose k - 1 of them, each
removed in favour of another member. Any other removal is a false alarm.

The held-out set is for judging, not tuning: never run --list on it while changing the detector.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audio_edition.ingest import read_article  # noqa: E402
from audio_edition.text.cleanup import strip_furniture  # noqa: E402
from audio_edition.text.dedupe import duplicates_in  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
SETS = ("tuning", "heldout")


@dataclass
class Figures:
    articles: int = 0
    copies: int = 0  # removals the labels ask for
    found: int = 0  # of those, made
    false_alarms: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.found / (self.found + self.false_alarms) if self.found + self.false_alarms else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.copies if self.copies else 1.0


def _index(paragraphs: tuple[str, ...], words: str, occurrence: int) -> int:
    hits = [i for i, p in enumerate(paragraphs) if p.startswith(words)]
    if len(hits) <= occurrence:
        raise SystemExit(f"label {words!r}: {len(hits)} paragraphs start so")
    return hits[occurrence]


def groups(paragraphs: tuple[str, ...], pairs: list[list[str]]) -> list[set[int]]:
    """The labelled copies as groups of paragraph indices (an original and its copies)."""
    out: list[set[int]] = []
    for original, copy in pairs:
        a = _index(paragraphs, original, 0)
        b = _index(paragraphs, copy, 1 if copy == original else 0)
        joined = [g for g in out if a in g or b in g]
        merged = {a, b}.union(*joined)
        out = [g for g in out if g not in joined] + [merged]
    return out


def evaluate(path: Path, mode: str, figures: Figures) -> None:
    label = json.loads(path.with_suffix(".json").read_text())
    language = label.get("language", "en")
    article = strip_furniture(read_article(str(path)), language)
    paragraphs = article.paragraphs
    want = groups(paragraphs, label["duplicates"])
    started = time.perf_counter()
    found = duplicates_in(article, mode, language)  # type: ignore[arg-type]
    figures.seconds += time.perf_counter() - started
    figures.articles += 1
    figures.copies += sum(len(g) - 1 for g in want)
    made = {id(g): 0 for g in want}
    for d in found:
        group = next((g for g in want if d.removed in g and d.kept in g), None)
        if group is not None and made[id(group)] < len(group) - 1:
            made[id(group)] += 1
            figures.found += 1
        else:
            figures.false_alarms += 1
            figures.notes.append(f"{path.name}: false alarm, removed {paragraphs[d.removed][:50]!r} "
                                 f"for {paragraphs[d.kept][:50]!r} ({d.kind} {d.score})")
    for g in want:
        if made[id(g)] < len(g) - 1:
            first = min(g)
            figures.notes.append(f"{path.name}: missed copies of {paragraphs[first][:60]!r}")


def run(which: str, mode: str = "paraphrase") -> Figures:
    figures = Figures()
    for path in sorted((CORPUS / which).iterdir()):
        if path.suffix in (".txt", ".md"):
            evaluate(path, mode, figures)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    parser.add_argument("--mode", default="paraphrase", choices=["exact", "paraphrase"])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--list", action="store_true", help="every miss and false alarm (not on the held-out set)")
    args = parser.parse_args()
    results = {}
    for which in SETS if args.set == "all" else (args.set,):
        f = run(which, args.mode)
        results[which] = {"articles": f.articles, "copies": f.copies, "found": f.found,
                          "false_alarms": f.false_alarms, "precision": round(f.precision, 3),
                          "recall": round(f.recall, 3), "ms_per_article": round(1000 * f.seconds / f.articles, 2)}
        if not args.json:
            print(f"{which}: {f.articles} articles, {f.copies} copies; found {f.found}, false alarms "
                  f"{f.false_alarms}; precision {f.precision:.2f}, recall {f.recall:.2f}; "
                  f"{1000 * f.seconds / f.articles:.1f} ms an article")
            if args.list:
                print("\n".join(f"  {n}" for n in f.notes))
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
