"""prepare: what would be spoken, in the shape docs/CLI.md and the README give, for every input format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Cli, require_realworld, require_seed

pytestmark = pytest.mark.slow  # detection over real pages, and the CLI

PREPARE_KEYS = {"title", "author", "date", "language", "source", "sections", "utterances", "removed"}


def prepared(cli: Cli, *args: str, stdin: bytes | None = None) -> dict[str, Any]:
    run = cli("prepare", *args, "--json", stdin=stdin)
    assert run.code == 0, run.stderr
    data = json.loads(run.stdout)
    assert set(data) == PREPARE_KEYS
    assert all(set(u) == {"kind", "text"} and u["kind"] in ("title", "heading", "paragraph", "text")
               for u in data["utterances"])
    assert all(set(r) == {"reason", "text", "kept", "score"} for r in data["removed"])
    return data


def test_seed_article(cli: Cli) -> None:
    data = prepared(cli, str(require_seed()))
    assert data["title"] == "Putin’s opportunity to address peace concerns before Trump encounter"
    assert data["author"] == "Roger W. Watson"
    assert data["language"] == "en"
    duplicates = [r for r in data["removed"] if r["reason"] == "duplicate"]
    assert len(duplicates) == 4 and all(r["kept"] and 0 < r["score"] <= 1 for r in duplicates)
    assert sorted(r["text"].split()[0] for r in duplicates) == ["As", "Cyber", "One", "Ultimately,"]
    others = [r for r in data["removed"] if r["reason"] != "duplicate"]
    assert sorted(r["reason"] for r in others) == ["boilerplate", "byline", "url"]  # no body paragraph
    assert len(data["sections"][0]["paragraphs"]) == 9
    spoken = " ".join(u["text"] for u in data["utterances"])
    assert "http" not in spoken and "www" not in spoken and "You May Also Like" not in spoken


def test_markdown_post(cli: Cli, tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text("""---
title: "Rates & Returns: Q3 in Review"
author: Ines Calder
date: 2026-10-12
---

