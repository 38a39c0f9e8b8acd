"""Our reading and cleanup on real pages (../shared/realworld, when it is there: CI has it).

A fixed sample (every 10th of the 990 annotated pages) is run through scripts/eval_realworld.py,
as a user would run it, and compared with the figures it had when these tests were written: any
regression fails. The full run, and its listing of every loss, is `python scripts/eval_realworld.py`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REALWORLD, ROOT, require_realworld

pytestmark = pytest.mark.slow  # hundreds of real pages

# Figures of the sample when it was written: what may not get worse.
KNOWN = {"with_missing": 28, "without_spoken_ours": 0, "glued": 2, "symbols": 0, "errors": 0}


@pytest.fixture(scope="module")
def figures() -> dict[str, dict[str, int]]:
    require_realworld()
    out = {}
    for mode in ("paraphrase",):  # dedupe off is covered by false_removals: no annotated passage is removed
        run = subprocess.run([sys.executable, str(ROOT / "scripts" / "eval_realworld.py"), "--json", "--every", "10",
                              "--dedupe", mode], capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr
        out[mode] = json.loads(run.stdout)
    return out


def test_no_page_raises_anything_but_our_errors(figures: dict[str, dict[str, int]]) -> None:
    assert figures["paraphrase"]["pages"] == 99 and figures["paraphrase"]["tracebacks"] == 0


def test_duplicate_removal_loses_no_annotated_article_passage(figures: dict[str, dict[str, int]]) -> None:
    default = figures["paraphrase"]
    assert default["false_removals"] == 0  # no removal holds an annotated article passage
    assert default["duplicates_removed"] <= 10  # real articles almost never repeat a paragraph


def test_no_regression_against_the_known_figures(figures: dict[str, dict[str, int]]) -> None:
    default = figures["paraphrase"]
    worse = {k: (default[k], v) for k, v in KNOWN.items() if default[k] > v}
    assert worse == {}, worse
    assert default["zero_width"] == 0


def test_real_pages_read_the_same_from_a_url_as_from_a_file(tmp_path: Path) -> None:
    """A sample of the real pages served over HTTP on loopback (text/html, no charset in the header,
    as many servers send them): the article read from its URL is the one read from the saved file."""
    import gzip
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from audio_edition import pipeline
    from audio_edition.settings import Settings

    data = json.loads((require_realworld() / "evaldata.json").read_text())
    chosen = sorted(data.values(), key=lambda entry: entry["file"])[::83]
    pages = {f"/{n}/{entry['file']}": gzip.decompress((REALWORLD / "pages" / f"{entry['file']}.gz").read_bytes())
             for n, entry in enumerate(chosen)}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            body = pages[self.path]
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = Settings(cache_dir=tmp_path / "cache", use_cache=False, engine="espeak")
    try:
        for path, body in pages.items():
            saved = tmp_path / path.strip("/").replace("/", "-")
            saved.write_bytes(body)
            url = f"http://127.0.0.1:{server.server_address[1]}{path}"
            try:
                from_file = pipeline.prepare(str(saved), settings)
            except Exception as exc:  # the same error either way
                with pytest.raises(type(exc)):
                    pipeline.prepare(url, settings)
                continue
            from_url = pipeline.prepare(url, settings)
            assert from_url.article.title == from_file.article.title, path
            assert from_url.article.sections == from_file.article.sections, path
            assert from_url.script.utterances == from_file.script.utterances, path
            # another site's canonical is not taken
            assert from_url.article.source.startswith("http://127.0.0.1:"), path
    finally:
        server.shutdown()
        server.server_close()
