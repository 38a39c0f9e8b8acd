#!/usr/bin/env python3
"""Speak an article with one engine and check every take: no silence, no clipping, and a length
that fits its text (a voice that drops or repeats words makes a take far too short or too long).

    python scripts/check_voice.py [--engine piper] [--voice NAME] [ARTICLE]

ARTICLE defaults to ../shared/samples/seed-article.txt. Prints one line per take with a problem,
then the totals and the real-time factor (seconds of audio per second of synthesis, one process).
Exits 1 when any take has a problem.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from audio_edition import pipeline
    from audio_edition.audio.takecheck import check_wav
    from audio_edition.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("article", nargs="?", default=str(ROOT.parent / "shared" / "samples" / "seed-article.txt"))
    parser.add_argument("--engine", default="piper")
    parser.add_argument("--voice", default=None)
    parser.add_argument("--rate", type=float, default=1.0)
    args = parser.parse_args()
    settings = Settings(engine=args.engine, voice=args.voice, rate=args.rate, use_cache=False)
    prepared = pipeline.prepare(args.article, settings)
    engine, voice, language = prepared.engine, prepared.voice, prepared.script.language
    engine.synthesize("Warm up.", voice, language)  # the model's load is not synthesis
    texts = list(dict.fromkeys(u.text for u in prepared.script.utterances))
    bad, audio, spent = 0, 0.0, 0.0
    for text in texts:
        started = time.process_time()
        take = engine.synthesize(text, voice, language)
        spent += time.process_time() - started
        if take.format != "wav":
            sys.exit(f"{engine.name} gives {take.format} takes; this check reads WAV")
        report = check_wav(take.audio, text, args.rate)
        audio += report.seconds
        if report.problems:
            bad += 1
            print(f"PROBLEM {', '.join(report.problems)}: {text[:80]}")
    print(f"{engine.name} ({Path(voice).name}, {language}): {len(texts)} takes, {bad} with a problem; "
          f"{audio:.1f} s of audio in {spent:.1f} CPU-s = {audio / max(spent, 1e-9):.1f}x real time per CPU")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