Revenue rose 6% to $18.5 million, says [the report](https://example.com/report.pdf).

<!-- editor: check this figure -->

## Highlights

- Costs fell by $1.2m
- Staff grew to 1,200

```python
print("secret")
```

![Chart of revenue](chart.png)

<div class="ad">Buy now</div>

## Outlook

Dr. Hale expects growth of 3–5% in 2027.
""")
    data = prepared(cli, str(post))
    assert (data["title"], data["author"], data["date"]) == ("Rates & Returns: Q3 in Review", "Ines Calder",
                                                             "2026-10-12")
    assert [s["title"] for s in data["sections"]] == [None, "Highlights", "Outlook"]
    assert data["sections"][1]["paragraphs"] == ["Costs fell by $1.2m", "Staff grew to 1,200"]  # as written
    texts = [u["text"] for u in data["utterances"]]
    assert texts[0] == "Rates and Returns: the third quarter in Review"
    assert "Revenue rose six percent to eighteen point five million dollars, says the report." in texts
    assert "Costs fell by one point two million dollars" in texts
    assert "Doctor Hale expects growth of three to five percent in twenty twenty-seven." in texts
    spoken = " ".join(texts)
    for absent in ("http", "example.com", "print", "secret", "Chart", "Buy now", "editor", "<", "$", "%", "&"):
        assert absent not in spoken, absent
    assert sorted(r["reason"] for r in data["removed"]) == ["code", "comment", "html", "image"]


def test_html_page_and_language_from_the_page(cli: Cli) -> None:
    data = prepared(cli, str(ROOT / "tests" / "pages" / "courier-flood-barriers.html"))
    assert data["language"] == "en-GB" and data["date"] == "2026-09-14"
    assert "four point two million pounds" in " ".join(u["text"] for u in data["utterances"])


def test_language_is_detected_and_the_voice_follows(cli: Cli, tmp_path: Path) -> None:
    text = tmp_path / "wahl.txt"
    text.write_text((ROOT / "tests" / "corpus" / "tuning" / "08-wahl.txt").read_text())
    data = prepared(cli, str(text))
    assert data["language"] == "de"
    assert "fünfundfünfzig" in " ".join(u["text"] for u in data["utterances"])
    assert prepared(cli, str(text), "--lang", "fr")["language"] == "fr"  # --lang wins
    build = cli("build", str(text), "-o", "wahl.mp3", "--no-intro", "--no-outro")
    assert build.code == 0
    report = json.loads((tmp_path / "wahl.report.json").read_text())
    assert (report["language"], report["voice"]) == ("de", "de")


@pytest.mark.parametrize("mode, duplicates", [("off", 0), ("exact", 0), ("paraphrase", 4)])
def test_dedupe_option(cli: Cli, mode: str, duplicates: int) -> None:
    data = prepared(cli, str(ROOT / "tests" / "corpus" / "tuning" / "06-tomatoes.txt"), "--dedupe", mode)
    assert sum(r["reason"] == "duplicate" for r in data["removed"]) == duplicates


def test_lexicon_option(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "lex.toml").write_text('"Nguyen" = "win"\n')
    data = prepared(cli, "-", "--lexicon", str(tmp_path / "lex.toml"), stdin=b"Meet Ms Nguyen\n\nNguyen spoke first.\n")
    assert [u["text"] for u in data["utterances"]] == ["Meet Ms win", "win spoke first."]


def test_prepare_errors(cli: Cli, tmp_path: Path) -> None:
    run = cli("prepare", "missing.md")
    assert run.code == 1 and run.stderr.startswith("Error: ")
    run = cli("prepare", "x.md", "--dedupe", "sometimes")
    assert run.code == 2
    (tmp_path / "bad.toml").write_text("= nope")
    (tmp_path / "a.txt").write_text("T\n\nBody.\n")
    run = cli("prepare", "a.txt", "--lexicon", "bad.toml")
    assert run.code == 1 and "not valid TOML" in run.stderr


def test_build_reports_removals_on_stderr_and_in_the_report(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text((ROOT / "tests" / "corpus" / "tuning" / "01-harbour.txt").read_text()
                                    + "\nhttps://example.com/photo.jpg\n\nBy Ada Lane\n")
    run = cli("build", "a.txt", "--engine", "fake")
    assert run.code == 0
    assert "Removed from a.txt: 2 duplicate, 1 byline, 1 url (listed in a.report.json)" in run.stderr
    report = json.loads((tmp_path / "a.report.json").read_text())
    assert [r["reason"] for r in report["removed"]] == ["url", "byline", "duplicate", "duplicate"]


def test_a_declared_language_loads_no_detector(tmp_path: Path) -> None:
    """When the document says its language and its text is too short to doubt it (under 40 words),
    nothing is detected: the detector is not even imported."""
    (tmp_path / "a.md").write_text("---\ntitle: Wahl\nlang: de\n---\n\nDie Wahl findet am Sonntag statt, sagte sie.\n")
    code = ("import sys; from pathlib import Path; from audio_edition import pipeline; "
            "from audio_edition.settings import Settings; "
            f"p = pipeline.prepare({str(tmp_path / 'a.md')!r}, Settings()); "
            "assert p.script.language == 'de'; assert 'pycld2' not in sys.modules, 'detector loaded'")
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ))


def test_detection_is_cached_by_text(tmp_path: Path, isolated_cache: Path) -> None:
    from audio_edition import pipeline
    from audio_edition.settings import Settings
    from audio_edition.text import language

    article = tmp_path / "wahl.txt"
    article.write_text((ROOT / "tests" / "corpus" / "tuning" / "08-wahl.txt").read_text())
    assert pipeline.prepare(str(article), Settings()).script.language == "de"
    from audio_edition.storage.cache import DiskCache

    cache = DiskCache(isolated_cache)
    keys = [p.stem for p in (isolated_cache / "language").rglob("*.txt")]
    assert [cache.get("language", key, "txt") for key in keys] == [b"de:99"]  # languages and their share of the text
    cache.put("language", keys[0], "txt", b"fr:97")  # what the cache says is used: detection is not run again
    assert pipeline.prepare(str(article), Settings()).script.language == "fr"
    assert language.DETECTOR == "cld2-shares"


def test_detection_agrees_with_what_real_pages_declare() -> None:
    """On real pages that declare a language, detection on the extracted article mostly agrees
    (the rest are mostly pages that declare the wrong one), and it is never a slow model load."""
    import gzip
    import re
    import time

    from audio_edition.ingest.html import read_html
    from audio_edition.text.language import base, detect

    pages = require_realworld() / "pages"
    agree = total = 0
    slowest = 0.0
    for page in sorted(pages.glob("*.html.gz"))[::7]:
        html = gzip.decompress(page.read_bytes())
        declared = re.search(rb'<html[^>]*\blang="?([A-Za-z]{2})\b', html)
        try:
            article = read_html(html.decode("utf-8", "replace"), str(page))
        except Exception:  # pages with no article text: not what this test is about
            continue
        text = " ".join([article.title, *article.paragraphs])
        if not declared or len(text.split()) < 50:
            continue
        started = time.perf_counter()
        found = detect(text)
        slowest = max(slowest, time.perf_counter() - started)
        total += 1
        agree += found is not None and base(found) == declared.group(1).decode().lower()
    assert total > 80
    assert agree / total > 0.9, (agree, total)
    assert slowest < 0.05
